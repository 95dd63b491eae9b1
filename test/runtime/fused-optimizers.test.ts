// Fused optimizer updates against a float32 emulation (Math.fround after every operation) of TF1's
// kernel formulas (training_ops.cc, TF-SEMANTICS §7.3). Bound: bit-exact equality, because the
// native code is compiled without FMA contraction and does each operation in float32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { applyAdamFused, applyMomentumFused, applyMovingAverageFused, applyRmsPropFused, applySgdFused, fusedOptimizerAvailable } from '../../src/runtime/fused-optimizers.js';
import { randn, skipReason } from './native/helpers.js';

const f = Math.fround;
const SHAPES: number[][] = [[70001], [5], [3, 4]]; // the first spans three 32768-element chunks

function variables(seed: number, scale = 1): tf.Variable[] {
  return SHAPES.map((s, i) => {
    const init = tf.tensor(randn(tf.util.sizeFromShape(s), seed + i, scale), s);
    const v = tf.variable(init, true, `fused_opt_${seed}_${i}_${Math.random()}`);
    init.dispose();
    return v;
  });
}

const data = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);

test('applyAdamFused equals TF1 ApplyAdam in float32, bit for bit, over 3 steps', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  assert.equal(fusedOptimizerAvailable(), true);
  const vars = variables(1), ms = variables(2, 0.1), vs = variables(3, 0.1).map((v) => { v.assign(v.square()); return v; });
  const h = { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta1Power: f(0.9), beta2Power: f(0.999) };
  const ref = { w: vars.map(data), m: ms.map(data), v: vs.map(data) };
  for (let step = 0; step < 3; step++) {
    const grads = SHAPES.map((s, i) => tf.tensor(randn(tf.util.sizeFromShape(s), 10 * step + i + 50), s));
    assert.equal(applyAdamFused(vars.map((v, i) => ({ variable: v, grad: grads[i]!, m: ms[i]!, v: vs[i]! })), h), true);
    const alpha = f(f(f(h.lr) * f(Math.sqrt(f(1 - h.beta2Power)))) / f(1 - h.beta1Power));
    grads.forEach((gt, i) => {
      const g = data(gt), w = ref.w[i]!, m = ref.m[i]!, v = ref.v[i]!;
      for (let k = 0; k < g.length; k++) {
        m[k] = f(m[k]! + f(f(g[k]! - m[k]!) * f(1 - f(h.beta1))));
        v[k] = f(v[k]! + f(f(f(g[k]! * g[k]!) - v[k]!) * f(1 - f(h.beta2))));
        w[k] = f(w[k]! - f(f(m[k]! * alpha) / f(f(Math.sqrt(v[k]!)) + f(h.epsilon))));
      }
    });
    tf.dispose(grads);
    h.beta1Power = f(h.beta1Power * f(h.beta1));
    h.beta2Power = f(h.beta2Power * f(h.beta2));
  }
  vars.forEach((v, i) => assert.deepEqual(data(v), ref.w[i], `variable ${i}`));
  ms.forEach((v, i) => assert.deepEqual(data(v), ref.m[i], `m ${i}`));
  vs.forEach((v, i) => assert.deepEqual(data(v), ref.v[i], `v ${i}`));
  tf.dispose([...vars, ...ms, ...vs]);
});

test('applyMomentumFused (plain and Nesterov) and applySgdFused equal TF1 in float32', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  for (const nesterov of [false, true]) {
    const vars = variables(20), acc = variables(21, 0.1);
    const ref = { w: vars.map(data), a: acc.map(data) };
    const lr = 0.05, mom = 0.9;
    for (let step = 0; step < 2; step++) {
      const grads = SHAPES.map((s, i) => tf.tensor(randn(tf.util.sizeFromShape(s), 70 + 10 * step + i), s));
      assert.equal(applyMomentumFused(vars.map((v, i) => ({ variable: v, grad: grads[i]!, accum: acc[i]! })), { lr, momentum: mom, nesterov }), true);
      grads.forEach((gt, i) => {
        const g = data(gt), w = ref.w[i]!, a = ref.a[i]!;
        for (let k = 0; k < g.length; k++) {
          a[k] = f(f(a[k]! * f(mom)) + g[k]!);
          w[k] = nesterov ? f(w[k]! - f(f(g[k]! * f(lr)) + f(f(a[k]! * f(mom)) * f(lr)))) : f(w[k]! - f(a[k]! * f(lr)));
        }
      });
      tf.dispose(grads);
    }
    vars.forEach((v, i) => assert.deepEqual(data(v), ref.w[i], `nesterov=${nesterov} variable ${i}`));
    acc.forEach((v, i) => assert.deepEqual(data(v), ref.a[i], `nesterov=${nesterov} accum ${i}`));
    tf.dispose([...vars, ...acc]);
  }
  const vars = variables(30);
  const grads = SHAPES.map((s, i) => tf.tensor(randn(tf.util.sizeFromShape(s), 90 + i), s));
  const expected = vars.map((v, i) => { const w = data(v), g = data(grads[i]!); return w.map((x, k) => f(x - f(g[k]! * f(0.1)))); });
  assert.equal(applySgdFused(vars.map((v, i) => ({ variable: v, grad: grads[i]! })), { lr: 0.1 }), true);
  vars.forEach((v, i) => assert.deepEqual(data(v), expected[i], `sgd variable ${i}`));
  tf.dispose([...vars, ...grads]);
});

