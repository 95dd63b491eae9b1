// Sparse (IndexedSlices) gradients and every TF1 optimizer's sparse path, with the cases and
// numbers of TF's own tests: gradient_descent_test.py testSparseBasic, momentum_test.py
// testSparse, adagrad_test.py testSparseBasic / testSparseRepeatedIndices, adam_test.py
// doTestSparse (adam_update_numpy), rmsprop_test.py _sparse_rmsprop_update_numpy, and
// contrib/opt lazy_adam_optimizer_test.py (untouched rows keep their slots). The gather gradient
// matches array_grad.py `_GatherGrad` (values = output gradient, indices = flattened ids).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { embeddingLookup } from '../../src/variables/embedding-lookup.js';
import { AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer, LazyAdamOptimizer, MomentumOptimizer, RMSPropOptimizer } from '../../src/train/optimizers.js';
import { disposeGradients } from '../../src/train/optimizer.js';
import { indexedSlices, isIndexedSlices, toDense, type IndexedSlices } from '../../src/train/indexed-slices.js';

before(async () => {
  await setupBackend();
});

let k = 0;
const v2 = (values: number[][]): tf.Variable => tf.tidy(() => newVariable(`s${k++}/var`, tf.tensor2d(values)));
const slices = (values: number[][], indices: number[], rows: number, cols: number): IndexedSlices =>
  indexedSlices(tf.tensor1d(indices, 'int32'), tf.tensor2d(values), [rows, cols]);
const close = (actual: number[][], expected: number[][], tol = 1e-6): void => {
  actual.flat().forEach((a, i) => assert.ok(Math.abs(a - expected.flat()[i]!) <= tol * Math.max(1, Math.abs(expected.flat()[i]!)), `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`));
};
const arr = (v: tf.Variable): number[][] => v.arraySync() as number[][];

