// Each optimizer's first three updates against values computed by hand from TF1's kernels
// (training_ops.cc CPU functors, float32 after every op), plus slot names, frozen variables,
// the global step and the error cases.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import {
  GradientDescentOptimizer,
  MomentumOptimizer,
  AdamOptimizer,
  RMSPropOptimizer,
  AdagradOptimizer,
} from '../../src/train/optimizers.js';
import type { Optimizer } from '../../src/train/optimizer.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { exponentialDecay } from '../../src/train/schedules.js';
import { GraftError } from '../../src/errors.js';

const f = Math.fround;
const W0 = [0.5, -1.0, 2.0];
/** Gradient of step t: the loss is sum(C[t] * w), so the gradient is exactly C[t]. */
const C = [
  [0.1, -0.2, 0.3],
  [0.05, 0.4, -0.3],
  [-0.2, 0.1, 0.25],
];

before(async () => {
  await initBackend();
});

function model(): { params: ParameterSet; w: tf.Variable; frozen: tf.Variable } {
  const params = new ParameterSet();
  const w = newVariable('layer/w', tf.tensor1d(W0));
  const frozen = newVariable('other/b', tf.tensor1d([0.25, -0.75]));
  params.add('layer/w', w).add('other/b', frozen, { trainable: false });
  return { params, w, frozen };
}

function lossAt(t: number, w: tf.Variable, frozen: tf.Variable): () => tf.Scalar {
  // The frozen variable takes part in the loss, so it would get a gradient if it were trained.
  return () => tf.add(tf.sum(tf.mul(tf.tensor1d(C[t]!), w)), tf.sum(tf.square(frozen))) as tf.Scalar;
}

function run(make: (p: ParameterSet) => Optimizer): { values: number[][]; opt: Optimizer; frozenAfter: number[]; params: ParameterSet } {
  const { params, w, frozen } = model();
  const opt = make(params);
  const values: number[][] = [];
  for (let t = 0; t < 3; t++) {
    opt.minimize(lossAt(t, w, frozen));
    values.push(Array.from(w.dataSync()));
  }
  return { values, opt, frozenAfter: Array.from(frozen.dataSync()), params };
}

function expectSteps(actual: number[][], expected: number[][], what: string): void {
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < 3; i++) {
      assert.equal(actual[t]![i], expected[t]![i], `${what}: step ${t + 1}, element ${i}: got ${actual[t]![i]}, TF1 gives ${expected[t]![i]}`);
    }
  }
}

test('GradientDescent: var -= grad * lr', () => {
  const lr = f(0.1);
  const w = W0.map(f);
  const exp: number[][] = [];
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < 3; i++) w[i] = f(w[i]! - f(f(C[t]![i]!) * lr));
    exp.push([...w]);
  }
  const { values, opt, frozenAfter } = run((p) => new GradientDescentOptimizer(p, { learningRate: 0.1 }));
  expectSteps(values, exp, 'GradientDescent');
  [0.49, -0.98, 1.97].forEach((x, i) => assert.ok(Math.abs(values[0]![i]! - x) < 1e-6, `step 1 element ${i}`));
  assert.equal(opt.variables().size, 0, 'no slots');
  assert.deepEqual(frozenAfter, [0.25, -0.75]);
});

for (const nesterov of [false, true]) {
  test(`Momentum${nesterov ? ' (Nesterov)' : ''}: accum = accum*m + g; var -= ${nesterov ? 'g*lr + accum*m*lr' : 'accum*lr'}`, () => {
    const lr = f(0.1);
    const m = f(0.9);
    const w = W0.map(f);
    const acc = [0, 0, 0];
    const exp: number[][] = [];
    for (let t = 0; t < 3; t++) {
      for (let i = 0; i < 3; i++) {
        const g = f(C[t]![i]!);
        acc[i] = f(f(acc[i]! * m) + g);
        w[i] = nesterov ? f(w[i]! - f(f(g * lr) + f(f(acc[i]! * m) * lr))) : f(w[i]! - f(acc[i]! * lr));
      }
      exp.push([...w]);
    }
    const { values, opt, frozenAfter } = run((p) => new MomentumOptimizer(p, { learningRate: 0.1, momentum: 0.9, useNesterov: nesterov }));
    expectSteps(values, exp, 'Momentum');
    assert.deepEqual(opt.variables().names(), ['layer/w/Momentum']);
    assert.deepEqual(Array.from(opt.getSlot('layer/w', 'momentum')!.dataSync()), acc);
    assert.deepEqual(frozenAfter, [0.25, -0.75]);
  });
}