test('applyRmsPropFused equals TF1 ApplyRMSProp in float32', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const vars = variables(40), ms = variables(41).map((v) => { v.assign(v.square()); return v; }), mo = variables(42, 0.1);
  const h = { lr: 0.01, rho: 0.9, momentum: 0.5, epsilon: 1e-10 };
  const ref = { w: vars.map(data), ms: ms.map(data), mo: mo.map(data) };
  const grads = SHAPES.map((s, i) => tf.tensor(randn(tf.util.sizeFromShape(s), 95 + i), s));
  assert.equal(applyRmsPropFused(vars.map((v, i) => ({ variable: v, grad: grads[i]!, ms: ms[i]!, mom: mo[i]! })), h), true);
  grads.forEach((gt, i) => {
    const g = data(gt), w = ref.w[i]!, s = ref.ms[i]!, m = ref.mo[i]!;
    for (let k = 0; k < g.length; k++) {
      s[k] = f(s[k]! + f(f(f(g[k]! * g[k]!) - s[k]!) * f(1 - f(h.rho))));
      m[k] = f(f(m[k]! * f(h.momentum)) + f(f(g[k]! * f(h.lr)) / f(Math.sqrt(f(s[k]! + f(h.epsilon))))));
      w[k] = f(w[k]! - m[k]!);
    }
  });
  vars.forEach((v, i) => assert.deepEqual(data(v), ref.w[i], `variable ${i}`));
  ms.forEach((v, i) => assert.deepEqual(data(v), ref.ms[i], `ms ${i}`));
  mo.forEach((v, i) => assert.deepEqual(data(v), ref.mo[i], `mom ${i}`));
  tf.dispose([...vars, ...ms, ...mo, ...grads]);
});

test('a variable whose buffer is shared with another tensor is updated without changing that tensor', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const init = tf.tensor1d([1, 2, 3, 4]);
  const v = tf.variable(init, true, `fused_opt_shared_${Math.random()}`); // shares init's buffer
  const snapshot = v.clone(); // shares it too
  const grad = tf.tensor1d([1, 1, 1, 1]);
  assert.equal(applySgdFused([{ variable: v, grad }], { lr: 0.5 }), true);
  assert.deepEqual(Array.from(v.dataSync()), [0.5, 1.5, 2.5, 3.5]);
  assert.deepEqual(Array.from(snapshot.dataSync()), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(init.dataSync()), [1, 2, 3, 4]);
  tf.dispose([init, v, snapshot, grad]);
});

test('fused updates decline (return false) for non-float32 or mismatched tensors', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const v = tf.variable(tf.tensor1d([1, 2, 3]), true, `fused_opt_decline_${Math.random()}`);
  const g = tf.tensor1d([1, 2], 'float32');
  assert.equal(applySgdFused([{ variable: v, grad: g }], { lr: 0.1 }), false);
  assert.deepEqual(Array.from(v.dataSync()), [1, 2, 3]);
  tf.dispose([v, g]);
});

test('applyMovingAverageFused equals TF\'s assign_moving_average in float32, bit for bit, and leaves the variables alone', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const vars = variables(40), shadows = variables(41);
  const shared = shadows[1]!.clone(); // a shadow whose buffer another tensor holds: updated out of place
  const before = vars.map(data), ref = shadows.map(data);
  for (const decay of [0.9, 0.999]) {
    const c = f(1 - f(decay));
    assert.equal(applyMovingAverageFused(vars.map((v, i) => ({ shadow: shadows[i]!, variable: v })), c), true);
    ref.forEach((s, i) => {
      const w = before[i]!;
      for (let k = 0; k < s.length; k++) s[k] = f(s[k]! - f(f(s[k]! - w[k]!) * c));
    });
  }
  shadows.forEach((s, i) => assert.deepEqual(data(s), ref[i], `shadow ${i}`));
  vars.forEach((v, i) => assert.deepEqual(data(v), before[i], `variable ${i} unchanged`));
  assert.notDeepEqual(data(shared), ref[1], 'the clone kept the old values');
  tf.dispose([...vars, ...shadows, shared]);
});
