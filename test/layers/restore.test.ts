// restoreIntoLayersModel on real files: a Keras-converted tfjs model.json whose layer names come from
// another session (conv2d_2, dense_4 → conv2d, dense: the `order` mapping), a Keras 2.6 full-model .h5
// (TF-Keras names, optimizer_weights left out), and a refusal whose hint lists every scope.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { restoreIntoLayersModel } from '../../src/layers/index.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { GraftError } from '../../src/errors.js';
import { bytesOf, setupBackend } from './helpers.js';

const FIX = new URL('../../../test/fixtures/', import.meta.url).pathname;

before(async () => {
  await setupBackend();
});

test('a Keras-converted model.json into a tf.sequential with auto names: one-to-one order mapping, values equal', async () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const path = `${FIX}tfjs/digits-cnn/model.json`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.mapping, 'order');
  assert.deepEqual(r.pairs.map((p) => `${p.checkpoint}→${p.variable}`).sort(), [
    'conv2d_2/bias→conv2d/bias', 'conv2d_2/kernel→conv2d/kernel', 'conv2d_3/bias→conv2d_1/bias', 'conv2d_3/kernel→conv2d_1/kernel',
    'dense_4/bias→dense/bias', 'dense_4/kernel→dense/kernel', 'dense_5/bias→dense_1/bias', 'dense_5/kernel→dense_1/kernel',
  ]);
  assert.equal(r.report.summary.renamed, 8);
  const p = parametersFromLayersModel(m);
  assert.deepEqual(bytesOf(p.require('dense_1/kernel').variable), new Uint8Array((await loadVariable(path, 'dense_5/kernel')).data));
  m.dispose();
});