test('Adam: TF1 epsilon-hat placement, Adam/Adam_1 slots, beta powers', () => {
  const lr = f(0.001);
  const b1 = f(0.9);
  const b2 = f(0.999);
  const eps = f(1e-8);
  const w = W0.map(f);
  const m = [0, 0, 0];
  const v = [0, 0, 0];
  let b1p = b1;
  let b2p = b2;
  const exp: number[][] = [];
  for (let t = 0; t < 3; t++) {
    const alpha = f(f(lr * f(Math.sqrt(f(1 - b2p)))) / f(1 - b1p));
    for (let i = 0; i < 3; i++) {
      const g = f(C[t]![i]!);
      m[i] = f(m[i]! + f(f(g - m[i]!) * f(1 - b1)));
      v[i] = f(v[i]! + f(f(f(g * g) - v[i]!) * f(1 - b2)));
      w[i] = f(w[i]! - f(f(m[i]! * alpha) / f(f(Math.sqrt(v[i]!)) + eps)));
    }
    b1p = f(b1p * b1);
    b2p = f(b2p * b2);
    exp.push([...w]);
  }
  const { values, opt, frozenAfter } = run((p) => new AdamOptimizer(p, { learningRate: 0.001 }));
  expectSteps(values, exp, 'Adam');
  // First Adam step moves each weight by about lr (the bias-corrected m/sqrt(v) is ±1).
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(Math.abs(values[0]![i]! - W0[i]!) - 0.001) < 1e-6);
  assert.deepEqual(opt.variables().names().sort(), ['beta1_power', 'beta2_power', 'layer/w/Adam', 'layer/w/Adam_1']);
  assert.equal(opt.variables().get('beta1_power')!.variable.dataSync()[0], b1p);
  assert.equal(opt.variables().get('beta2_power')!.variable.dataSync()[0], b2p);
  assert.deepEqual(Array.from(opt.getSlot('layer/w', 'm')!.dataSync()), m);
  assert.deepEqual(Array.from(opt.getSlot('layer/w', 'v')!.dataSync()), v);
  assert.deepEqual(frozenAfter, [0.25, -0.75]);
  assert.ok(opt.variables().toArray().every((p) => !p.trainable));
});

for (const centered of [false, true]) {
  test(`RMSProp${centered ? ' (centered)' : ''}: rms starts at ones, TF slot order`, () => {
    const lr = f(0.01);
    const rho = f(0.9);
    const mo = f(0.5);
    const eps = f(1e-10);
    const w = W0.map(f);
    const ms = [1, 1, 1];
    const mg = [0, 0, 0];
    const mom = [0, 0, 0];
    const exp: number[][] = [];
    for (let t = 0; t < 3; t++) {
      for (let i = 0; i < 3; i++) {
        const g = f(C[t]![i]!);
        ms[i] = f(ms[i]! + f(f(f(g * g) - ms[i]!) * f(1 - rho)));
        let denom: number;
        if (centered) {
          mg[i] = f(mg[i]! + f(f(g - mg[i]!) * f(1 - rho)));
          denom = f(f(ms[i]! - f(mg[i]! * mg[i]!)) + eps);
        } else {
          denom = f(ms[i]! + eps);
        }
        mom[i] = f(f(mom[i]! * mo) + f(f(g * lr) / f(Math.sqrt(denom))));
        w[i] = f(w[i]! - mom[i]!);
      }
      exp.push([...w]);
    }
    const { values, opt } = run((p) => new RMSPropOptimizer(p, { learningRate: 0.01, momentum: 0.5, centered }));
    expectSteps(values, exp, 'RMSProp');
    assert.deepEqual(opt.variables().names(), centered ? ['layer/w/RMSProp', 'layer/w/RMSProp_1', 'layer/w/RMSProp_2'] : ['layer/w/RMSProp', 'layer/w/RMSProp_1']);
    assert.deepEqual(Array.from(opt.getSlot('layer/w', 'rms')!.dataSync()), ms);
  });
}

