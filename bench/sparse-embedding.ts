/**
 * `npm run bench -- sparse-embedding [--model text-rnn|bag|both] [--steps N] [--windows N]
 * [--warmup N] [--batch N] [--vocab ROWS]`: the text classifier (src/models/text-rnn.ts: 5,000-row embedding × 64,
 * one LSTM of 64, 77 BANKING77 intents, batch 64, 24 tokens) — and `bag`, the same embedding
 * averaged over the tokens into the softmax layer (no LSTM, so the embedding update is most of
 * the step) — trained with dense gather gradients (TF.js's: a segment sum into
 * the whole table, then a dense update of every row) and with sparse IndexedSlices updates (TF's),
 * for SGD, Adam (TF's non-lazy sparse path: every row of m, v and the table still moves) and
 * LazyAdam (touched rows only). The modes run interleaved window by window in one process, so
 * they see the same machine load. One JSON object a line:
 *   {"bench","optimizer","updates","ms_per_step","ratio_to_dense","windows",…}
 * `load_avg` is printed so a figure taken on a busy machine can be recognised as such.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/runtime/backend.js';
import { AUTO_REUSE, VariableStore, embeddingLookup } from '../src/variables/index.js';
import { buildTextRnn } from '../src/models/text-rnn.js';
import { loadBanking77, textExampleSet, Vocabulary } from '../src/models/data/index.js';
import { AdamOptimizer, GradientDescentOptimizer, LazyAdamOptimizer } from '../src/train/optimizers.js';
import type { Optimizer } from '../src/train/optimizer.js';
import type { ParameterSet } from '../src/variables/parameter-set.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { model: { type: 'string', default: 'both' }, vocab: { type: 'string', default: '5000' }, steps: { type: 'string', default: '10' }, windows: { type: 'string', default: '3' }, warmup: { type: 'string', default: '2' }, batch: { type: 'string', default: '64' } },
});
const STEPS = Number(values.steps);
const WINDOWS = Number(values.windows);
const WARMUP = Number(values.warmup);
const BATCH = Number(values.batch);
/** Rows of the embedding table; the words beyond BANKING77's vocabulary are never looked up (as a big table's rare words). */
const VOCAB = Number(values.vocab);
const MAX_LEN = 24;

const info = await initBackend();
const data = await loadBanking77({ split: 'train', seed: 1, limit: BATCH * 8 });
const vocab = Vocabulary.build((await loadBanking77({ split: 'train' })).texts, { maxSize: Math.min(VOCAB, 5000) });
const set = textExampleSet(data, vocab, MAX_LEN);
const numClasses = 77;
const batches = Array.from({ length: 8 }, (_, b) => ({
  ids: tf.tensor2d(Array.from(set.x.subarray(b * BATCH * MAX_LEN, (b + 1) * BATCH * MAX_LEN)), [BATCH, MAX_LEN], 'int32'),
  lengths: Array.from(set.lengths!.subarray(b * BATCH, (b + 1) * BATCH)),
  labels: tf.oneHot(tf.tensor1d(Array.from(set.labels.subarray(b * BATCH, (b + 1) * BATCH)), 'int32'), numClasses).toFloat() as tf.Tensor2D,
}));

interface Mode { model: string; optimizer: string; updates: 'dense' | 'sparse'; make: (p: ParameterSet) => Optimizer }
const optimizers: Omit<Mode, 'model'>[] = [
  { optimizer: 'SGD', updates: 'dense', make: (p) => new GradientDescentOptimizer(p, { learningRate: 0.5 }) },
  { optimizer: 'SGD', updates: 'sparse', make: (p) => new GradientDescentOptimizer(p, { learningRate: 0.5 }) },
  { optimizer: 'Adam', updates: 'dense', make: (p) => new AdamOptimizer(p, { learningRate: 0.003 }) },
  { optimizer: 'Adam', updates: 'sparse', make: (p) => new AdamOptimizer(p, { learningRate: 0.003 }) },
  { optimizer: 'LazyAdam', updates: 'sparse', make: (p) => new LazyAdamOptimizer(p, { learningRate: 0.003 }) },
];
const models = values.model === 'both' ? ['text-rnn', 'bag'] : [values.model!];
const modes: Mode[] = models.flatMap((model) => optimizers.map((o) => ({ ...o, model })));

/** `bag`: mean of the looked-up rows → softmax layer, under the text classifier's names. */
function bagLogits(store: VariableStore, ids: tf.Tensor2D): tf.Tensor2D {
  return store.variableScope('Model', { reuse: AUTO_REUSE }, () => {
    const emb = store.getVariable('embedding', { shape: [VOCAB, 64] });
    const w = store.getVariable('softmax_w', { shape: [64, numClasses] });
    const b = store.getVariable('softmax_b', { shape: [numClasses] });
    return tf.add(tf.matMul(tf.mean(embeddingLookup(emb, ids), 1), w), b) as tf.Tensor2D;
  });
}

const runners = modes.map((mode) => {
  const store = new VariableStore({ seed: 7 });
  const opts = { numClasses, vocabSize: VOCAB, embedDim: 64, hiddenSize: 64 };
  const logits = (b: (typeof batches)[number]): tf.Tensor2D => (mode.model === 'bag' ? bagLogits(store, b.ids) : buildTextRnn(store, b.ids, b.lengths, opts).logits);
  const lossOf = (b: (typeof batches)[number]) => () => tf.losses.softmaxCrossEntropy(b.labels, logits(b)) as tf.Scalar;
  tf.tidy(() => {
    lossOf(batches[0]!)();
  });
  const opt = mode.make(store.parameters());
  let step = 0;
  const run = (): number => opt.minimize(lossOf(batches[step++ % batches.length]!), { sparseLookups: mode.updates === 'sparse' }).loss;
  for (let i = 0; i < WARMUP; i++) run();
  return { mode, run, times: [] as number[], cpu: [] as number[], lastLoss: 0 };
});

for (let w = 0; w < WINDOWS; w++) {
  for (const r of runners) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < STEPS; i++) r.lastLoss = r.run();
    const c = process.cpuUsage(c0);
    r.times.push((performance.now() - t0) / STEPS);
    r.cpu.push((c.user + c.system) / 1000 / STEPS);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const denseMs = new Map(runners.filter((r) => r.mode.updates === 'dense').map((r) => [`${r.mode.model}/${r.mode.optimizer}`, median(r.times)]));
for (const r of runners) {
  const ms = median(r.times);
  const dense = denseMs.get(`${r.mode.model}/${r.mode.optimizer === 'LazyAdam' ? 'Adam' : r.mode.optimizer}`)!;
  console.log(JSON.stringify({
    bench: 'sparse-embedding',
    model: r.mode.model,
    engine: info.backend,
    kernels: info.kernels,
    optimizer: r.mode.optimizer,
    updates: r.mode.updates,
    ms_per_step: Number(ms.toFixed(2)),
    cpu_ms_per_step: Number(median(r.cpu).toFixed(2)),
    ratio_to_dense: Number((dense / ms).toFixed(3)),
    windows: r.times.map((t) => Number(t.toFixed(2))),
    steps: STEPS,
    batch: BATCH,
    vocab: VOCAB,
    embed_dim: 64,
    last_loss: Number(r.lastLoss.toFixed(4)),
    load_avg: Number(loadavg()[0]!.toFixed(2)),
  }));
}
