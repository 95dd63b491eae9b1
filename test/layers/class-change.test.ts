// changeClasses on real LayersModels and real data: a tf.sequential BatchNorm CNN trained on an
// MNIST slice (moved / kept / merged / removed / new-imprinted digits, Adam state carried), the
// functional CNN with a named head (a reorder that keeps training as before), an Embedding+LSTM
// text classifier on BANKING77 (a new intent), a Keras-converted model.json and a Keras .h5
// (rows against the files' own values), every one trained with model.fit afterwards.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { changeClasses, readOptimizerState, disposeOptimizerState, restoreIntoLayersModel } from '../../src/layers/index.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { valuesFromTensorValue } from '../../src/checkpoint/tensor-bytes.js';
import { parametersFromLayersModel } from '../../src/variables/index.js';
import { GraftError } from '../../src/errors.js';
import { bankingTensors, bytesOf, fileHandler, functionalCnn, mnistCnn, mnistTensors, sameBytes, setupBackend, textLstm } from './helpers.js';

const FIX = new URL('../../../test/fixtures/', import.meta.url).pathname;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

before(async () => {
  await setupBackend();
});

const values = (m: tfl.LayersModel, name: string) => parametersFromLayersModel(m).require(name).variable.dataSync() as Float32Array;
const column = (w: Float32Array, k: number, c: number) => Float32Array.from({ length: w.length / k }, (_, f) => w[f * k + c]!);
const norm = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0));

/** Every weight of `b` but those under `except` is byte-identical to `a`'s (same TF-Keras names). */
function assertBodyCopied(a: tfl.LayersModel, b: tfl.LayersModel, except: string): number {
  const pa = parametersFromLayersModel(a);
  const pb = parametersFromLayersModel(b);
  let n = 0;
  for (const p of pa.toArray()) {
    if (p.name.startsWith(`${except}/`)) continue;
    assert.ok(sameBytes(p.variable, pb.require(p.name).variable), `${p.name} copied bit for bit`);
    n++;
  }
  return n;
}

