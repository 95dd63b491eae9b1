import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupLayers, matchCommonLayers } from '../../src/checkpoint/common-layers.js';
import type { VariableSpec } from '../../src/checkpoint/common-layers.js';

const v = (name: string, ...shape: number[]): VariableSpec => ({ name, dtype: 'float32', shape });

// two intent classifiers that share the embedding and the first LSTM layer under other prefixes
const A = [
  v('intent_a/embedding/embeddings', 500, 32),
  v('intent_a/lstm1/rnn/basic_lstm_cell/kernel', 96, 256),
  v('intent_a/lstm1/rnn/basic_lstm_cell/bias', 256),
  v('intent_a/fc/weights', 64, 77),
  v('intent_a/fc/biases', 77),
  v('intent_a/fc/weights/Adam', 64, 77),
  v('global_step'),
];
const B = [
  v('intent_b/embedding/embeddings', 500, 32),
  v('intent_b/lstm1/rnn/basic_lstm_cell/kernel', 96, 256),
  v('intent_b/lstm1/rnn/basic_lstm_cell/bias', 256),
  v('intent_b/lstm2/rnn/basic_lstm_cell/kernel', 96, 128),
  v('intent_b/lstm2/rnn/basic_lstm_cell/bias', 128),
  v('intent_b/softmax_w', 32, 77),
  v('intent_b/softmax_b', 77),
];

test('groupLayers groups by scope in creation order and skips slots and the step', () => {
  const g = groupLayers(A);
  assert.deepEqual(g.layers.map((l) => l.scope), ['intent_a/embedding', 'intent_a/lstm1/rnn/basic_lstm_cell', 'intent_a/fc']);
  assert.deepEqual(g.skipped.map((s) => s.name), ['intent_a/fc/weights/Adam', 'global_step']);
});

test('structure: pairs the shared early layers across prefixes and stops at the first difference', () => {
  const m = matchCommonLayers(A, B, 'structure');
  assert.deepEqual(m.pairings.map((p) => [p.source, p.destination]), [
    ['intent_a/embedding', 'intent_b/embedding'],
    ['intent_a/lstm1/rnn/basic_lstm_cell', 'intent_b/lstm1/rnn/basic_lstm_cell'],
  ]);
  assert.deepEqual(m.pairings[1]!.variables.map((x) => x.destination), ['intent_b/lstm1/rnn/basic_lstm_cell/kernel', 'intent_b/lstm1/rnn/basic_lstm_cell/bias']);
  assert.deepEqual(m.pairings[1]!.variables.map((x) => x.source), ['intent_a/lstm1/rnn/basic_lstm_cell/kernel', 'intent_a/lstm1/rnn/basic_lstm_cell/bias']);
  const dstLeft = m.leftAlone.filter((l) => l.side === 'destination').map((l) => l.name);
  assert.deepEqual(dstLeft, ['intent_b/lstm2/rnn/basic_lstm_cell/kernel', 'intent_b/lstm2/rnn/basic_lstm_cell/bias', 'intent_b/softmax_w', 'intent_b/softmax_b']);
  assert.match(m.leftAlone.find((l) => l.name === 'intent_b/lstm2/rnn/basic_lstm_cell/kernel')!.reason, /layer 3 differs \(intent_a\/fc vs intent_b\/lstm2\/rnn\/basic_lstm_cell: variable names differ/);
  assert.match(m.leftAlone.find((l) => l.name === 'intent_a/fc/weights/Adam')!.reason, /optimizer slot/);
});

test('name: only identical names pair, so different prefixes share nothing', () => {
  const m = matchCommonLayers(A, B, 'name');
  assert.equal(m.pairings.length, 0);
  const m2 = matchCommonLayers(A, A.slice(0, 3), 'name');
  assert.equal(m2.pairings.length, 2);
  assert.match(m2.pairings[0]!.reason, /same names/);
});

test('shape: aligns layers with equal shapes even when names differ and the middle differs', () => {
  const C = [
    v('m/emb/w', 500, 32),
    v('m/extra/w', 7, 7),
    v('m/cell/weights', 96, 256),
    v('m/cell/biases', 256),
    v('m/out/w', 64, 77),
    v('m/out/b', 77),
  ];
  const m = matchCommonLayers(A, C, 'shape');
  assert.deepEqual(m.pairings.map((p) => [p.source, p.destination]), [
    ['intent_a/embedding', 'm/emb'],
    ['intent_a/lstm1/rnn/basic_lstm_cell', 'm/cell'],
    ['intent_a/fc', 'm/out'],
  ]);
  assert.match(m.pairings[1]!.reason, /variable names differ/);
  assert.ok(m.leftAlone.some((l) => l.name === 'm/extra/w' && l.side === 'destination'));
});
