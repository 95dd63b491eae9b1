// The text classifier (src/models/text-rnn.ts, a 5,000-row embedding) on real BANKING77
// utterances, trained twice from the same seed: dense gather gradients (TF.js's) and sparse
// IndexedSlices updates (TF's). The loss curves agree within float tolerance for SGD and Adam
// (TF's sparse Adam rounds in another op order), and sparse SGD never writes an embedding row
// the batches did not look up. Speed: bench/sparse-embedding.ts.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers.js';
import { VariableStore } from '../../src/variables/index.js';
import { buildTextRnn } from '../../src/models/text-rnn.js';
import { loadBanking77, textExampleSet, Vocabulary } from '../../src/models/data/index.js';
import { AdamOptimizer, GradientDescentOptimizer } from '../../src/train/optimizers.js';
import type { Optimizer } from '../../src/train/optimizer.js';
import type { ParameterSet } from '../../src/variables/parameter-set.js';

const VOCAB = 5000;
const MAX_LEN = 16;
const BATCH = 32;
let batches: { ids: tf.Tensor2D; lengths: number[]; labels: tf.Tensor2D }[] = [];
let numClasses = 0;

before(async () => {
  await setupBackend();
  const data = await loadBanking77({ split: 'train', seed: 3, limit: BATCH * 4 });
  const vocab = Vocabulary.build(data.texts, { maxSize: VOCAB });
  const set = textExampleSet(data, vocab, MAX_LEN);
  numClasses = set.classNames.length;
  for (let b = 0; b < 4; b++) {
    const ids = tf.tensor2d(Array.from(set.x.subarray(b * BATCH * MAX_LEN, (b + 1) * BATCH * MAX_LEN)), [BATCH, MAX_LEN], 'int32');
    const labels = tf.oneHot(tf.tensor1d(Array.from(set.labels.subarray(b * BATCH, (b + 1) * BATCH)), 'int32'), numClasses).toFloat() as tf.Tensor2D;
    batches.push({ ids, lengths: Array.from(set.lengths!.subarray(b * BATCH, (b + 1) * BATCH)), labels });
  }
});

function train(make: (p: ParameterSet) => Optimizer, sparse: boolean, steps: number): { losses: number[]; table: Float32Array; initial: Float32Array; store: VariableStore } {
  const store = new VariableStore({ seed: 7 });
  const opts = { numClasses, vocabSize: VOCAB, embedDim: 32, hiddenSize: 32 };
  const lossOf = (b: (typeof batches)[number]) => () => tf.losses.softmaxCrossEntropy(b.labels, buildTextRnn(store, b.ids, b.lengths, opts).logits) as tf.Scalar;
  tf.tidy(() => {
    lossOf(batches[0]!)();
  });
  const table = store.parameters().require('Model/embedding').variable;
  const initial = table.dataSync().slice() as Float32Array;
  const opt = make(store.parameters());
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(opt.minimize(lossOf(batches[s % batches.length]!), { sparseLookups: sparse }).loss);
  return { losses, table: table.dataSync().slice() as Float32Array, initial, store };
}

for (const [name, make, tol] of [
  ['SGD', (p: ParameterSet) => new GradientDescentOptimizer(p, { learningRate: 0.5 }), 1e-5],
  ['Adam', (p: ParameterSet) => new AdamOptimizer(p, { learningRate: 0.01 }), 1e-4],
] as const) {
  test(`${name}: sparse embedding updates follow the dense loss curve (5 steps, tolerance ${tol})`, () => {
    const dense = train(make, false, 5);
    const sparse = train(make, true, 5);
    dense.losses.forEach((l, i) => assert.ok(Math.abs(l - sparse.losses[i]!) <= tol * Math.max(1, Math.abs(l)), `step ${i}: dense ${l} sparse ${sparse.losses[i]}`));
    assert.ok(dense.losses[4]! < dense.losses[0]!, `the loss on batch 0 went down by step 4: ${dense.losses.join(' → ')}`);
    let maxDiff = 0;
    for (let i = 0; i < dense.table.length; i++) maxDiff = Math.max(maxDiff, Math.abs(dense.table[i]! - sparse.table[i]!));
    assert.ok(maxDiff < 1e-3, `embedding max |dense - sparse| = ${maxDiff}`);
    if (name === 'SGD') {
      const used = new Set(batches.flatMap((b) => Array.from(b.ids.dataSync())));
      for (let row = 0; row < VOCAB; row++) {
        if (used.has(row)) continue;
        for (let j = 0; j < 32; j++) assert.equal(sparse.table[row * 32 + j], sparse.initial[row * 32 + j]);
      }
    }
    dense.store.dispose();
    sparse.store.dispose();
  });
}
