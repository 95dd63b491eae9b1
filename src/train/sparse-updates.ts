/**
 * The TF1 optimizers' sparse paths for IndexedSlices gradients (embedding lookups), in TF's op
 * order. Each takes deduplicated slices (`Optimizer._apply_sparse_duplicate_indices` sums the
 * values of repeated indices first; indexed-slices.ts) and writes only the touched rows, except
 * Adam's, which — as TF's `AdamOptimizer._apply_sparse_shared` — decays every row of m and v
 * and moves every row of the variable (non-lazy); `lazyAdamSparse` is contrib's
 * `LazyAdamOptimizer._apply_sparse` (only the touched rows of m, v and the variable).
 *
 *   SGD       `var[i] -= g * lr`                          (`_apply_sparse_duplicate_indices`, scatter_sub)
 *   Momentum  `a[i] = a[i] * m + g; var[i] -= a[i] * lr`  (SparseApplyMomentum; Nesterov:
 *             `var[i] -= g * lr + a[i] * m * lr`)
 *   Adagrad   `a[i] += g²; var[i] -= lr * g * rsqrt(a[i])` (SparseApplyAdagrad)
 *   RMSProp   `ms[i] = ms[i] * rho + g² * (1 - rho)`; centered `mg[i] = mg[i] * rho + g * (1 - rho)`;
 *             `mom[i] = mom[i] * momentum + rsqrt(ms[i] + eps [- mg[i]²]) * lr * g`;
 *             `var[i] -= mom[i]`                            (SparseApply[Centered]RMSProp)
 *   Adam      `m = m * b1; m[i] += g * (1 - b1); v = v * b2; v[i] += g² * (1 - b2);
 *             var -= lr_t * m / (sqrt(v) + eps)`, `lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)`
 *   LazyAdam  `m[i] = b1 * m[i] + (1 - b1) * g`; `v[i] = b2 * v[i] + (1 - b2) * g²`;
 *             `var[i] -= lr_t * m[i] / (sqrt(v[i]) + eps)`
 */
import * as tf from '@tensorflow/tfjs-core';
import { scatterUpdate, type IndexedSlices } from './indexed-slices.js';

const f = Math.fround;

/** SGD on the rows of deduplicated slices. */
export function sgdSparse(variable: tf.Variable, g: IndexedSlices, lr: number): void {
  const rows = tf.tidy(() => tf.sub(tf.gather(variable, g.indices), tf.mul(g.values, tf.scalar(lr))));
  scatterUpdate(variable, g.indices, rows);
  rows.dispose();
}

/** SparseApplyMomentum. */
export function momentumSparse(variable: tf.Variable, accum: tf.Variable, g: IndexedSlices, lr: number, momentum: number, nesterov: boolean): void {
  const [a, v] = tf.tidy(() => {
    const lrT = tf.scalar(lr);
    const m = tf.scalar(momentum);
    const a1 = tf.add(tf.mul(tf.gather(accum, g.indices), m), g.values);
    const delta = nesterov ? tf.add(tf.mul(g.values, lrT), tf.mul(tf.mul(a1, m), lrT)) : tf.mul(a1, lrT);
    return [a1, tf.sub(tf.gather(variable, g.indices), delta)];
  });
  scatterUpdate(accum, g.indices, a);
  scatterUpdate(variable, g.indices, v);
  tf.dispose([a, v]);
}

/** SparseApplyAdagrad. */
export function adagradSparse(variable: tf.Variable, accum: tf.Variable, g: IndexedSlices, lr: number): void {
  const [a, v] = tf.tidy(() => {
    const a1 = tf.add(tf.gather(accum, g.indices), tf.square(g.values));
    return [a1, tf.sub(tf.gather(variable, g.indices), tf.mul(tf.mul(tf.scalar(lr), g.values), tf.rsqrt(a1)))];
  });
  scatterUpdate(accum, g.indices, a);
  scatterUpdate(variable, g.indices, v);
  tf.dispose([a, v]);
}