test('a Keras 2.6 full-model .h5 restores by TF-Keras names; its optimizer_weights are left unused', async () => {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [1], units: 3 }), tfl.layers.dense({ units: 3 }), tfl.layers.dense({ units: 1 })] });
  const path = `${FIX}keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.mapping, 'keras');
  assert.equal(r.report.summary.restored, 6);
  assert.ok(r.report.entries.some((e) => e.status === 'unused_in_checkpoint' && e.name === 'optimizer_weights/Adam/iter'));
  // the model now converts Celsius as the Keras model does: weights equal
  const k = parametersFromLayersModel(m).require('dense_2/kernel').variable;
  assert.deepEqual(bytesOf(k), new Uint8Array((await loadVariable(path, 'dense_2/kernel')).data));
  m.dispose();
});

test('no mapping fits: a typed error whose hint lists every scope', async () => {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [2], units: 3 }), tfl.layers.dense({ units: 3 }), tfl.layers.dense({ units: 1 })] });
  await assert.rejects(restoreIntoLayersModel(m, `${FIX}keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5`), (e: unknown) => {
    assert.ok(e instanceof GraftError);
    assert.match(e.message, /dense\/kernel/);
    assert.match(e.hint ?? '', /"dense"/);
    return true;
  });
  m.dispose();
});

const K3 = `${FIX}keras3/`;

test('a Keras 3 .weights.h5 (no config) restores into the matching tf.sequential: paths named by the model\'s own topology', async () => {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [8], units: 12, activation: 'relu' }), tfl.layers.dense({ units: 8, activation: 'relu' }), tfl.layers.dense({ units: 1, activation: 'sigmoid' })] });
  const path = `${K3}diabetes-dense-weights-h5/model.weights.h5`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.mapping, 'keras');
  assert.equal(r.keras3, 'model');
  assert.deepEqual(r.pairs.map((p) => `${p.checkpoint}→${p.variable}`), ['dense/vars/0→dense/kernel', 'dense/vars/1→dense/bias', 'dense_1/vars/0→dense_1/kernel', 'dense_1/vars/1→dense_1/bias', 'dense_2/vars/0→dense_2/kernel', 'dense_2/vars/1→dense_2/bias']);
  assert.ok(r.report.entries.some((e) => e.status === 'unused_in_checkpoint' && e.name === 'optimizer/vars/0'), 'optimizer state left unused');
  const p = parametersFromLayersModel(m);
  for (const [file, name] of [['dense_1/vars/0', 'dense_1/kernel'], ['dense_2/vars/1', 'dense_2/bias']] as const) {
    assert.deepEqual(bytesOf(p.require(name).variable), new Uint8Array((await loadVariable(path, file)).data), name);
  }
  m.dispose();
});

test('a Keras 3.4 .keras archive with LSTM → Dropout → LSTM → Dense restores into the tfjs model: cell weights by role', async () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.lstm({ inputShape: [10, 6], units: 100, returnSequences: true }),
      tfl.layers.dropout({ rate: 0.2 }),
      tfl.layers.lstm({ units: 64 }),
      tfl.layers.dense({ units: 1 }),
    ],
  });
  const path = `${K3}stock-lstm-keras341/model.keras`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.keras3, 'model');
  assert.equal(r.report.summary.restored + (r.report.summary.renamed ?? 0), 8);
  const p = parametersFromLayersModel(m);
  for (const [file, name] of [['lstm/cell/vars/0', 'lstm/lstm_cell/kernel'], ['lstm/cell/vars/1', 'lstm/lstm_cell/recurrent_kernel'], ['lstm_1/cell/vars/2', 'lstm_1/lstm_cell_1/bias'], ['dense/vars/0', 'dense/kernel']] as const) {
    assert.deepEqual(bytesOf(p.require(name).variable), new Uint8Array((await loadVariable(path, file)).data), name);
  }
  m.dispose();
});

test('a Keras 3.10 .keras CNN into a tfjs model whose layers carry other names: still by the Keras 3 paths', async () => {
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', name: 'features_a' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', name: 'features_b' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 64, activation: 'relu', name: 'hidden' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  const path = `${K3}fashion-cnn-keras310/model.keras`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.keras3, 'model');
  assert.deepEqual(r.pairs.map((p) => `${p.checkpoint}→${p.variable}`).sort(), [
    'conv2d/vars/0→features_a/kernel', 'conv2d/vars/1→features_a/bias', 'conv2d_1/vars/0→features_b/kernel', 'conv2d_1/vars/1→features_b/bias',
    'dense/vars/0→hidden/kernel', 'dense/vars/1→hidden/bias', 'dense_1/vars/0→out/kernel', 'dense_1/vars/1→out/bias',
  ]);
  assert.deepEqual(bytesOf(parametersFromLayersModel(m).require('out/kernel').variable), new Uint8Array((await loadVariable(path, 'dense_1/vars/0')).data));
  m.dispose();
});

test('a Keras-written TF2 SavedModel bundle (layer_with_weights-N keys) restores by the object graph\'s variable paths', async () => {
  const c = (filters: number, first = false) => tfl.layers.conv2d({ ...(first ? { inputShape: [28, 28, 1] } : {}), filters, kernelSize: 3, activation: 'relu' });
  const m = tfl.sequential({
    layers: [c(32, true), tfl.layers.batchNormalization(), tfl.layers.maxPooling2d({ poolSize: 2 }), c(64), tfl.layers.batchNormalization(), tfl.layers.maxPooling2d({ poolSize: 2 }), c(64), tfl.layers.batchNormalization(), tfl.layers.flatten(), tfl.layers.dense({ units: 128, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
  });
  const path = `${FIX}savedmodel/mnist-keras-cnn-bn/variables/variables`;
  const r = await restoreIntoLayersModel(m, path);
  assert.equal(r.mapping, 'keras');
  assert.ok(r.pairs.some((p) => p.checkpoint === 'layer_with_weights-3/moving_variance/.ATTRIBUTES/VARIABLE_VALUE' && p.variable === 'batch_normalization_1/moving_variance'));
  const p = parametersFromLayersModel(m);
  assert.deepEqual(bytesOf(p.require('batch_normalization_1/beta').variable), new Uint8Array((await loadVariable(path, 'layer_with_weights-3/beta/.ATTRIBUTES/VARIABLE_VALUE')).data));
  m.dispose();
});
