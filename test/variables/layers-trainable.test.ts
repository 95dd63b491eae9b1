// One freezing truth on real LayersModels trained with model.fit: a Graft freeze sets
// layer.trainable (whole layers only), the adapter reflects layer.trainable, a frozen BatchNorm
// keeps its moving statistics (Keras inference mode), and fit leaves frozen bytes identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { transferCommon } from '../../src/workflows/transfer-common.js';
import { GraftError } from '../../src/errors.js';
import { unfreezeLayers } from '../../src/layers/freeze.js';
import { bankingTensors, functionalCnn, mnistCnn, mnistTensors, setupBackend, snapshot, textLstm } from '../layers/helpers.js';

before(async () => {
  await setupBackend();
});

test('ParameterSet.freeze on a compiled Sequential CNN: fit leaves conv2d and batch_normalization bytes identical', async () => {
  const { x, y } = await mnistTensors(128);
  const m = mnistCnn(1);
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const p = parametersFromLayersModel(m);
  const changed = p.freeze({ include: ['conv2d', 'batch_normalization'] });
  assert.deepEqual(changed, ['conv2d/kernel', 'conv2d/bias', 'batch_normalization/gamma', 'batch_normalization/beta']);
  assert.equal(m.layers[0]!.trainable, false);
  assert.equal(m.layers[1]!.trainable, false);
  assert.equal(m.layers[4]!.trainable, true);
  const before = snapshot(m);
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const after = snapshot(m);
  for (const [name, bytes] of before) {
    const frozen = name.startsWith(m.layers[0]!.name) || name.startsWith(m.layers[1]!.name);
    assert.equal(Buffer.compare(Buffer.from(bytes), Buffer.from(after.get(name)!)) === 0, frozen, `${name} ${frozen ? 'must not' : 'must'} change`);
  }
  assert.deepEqual(p.trainable().names(), ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
  // mid-training, the sync route refuses (tfjs keeps Adam's state by position) …
  assert.throws(() => p.unfreeze({ include: ['batch_normalization'] }), (e: unknown) => (e as GraftError).code === 'optimizer_has_state');
  // … and unfreezeLayers moves the state with the change; fit gets the layer back (moving stats move again)
  const dense1Before = (await m.optimizer.getWeights()).find((w) => w.name === `${(m.layers[5]!.weights[0]!.read() as tf.Variable).name}/m`)!.tensor.dataSync().slice();
  assert.deepEqual(await unfreezeLayers(m, ['batch_normalization']), ['batch_normalization/gamma', 'batch_normalization/beta']);
  const dense1After = (await m.optimizer.getWeights()).find((w) => w.name === `${(m.layers[5]!.weights[0]!.read() as tf.Variable).name}/m`)!.tensor.dataSync();
  assert.deepEqual(dense1After, dense1Before, 'dense_1/kernel keeps its own Adam m');
  assert.equal(p.require('batch_normalization/gamma').trainable, true);
  assert.equal(p.require('batch_normalization/moving_mean').trainable, false, 'moving stats are never trainable');
  const mean = snapshot(m).get(m.layers[1]!.weights[2]!.originalName)!;
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  assert.notDeepEqual(snapshot(m).get(m.layers[1]!.weights[2]!.originalName), mean);
  m.dispose();
});

test('the adapter reflects layer.trainable set by hand, live', () => {
  const m = mnistCnn(2);
  const p = parametersFromLayersModel(m);
  assert.equal(p.require('dense/kernel').trainable, true);
  m.layers[4]!.trainable = false;
  assert.equal(p.require('dense/kernel').trainable, false);
  assert.equal(p.require('dense/bias').trainable, false);
  assert.equal(p.select({ trainable: false }).names().includes('dense/kernel'), true);
  m.layers[4]!.trainable = true;
  assert.equal(p.require('dense/kernel').trainable, true);
  // a frozen model enclosing the layer freezes it too
  m.trainable = false;
  assert.equal(p.trainable().size, 0);
  m.dispose();
});

test('freezing part of a layer is a typed error and changes nothing', () => {
  const m = mnistCnn(3);
  const p = parametersFromLayersModel(m);
  assert.throws(() => p.freeze({ include: ['batch_normalization/gamma'] }), (e: unknown) => {
    assert.ok(e instanceof GraftError);
    assert.equal(e.code, 'partial_layer_freeze');
    assert.match(e.message, /freezing 1 of the 2 trainable weights of layer batch_normalization/);
    assert.match(e.hint ?? '', /scope "batch_normalization".*beta/);
    return true;
  });
  assert.equal(m.layers[1]!.trainable, true);
  assert.equal(p.require('batch_normalization/gamma').trainable, true);
  assert.throws(() => { p.require('conv2d/kernel').trainable = false; }, /partial_layer_freeze|freezing 1 of the 2/);
  assert.throws(() => p.unfreeze({ include: ['batch_normalization/moving_mean'] }), (e: unknown) => (e as GraftError).code === 'not_trainable_weight');
  m.dispose();
});

test('an explicit layer name dense_1 next to auto-named Dense layers: dense, dense_1 (explicit), dense_2', () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [4], units: 3 }),
      tfl.layers.dense({ units: 3, name: 'dense_1' }),
      tfl.layers.dense({ units: 2 }),
    ],
  });
  assert.deepEqual(parametersFromLayersModel(m).names(), ['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
  m.dispose();
});

test('a frozen BatchNorm runs in inference mode under fit (moving stats unchanged, output uses them)', async () => {
  const { x, y } = await mnistTensors(64, 9);
  const m = functionalCnn(4);
  const p = parametersFromLayersModel(m);
  p.freeze({ include: ['batch_normalization'] }); // before compile: compile picks it up
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const before = snapshot(m);
  await m.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0 });
  const after = snapshot(m);
  const bn = m.layers.find((l) => l.getClassName() === 'BatchNormalization')!;
  for (const w of bn.weights) assert.deepEqual(after.get(w.originalName), before.get(w.originalName), `${w.originalName} frozen`);
  assert.notDeepEqual(after.get(m.getLayer('logits').weights[0]!.originalName), before.get(m.getLayer('logits').weights[0]!.originalName));
  m.dispose();
});

test('transferCommon({freeze: true}) between two Embedding+LSTM models reaches model.fit', async () => {
  const { x, y, vocabSize } = await bankingTensors(60);
  const a = textLstm(vocabSize, 5, 11);
  a.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await a.fit(x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0 });
  const b = textLstm(vocabSize, 5, 21, 12, { hidden: 6 });
  b.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const report = await transferCommon(parametersFromLayersModel(a), parametersFromLayersModel(b), { match: 'structure', freeze: true });
  assert.deepEqual(report.frozen, ['embedding/embeddings', 'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', 'lstm/lstm_cell/bias']);
  assert.equal(b.layers[0]!.trainable, false);
  const before = snapshot(b);
  await b.fit(x, y, { epochs: 1, batchSize: 30, shuffle: false, verbose: 0 });
  const after = snapshot(b);
  for (const w of [...b.layers[0]!.weights, ...b.layers[1]!.weights]) assert.deepEqual(after.get(w.originalName), before.get(w.originalName));
  assert.notDeepEqual(after.get(b.layers[2]!.weights[0]!.originalName), before.get(b.layers[2]!.weights[0]!.originalName));
  a.dispose();
  b.dispose();
});
