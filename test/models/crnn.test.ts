// The staged-training article's CNN+LSTM (seed 000) built with the variables helpers: exact TF1
// checkpoint keys, the article's selections ('inference/conv', 'inference/lstm_layer', the
// split('_') rule), AUTO_REUSE rebuilds, batch-norm variant, and a staged step on real MNIST.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { VariableStore, GraphKeys } from '../../src/variables/index.js';
import { buildCrnn } from '../../src/models/crnn.js';
import { loadMnist } from '../../src/models/data/mnist.js';

let images: tf.Tensor4D;
let labels: tf.Tensor2D;

before(async () => {
  await initBackend();
  const set = await loadMnist({ split: 'train', limit: 16, seed: 11 });
  images = tf.tensor4d(set.x as Float32Array, [set.count, 28, 28, 1]);
  labels = tf.oneHot(tf.tensor1d(set.labels, 'int32'), 10).toFloat() as tf.Tensor2D;
});

test('exact TF1 checkpoint keys and shapes under inference/', () => {
  const s = new VariableStore({ seed: 1 });
  const { logits, features } = tf.tidy(() => buildCrnn(s, images, { numClasses: 10 }));
  assert.deepEqual(s.parameters().describe().map((d) => `${d.name} [${d.shape.join(',')}]`), [
    'inference/conv1/weights [3,3,1,16]', 'inference/conv1/biases [16]',
    'inference/conv2/weights [3,3,16,32]', 'inference/conv2/biases [32]',
    'inference/conv2d_1a_3x3/weights [3,3,32,64]', 'inference/conv2d_1a_3x3/biases [64]',
    'inference/lstm_layer/rnn/basic_lstm_cell/kernel [256,256]', 'inference/lstm_layer/rnn/basic_lstm_cell/bias [256]',
    'inference/lstm_layer/logits/weights [64,10]', 'inference/lstm_layer/logits/biases [10]',
  ]);
  assert.deepEqual(logits.shape, [16, 10]);
  assert.deepEqual(features.shape, [16, 64]);
  s.dispose();
});

test("the article's selections: regex 'inference/conv' and 'inference/lstm_layer', and the split('_') rule agree", () => {
  const s = new VariableStore({ seed: 1 });
  tf.tidy(() => {
    buildCrnn(s, images, { numClasses: 10 });
  });
  const names = (vs: tf.Variable[]): string[] => vs.map((v) => s.nameOf(v));
  const cnn = names(s.getCollection(GraphKeys.TRAINABLE_VARIABLES, 'inference/conv'));
  const rnn = names(s.getCollection(GraphKeys.TRAINABLE_VARIABLES, 'inference/lstm_layer'));
  assert.equal(cnn.length, 6);
  assert.equal(rnn.length, 4);
  const all = s.trainableVariables();
  const lstmByRule = names(all.filter((v) => s.displayNameOf(v).split('/')[1].split('_')[0] === 'lstm'));
  const cnnByRule = names(all.filter((v) => s.displayNameOf(v).split('/')[1].split('_')[0] !== 'lstm'));
  assert.deepEqual(lstmByRule, rnn);
  assert.deepEqual(cnnByRule, cnn);
  assert.deepEqual(s.parameters({ include: ['inference/lstm_layer'] }).names(), rnn);
  s.dispose();
});

test('AUTO_REUSE: calling the builder again (each training step) reuses every variable', () => {
  const s = new VariableStore({ seed: 2 });
  const a = tf.tidy(() => buildCrnn(s, images, { numClasses: 10 }).logits);
  const before = tf.memory().numTensors;
  const b = tf.tidy(() => buildCrnn(s, images, { numClasses: 10 }).logits);
  assert.equal(tf.memory().numTensors, before + 1, 'only the returned logits stay');
  assert.equal(s.parameters().size, 10);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] === 0);
  s.dispose();
});

test('batchNorm variant: conv BatchNorm variables and six update ops in update_ops', () => {
  const s = new VariableStore({ seed: 3 });
  tf.tidy(() => {
    buildCrnn(s, images, { numClasses: 10, batchNorm: true, training: true });
  });
  const names = s.parameters().names();
  assert.ok(names.includes('inference/conv1/BatchNorm/moving_variance'));
  assert.ok(!names.includes('inference/conv1/biases'));
  assert.deepEqual(s.parameters({ trainable: false }).names().length, 6);
  assert.equal(s.getCollection(GraphKeys.UPDATE_OPS).length, 6);
  assert.equal(s.getCollection(GraphKeys.UPDATE_OPS, 'inference/conv2/').length, 2);
  s.dispose();
});

test('staged training on real MNIST: training only inference/conv leaves the LSTM part bit-identical', () => {
  const s = new VariableStore({ seed: 4 });
  const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, buildCrnn(s, images, { numClasses: 10 }).logits) as tf.Scalar;
  tf.tidy(loss);
  const cnnVars = s.getCollection(GraphKeys.TRAINABLE_VARIABLES, 'inference/conv');
  const lstmBefore = s.trainableVariables('inference/lstm_layer').map((v) => Array.from(v.dataSync()));
  const convBefore = Array.from(cnnVars[0].dataSync());
  const opt = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const l = opt.minimize(loss, true, cnnVars) as tf.Scalar;
    losses.push(l.dataSync()[0]);
    l.dispose();
  }
  assert.deepEqual(s.trainableVariables('inference/lstm_layer').map((v) => Array.from(v.dataSync())), lstmBefore);
  assert.notDeepEqual(Array.from(cnnVars[0].dataSync()), convBefore);
  assert.ok(losses[3] < losses[0], `loss went ${losses.join(' → ')}`);
  opt.dispose();
  s.dispose();
});