/** SparseApplyRMSProp / SparseApplyCenteredRMSProp (`mg` given). */
export function rmsPropSparse(variable: tf.Variable, ms: tf.Variable, mom: tf.Variable, mg: tf.Variable | null, g: IndexedSlices, lr: number, rho: number, momentum: number, epsilon: number): void {
  const out = tf.tidy(() => {
    const rhoT = tf.scalar(rho);
    const oneMinusRho = tf.scalar(f(1 - rho));
    const ms1 = tf.add(tf.mul(tf.gather(ms, g.indices), rhoT), tf.mul(tf.square(g.values), oneMinusRho));
    const mg1 = mg ? tf.add(tf.mul(tf.gather(mg, g.indices), rhoT), tf.mul(g.values, oneMinusRho)) : null;
    const denom = mg1 ? tf.sub(tf.add(ms1, tf.scalar(epsilon)), tf.square(mg1)) : tf.add(ms1, tf.scalar(epsilon));
    const mom1 = tf.add(tf.mul(tf.gather(mom, g.indices), tf.scalar(momentum)), tf.mul(tf.mul(tf.rsqrt(denom), tf.scalar(lr)), g.values));
    return { ms1, mg1: mg1 ?? undefined, mom1, v: tf.sub(tf.gather(variable, g.indices), mom1) };
  });
  scatterUpdate(ms, g.indices, out.ms1);
  if (mg && out.mg1) scatterUpdate(mg, g.indices, out.mg1);
  scatterUpdate(mom, g.indices, out.mom1);
  scatterUpdate(variable, g.indices, out.v);
  tf.dispose([out.ms1, out.mom1, out.v, ...(out.mg1 ? [out.mg1] : [])]);
}

/** Adam's hyper-parameters for one step (float32 values; `alpha` = lr_t). */
export interface AdamStep {
  alpha: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/** TF AdamOptimizer `_apply_sparse_shared`: every row of m, v and the variable moves. */
export function adamSparse(variable: tf.Variable, m: tf.Variable, v: tf.Variable, g: IndexedSlices, h: AdamStep): void {
  const out = tf.tidy(() => {
    const idx = tf.expandDims(g.indices, 1);
    const mScaled = tf.mul(g.values, tf.scalar(f(1 - h.beta1)));
    const m0 = tf.mul(m, tf.scalar(h.beta1));
    const m1 = tf.tensorScatterUpdate(m0, idx, tf.add(tf.gather(m0, g.indices), mScaled));
    const vScaled = tf.mul(tf.square(g.values), tf.scalar(f(1 - h.beta2)));
    const v0 = tf.mul(v, tf.scalar(h.beta2));
    const v1 = tf.tensorScatterUpdate(v0, idx, tf.add(tf.gather(v0, g.indices), vScaled));
    const w = tf.sub(variable, tf.div(tf.mul(tf.scalar(h.alpha), m1), tf.add(tf.sqrt(v1), tf.scalar(h.epsilon))));
    return { m1, v1, w };
  });
  m.assign(out.m1);
  v.assign(out.v1);
  variable.assign(out.w);
  tf.dispose([out.m1, out.v1, out.w]);
}

/** contrib LazyAdamOptimizer `_apply_sparse`: only the touched rows of m, v and the variable. */
export function lazyAdamSparse(variable: tf.Variable, m: tf.Variable, v: tf.Variable, g: IndexedSlices, h: AdamStep): void {
  const out = tf.tidy(() => {
    const m1 = tf.add(tf.mul(tf.scalar(h.beta1), tf.gather(m, g.indices)), tf.mul(tf.scalar(f(1 - h.beta1)), g.values));
    const v1 = tf.add(tf.mul(tf.scalar(h.beta2), tf.gather(v, g.indices)), tf.mul(tf.scalar(f(1 - h.beta2)), tf.square(g.values)));
    const denom = tf.add(tf.sqrt(v1), tf.scalar(h.epsilon));
    const w = tf.sub(tf.gather(variable, g.indices), tf.div(tf.mul(tf.scalar(h.alpha), m1), denom));
    return { m1, v1, w };
  });
  scatterUpdate(m, g.indices, out.m1);
  scatterUpdate(v, g.indices, out.v1);
  scatterUpdate(variable, g.indices, out.w);
  tf.dispose([out.m1, out.v1, out.w]);
}