test('Adagrad: accum starts at 0.1; var -= g * lr * rsqrt(accum) (within 1 ulp: rsqrt)', () => {
  const lr = f(0.1);
  const w = W0.map(f);
  const acc = [f(0.1), f(0.1), f(0.1)];
  const exp: number[][] = [];
  for (let t = 0; t < 3; t++) {
    for (let i = 0; i < 3; i++) {
      const g = f(C[t]![i]!);
      acc[i] = f(acc[i]! + f(g * g));
      w[i] = f(w[i]! - f(f(g * lr) * f(1 / Math.sqrt(acc[i]!))));
    }
    exp.push([...w]);
  }
  const { values, opt } = run((p) => new AdagradOptimizer(p, { learningRate: 0.1 }));
  const bits = (x: number): number => new Int32Array(new Float32Array([x]).buffer)[0]!;
  for (let t = 0; t < 3; t++) for (let i = 0; i < 3; i++) assert.ok(Math.abs(bits(values[t]![i]!) - bits(exp[t]![i]!)) <= 1, `Adagrad step ${t + 1} el ${i}: ${values[t]![i]} vs ${exp[t]![i]}`);
  assert.deepEqual(opt.variables().names(), ['layer/w/Adagrad']);
  assert.throws(() => new AdagradOptimizer(new ParameterSet(), { learningRate: 0.1, initialAccumulatorValue: 0 }), (e: unknown) => e instanceof GraftError && e.code === 'invalid_optimizer_option');
});

test('global step: incremented after the update; schedules read the step before the increment', () => {
  const { params, w, frozen } = model();
  const gs = createGlobalStep();
  assert.equal(gs.params.get('global_step')!.saveDtype, 'int64');
  assert.equal(gs.params.get('global_step')!.trainable, false);
  const sched = exponentialDecay(0.1, { decaySteps: 1, decayRate: 0.5, staircase: true });
  const opt = new GradientDescentOptimizer(params, { learningRate: sched });
  const lrs: number[] = [];
  for (let t = 0; t < 3; t++) {
    const r = opt.minimize(lossAt(t, w, frozen), { globalStep: gs.variable });
    lrs.push(r.learningRate);
    assert.equal(r.globalStep, t + 1);
  }
  assert.deepEqual(lrs, [f(0.1), f(0.05), f(0.025)]);
  assert.equal(gs.variable.dataSync()[0], 3);
  assert.throws(() => opt.minimize(lossAt(0, w, frozen)), (e: unknown) => e instanceof GraftError && e.code === 'global_step_required');
});