test('sequential BatchNorm CNN on MNIST: moved, kept, merged (mean), removed, new (imprinted), Adam carried, then fit', async () => {
  const { x, y, labels } = await mnistTensors(256, 5);
  const m = mnistCnn(3);
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const newClasses = ['1', '0', '2', '3', '4', '5', '6', '7or8', 'nine'];
  const digitToNew = [1, 0, 2, 3, 4, 5, 6, 7, 7, 8];
  const newLabels = Int32Array.from(labels, (d) => digitToNew[d]!);
  const { model: m2, report } = await changeClasses(m, {
    oldClasses: DIGITS, newClasses, merges: ['7,8=7or8'], newClassInit: 'imprint', optimizerState: 'carry',
    examples: { x, labels: newLabels, sample: 256, maxPerClass: 256 },
  });
  assert.deepEqual(report.head, { layer: m.layers[5]!.name, name: 'dense_1', kernel: 'dense_1/kernel', bias: 'dense_1/bias', features: 16, oldUnits: 10, newUnits: 9 });
  assert.deepEqual(report.plan.slots.map((s) => `${s.name}:${s.status}`), ['1:moved', '0:moved', '2:kept', '3:kept', '4:kept', '5:kept', '6:kept', '7or8:merged', 'nine:new']);
  assert.deepEqual(report.plan.removed.map((r) => `${r.name}:${r.status}`), ['7:merged_away', '8:merged_away', '9:removed']);
  assert.deepEqual(report.newClassInit.imprinted, ['nine']);
  assert.equal(report.copied.length, assertBodyCopied(m, m2, 'dense_1'));
  assert.ok(report.copied.includes('batch_normalization/moving_variance'));
  const [W, B, W2, B2] = [values(m, 'dense_1/kernel'), values(m, 'dense_1/bias'), values(m2, 'dense_1/kernel'), values(m2, 'dense_1/bias')];
  for (const s of report.plan.slots.filter((s) => s.status === 'kept' || s.status === 'moved')) {
    assert.deepEqual(column(W2, 9, s.index), column(W, 10, s.from[0]!), `class ${s.name} column`);
    assert.equal(B2[s.index], B[s.from[0]!]);
  }
  // merged = the mean of the two source columns; bias mean + ln 2 (summed probability)
  assert.deepEqual(column(W2, 9, 7), Float32Array.from(column(W, 10, 7), (v, f) => (v + W[f * 10 + 8]!) / 2));
  assert.equal(B2[7], Math.fround((B[7]! + B[8]!) / 2 + Math.log(2)));
  // imprinted: along (μ_nine − μ) of the body's features, at the kept columns' mean norm
  const body = tfl.model({ inputs: m.inputs, outputs: m.layers[4]!.output as tfl.SymbolicTensor });
  const feats = body.predict(x) as tf.Tensor2D;
  const mu = tf.mean(feats, 0);
  const nines = tf.tensor1d(Int32Array.from([...labels.keys()].filter((i) => labels[i] === 9)), 'int32');
  const dir = tf.sub(tf.mean(tf.gather(feats, nines), 0), mu).dataSync() as Float32Array;
  const w9 = column(W2, 9, 8);
  const carried = report.plan.slots.filter((s) => s.from.length > 0).map((s) => norm(column(W2, 9, s.index)));
  const cos = dir.reduce((s, d, f) => s + d * w9[f]!, 0) / (norm(dir) * norm(w9));
  assert.ok(cos > 0.99999, `imprinted column along μ_c − μ (cos ${cos})`);
  assert.ok(Math.abs(norm(w9) - carried.reduce((a, b) => a + b) / carried.length) < 1e-4, 'imprinted column has the carried columns\' mean norm');
  // Adam state: body slots as they were, head m/v column by column (new class: m 0, v the carried mean)
  const [s1, s2] = [await readOptimizerState(m), await readOptimizerState(m2)];
  assert.equal(report.optimizer?.state, 'carried');
  assert.equal(s2.iterations, s1.iterations);
  const slot = (s: typeof s1, model: tfl.LayersModel, name: string, kind: string) => s.slots.get(parametersFromLayersModel(model).require(name).variable.name)!.get(kind)!;
  assert.ok(sameBytes(slot(s1, m, 'conv2d/kernel', 'v'), slot(s2, m2, 'conv2d/kernel', 'v')));
  const [m1k, m2k, v2k] = [slot(s1, m, 'dense_1/kernel', 'm').dataSync() as Float32Array, slot(s2, m2, 'dense_1/kernel', 'm').dataSync() as Float32Array, slot(s2, m2, 'dense_1/kernel', 'v').dataSync() as Float32Array];
  assert.deepEqual(column(m2k, 9, 2), column(m1k, 10, 2));
  assert.ok(column(m2k, 9, 8).every((v) => v === 0));
  assert.ok(column(v2k, 9, 8).every((v) => v > 0));
  disposeOptimizerState(s1);
  disposeOptimizerState(s2);
  // the new model trains with model.fit (compiled with a new Adam, same loss and metrics)
  const y2 = tf.oneHot(tf.tensor1d(newLabels, 'int32'), 9).toFloat();
  const h = await m2.fit(x, y2, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
  const loss = h.history['loss'] as number[];
  assert.ok(loss[2]! < loss[0]!, `loss falls: ${loss.map((l) => l.toFixed(3)).join(' → ')}`);
  assert.equal(m.outputs[0]!.shape[1], 10, 'the model passed in is left as it was');
  tf.dispose([x, y, y2, feats, mu, nines]);
  m.dispose();
  m2.dispose();
});

test('functional CNN, named head "logits": a reorder with the carried Adam trains on as the old model does', async () => {
  const { x, y, labels } = await mnistTensors(192, 9);
  const m = functionalCnn(5);
  m.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const reversed = [...DIGITS].reverse();
  const { model: m2, report } = await changeClasses(m, { oldClasses: DIGITS, newClasses: reversed, head: 'logits' });
  assert.equal(report.plan.kind, 'reordered');
  assert.equal(report.optimizer?.state, 'carried', 'a reorder carries the optimizer state by default');
  assert.ok(report.optimizer!.remapped.includes('logits/kernel/m'));
  // one more epoch on both (labels reversed for the new model): the same training, columns reversed
  await m.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const yr = tf.oneHot(tf.tensor1d(Int32Array.from(labels, (d) => 9 - d), 'int32'), 10).toFloat();
  await m2.fit(x, yr, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const [W, W2] = [values(m, 'logits/kernel'), values(m2, 'logits/kernel')];
  let worst = 0;
  for (let c = 0; c < 10; c++) column(W, 10, c).forEach((v, f) => (worst = Math.max(worst, Math.abs(v - W2[f * 10 + 9 - c]!))));
  const conv = tf.max(tf.abs(tf.sub(parametersFromLayersModel(m).require('conv2d/kernel').variable, parametersFromLayersModel(m2).require('conv2d/kernel').variable))).dataSync()[0]!;
  assert.ok(worst < 1e-4 && conv < 1e-4, `head ${worst}, conv ${conv} (float rounding of sums in another class order only)`);
  tf.dispose([x, y, yr]);
  m.dispose();
  m2.dispose();
});

test('Embedding + LSTM on BANKING77: a sixth intent imprinted, embeddings and LSTM copied, fit trains it', async () => {
  const { x, y, vocabSize } = await bankingTensors(160, 6);
  const labels = tf.argMax(y, -1).dataSync() as Int32Array;
  const five = [...labels.keys()].filter((i) => labels[i]! < 5);
  const idx = tf.tensor1d(Int32Array.from(five), 'int32');
  const x5 = tf.gather(x, idx);
  const y5 = tf.slice(tf.gather(y, idx), [0, 0], [-1, 5]);
  const m = textLstm(vocabSize, 5, 11);
  m.compile({ optimizer: tf.train.adam(0.02), loss: 'categoricalCrossentropy' });
  await m.fit(x5, y5, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0 });
  const old = ['c0', 'c1', 'c2', 'c3', 'c4'];
  const { model: m2, report } = await changeClasses(m, { oldClasses: old, newClasses: [...old, 'c5'], newClassInit: 'imprint', examples: { x, labels: y } });
  assert.deepEqual(report.plan.summary, { kept: 5, new: 1 });
  assert.deepEqual(report.copied, ['embedding/embeddings', 'lstm/lstm_cell/kernel', 'lstm/lstm_cell/recurrent_kernel', 'lstm/lstm_cell/bias']);
  assertBodyCopied(m, m2, 'dense');
  assert.equal(report.optimizer?.state, 'fresh', 'a changed class set starts the optimizer fresh by default');
  const [W, W2] = [values(m, 'dense/kernel'), values(m2, 'dense/kernel')];
  for (let c = 0; c < 5; c++) assert.deepEqual(column(W2, 6, c), column(W, 5, c));
  assert.deepEqual(report.newClassInit.imprinted, ['c5']);
  const h = await m2.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
  const loss = h.history['loss'] as number[];
  assert.ok(loss[1]! < loss[0]!, `loss falls: ${loss.map((l) => l.toFixed(3)).join(' → ')}`);
  tf.dispose([x, y, idx, x5, y5]);
  m.dispose();
  m2.dispose();
});

test('a Keras-converted model.json (tf.loadLayersModel): the last Dense by default, rows equal the file\'s, split classes fresh', async () => {
  const path = `${FIX}tfjs/digits-cnn/model.json`;
  const m = await tfl.loadLayersModel(fileHandler(path));
  const newClasses = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9a', '9b'];
  const { model: m2, report } = await changeClasses(m, { oldClasses: DIGITS, newClasses, splits: ['9=9a,9b'] });
  assert.equal(report.head.layer, 'dense_5');
  assert.equal(report.optimizer, null, 'a model loaded without training config is not compiled');
  assert.deepEqual(report.plan.removed, [{ name: '9', index: 9, status: 'split_away', into: ['9a', '9b'] }]);
  const saved = valuesFromTensorValue(await loadVariable(path, 'dense_5/kernel'), 'float32') as Float32Array;
  const W2 = values(m2, 'dense_5/kernel');
  for (let c = 0; c < 9; c++) assert.deepEqual(column(W2, 11, c), column(saved, 10, c), `digit ${c}`);
  assert.notDeepEqual(column(W2, 11, 9), column(saved, 10, 9));
  assert.deepEqual(bytesOf(parametersFromLayersModel(m2).require('dense_4/kernel').variable), new Uint8Array((await loadVariable(path, 'dense_4/kernel')).data));
  const { x, labels } = await mnistTensors(128, 2);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels, (d, i) => (d === 9 ? 9 + (i % 2) : d)), 'int32'), 11).toFloat();
  m2.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  const h = await m2.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
  assert.ok((h.history['loss'] as number[]).every(Number.isFinite));
  tf.dispose([x, y]);
  m.dispose();
  m2.dispose();
});

