// Metrics, the progress display, and the order of one train step.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { accuracy, topKAccuracy, confusionMatrix, StreamingMean } from '../../src/train/metrics.js';
import { ProgressBar } from '../../src/train/progress-bar.js';
import { trainStep } from '../../src/train/train-step.js';
import { GradientDescentOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { ExponentialMovingAverage } from '../../src/train/ema.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { GraftError } from '../../src/errors.js';

before(async () => {
  await initBackend();
});

test('accuracy, top-k, confusion matrix, streaming mean', () => {
  const labels = tf.tensor1d([0, 1, 2, 1], 'int32');
  const logits = tf.tensor2d([
    [5, 1, 0],
    [0, 1, 3],
    [0, 1, 3],
    [1, 2, 0],
  ]);
  assert.equal(accuracy(labels, logits), 0.75);
  assert.equal(accuracy(tf.oneHot(labels, 3), logits), 0.75, 'one-hot labels');
  assert.equal(accuracy(labels, tf.tensor1d([0, 1, 2, 0], 'int32')), 0.75, 'class-id predictions');
  assert.equal(topKAccuracy(labels, logits, 1), 0.75);
  assert.equal(topKAccuracy(labels, logits, 2), 1);
  assert.deepEqual(confusionMatrix(labels, logits, 3), [
    [1, 0, 0],
    [0, 1, 1],
    [0, 0, 1],
  ]);
  assert.throws(() => confusionMatrix(labels, logits, 2), (e: unknown) => e instanceof GraftError && e.code === 'class_out_of_range');
  assert.throws(() => accuracy(tf.tensor1d([1, 2], 'int32'), logits), (e: unknown) => e instanceof GraftError && e.code === 'shape_mismatch');
  const m = new StreamingMean();
  assert.equal(m.result(), 0);
  m.update(1, 3);
  m.update(3, 1);
  assert.equal(m.result(), 1.5);
  m.reset();
  assert.equal(m.result(), 0);
});

test('progress: in-place line with bar, steps/s, loss and ETA on a TTY', () => {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  out.isTTY = true;
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  let now = 0;
  const bar = new ProgressBar({ total: 10, stream: out, label: 'fit', now: () => now });
  for (let i = 0; i < 5; i++) {
    now += 500; // 2 steps/s on the fake clock
    bar.tick({ loss: 1 / (i + 1) });
  }
  assert.equal(bar.line(true), 'fit 5/10  [##########..........]  2.00 steps/s  loss 0.2000  ETA 3s');
  assert.ok(text.startsWith('\rfit 1/10'));
  bar.done();
  assert.ok(text.endsWith('\x1b[K\n'));
});

test('one step runs: gradients, update, update ops, EMA, global step — in that order', () => {
  const w = newVariable('w', tf.tensor1d([1, 1]));
  const params = new ParameterSet().add('w', w);
  const gs = createGlobalStep();
  const seen: string[] = [];
  const ema = new ExponentialMovingAverage(0.5, {
    numUpdates: () => {
      seen.push(`ema reads step ${gs.variable.dataSync()[0]} and w ${w.dataSync()[0]}`);
      return 0;
    },
  });
  ema.apply(params);
  const opt = new GradientDescentOptimizer(params, { learningRate: 0.5 });
  const r = trainStep(
    opt,
    () => {
      seen.push(`loss reads w ${w.dataSync()[0]}`);
      return tf.sum(w) as tf.Scalar;
    },
    { globalStep: gs.variable, ema, updateOps: [() => seen.push(`update op sees w ${w.dataSync()[0]}, step ${gs.variable.dataSync()[0]}`)] },
  );
  assert.deepEqual(seen, ['loss reads w 1', 'update op sees w 0.5, step 0', 'ema reads step 0 and w 0.5']);
  assert.equal(r.globalStep, 1);
  assert.equal(r.loss, 2);
  // decay min(0.5, 1/10) = 0.1: shadow = 1 - (1 - 0.5) * 0.9 = 0.55
  assert.ok(Math.abs(ema.average('w').dataSync()[0]! - 0.55) < 1e-7);
});
