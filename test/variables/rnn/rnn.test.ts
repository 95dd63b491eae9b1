// TF1 cells and dynamic_rnn (docs/design/TF-SEMANTICS.md §8.2) and the TF1 ↔ tfjs LSTM/GRU reshuffle (§8.3),
// checked numerically against tfjs-layers on real BANKING77 utterances.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../src/runtime/backend.js';
import { nativeKernelsActive } from '../../../src/runtime/native/register.js';
import {
  VariableStore, AUTO_REUSE, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell, dynamicRnn, embedding,
  tf1LstmToKeras, kerasLstmToTf1, tf1GruToKeras, kerasGruToTf1, randomUniformInitializer,
} from '../../../src/variables/index.js';
import { ScopeError } from '../../../src/errors.js';

const root = new URL('../../../../', import.meta.url);

before(async () => {
  await initBackend();
});

/** The first `n` BANKING77 training utterances as padded word ids (0 = padding) and lengths. */
function banking77(n: number, maxLen: number): { ids: number[][]; lengths: number[]; vocabSize: number } {
  const lines = readFileSync(new URL('data/banking77/train.csv', root), 'utf8').split('\n').slice(1, n + 1);
  const vocab = new Map<string, number>();
  const ids: number[][] = [];
  const lengths: number[] = [];
  for (const line of lines) {
    const text = line.slice(0, line.lastIndexOf(',')).replace(/^"|"$/g, '');
    const words = text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
    const row = words.slice(0, maxLen).map((w) => {
      if (!vocab.has(w)) vocab.set(w, vocab.size + 1);
      return vocab.get(w) as number;
    });
    lengths.push(row.length);
    ids.push([...row, ...new Array(maxLen - row.length).fill(0)]);
  }
  return { ids, lengths, vocabSize: vocab.size + 1 };
}

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);

test('BasicLSTMCell in dynamic_rnn: rnn/basic_lstm_cell/{kernel [in+u,4u], bias [4u] zeros}; a second cell in rnn clashes', () => {
  const s = new VariableStore({ seed: 2 });
  const x = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 3) as tf.Tensor3D;
  const r = dynamicRnn(s, new BasicLSTMCell(4), x);
  assert.deepEqual(s.parameters().describe().map((d) => [d.name, d.shape]), [['rnn/basic_lstm_cell/kernel', [9, 16]], ['rnn/basic_lstm_cell/bias', [16]]]);
  assert.deepEqual(Array.from(s.parameters().require('rnn/basic_lstm_cell/bias').variable.dataSync()), new Array(16).fill(0));
  assert.deepEqual(r.outputs.shape, [2, 3, 4]);
  assert.throws(() => dynamicRnn(s, new BasicLSTMCell(4), x), (e: unknown) => e instanceof ScopeError && e.code === 'variable_exists'
    && e.message.startsWith('Variable rnn/basic_lstm_cell/kernel already exists, disallowed.'));
  const shared = s.variableScope('', { reuse: AUTO_REUSE }, () => dynamicRnn(s, new BasicLSTMCell(4), x));
  assert.ok(maxAbsDiff(shared.outputs, r.outputs) < 1e-6, 'AUTO_REUSE shares the variables');
  s.dispose();
});

test('LSTMCell with peepholes and projection, GRUCell, MultiRNNCell: TF1 names, shapes and initial values', () => {
  const s = new VariableStore();
  const x = tf.ones([1, 2, 3]) as tf.Tensor3D;
  dynamicRnn(s, new LSTMCell(4, { usePeepholes: true, numProj: 2 }), x, { scope: 'lstm' });
  dynamicRnn(s, new GRUCell(5), x, { scope: 'gru' });
  const multi = dynamicRnn(s, new MultiRNNCell([new BasicLSTMCell(3), new BasicLSTMCell(3)]), x);
  assert.deepEqual(s.parameters().describe().map((d) => `${d.name} [${d.shape.join(',')}]`), [
    'lstm/lstm_cell/kernel [5,16]', 'lstm/lstm_cell/bias [16]', 'lstm/lstm_cell/w_f_diag [4]', 'lstm/lstm_cell/w_i_diag [4]', 'lstm/lstm_cell/w_o_diag [4]',
    'lstm/lstm_cell/projection/kernel [4,2]',
    'gru/gru_cell/gates/kernel [8,10]', 'gru/gru_cell/gates/bias [10]', 'gru/gru_cell/candidate/kernel [8,5]', 'gru/gru_cell/candidate/bias [5]',
    'rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel [6,12]', 'rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias [12]',
    'rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel [6,12]', 'rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias [12]',
  ]);
  assert.deepEqual(Array.from(s.parameters().require('gru/gru_cell/gates/bias').variable.dataSync()), new Array(10).fill(1), 'gates bias starts at 1.0');
  assert.equal(multi.state.length, 4, 'two (c, h) pairs');
  s.dispose();
});

