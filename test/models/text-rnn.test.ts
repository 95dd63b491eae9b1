// The class-change article's RNN text classifier (seed 004) built with the variables helpers on
// real BANKING77 utterances: exact TF1 keys under Model/, the Train/Valid reuse pattern, the
// article's `not_restore = ['softmax_w:0', 'softmax_b:0']` selection, masking, a few train steps.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { VariableStore } from '../../src/variables/index.js';
import { buildTextRnn } from '../../src/models/text-rnn.js';

const root = new URL('../../../', import.meta.url);

interface Batch { ids: number[][]; lengths: number[]; labels: number[]; vocabSize: number; numClasses: number }

/** Every 400th BANKING77 training utterance (varied intents) as word ids padded after the text. */
function banking77(n: number, maxLen: number): Batch {
  const lines = readFileSync(new URL('data/banking77/train.csv', root), 'utf8').split('\n').slice(1).filter((l) => l.trim() !== '');
  const vocab = new Map<string, number>();
  const classes = new Map<string, number>();
  const out: Batch = { ids: [], lengths: [], labels: [], vocabSize: 0, numClasses: 0 };
  for (let k = 0; k < n; k++) {
    const line = lines[k * 400];
    const cut = line.lastIndexOf(',');
    const words = line.slice(0, cut).replace(/^"|"$/g, '').toLowerCase().match(/[a-z0-9']+/g) ?? [];
    const row = words.slice(0, maxLen).map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size + 1), vocab.size));
    const cat = line.slice(cut + 1).trim();
    if (!classes.has(cat)) classes.set(cat, classes.size);
    out.ids.push([...row, ...new Array(maxLen - row.length).fill(0)]);
    out.lengths.push(row.length);
    out.labels.push(classes.get(cat) as number);
  }
  out.vocabSize = vocab.size + 1;
  out.numClasses = classes.size;
  return out;
}

let data: Batch;

before(async () => {
  await initBackend();
  data = banking77(24, 14);
});

const opts = (d: Batch) => ({ numClasses: d.numClasses, vocabSize: d.vocabSize, embedDim: 16, hiddenSize: 32 });

test('exact TF1 checkpoint keys under Model/ (two layers), scope initializer ±initScale, zero biases', () => {
  const s = new VariableStore({ seed: 5 });
  const ids = tf.tensor2d(data.ids, undefined, 'int32');
  const { logits, features } = tf.tidy(() => buildTextRnn(s, ids, data.lengths, { ...opts(data), numLayers: 2 }));
  assert.deepEqual(s.parameters().describe().map((d) => `${d.name} [${d.shape.join(',')}]`), [
    `Model/embedding [${data.vocabSize},16]`,
    'Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/kernel [48,128]', 'Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/bias [128]',
    'Model/LSTM_layer/multi_rnn_cell/cell_1/basic_lstm_cell/kernel [64,128]', 'Model/LSTM_layer/multi_rnn_cell/cell_1/basic_lstm_cell/bias [128]',
    `Model/softmax_w [32,${data.numClasses}]`, `Model/softmax_b [${data.numClasses}]`,
  ]);
  assert.deepEqual(logits.shape, [24, data.numClasses]);
  assert.deepEqual(features.shape, [24, 32]);
  const p = s.parameters();
  for (const n of ['Model/embedding', 'Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/kernel', 'Model/softmax_w', 'Model/softmax_b']) {
    assert.ok(Array.from(p.require(n).variable.dataSync()).every((x) => Math.abs(x) <= 0.1), `${n} within ±0.1`);
  }
  assert.ok(Array.from(p.require('Model/LSTM_layer/multi_rnn_cell/cell_1/basic_lstm_cell/bias').variable.dataSync()).every((x) => x === 0));
  s.dispose();
});

test("the article's Train/Valid pattern: name scopes differ, variables are shared (reuse=None, then True)", () => {
  const s = new VariableStore({ seed: 6 });
  const ids = tf.tensor2d(data.ids, undefined, 'int32');
  const train = s.nameScope('Train', () => tf.tidy(() => buildTextRnn(s, ids, data.lengths, { ...opts(data), reuse: false }).logits));
  const n = s.parameters().size;
  const valid = s.nameScope('Valid', () => tf.tidy(() => buildTextRnn(s, ids, data.lengths, { ...opts(data), reuse: true }).logits));
  assert.equal(s.parameters().size, n);
  assert.equal(tf.max(tf.abs(tf.sub(train, valid))).dataSync()[0], 0);
  // and the article's own global step, a tf.Variable inside Train + Model, lands at Train/Model/global_step
  const step = s.nameScope('Train', () => s.variableScope('Model', { reuse: true }, () => s.variable(0, { name: 'global_step', trainable: false })));
  assert.equal(s.nameOf(step), 'Train_1/Model/global_step');
  s.dispose();
});

test("class change: not_restore = ['softmax_w:0', 'softmax_b:0'] keeps every variable but the softmax layer", () => {
  const s = new VariableStore({ seed: 7 });
  tf.tidy(() => {
    buildTextRnn(s, tf.tensor2d(data.ids, undefined, 'int32'), data.lengths, opts(data));
  });
  const notRestore = ['softmax_w:0', 'softmax_b:0'];
  const restoreVar = s.globalVariables().filter((v) => !notRestore.includes(s.displayNameOf(v).split('/').pop() as string));
  assert.deepEqual(restoreVar.map((v) => s.nameOf(v)), [
    'Model/embedding', 'Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/kernel', 'Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/bias',
  ]);
  assert.deepEqual(s.parameters({ exclude: ['Model/softmax_w', 'Model/softmax_b'] }).names(), restoreVar.map((v) => s.nameOf(v)));
  s.dispose();
});

test('mean pooling covers only the real tokens: extra padding does not change the features', () => {
  const s = new VariableStore({ seed: 8 });
  const short = tf.tensor2d(data.ids, undefined, 'int32');
  const long = tf.pad(short, [[0, 0], [0, 6]]) as tf.Tensor2D;
  const a = tf.tidy(() => buildTextRnn(s, short, data.lengths, opts(data)).features);
  const b = tf.tidy(() => buildTextRnn(s, long, data.lengths, opts(data)).features);
  assert.ok(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] < 1e-6);
  s.dispose();
});

test('a few training steps on the BANKING77 slice lower the loss (dropout on, keepProb 0.9)', () => {
  const s = new VariableStore({ seed: 9 });
  const ids = tf.tensor2d(data.ids, undefined, 'int32');
  const labels = tf.oneHot(tf.tensor1d(data.labels, 'int32'), data.numClasses).toFloat();
  const o = { ...opts(data), keepProb: 0.9 };
  const loss = (training: boolean) => (): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(labels, buildTextRnn(s, ids, data.lengths, { ...o, training }).logits) as tf.Scalar;
  const first = tf.tidy(() => loss(false)().dataSync()[0]);
  const n = s.parameters().size;
  tf.tidy(() => loss(true)());
  assert.equal(s.parameters().size, n, 'DropoutWrapper adds no variables and no scope');
  const opt = tf.train.adam(0.05);
  for (let i = 0; i < 3; i++) opt.minimize(loss(true), false, s.trainableVariables());
  const last = tf.tidy(() => loss(false)().dataSync()[0]);
  assert.ok(last < first, `loss ${first} → ${last}`);
  opt.dispose();
  s.dispose();
});