test('gather gradient as IndexedSlices (_GatherGrad): values = dy rows, indices = flattened ids; dense form = TF.js dense gradient', () => {
  const table = v2([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1], [2, 2, 2]]);
  const params = new ParameterSet().add('emb', table);
  const opt = new GradientDescentOptimizer(params, { learningRate: 0.1 });
  const ids = tf.tensor2d([[0, 2], [2, 4]], [2, 2], 'int32');
  const c = tf.tensor3d([[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]);
  const loss = () => tf.sum(tf.mul(embeddingLookup(table, ids), c)) as tf.Scalar;
  const sparse = opt.computeGradients(loss, { sparseLookups: true });
  const g = sparse.gradsAndVars[0]!.grad!;
  assert.ok(isIndexedSlices(g));
  assert.deepEqual(Array.from(g.indices.dataSync()), [0, 2, 2, 4]);
  assert.deepEqual(g.values.arraySync(), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
  assert.deepEqual(g.denseShape, [5, 3]);
  const dense = opt.computeGradients(loss);
  assert.deepEqual(toDense(g).arraySync(), (dense.gradsAndVars[0]!.grad as tf.Tensor).arraySync());
  // a table also used densely gets the summed dense gradient (TF aggregates to a Tensor)
  const tied = opt.computeGradients(() => tf.add(loss(), tf.sum(table)) as tf.Scalar, { sparseLookups: true });
  assert.ok(!isIndexedSlices(tied.gradsAndVars[0]!.grad));
  assert.deepEqual((tied.gradsAndVars[0]!.grad as tf.Tensor).arraySync(), tf.add((dense.gradsAndVars[0]!.grad as tf.Tensor), 1).arraySync());
  for (const r of [sparse, dense, tied]) {
    disposeGradients(r.gradsAndVars);
    r.loss.dispose();
  }
});

test('GradientDescent testSparseBasic: [[1],[2]] with 0.1 at row 0, [[3],[4]] with 0.01 at row 1, lr 3', () => {
  const var0 = v2([[1], [2]]);
  const var1 = v2([[3], [4]]);
  const opt = new GradientDescentOptimizer(new ParameterSet().add('var0', var0).add('var1', var1), { learningRate: 3.0 });
  opt.applyGradients([{ variable: var0, grad: slices([[0.1]], [0], 2, 1) }, { variable: var1, grad: slices([[0.01]], [1], 2, 1) }]);
  close(arr(var0), [[1 - 3 * 0.1], [2]]);
  close(arr(var1), [[3], [4 - 3 * 0.01]]);
  assert.equal(arr(var0)[1]![0], 2, 'an untouched row is bit-identical');
});

test('Momentum testSparse: lr 2, momentum 0.9, two steps; untouched rows stay', () => {
  const var0 = tf.tidy(() => newVariable(`s${k++}/var0`, tf.zeros([4, 2])));
  const var1 = tf.tidy(() => newVariable(`s${k++}/var1`, tf.ones([4, 2])));
  const opt = new MomentumOptimizer(new ParameterSet().add('var0', var0).add('var1', var1), { learningRate: 2.0, momentum: 0.9 });
  const step = () => opt.applyGradients([{ variable: var0, grad: slices([[0.1, 0.1]], [1], 4, 2) }, { variable: var1, grad: slices([[0.01, 0.01], [0.01, 0.01]], [2, 3], 4, 2) }]);
  step();
  close([arr(var0)[0]!, arr(var0)[1]!], [[0, 0], [-(0.1 * 2), -(0.1 * 2)]]);
  close([arr(var1)[0]!, arr(var1)[2]!], [[1, 1], [1 - 0.01 * 2, 1 - 0.01 * 2]]);
  step();
  close([arr(var0)[0]!, arr(var0)[1]!], [[0, 0], [-(0.1 * 2) - (0.9 * 0.1 + 0.1) * 2, -(0.1 * 2) - (0.9 * 0.1 + 0.1) * 2]]);
  close([arr(var1)[0]!, arr(var1)[2]!], [[1, 1], [0.98 - (0.9 * 0.01 + 0.01) * 2, 0.98 - (0.9 * 0.01 + 0.01) * 2]]);
  assert.deepEqual(arr(opt.getSlot(var1, 'momentum')!)[0], [0, 0]);
});

test('Adagrad testSparseBasic: lr 3, initial accumulator 0.1, 3 steps → [[-1.6026098728179932],[2]] and [[3],[3.715679168701172]]', () => {
  const var0 = v2([[1], [2]]);
  const var1 = v2([[3], [4]]);
  const opt = new AdagradOptimizer(new ParameterSet().add('var0', var0).add('var1', var1), { learningRate: 3.0, initialAccumulatorValue: 0.1 });
  for (let i = 0; i < 3; i++) opt.applyGradients([{ variable: var0, grad: slices([[0.1]], [0], 2, 1) }, { variable: var1, grad: slices([[0.01]], [1], 2, 1) }]);
  close(arr(var0), [[-1.6026098728179932], [2]]);
  close(arr(var1), [[3], [3.715679168701172]]);
});

test('Adagrad testSparseRepeatedIndices: indices [1, 1] with 0.1 each = index [1] with 0.2', () => {
  const a = v2([[1], [2]]);
  const b = v2([[1], [2]]);
  const oa = new AdagradOptimizer(new ParameterSet().add('v', a), { learningRate: 3.0 });
  const ob = new AdagradOptimizer(new ParameterSet().add('v', b), { learningRate: 3.0 });
  for (let i = 0; i < 3; i++) {
    oa.applyGradients([{ variable: a, grad: slices([[0.1], [0.1]], [1, 1], 2, 1) }]);
    ob.applyGradients([{ variable: b, grad: slices([[0.2]], [1], 2, 1) }]);
  }
  assert.deepEqual(arr(a), arr(b));
});

/** adam_test.py adam_update_numpy, in double precision. */
function adamNumpy(param: number[], g: number[], t: number, m: number[], v: number[]): [number[], number[], number[]] {
  const alpha = (0.001 * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
  const m1 = m.map((x, i) => 0.9 * x + 0.1 * g[i]!);
  const v1 = v.map((x, i) => 0.999 * x + 0.001 * g[i]! * g[i]!);
  return [param.map((p, i) => p - (alpha * m1[i]!) / (Math.sqrt(v1[i]!) + 1e-8)), m1, v1];
}

test('Adam doTestSparse: 3 steps match adam_update_numpy (float32 tolerance); beta1_power 0.9^t', () => {
  const var0 = v2([[1], [2]]);
  const var1 = v2([[3], [4]]);
  const opt = new AdamOptimizer(new ParameterSet().add('var0', var0).add('var1', var1));
  let p0 = [1, 2], m0 = [0, 0], s0 = [0, 0], p1 = [3, 4], m1 = [0, 0], s1 = [0, 0];
  for (let t = 1; t <= 3; t++) {
    opt.applyGradients([{ variable: var0, grad: slices([[0.1], [0.1]], [0, 1], 2, 1) }, { variable: var1, grad: slices([[0.01], [0.01]], [0, 1], 2, 1) }]);
    [p0, m0, s0] = adamNumpy(p0, [0.1, 0.1], t, m0, s0);
    [p1, m1, s1] = adamNumpy(p1, [0.01, 0.01], t, m1, s1);
    close(arr(var0), p0.map((x) => [x]));
    close(arr(var1), p1.map((x) => [x]));
    assert.ok(Math.abs(opt.variables().require('beta1_power').variable.dataSync()[0]! - 0.9 ** (t + 1)) < 1e-6);
  }
});

test('Adam sparse is non-lazy (TF _apply_sparse_shared): an untouched row still moves once m is non-zero; LazyAdam keeps it and its slots', () => {
  for (const [Opt, lazy] of [[AdamOptimizer, false], [LazyAdamOptimizer, true]] as const) {
    const w = v2([[1], [2]]);
    const opt = new Opt(new ParameterSet().add('w', w));
    opt.applyGradients([{ variable: w, grad: slices([[0.1], [0.1]], [0, 1], 2, 1) }]);
    const before = arr(w)[1]![0]!;
    const mBefore = arr(opt.getSlot(w, 'm')!)[1]![0]!;
    opt.applyGradients([{ variable: w, grad: slices([[0.1]], [0], 2, 1) }]);
    if (lazy) {
      assert.equal(arr(w)[1]![0], before);
      assert.equal(arr(opt.getSlot(w, 'm')!)[1]![0], mBefore);
    } else {
      assert.notEqual(arr(w)[1]![0], before);
      assert.equal(arr(opt.getSlot(w, 'm')!)[1]![0], Math.fround(mBefore * Math.fround(0.9)));
    }
    assert.deepEqual(opt.variables().names().sort(), ['beta1_power', 'beta2_power', 'w/Adam', 'w/Adam_1'], 'LazyAdam names its slots as Adam');
  }
});

/** rmsprop_test.py _sparse_rmsprop_update_numpy (double precision). */
function rmsNumpy(v: number[], idx: number[], g: number[], mg: number[], rms: number[], mom: number[], lr: number, decay: number, momentum: number, eps: number, centered: boolean): void {
  idx.forEach((i, j) => {
    rms[i] = rms[i]! * decay + (1 - decay) * g[j]! * g[j]!;
    let denom = rms[i]! + eps;
    if (centered) {
      mg[i] = mg[i]! * decay + (1 - decay) * g[j]!;
      denom -= mg[i]! * mg[i]!;
    }
    mom[i] = momentum * mom[i]! + (lr * g[j]!) / Math.sqrt(denom);
    v[i] = v[i]! - mom[i]!;
  });
}

test('RMSProp sparse (plain and centered) matches _sparse_rmsprop_update_numpy over 3 steps', () => {
  for (const centered of [false, true]) {
    const w = v2([[1], [2], [3]]);
    const opt = new RMSPropOptimizer(new ParameterSet().add('w', w), { learningRate: 2.0, decay: 0.9, momentum: 0.5, epsilon: 1e-5, centered });
    const ref = [1, 2, 3], mg = [0, 0, 0], rms = [1, 1, 1], mom = [0, 0, 0];
    for (let t = 0; t < 3; t++) {
      opt.applyGradients([{ variable: w, grad: slices([[0.1], [0.2]], [0, 2], 3, 1) }]);
      rmsNumpy(ref, [0, 2], [0.1, 0.2], mg, rms, mom, 2.0, 0.9, 0.5, 1e-5, centered);
      close(arr(w), ref.map((x) => [x]), 1e-5);
    }
    assert.equal(arr(w)[1]![0], 2);
  }
});

test('sparse steps leak no tensors, with one lookup of a table and with two (their slices concatenated)', () => {
  const t = tf.tidy(() => newVariable(`s${k++}/t`, tf.randomNormal([50, 4], 0, 1, 'float32', 1)));
  const w = tf.tidy(() => newVariable(`s${k++}/w`, tf.randomNormal([4, 3], 0, 1, 'float32', 2)));
  const ids = tf.tensor2d([[1, 2, 3], [3, 4, 40]], [2, 3], 'int32');
  for (const make of [(p: ParameterSet) => new AdamOptimizer(p), (p: ParameterSet) => new LazyAdamOptimizer(p), (p: ParameterSet) => new RMSPropOptimizer(p, { learningRate: 0.1, centered: true })]) {
    const opt = make(new ParameterSet().add('t', t).add('w', w));
    const once = () => tf.sum(tf.matMul(tf.mean(embeddingLookup(t, ids), 1), w)) as tf.Scalar;
    const twice = () => tf.add(once(), tf.sum(embeddingLookup(t, ids))) as tf.Scalar;
    for (const fn of [once, twice]) {
      opt.minimize(fn, { sparseLookups: true });
      const n = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) opt.minimize(fn, { sparseLookups: true });
      assert.equal(tf.memory().numTensors, n);
    }
  }
});