test('LSTMCell without extras computes what BasicLSTMCell computes with the same variables', () => {
  const s = new VariableStore({ seed: 12 });
  const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 4) as tf.Tensor3D;
  const basic = new BasicLSTMCell(5, { forgetBias: 0.7 });
  const a = dynamicRnn(s, basic, x, { allowFused: false });
  const full = new LSTMCell(5, { forgetBias: 0.7, reuse: true, name: 'basic_lstm_cell' });
  const b = dynamicRnn(s, full, x, { allowFused: false });
  assert.equal(s.parameters().size, 2, 'LSTMCell reused rnn/basic_lstm_cell/{kernel,bias}');
  assert.ok(maxAbsDiff(a.outputs, b.outputs) < 1e-6);
  s.dispose();
});

test('sequence lengths: outputs are zero past the length and the state is the last valid one', () => {
  const s = new VariableStore({ seed: 4 });
  const x = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 9) as tf.Tensor3D;
  const cell = new BasicLSTMCell(4);
  const r = dynamicRnn(s, cell, x, { sequenceLength: [5, 2] });
  assert.equal(r.fused, false);
  const tail = tf.slice(r.outputs, [1, 2, 0], [1, 3, 4]);
  assert.equal(tf.max(tf.abs(tail)).dataSync()[0], 0);
  const short = s.variableScope('', { reuse: true }, () => dynamicRnn(s, cell, tf.slice(x, [1, 0, 0], [1, 2, 3]) as tf.Tensor3D, { allowFused: false }));
  assert.ok(maxAbsDiff(tf.slice(r.state[1], [1, 0], [1, 4]), short.state[1]) < 1e-6, 'h at step 2 carried through');
  assert.ok(maxAbsDiff(tf.slice(r.state[0], [1, 0], [1, 4]), short.state[0]) < 1e-6, 'c at step 2 carried through');
  s.dispose();
});

test('BANKING77: TF1-layout BasicLSTMCell and a tfjs-layers LSTM loaded through tf1LstmToKeras agree (< 1e-5)', () => {
  const { ids, vocabSize } = banking77(16, 12);
  const units = 8;
  const embedDim = 6;
  const forgetBias = 1.0;
  const s = new VariableStore({ seed: 77 });
  const idT = tf.tensor2d(ids, undefined, 'int32');
  const embedded = s.variableScope('Model', { initializer: randomUniformInitializer({ minval: -0.5, maxval: 0.5 }) }, () =>
    embedding(s, idT, vocabSize, embedDim)) as tf.Tensor3D;
  const cell = new BasicLSTMCell(units, { forgetBias });
  const ours = dynamicRnn(s, cell, embedded, { allowFused: false });
  // give the bias non-zero values so the forget-bias fold and the gate order both matter
  const bias = s.parameters().require('rnn/basic_lstm_cell/bias').variable;
  bias.assign(tf.randomUniform([4 * units], -0.5, 0.5, 'float32', 5));
  const again = s.variableScope('', { reuse: true }, () => dynamicRnn(s, cell, embedded, { allowFused: false }));
  const model = tfl.sequential({
    layers: [tfl.layers.lstm({ units, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [12, embedDim] })],
  });
  const k = tf1LstmToKeras({ kernel: cell.kernel as tf.Tensor, bias, forgetBias });
  model.layers[0].setWeights([k.kernel, k.recurrentKernel, k.bias]);
  const theirs = model.predict(embedded) as tf.Tensor;
  const diff = maxAbsDiff(again.outputs, theirs);
  assert.ok(diff < 1e-5, `max abs diff ${diff}`);
  assert.ok(maxAbsDiff(ours.outputs, again.outputs) > 1e-3, 'the bias change is visible (the comparison is not vacuous)');
  // and back: kerasLstmToTf1 recovers the TF1 layout (the forget-bias fold costs at most an ulp)
  const back = kerasLstmToTf1({ ...k, forgetBias });
  assert.equal(maxAbsDiff(back.kernel, cell.kernel as tf.Tensor), 0);
  assert.ok(maxAbsDiff(back.bias, bias) < 1e-6);
  s.dispose();
  model.dispose();
});

