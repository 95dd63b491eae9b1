// model.fit callbacks on real LayersModels and real MNIST / BANKING77 slices: exact resume
// (weights + optimizer state byte-equal after stop-and-resume vs a run-through), keep-best,
// TensorBoard event files, LR schedules, EMA, early stopping with restore-best, terminate-on-NaN.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  adam, checkpointCallback, earlyStoppingCallback, layersModelFromMeta, learningRateScheduleCallback, movingAverageCallback,
  readOptimizerState, disposeOptimizerState, tensorBoardCallback, terminateOnNaN, rmsprop,
} from '../../src/layers/index.js';
import { listVariables } from '../../src/checkpoint/reader.js';
import { readMeta } from '../../src/checkpoint/meta.js';
import { latestCheckpoint } from '../../src/checkpoint/state.js';
import { readEventFile } from '../../src/train/summary/event-reader.js';
import { exponentialDecay, piecewiseConstant } from '../../src/train/schedules.js';
import { bankingTensors, bytesOf, mnistCnn, mnistTensors, setupBackend, snapshot, textLstm } from './helpers.js';

before(async () => {
  await setupBackend();
});

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'graft-layers-'));
}

async function optimizerBytes(model: tfl.LayersModel): Promise<Map<string, Uint8Array>> {
  const s = await readOptimizerState(model);
  const out = new Map<string, Uint8Array>([['iter', Uint8Array.of(s.iterations)]]);
  for (const [v, m] of s.slots) for (const [k, t] of m) out.set(`${v}/${k}`, bytesOf(t));
  disposeOptimizerState(s);
  return out;
}

/** Bytes keyed by position (tfjs variable names differ between two model instances). */
function ordered(m: Map<string, Uint8Array>): Uint8Array[] {
  return [...m.values()];
}