test('frozen and out-of-scope variables get no slots and are never written', () => {
  const params = new ParameterSet();
  const a = newVariable('net/conv/w', tf.tensor1d([1, 2]));
  const b = newVariable('net/fc/w', tf.tensor1d([3, 4]));
  const c = newVariable('net/conv_extra/w', tf.tensor1d([5, 6]));
  params.add('net/conv/w', a).add('net/fc/w', b).add('net/conv_extra/w', c);
  const before = [b, c].map((v) => Array.from(v.dataSync()));
  const opt = new AdamOptimizer(params, { learningRate: 0.1 });
  const loss = () => tf.sum(tf.mul(tf.add(tf.add(a, b), c), tf.tensor1d([1, -1]))) as tf.Scalar;
  const r = opt.minimize(loss, { scopes: ['net/conv'] });
  assert.equal(r.updated, 1);
  assert.deepEqual(opt.variables().names().sort(), ['beta1_power', 'beta2_power', 'net/conv/w/Adam', 'net/conv/w/Adam_1']);
  assert.deepEqual([b, c].map((v) => Array.from(v.dataSync())), before, 'net/conv_extra is not under net/conv');
  params.freeze({ include: ['net/conv'] });
  assert.throws(() => opt.minimize(loss, { scopes: ['net/conv'] }), (e: unknown) => e instanceof GraftError && e.code === 'empty_var_list');
});

test('no gradient for any selected variable is TF\'s error; clipping by global norm', () => {
  const { params, w, frozen } = model();
  const unused = newVariable('unused/v', tf.tensor1d([1]));
  params.add('unused/v', unused);
  const opt = new GradientDescentOptimizer(params, { learningRate: 1 });
  assert.throws(
    () => opt.minimize(() => tf.sum(frozen) as tf.Scalar, { scopes: ['unused'] }),
    (e: unknown) => e instanceof GraftError && e.code === 'no_gradients' && e.message.startsWith('No gradients provided for any variable') && e.message.includes('unused/v'),
  );
  // grad = [3, 4] (norm 5) clipped to norm 1 → [0.6, 0.8].
  const before = Array.from(w.dataSync());
  const r = opt.minimize(() => tf.sum(tf.mul(tf.tensor1d([3, 4, 0]), w)) as tf.Scalar, { scopes: ['layer'], clipGradientNorm: 1 });
  assert.ok(Math.abs(r.gradientNorm! - 5) < 1e-6);
  const after = Array.from(w.dataSync());
  assert.ok(Math.abs(before[0]! - after[0]! - 0.6) < 1e-6 && Math.abs(before[1]! - after[1]! - 0.8) < 1e-6);
});

test('fused runtime kernels (when present) and the TF.js-op path give bit-identical results', async (t) => {
  const { fusedOptimizers } = await import('../../src/train/fused.js');
  t.diagnostic(`fused optimizer kernels: ${fusedOptimizers() ? 'available' : 'not available (both runs use TF.js ops)'}`);
  const n = 1000;
  const init = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);
  const grads = [0, 1, 2, 3, 4].map((s) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.11 + s) * 0.2));
  const makers: [string, (p: ParameterSet) => Optimizer][] = [
    ['GradientDescent', (p) => new GradientDescentOptimizer(p, { learningRate: 0.1 })],
    ['Momentum', (p) => new MomentumOptimizer(p, { learningRate: 0.1, momentum: 0.9 })],
    ['Momentum nesterov', (p) => new MomentumOptimizer(p, { learningRate: 0.1, momentum: 0.9, useNesterov: true })],
    ['Adam', (p) => new AdamOptimizer(p, { learningRate: 0.01 })],
    ['RMSProp', (p) => new RMSPropOptimizer(p, { learningRate: 0.01, momentum: 0.5 })],
  ];
  for (const [name, make] of makers) {
    const results: string[] = [];
    for (const noFused of [false, true]) {
      if (noFused) process.env.GRAFT_NO_FUSED = '1';
      else delete process.env.GRAFT_NO_FUSED;
      const params = new ParameterSet();
      const w = newVariable('w', tf.tensor1d(init));
      params.add('w', w);
      const opt = make(params);
      for (const g of grads) opt.applyGradients([{ variable: w, grad: tf.tensor1d(g) }]);
      const state = [w, ...opt.variables().toArray().map((p) => p.variable)];
      results.push(state.map((v) => Buffer.from(v.dataSync().buffer).toString('base64')).join('|'));
    }
    delete process.env.GRAFT_NO_FUSED;
    assert.equal(results[0], results[1], `${name}: fused and TF.js paths differ`);
  }
});