test('BANKING77: TF1 GRUCell and a tfjs-layers GRU loaded through tf1GruToKeras agree (< 1e-5); inverse is exact', () => {
  const { ids, vocabSize } = banking77(12, 10);
  const units = 6;
  const s = new VariableStore({ seed: 78 });
  const embedded = embedding(s, tf.tensor2d(ids, undefined, 'int32'), vocabSize, 5) as tf.Tensor3D;
  const cell = new GRUCell(units);
  const ours = dynamicRnn(s, cell, embedded);
  const w = {
    gatesKernel: cell.gatesKernel as tf.Tensor, gatesBias: cell.gatesBias as tf.Tensor,
    candidateKernel: cell.candidateKernel as tf.Tensor, candidateBias: cell.candidateBias as tf.Tensor,
  };
  const k = tf1GruToKeras(w);
  const model = tfl.sequential({ layers: [tfl.layers.gru({ units, returnSequences: true, recurrentActivation: 'sigmoid', inputShape: [10, 5] })] });
  model.layers[0].setWeights([k.kernel, k.recurrentKernel, k.bias]);
  const diff = maxAbsDiff(ours.outputs, model.predict(embedded) as tf.Tensor);
  assert.ok(diff < 1e-5, `max abs diff ${diff}`);
  const back = kerasGruToTf1(k);
  for (const key of ['gatesKernel', 'gatesBias', 'candidateKernel', 'candidateBias'] as const) assert.equal(maxAbsDiff(back[key], w[key]), 0);
  s.dispose();
  model.dispose();
});

test('fused native BasicLSTM sequence op and the per-step graph agree', (t) => {
  if (!nativeKernelsActive()) {
    t.skip('native kernels not built here (npm run build:native)');
    return;
  }
  const s = new VariableStore({ seed: 5 });
  const x = tf.randomNormal([3, 7, 4], 0, 1, 'float32', 2) as tf.Tensor3D;
  const cell = new BasicLSTMCell(5, { forgetBias: 0.5 });
  const fused = dynamicRnn(s, cell, x);
  const stepwise = s.variableScope('', { reuse: true }, () => dynamicRnn(s, cell, x, { allowFused: false }));
  assert.equal(fused.fused, true);
  assert.equal(stepwise.fused, false);
  assert.ok(maxAbsDiff(fused.outputs, stepwise.outputs) < 1e-5);
  assert.ok(maxAbsDiff(fused.state[0], stepwise.state[0]) < 1e-5);
  assert.ok(maxAbsDiff(fused.state[1], stepwise.state[1]) < 1e-5);
  s.dispose();
});

test('memory: a training-style loop over dynamic_rnn does not grow tf.memory().numTensors', () => {
  const s = new VariableStore({ seed: 6 });
  const x = tf.randomNormal([2, 6, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
  const cell = new GRUCell(4);
  const opt = tf.train.sgd(0.1);
  const loss = (): tf.Scalar => {
    const r = s.variableScope('rnn_model', { reuse: AUTO_REUSE }, () => dynamicRnn(s, cell, x, { sequenceLength: [6, 3] }));
    return tf.mean(tf.square(r.outputs)) as tf.Scalar;
  };
  tf.tidy(loss); // build the variables once, then train them
  const step = (): void => {
    const cost = opt.minimize(loss, true, s.trainableVariables());
    cost?.dispose();
  };
  step();
  const counts: number[] = [];
  for (let i = 0; i < 3; i++) {
    step();
    counts.push(tf.memory().numTensors);
  }
  assert.equal(counts[0], counts[1]);
  assert.equal(counts[1], counts[2]);
  s.dispose();
});