for (const [label, makeOpt] of [['adam', () => tf.train.adam(0.01)], ['rmsprop (momentum)', () => tf.train.rmsprop(0.01, 0.9, 0.5)]] as const) {
  test(`fit stopped after epoch 2 and resumed in a new model is bit-identical to a run-through (${label}, BatchNorm CNN)`, async () => {
    const { x, y } = await mnistTensors(64, 5);
    const dirA = await tmp();
    const dirB = await tmp();
    // run-through: 4 epochs with checkpoints every epoch
    const a = mnistCnn(7);
    a.compile({ optimizer: makeOpt(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const ca = await checkpointCallback(a, dirA, { fsync: false });
    assert.equal(ca.initialEpoch, 0);
    await a.fit(x, y, { epochs: 4, batchSize: 32, shuffle: false, verbose: 0, callbacks: [ca] });
    // stopped run: 2 epochs, then a fresh process-like model (other init!) resumes to 4
    const b1 = mnistCnn(7);
    b1.compile({ optimizer: makeOpt(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await b1.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0, callbacks: [await checkpointCallback(b1, dirB, { fsync: false })] });
    const b2 = mnistCnn(99);
    b2.compile({ optimizer: makeOpt(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const cb = await checkpointCallback(b2, dirB, { fsync: false });
    assert.equal(cb.restored.action, 'resumed');
    assert.equal(cb.initialEpoch, 2);
    await b2.fit(x, y, { epochs: 4, initialEpoch: cb.initialEpoch, batchSize: 32, shuffle: false, verbose: 0, callbacks: [cb] });
    assert.deepEqual(ordered(snapshot(b2)), ordered(snapshot(a)), 'weights byte-equal');
    assert.deepEqual(ordered(await optimizerBytes(b2)), ordered(await optimizerBytes(a)), 'optimizer state byte-equal');
    // the checkpoint names the optimizer state the TF-Keras way
    const names = (await listVariables(join(dirA, 'model.ckpt-4'))).map((v) => v.name);
    assert.ok(names.includes('optimizer/iter'));
    assert.ok(names.includes(label === 'adam' ? 'optimizer/conv2d/kernel/m' : 'optimizer/conv2d/kernel/rms'), names.join(' '));
    assert.ok(names.includes('batch_normalization/moving_variance'));
    for (const m of [a, b1, b2]) m.dispose();
    await rm(dirA, { recursive: true });
    await rm(dirB, { recursive: true });
  });
}

test('keep-best by val_loss, max-to-keep, topology in .meta.json rebuilds the model with no code', async () => {
  const { x, y, vocabSize } = await bankingTensors(60);
  const dir = await tmp();
  const m = textLstm(vocabSize);
  m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy', metrics: ['acc'] });
  const ck = await checkpointCallback(m, dir, { maxToKeep: 2, keepBest: { monitor: 'val_loss', mode: 'min' }, fsync: false });
  const h = await m.fit(x, y, { epochs: 4, batchSize: 20, validationSplit: 0.25, shuffle: false, verbose: 0, callbacks: [ck] });
  const valLoss = h.history['val_loss'] as number[];
  const bestEpoch = valLoss.indexOf(Math.min(...valLoss)) + 1;
  const kept = (await readdir(dir)).filter((f) => f.endsWith('.index')).sort();
  assert.deepEqual(kept, ['model.ckpt-3.index', 'model.ckpt-4.index']);
  // the callback released the directory at the end of fit; best/ names the best epoch
  const bestMeta = await readMeta((await latestCheckpoint(join(dir, 'best')))!);
  assert.equal(bestMeta.extra?.step, bestEpoch);
  assert.ok(Math.abs((bestMeta.extra?.metrics as Record<string, number>)['val_loss']! - Math.min(...valLoss)) < 1e-6);
  const meta = await readMeta(join(dir, 'model.ckpt-4'));
  assert.equal(meta.model?.name, 'tfjs-layers');
  const rebuilt = await layersModelFromMeta(meta);
  assert.deepEqual(rebuilt.layers.map((l) => l.getClassName()), ['Embedding', 'LSTM', 'Dense']);
  m.dispose();
  rebuilt.dispose();
  await rm(dir, { recursive: true });
});

test('TensorBoard: epoch scalars in train/ and validation/, learning rate, histograms, read back', async () => {
  const { x, y } = await mnistTensors(64, 2);
  const dir = await tmp();
  const m = mnistCnn(3);
  m.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const tb = tensorBoardCallback(dir, { updateFreq: 1 });
  const h = await m.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, shuffle: false, verbose: 0, callbacks: [tb] });
  const train = await readEventFile(tb.paths[0]!);
  const scalars = train.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.simpleValue !== undefined).map((v) => ({ tag: v.tag, step: Number(e.step), value: v.simpleValue! })));
  const loss = scalars.filter((s) => s.tag === 'epoch_loss');
  assert.deepEqual(loss.map((s) => s.step), [0, 1]);
  assert.ok(Math.abs(loss[1]!.value - (h.history['loss'] as number[])[1]!) < 1e-5);
  assert.ok(scalars.some((s) => s.tag === 'epoch_learning_rate' && Math.abs(s.value - 0.05) < 1e-7));
  assert.equal(scalars.filter((s) => s.tag === 'batch_loss').length, 6);
  assert.ok(train.some((e) => (e.summary?.value ?? []).some((v) => v.tag === 'conv2d/kernel' && v.histo)));
  const val = await readEventFile(join(dir, 'validation', (await readdir(join(dir, 'validation')))[0]!));
  const vl = val.flatMap((e) => (e.summary?.value ?? []).filter((v) => v.tag === 'epoch_loss').map((v) => v.simpleValue!));
  assert.ok(Math.abs(vl[1]! - (h.history['val_loss'] as number[])[1]!) < 1e-5);
  m.dispose();
  await rm(dir, { recursive: true });
});

test('LR schedules reach the tfjs optimizer (exponentialDecay on graft adam, piecewiseConstant on tf.train.sgd)', async () => {
  const { x, y } = await mnistTensors(64, 4);
  const m = mnistCnn(5);
  m.compile({ optimizer: adam(0.01), loss: 'categoricalCrossentropy' });
  const sched = exponentialDecay(0.01, { decaySteps: 2, decayRate: 0.5, staircase: true });
  const cb = learningRateScheduleCallback(sched);
  const seen: number[] = [];
  await m.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: [cb, new tfl.CustomCallback({ onBatchEnd: async () => { seen.push(m.optimizer.getConfig()['learningRate'] as number); } })] });
  assert.deepEqual(seen, [0.01, 0.01, 0.005, 0.005].map(Math.fround), 'TF schedules compute in float32');
  // the tfjs SGD route, and a refusal for an optimizer without setLearningRate
  const s = mnistCnn(6);
  s.compile({ optimizer: tf.train.sgd(1), loss: 'categoricalCrossentropy' });
  const pc = learningRateScheduleCallback(piecewiseConstant([2], [0.1, 0.01]));
  await s.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: [pc] });
  assert.equal(pc.current, Math.fround(0.01));
  s.compile({ optimizer: tf.train.adamax(0.01), loss: 'categoricalCrossentropy' });
  await assert.rejects(s.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [learningRateScheduleCallback(0.1)] }), /learning_rate_not_settable|has no setLearningRate/);
  m.dispose();
  s.dispose();
  const r = mnistCnn(8);
  r.compile({ optimizer: rmsprop(0.01), loss: 'categoricalCrossentropy' });
  const rc = learningRateScheduleCallback(piecewiseConstant([0], [0.01, 0.001]));
  await r.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, callbacks: [rc] });
  assert.equal(r.optimizer.getConfig()['learningRate'], Math.fround(0.001));
  r.dispose();
});

