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
