// slim layer helpers (docs/design/TF-SEMANTICS.md §8.1, §7.4): names, layouts, collections, batch-norm update ops.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import {
  VariableStore, GraphKeys, AUTO_REUSE, conv2d, fullyConnected, batchNorm, embedding, maxPool2d, flatten, dropout, runUpdateOps,
} from '../../../src/variables/index.js';

before(async () => {
  await initBackend();
});

const describe = (s: VariableStore): string[] => s.parameters().describe().map((d) => `${d.name} [${d.shape.join(',')}]${d.trainable ? '' : ' frozen'}`);

test('conv2d: default scopes Conv, Conv_1; weights HWIO, biases; model variables; SAME/VALID shapes', () => {
  const s = new VariableStore({ seed: 3 });
  const x = tf.ones([2, 9, 9, 3]) as tf.Tensor4D;
  const a = conv2d(s, x, 4, 3);
  const b = conv2d(s, a, 5, [3, 1], { stride: 2, padding: 'VALID', activation: null });
  assert.deepEqual(describe(s), ['Conv/weights [3,3,3,4]', 'Conv/biases [4]', 'Conv_1/weights [3,1,4,5]', 'Conv_1/biases [5]']);
  assert.deepEqual(a.shape, [2, 9, 9, 4]);
  assert.deepEqual(b.shape, [2, 4, 5, 5]);
  assert.equal(s.modelVariables().length, 4);
  assert.ok(Math.min(...Array.from(a.dataSync())) >= 0, 'relu by default');
  // The math: conv with the HWIO weights plus biases.
  const w = s.parameters().require('Conv_1/weights').variable as tf.Tensor4D;
  const expected = tf.conv2d(a, w, [2, 2], 'valid');
  assert.ok(tf.max(tf.abs(tf.sub(expected, b))).dataSync()[0] < 1e-6);
  s.dispose();
});

test('conv2d + batch_norm normalizer: no biases, Conv/BatchNorm/{beta,moving_mean,moving_variance}; scale adds gamma first', () => {
  const s = new VariableStore();
  const x = tf.randomNormal([4, 6, 6, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
  s.variableScope('net', {}, () => {
    conv2d(s, x, 3, 3, { scope: 'conv1', normalizer: 'batch_norm' });
    conv2d(s, x, 3, 3, { scope: 'conv2', normalizer: 'batch_norm', normalizerParams: { scale: true } });
  });
  assert.deepEqual(describe(s), [
    'net/conv1/weights [3,3,2,3]', 'net/conv1/BatchNorm/beta [3]', 'net/conv1/BatchNorm/moving_mean [3] frozen', 'net/conv1/BatchNorm/moving_variance [3] frozen',
    'net/conv2/weights [3,3,2,3]', 'net/conv2/BatchNorm/gamma [3]', 'net/conv2/BatchNorm/beta [3]', 'net/conv2/BatchNorm/moving_mean [3] frozen', 'net/conv2/BatchNorm/moving_variance [3] frozen',
  ]);
  assert.equal(s.modelVariables().length, 9);
  assert.deepEqual(s.getCollection<{ name: string }>(GraphKeys.UPDATE_OPS).map((op) => op.name), [
    'net/conv1/BatchNorm/AssignMovingAvg', 'net/conv1/BatchNorm/AssignMovingAvg_1', 'net/conv2/BatchNorm/AssignMovingAvg', 'net/conv2/BatchNorm/AssignMovingAvg_1',
  ]);
  assert.equal(s.getCollection(GraphKeys.UPDATE_OPS, 'net/conv2').length, 2);
  s.dispose();
});

test('batch_norm training: batch moments, update ops apply shadow -= (shadow - value)(1 - decay), fused (4-D) variance has Bessel factor', () => {
  const s = new VariableStore();
  const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 10], [2, 2, 1, 2]);
  const decay = 0.9;
  const y = s.variableScope('bn4', { reuse: AUTO_REUSE }, () => batchNorm(s, x, { decay, scope: 'BatchNorm' }));
  // channel 0: 1,3,5,7 → mean 4, var 5 (biased), 20/3 unbiased; channel 1: 2,4,6,10 → mean 5.5, var 8.75, 35/3
  const out = Array.from(y.dataSync());
  assert.ok(Math.abs(out[0] - (1 - 4) / Math.sqrt(5 + 0.001)) < 1e-5, 'normalised with the biased batch variance');
  const p = s.parameters();
  const mm = p.require('bn4/BatchNorm/moving_mean').variable;
  const mv = p.require('bn4/BatchNorm/moving_variance').variable;
  assert.deepEqual(Array.from(mm.dataSync()), [0, 0], 'nothing applied before the update ops run');
  // a second forward replaces the pending moments; the collection does not grow
  s.variableScope('bn4', { reuse: AUTO_REUSE }, () => batchNorm(s, x, { decay, scope: 'BatchNorm' }));
  assert.equal(s.getCollection(GraphKeys.UPDATE_OPS).length, 2);
  assert.equal(runUpdateOps(s), 2);
  const f = Math.fround;
  const expMean = [0 - (0 - 4) * f(1 - decay), 0 - (0 - 5.5) * f(1 - decay)];
  const expVar = [1 - (1 - 20 / 3) * f(1 - decay), 1 - (1 - 35 / 3) * f(1 - decay)];
  Array.from(mm.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expMean[i]) < 1e-6));
  Array.from(mv.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expVar[i]) < 1e-5));
  runUpdateOps(s);
  Array.from(mm.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expMean[i]) < 1e-6, 'no pending value: running again changes nothing'));
  // inference uses the moving statistics
  const inf = s.variableScope('bn4', { reuse: true }, () => batchNorm(s, x, { scope: 'BatchNorm', training: false }));
  assert.ok(Math.abs(inf.dataSync()[0] - (1 - expMean[0]) / Math.sqrt(expVar[0] + 0.001)) < 1e-5);
  s.dispose();
});

