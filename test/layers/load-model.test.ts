import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadUserLayersModel, userModelFormat } from '../../src/layers/load-model.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { functionalCnn, setupBackend } from './helpers.js';

const F = new URL('../../../test/fixtures/', import.meta.url).pathname;

test('a tfjs model.json (tfjs-converter, Keras 2.15 Dense): topology + weights, °F = 1.8 °C + 32', async () => {
  await setupBackend();
  const r = await loadUserLayersModel(join(F, 'tfjs/celsius-single-dense/model.json'));
  assert.equal(r.format, 'tfjs-model-json');
  assert.equal(r.restore?.mapping, 'keras');
  assert.equal(r.restore?.report.summary.restored, 2);
  const y = r.model.predict(tf.tensor2d([[100], [0]])) as tf.Tensor;
  const [hot, cold] = y.dataSync();
  assert.ok(Math.abs(hot! - 212) < 0.1 && Math.abs(cold! - 32) < 0.1, `${hot} ${cold}`);
});

test('a Keras 2.6 full-model .h5: model_config builds the model, model_weights fill it; a weights-only .h5 is no_model_config', async () => {
  await setupBackend();
  const r = await loadUserLayersModel(join(F, 'keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5'));
  assert.equal(r.format, 'keras-h5');
  assert.equal(r.model.layers.filter((l) => l.getClassName() === 'Dense').length, 3);
  assert.equal(r.restore?.report.summary.restored, 6);
  assert.ok(r.restore!.report.summary.unused_in_checkpoint > 0, 'the optimizer weights are listed as unused');
  const [hot] = (r.model.predict(tf.tensor2d([[100]])) as tf.Tensor).dataSync();
  assert.ok(Math.abs(hot! - 212) < 1, `the trained converter: 100 °C → ${hot} °F`);
  await assert.rejects(loadUserLayersModel(join(F, 'keras-h5/digits-cnn-weights-only/model.h5')), (e: { code?: string; hint?: string }) => e.code === 'no_model_config' && /JS module/.test(e.hint!));
});

test('a tfjs-converter CNN model.json: every weight equals the file', async () => {
  await setupBackend();
  const path = join(F, 'tfjs/digits-cnn/model.json');
  const r = await loadUserLayersModel(path);
  assert.deepEqual(r.model.outputs[0]!.shape, [null, 10]);
  const reader = await openCheckpoint(path);
  try {
    const k = await reader.read('dense_5/kernel');
    const mine = r.model.getLayer('dense_5').getWeights()[0]!.dataSync();
    assert.deepEqual(new Uint8Array(mine.buffer, mine.byteOffset, mine.byteLength), k.data);
  } finally {
    await reader.close();
  }
});

test('a Keras 3 .keras archive: config.json written back for tfjs-layers, weights restored; what tfjs lacks is unsupported_keras_config', async () => {
  await setupBackend();
  const path = join(F, 'keras3/fashion-cnn-keras310/model.keras');
  const r = await loadUserLayersModel(path);
  assert.equal(r.format, 'keras-archive');
  assert.deepEqual(r.model.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer'), ['Conv2D', 'MaxPooling2D', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dropout', 'Dense', 'Dense']);
  assert.equal(r.restore!.report.summary.restored + r.restore!.report.summary.renamed, 8);
  const reader = await openCheckpoint(path);
  try {
    const name = reader.list().find((t) => t.shape.join(',') === '3,3,1,32')!.name;
    const want = (await reader.read(name)).data;
    const got = r.model.layers.find((l) => l.getClassName() === 'Conv2D')!.getWeights()[0]!.dataSync();
    assert.deepEqual(new Uint8Array(got.buffer, got.byteOffset, got.byteLength), want, `conv2d kernel = ${name}`);
  } finally {
    await reader.close();
  }
  await assert.rejects(loadUserLayersModel(join(F, 'keras3/written-here-keras3151-zoo/zoo.keras')), (e: { code?: string; message?: string; hint?: string }) =>
    e.code === 'unsupported_keras_config' && /GRUCell does not support reset_after/.test(e.message!) && /JS module/.test(e.hint!));
});

test('a LayersModel saved the usual tfjs way (model.save: model.json + weights.bin, as tfjs-node\'s file:// handler writes) loads back with the same predictions', async () => {
  await setupBackend();
  const dir = mkdtempSync(join(tmpdir(), 'graft-tfjs-save-'));
  try {
    const m = functionalCnn(5, 4);
    await m.save(tf.io.withSaveHandler(async (a) => {
      const data = a.weightData as ArrayBuffer;
      writeFileSync(join(dir, 'weights.bin'), Buffer.from(data));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const r = await loadUserLayersModel(join(dir, 'model.json'));
    assert.equal(r.restore!.report.summary.restored + r.restore!.report.summary.renamed, m.weights.length);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 9);
    assert.deepEqual((r.model.predict(x) as tf.Tensor).dataSync(), (m.predict(x) as tf.Tensor).dataSync());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a builder module: build(args) gets the data facts and Graft\'s tf; bad modules are typed errors', async () => {
  await setupBackend();
  const dir = mkdtempSync(join(tmpdir(), 'graft-builder-'));
  try {
    writeFileSync(join(dir, 'ok.mjs'), `export function build({ numClasses, inputShape, seed, tf }) {
      return tf.sequential({ layers: [tf.layers.flatten({ inputShape }), tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed }) })] });
    }`);
    const args = { numClasses: 4, inputShape: [8, 8, 1], classNames: ['a', 'b', 'c', 'd'], seed: 3 };
    const a = await loadUserLayersModel(join(dir, 'ok.mjs'), { builder: args });
    assert.equal(a.format, 'js-module');
    assert.equal(a.restore, null);
    assert.deepEqual(a.model.outputs[0]!.shape, [null, 4]);
    const b = await loadUserLayersModel(join(dir, 'ok.mjs'), { builder: args });
    assert.deepEqual(a.model.getWeights()[0]!.dataSync(), b.model.getWeights()[0]!.dataSync(), 'the seed reaches the initializers');
    writeFileSync(join(dir, 'none.mjs'), 'export const model = 1;');
    await assert.rejects(loadUserLayersModel(join(dir, 'none.mjs'), { builder: args }), { code: 'no_build_export' });
    writeFileSync(join(dir, 'obj.mjs'), 'export function build() { return { fit() {} }; }');
    await assert.rejects(loadUserLayersModel(join(dir, 'obj.mjs'), { builder: args }), { code: 'not_a_layers_model' });
    writeFileSync(join(dir, 'syntax.mjs'), 'export function build( {');
    await assert.rejects(loadUserLayersModel(join(dir, 'syntax.mjs'), { builder: args }), { code: 'bad_model_module' });
    await assert.rejects(loadUserLayersModel(join(dir, 'ok.mjs')), { code: 'builder_needs_data' });
    assert.equal(userModelFormat('mnist-cnn'), null);
    await assert.rejects(loadUserLayersModel(join(dir, 'x.onnx')), { code: 'unknown_model_format' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