test('a Keras .h5 restored into a LayersModel: head by TF-Keras name, merged rows the mean of the file\'s', async () => {
  const h5 = `${FIX}keras-h5/digits-cnn-weights-only/model.h5`;
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
  const r = await restoreIntoLayersModel(m, h5);
  assert.equal(r.mapping, 'order');
  const { model: m2, report } = await changeClasses(m, { oldClasses: DIGITS, newClasses: ['low', '5', '6', '7', '8', '9'], merges: [{ sources: ['0', '1', '2', '3', '4'], target: 'low' }], head: 'dense_1' });
  assert.equal(report.head.name, 'dense_1');
  const saved = valuesFromTensorValue(await loadVariable(h5, 'dense_3/kernel'), 'float32') as Float32Array;
  const W2 = values(m2, 'dense_1/kernel');
  for (let c = 5; c < 10; c++) assert.deepEqual(column(W2, 6, c - 4), column(saved, 10, c));
  const low = column(W2, 6, 0);
  low.forEach((v, f) => assert.equal(v, Math.fround([0, 1, 2, 3, 4].reduce((s, c) => s + saved[f * 10 + c]!, 0) / 5)));
  const { x, labels } = await mnistTensors(96, 4);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(labels, (d) => Math.max(0, d - 4)), 'int32'), 6).toFloat();
  m2.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const h = await m2.fit(x, y, { epochs: 1, batchSize: 32, verbose: 0 });
  assert.ok(Number.isFinite((h.history['loss'] as number[])[0]!));
  tf.dispose([x, y]);
  m.dispose();
  m2.dispose();
});

