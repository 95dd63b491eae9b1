// EMA on real MNIST: train the small CNN with Adam while keeping moving averages, then evaluate
// held-out accuracy with the raw weights and with the averages swapped in, reported side by
// side. The step also writes TensorBoard summaries, a JSON-lines log and progress lines.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { ExponentialMovingAverage } from '../../src/train/ema.js';
import { trainStep } from '../../src/train/train-step.js';
import { accuracy, StreamingMean } from '../../src/train/metrics.js';
import { SummaryWriter } from '../../src/train/summary/summary-writer.js';
import { readEventFile } from '../../src/train/summary/event-reader.js';
import { JsonlLogger } from '../../src/train/jsonl-logger.js';
import { ProgressBar } from '../../src/train/progress-bar.js';
import { cosineDecay } from '../../src/train/schedules.js';
import { setupBackend, loadMnist, permutation, batch, buildSmallCnn, cnnLoss, cnnLogits, bytesOf } from './helpers.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';

const STEPS = 120;

before(async () => {
  await setupBackend();
});

test(`EMA on MNIST: accuracy with raw weights and with the averages after ${STEPS} steps`, async (t) => {
  const train = loadMnist('train10k', 2000);
  const held = loadMnist('t10k', 1000);
  const params = buildSmallCnn(5);
  const gs = createGlobalStep();
  const opt = new AdamOptimizer(params, { learningRate: cosineDecay(0.01, { decaySteps: STEPS, alpha: 0.1 }) });
  const ema = new ExponentialMovingAverage(0.98, { numUpdates: gs.variable });
  ema.apply(params.trainable());
  const dir = await mkdtemp(join(tmpdir(), 'graft-ema-'));
  try {
    const writer = await SummaryWriter.create(join(dir, 'events'));
    const logger = await JsonlLogger.create(join(dir, 'train.jsonl'));
    const out = new PassThrough();
    let progressText = '';
    out.on('data', (c: Buffer) => (progressText += c.toString()));
    const progress = new ProgressBar({ total: STEPS, stream: out, label: 'mnist', everySteps: 40 });
    const order = permutation(train.count, 3);
    const meanLoss = new StreamingMean();
    for (let s = 0; s < STEPS; s++) {
      const { x, y } = batch(train, order, s, 16);
      const r = trainStep(opt, () => cnnLoss(params, x, y), { globalStep: gs.variable, ema, summaryWriter: writer, logger, progress, logEvery: 10 });
      if (s >= STEPS - 20) meanLoss.update(r.loss, 16);
      x.dispose();
      y.dispose();
    }
    progress.done();
    await writer.close();
    await logger.close();

    const x = tf.tensor4d(held.images, [held.count, 28, 28, 1]);
    const y = tf.tensor1d(held.labels, 'int32');
    const evaluate = (): number => tf.tidy(() => accuracy(y, cnnLogits(params, x)));
    const rawBytes = params.toArray().map((p) => bytesOf(p.variable));
    const rawAcc = evaluate();
    const emaAcc = await ema.withAveragesSwapped(() => {
      for (const p of params) assert.deepEqual(bytesOf(p.variable), bytesOf(ema.average(p.name)), `${p.name} holds its average`);
      return evaluate();
    });
    params.toArray().forEach((p, i) => assert.deepEqual(bytesOf(p.variable), rawBytes[i], `${p.name} raw value restored`));
    t.diagnostic(`held-out accuracy on ${held.count} t10k images after ${STEPS} steps: raw ${rawAcc.toFixed(4)}, EMA ${emaAcc.toFixed(4)}; mean loss of last 20 steps ${meanLoss.result().toFixed(4)}`);
    assert.ok(rawAcc > 0.6, `raw accuracy ${rawAcc}`);
    assert.ok(emaAcc > 0.6, `EMA accuracy ${emaAcc}`);
    assert.ok(params.toArray().some((p) => Buffer.compare(Buffer.from(bytesOf(p.variable)), Buffer.from(bytesOf(ema.average(p.name)))) !== 0), 'averages differ from the raw weights');
    x.dispose();
    y.dispose();

    // What the step logged.
    const [eventFile] = await readdir(join(dir, 'events'));
    const events = await readEventFile(join(dir, 'events', eventFile!));
    const lossSteps = events.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.tag === 'loss').map(() => e.step));
    assert.deepEqual(lossSteps, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
    const lrAt120 = events.filter((e) => e.step === 120).flatMap((e) => e.summary?.value ?? []).find((v) => v.tag === 'learning_rate')!.simpleValue!;
    assert.equal(lrAt120, cosineDecay(0.01, { decaySteps: STEPS, alpha: 0.1 })(119), 'the rate used by the step that ended at global step 120');
    const lines = (await readFile(join(dir, 'train.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 12);
    assert.equal((JSON.parse(lines[11]!) as { step: number }).step, 120);
    assert.deepEqual(progressText.trim().split('\n').map((l) => l.split('  ')[0]), ['mnist 40/120', 'mnist 80/120', 'mnist 120/120']);
    assert.ok(!progressText.includes('\r') && !progressText.includes('\x1b'), 'no control characters when not a TTY');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('variablesToRestore maps TF names so a checkpoint loads averages into live variables', () => {
  const params = buildSmallCnn(9);
  const ema = new ExponentialMovingAverage(0.9);
  ema.apply(params);
  const map = ema.variablesToRestore(new ParameterSet([...params, ...ema.variables()]));
  assert.equal(map['inference/conv/conv1/weights/ExponentialMovingAverage']!.name, 'inference/conv/conv1/weights');
  assert.equal(Object.keys(map).length, params.size);
});