test('batch_norm on 2-D inputs uses the biased variance; updatesCollections null applies in place', () => {
  const s = new VariableStore();
  const x = tf.tensor2d([1, 2, 3, 6], [2, 2]);
  batchNorm(s, x, { decay: 0.5, updatesCollections: null });
  assert.equal(s.getCollection(GraphKeys.UPDATE_OPS).length, 0);
  const mv = s.parameters().require('BatchNorm/moving_variance').variable;
  // channel 0: 1,3 → var 1; channel 1: 2,6 → var 4
  assert.deepEqual(Array.from(mv.dataSync()), [1 - (1 - 1) * 0.5, 1 - (1 - 4) * 0.5]);
  s.dispose();
});

test('fully_connected: scopes fully_connected, fully_connected_1; weights [in,out]; rank-3 input on the last axis', () => {
  const s = new VariableStore();
  const h = fullyConnected(s, tf.ones([2, 5]), 4);
  const logits = fullyConnected(s, h, 3, { activation: null });
  const seq = fullyConnected(s, tf.ones([2, 7, 5]), 6, { scope: 'proj' });
  assert.deepEqual(describe(s), ['fully_connected/weights [5,4]', 'fully_connected/biases [4]', 'fully_connected_1/weights [4,3]', 'fully_connected_1/biases [3]', 'proj/weights [5,6]', 'proj/biases [6]']);
  assert.deepEqual(logits.shape, [2, 3]);
  assert.deepEqual(seq.shape, [2, 7, 6]);
  s.dispose();
});

test('embedding: get_variable "embedding" in the current scope, gather; pools, flatten, dropout', () => {
  const s = new VariableStore();
  const ids = tf.tensor2d([[0, 2], [1, 1]], [2, 2], 'int32');
  const e = s.variableScope('Model', {}, () => embedding(s, ids, 3, 4));
  assert.deepEqual(s.parameters().names(), ['Model/embedding']);
  assert.deepEqual(e.shape, [2, 2, 4]);
  const table = s.parameters().require('Model/embedding').variable;
  assert.deepEqual(Array.from(tf.slice(e, [1, 0, 0], [1, 1, 4]).dataSync()), Array.from(tf.slice(table, [1, 0], [1, 4]).dataSync()));
  embedding(s, ids, 3, 4, { scope: 'Other', name: 'embeddings' });
  assert.ok(s.parameters().has('Other/embeddings'));
  const img = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
  assert.deepEqual(maxPool2d(img, 2).shape, [1, 2, 2, 2]);
  assert.deepEqual(flatten(img).shape, [1, 32]);
  assert.equal(dropout(img, 0.5, { training: false }), img);
  const dropped = Array.from(dropout(tf.ones([1000]), 0.5, { seed: 1 }).dataSync());
  assert.ok(dropped.every((v) => v === 0 || v === 2));
  assert.ok(dropped.filter((v) => v === 0).length > 400 && dropped.filter((v) => v === 0).length < 600);
  s.dispose();
});

test('AUTO_REUSE around the layers: building twice reuses every variable (the staged-training article pattern)', () => {
  const s = new VariableStore();
  const x = tf.ones([1, 5, 5, 1]) as tf.Tensor4D;
  const net = (): tf.Tensor => s.variableScope('inference', { reuse: AUTO_REUSE }, () => conv2d(s, conv2d(s, x, 2, 3, { scope: 'conv1' }), 2, 3, { scope: 'conv2' }));
  const a = net();
  const before = s.parameters().size;
  const b = net();
  assert.equal(s.parameters().size, before);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  s.dispose();
});