test('refusals: a head that feeds other weights, a wrong class count, an unknown head, imprint without examples', async () => {
  const m = mnistCnn(1);
  const codeOf = async (p: Promise<unknown>) => p.then(() => 'none', (e: unknown) => (e instanceof GraftError ? `${e.code}: ${e.message}` : String(e)));
  assert.match(await codeOf(changeClasses(m, { oldClasses: Array.from({ length: 16 }, (_, i) => `f${i}`), newClasses: ['a', 'b'], head: 'dense' })), /^head_feeds_weights: weight dense_1\/kernel \[16,10\] after head dense is sized by the head's units \(it would become \[2,10\]\)/);
  assert.match(await codeOf(changeClasses(m, { oldClasses: ['a', 'b'], newClasses: ['a'] })), /^class_count_mismatch: 2 old class names for head dense_1 with 10 units/);
  assert.match(await codeOf(changeClasses(m, { oldClasses: DIGITS, newClasses: DIGITS, head: 'logits' })), /^head_not_found: the model has no layer named "logits" \(Dense layers: dense \(tfjs dense_Dense\d+\), dense_1 \(tfjs dense_Dense\d+\)\)/);
  assert.match(await codeOf(changeClasses(m, { oldClasses: DIGITS, newClasses: [...DIGITS.slice(0, 9), 'x'], newClassInit: 'imprint' })), /^imprint_needs_examples/);
  assert.match(await codeOf(changeClasses(m, { oldClasses: DIGITS, newClasses: DIGITS, head: 'conv2d' })), /^head_not_dense: layer conv2d is a Conv2D/);
  m.dispose();
});