test('EMA: shadows follow the TF rule, swap in for evaluation, back after', async () => {
  const { x, y } = await mnistTensors(64, 6);
  const m = mnistCnn(9);
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const ema = movingAverageCallback(m, { decay: 0.5, numUpdates: false });
  const kernel = m.layers[4]!.weights[0]!;
  const expected = bytesOf(kernel.read()).slice();
  let shadow = new Float32Array(expected.buffer.slice(0));
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, callbacks: [ema, new tfl.CustomCallback({ onBatchEnd: async () => {
    const w = kernel.read().dataSync();
    shadow = shadow.map((s, i) => Math.fround(s - Math.fround((s - w[i]!) * 0.5)));
  } })] });
  const raw = bytesOf(kernel.read());
  const avg = await ema.withAverages(() => bytesOf(kernel.read()));
  assert.deepEqual(new Float32Array(avg.buffer), shadow);
  assert.deepEqual(bytesOf(kernel.read()), raw, 'raw weights back');
  assert.ok(ema.variables().names().includes('dense/kernel/ExponentialMovingAverage'));
  m.dispose();
});

test('early stopping with restore-best, and terminate-on-NaN', async () => {
  const { x, y } = await mnistTensors(64, 8);
  const m = mnistCnn(10);
  m.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
  // monitor the training loss with a min_delta no epoch can meet: stops after patience epochs
  const es = earlyStoppingCallback({ monitor: 'loss', patience: 2, minDelta: 100, restoreBestWeights: true });
  const weightsAt: Uint8Array[][] = [];
  const h = await m.fit(x, y, { epochs: 10, batchSize: 32, shuffle: false, verbose: 0, callbacks: [new tfl.CustomCallback({ onEpochEnd: async () => { weightsAt.push([...snapshot(m).values()]); } }), es] });
  assert.equal((h.history['loss'] as number[]).length, 3);
  assert.equal(es.stoppedEpoch, 2);
  assert.equal(es.bestEpoch, 0);
  assert.deepEqual([...snapshot(m).values()], weightsAt[0], 'best (first) epoch weights restored');
  // one corrupted label row (NaN) in the third batch
  const n = mnistCnn(11);
  n.compile({ optimizer: tf.train.sgd(0.05), loss: 'categoricalCrossentropy' });
  const rows = y.dataSync().slice();
  rows[20 * 10 + 3] = Number.NaN;
  const yBad = tf.tensor2d(rows, y.shape);
  const nan = terminateOnNaN();
  const hn = await n.fit(x, yBad, { epochs: 5, batchSize: 8, shuffle: false, verbose: 0, callbacks: [nan] });
  assert.deepEqual(nan.terminatedAt, { epoch: 0, batch: 2 });
  assert.equal((hn.history['loss'] as number[]).length, 1);
  m.dispose();
  n.dispose();
});
