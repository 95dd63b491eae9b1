// exportLayersModel: a checkpoint written as a folder tf.loadLayersModel opens (through a file
// IOHandler: tfjs-node is not installed), for every kind of topology, on real models and files:
// a TF bundle Graft wrote from a trained LayersModel (+ its .meta.json), an Embedding+LSTM bundle
// with a Keras config (tfjs's `lstm/kernel` names, not TF-Keras's `lstm/lstm_cell/kernel`), a Keras
// 2.6 full-model .h5 (its own model_config; the model still converts °C to °F), a weights-only
// Keras .h5 with the sibling Keras-converted model.json as topology (it still reads MNIST digits),
// and a Keras 3 .keras with its config.json.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkpointCallback, exportLayersModel } from '../../src/layers/index.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { metaPathFor } from '../../src/checkpoint/meta.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { openKerasH5, readKerasArchive } from '../../src/formats/keras-h5/index.js';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { GraftError } from '../../src/errors.js';
import { bankingTensors, bytesOf, fileHandler, functionalCnn, mnistTensors, sameBytes, setupBackend, textLstm } from './helpers.js';

const FIX = new URL('../../../test/fixtures/', import.meta.url).pathname;
let dir: string;

before(async () => {
  await setupBackend();
  dir = await mkdtemp(join(tmpdir(), 'graft-export-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a TF bundle Graft wrote from a trained BatchNorm CNN + its .meta.json: loadLayersModel predicts exactly as the source', async () => {
  const { x, y } = await mnistTensors(128, 6);
  const src = functionalCnn(2);
  src.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await src.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, callbacks: [await checkpointCallback(src, join(dir, 'run'), { fsync: false })] });
  const prefix = join(dir, 'run', 'model.ckpt-1');
  const meta = JSON.parse(await readFile(metaPathFor(prefix), 'utf8'));
  const out = join(dir, 'web-cnn', 'model.json');
  const r = await exportLayersModel(prefix, out, { topology: meta });
  assert.equal(r.topology, 'meta');
  assert.equal(r.restore.mapping, 'keras');
  assert.equal(r.destination.format, 'tfjs');
  assert.ok(r.tensors.some((t) => t.source === 'batch_normalization/moving_variance'));
  const loaded = await tfl.loadLayersModel(fileHandler(out));
  const [a, b] = [src.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  assert.ok(sameBytes(a, b), 'predictions bit-identical');
  tf.dispose([x, y, a, b]);
  src.dispose();
  loaded.dispose();
});

test('an Embedding + LSTM bundle with a Keras config topology: written under tfjs\'s weight names, predictions equal', async () => {
  const { x, vocabSize } = await bankingTensors(48, 4);
  const src = textLstm(vocabSize, 4, 5);
  const prefix = join(dir, 'model-lstm.ckpt');
  await new Saver({ varList: parametersFromLayersModel(src) }).save(prefix);
  const topology = JSON.parse(JSON.stringify(src.toJSON(null, false)));
  const out = join(dir, 'web-lstm', 'model.json');
  const r = await exportLayersModel(prefix, out, { topology });
  assert.equal(r.topology, 'keras-config');
  const lstm = src.layers[1]!.name;
  assert.ok(r.tensors.some((t) => t.source === 'lstm/lstm_cell/recurrent_kernel' && t.name === `${lstm}/recurrent_kernel` && t.status === 'renamed'));
  const loaded = await tfl.loadLayersModel(fileHandler(out));
  const [a, b] = [src.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
  assert.ok(sameBytes(a, b));
  tf.dispose([x, a, b]);
  src.dispose();
  loaded.dispose();
});

test('a Keras 2.6 full-model .h5 with its own model_config: the exported model still converts Celsius to Fahrenheit', async () => {
  const h5 = `${FIX}keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5`;
  const reader = await openKerasH5(h5);
  const config = reader.modelConfig;
  await reader.close();
  const out = join(dir, 'web-celsius', 'model.json');
  const r = await exportLayersModel(h5, out, { topology: config });
  assert.equal(r.topology, 'keras-config');
  assert.ok(r.notes.some((n) => /not model weights of this topology/.test(n)), 'optimizer_weights left out and said so');
  const loaded = await tfl.loadLayersModel(fileHandler(out));
  const f = (loaded.predict(tf.tensor2d([[0], [100], [-40]])) as tf.Tensor).dataSync();
  for (const [got, want] of [[f[0]!, 32], [f[1]!, 212], [f[2]!, -40]]) assert.ok(Math.abs(got - want) < 1, `${got} ≈ ${want} °F`);
  loaded.dispose();
});

test('a weights-only Keras .h5 with the sibling Keras-converted model.json as topology: names paired in order, it still reads digits', async () => {
  const h5 = `${FIX}keras-h5/digits-cnn-weights-only/model.h5`;
  const topology = JSON.parse(await readFile(`${FIX}tfjs/digits-cnn/model.json`, 'utf8'));
  const out = join(dir, 'web-digits', 'model.json');
  const r = await exportLayersModel(h5, out, { topology });
  assert.equal(r.topology, 'tfjs-model-json');
  assert.equal(r.restore.mapping, 'order');
  assert.deepEqual(r.tensors.map((t) => `${t.source}→${t.name}`), ['conv2d_2/kernel→conv2d_2/kernel', 'conv2d_2/bias→conv2d_2/bias', 'conv2d_3/kernel→conv2d_3/kernel', 'conv2d_3/bias→conv2d_3/bias', 'dense_2/kernel→dense_4/kernel', 'dense_2/bias→dense_4/bias', 'dense_3/kernel→dense_5/kernel', 'dense_3/bias→dense_5/bias']);
  const loaded = await tfl.loadLayersModel(fileHandler(out));
  assert.deepEqual(bytesOf(loaded.getLayer('dense_5').getWeights()[0]!), new Uint8Array((await loadVariable(h5, 'dense_3/kernel')).data));
  const { x, labels } = await mnistTensors(200, 1, 'test');
  const pred = (tf.argMax(loaded.predict(x) as tf.Tensor, -1).dataSync() as Int32Array);
  const acc = pred.filter((p, i) => p === labels[i]).length / labels.length;
  assert.ok(acc > 0.9, `accuracy on 200 MNIST test digits ${acc}`);
  x.dispose();
  loaded.dispose();
});

test('a Keras 3.10 .keras with its config.json (Conv2D, MaxPool, Flatten, Dropout, Dense): Keras 3 topology and paths', async () => {
  const path = `${FIX}keras3/fashion-cnn-keras310/model.keras`;
  const config = readKerasArchive(path, await readFile(path)).config;
  const out = join(dir, 'web-fashion', 'model.json');
  const r = await exportLayersModel(path, out, { topology: config });
  assert.equal(r.topology, 'keras3-config');
  assert.equal(r.restore.keras3, 'model');
  assert.deepEqual(r.tensors.map((t) => `${t.source}→${t.name}`).slice(0, 3), ['conv2d/vars/0→conv2d/kernel', 'conv2d/vars/1→conv2d/bias', 'conv2d_1/vars/0→conv2d_1/kernel']);
  const loaded = await tfl.loadLayersModel(fileHandler(out));
  assert.deepEqual(bytesOf(loaded.getLayer('dense_1').getWeights()[0]!), new Uint8Array((await loadVariable(path, 'dense_1/vars/0')).data));
  const { x } = await mnistTensors(4, 2);
  const y = loaded.predict(x) as tf.Tensor;
  assert.deepEqual(y.shape, [4, 10]);
  tf.dispose([x, y]);
  loaded.dispose();
});

test('refusals: a destination that is not model.json, an existing one, a file that is no topology', async () => {
  const h5 = `${FIX}keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5`;
  const code = (p: Promise<unknown>) => p.then(() => 'none', (e: unknown) => (e instanceof GraftError ? e.code : String(e)));
  assert.equal(await code(exportLayersModel(h5, join(dir, 'x', 'weights.bin'), { topology: {} })), 'not_model_json');
  assert.equal(await code(exportLayersModel(h5, join(dir, 'web-celsius', 'model.json'), { topology: {} })), 'destination_exists');
  assert.equal(await code(exportLayersModel(h5, join(dir, 'y', 'model.json'), { topology: { hello: 1 } })), 'bad_topology');
});
