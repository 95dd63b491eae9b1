// The TF1 Optimizer API as separate calls — computeGradients / applyGradients with gradLoss
// (python/training/optimizer_test.py testPrecomputedGradient) — and callable Adam
// hyper-parameters (adam_test.py testCallableParams: the same updates as the constants;
// adam.py `_prepare` evaluates them each step).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend, bytesOf } from './helpers.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { AdamOptimizer, GradientDescentOptimizer } from '../../src/train/optimizers.js';
import { disposeGradients } from '../../src/train/optimizer.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { GraftError } from '../../src/errors.js';

before(async () => {
  await setupBackend();
});

let k = 0;
function vars(): { params: ParameterSet; var0: tf.Variable; var1: tf.Variable } {
  const var0 = tf.tidy(() => newVariable(`p${k}/var0`, tf.tensor1d([1, 2])));
  const var1 = tf.tidy(() => newVariable(`p${k++}/var1`, tf.tensor1d([3, 4])));
  return { params: new ParameterSet().add('var0', var0).add('var1', var1), var0, var1 };
}

test('testPrecomputedGradient: cost = 5·var0 + 3·var1, grad_loss [42, -42], SGD 3.0', () => {
  const { params, var0, var1 } = vars();
  const opt = new GradientDescentOptimizer(params, { learningRate: 3.0 });
  const gradLoss = tf.tensor1d([42, -42]);
  const { globalStep } = { globalStep: createGlobalStep().variable };
  const { loss, gradsAndVars } = opt.computeGradients(() => tf.add(tf.mul(5, var0), tf.mul(3, var1)), { gradLoss });
  assert.deepEqual(loss.shape, [2]);
  assert.deepEqual(gradsAndVars.map((g) => Array.from((g.grad as tf.Tensor).dataSync())), [[210, -210], [126, -126]]);
  const r = opt.applyGradients(gradsAndVars, { globalStep });
  disposeGradients(gradsAndVars);
  loss.dispose();
  assert.deepEqual(Array.from(var0.dataSync()), [1 - 3 * 5 * 42, 2 - 3 * 5 * -42]);
  assert.deepEqual(Array.from(var1.dataSync()), [3 - 3 * 3 * 42, 4 - 3 * 3 * -42]);
  assert.equal(r.globalStep, 1);
});

test('computeGradients: a variable the loss does not read gets null, as TF; a gradLoss of another shape is a typed error', () => {
  const { params, var0 } = vars();
  const opt = new GradientDescentOptimizer(params, { learningRate: 1 });
  const { loss, gradsAndVars } = opt.computeGradients(() => tf.sum(var0) as tf.Scalar);
  assert.deepEqual(gradsAndVars.map((g) => g.grad === null), [false, true]);
  disposeGradients(gradsAndVars);
  loss.dispose();
  assert.throws(() => opt.computeGradients(() => tf.sum(var0) as tf.Scalar, { gradLoss: tf.tensor1d([1, 2]) }), (e) => e instanceof GraftError && e.code === 'bad_grad_loss');
});

test('computeGradients + applyGradients equals minimize bit for bit (Adam, 3 steps), and leaks nothing', () => {
  const a = vars();
  const b = vars();
  const optA = new AdamOptimizer(a.params, { learningRate: 0.01 });
  const optB = new AdamOptimizer(b.params, { learningRate: 0.01 });
  const loss = (v0: tf.Variable, v1: tf.Variable) => () => tf.sum(tf.square(tf.sub(tf.mul(v0, v1), 1))) as tf.Scalar;
  optA.minimize(loss(a.var0, a.var1));
  const g0 = optB.computeGradients(loss(b.var0, b.var1));
  optB.applyGradients(g0.gradsAndVars);
  disposeGradients(g0.gradsAndVars);
  g0.loss.dispose();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 2; i++) {
    optA.minimize(loss(a.var0, a.var1));
    const { loss: l, gradsAndVars } = optB.computeGradients(loss(b.var0, b.var1));
    optB.applyGradients(gradsAndVars);
    disposeGradients(gradsAndVars);
    l.dispose();
  }
  assert.equal(tf.memory().numTensors, n);
  assert.deepEqual(bytesOf(a.var0), bytesOf(b.var0));
  assert.deepEqual(bytesOf(a.var1), bytesOf(b.var1));
});

test('testCallableParams: Adam with lr, beta1, beta2, epsilon as zero-argument functions = the constants, bit for bit', () => {
  const a = vars();
  const b = vars();
  const constant = new AdamOptimizer(a.params, { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
  const callable = new AdamOptimizer(b.params, { learningRate: () => 0.001, beta1: () => 0.9, beta2: () => 0.999, epsilon: () => 1e-8 });
  // TF's test feeds the gradients [0.1, 0.1] and [0.01, 0.01] for 3 steps
  for (let t = 0; t < 3; t++) {
    for (const [opt, p] of [[constant, a], [callable, b]] as const) {
      const g0 = tf.tensor1d([0.1, 0.1]);
      const g1 = tf.tensor1d([0.01, 0.01]);
      opt.applyGradients([{ variable: p.var0, grad: g0 }, { variable: p.var1, grad: g1 }]);
      tf.dispose([g0, g1]);
    }
  }
  assert.deepEqual(bytesOf(a.var0), bytesOf(b.var0));
  assert.deepEqual(bytesOf(a.var1), bytesOf(b.var1));
  const power = (o: AdamOptimizer, n: string) => o.variables().require(n).variable.dataSync()[0];
  assert.equal(power(callable, 'beta1_power'), power(constant, 'beta1_power'));
  assert.equal(power(callable, 'beta2_power'), power(constant, 'beta2_power'));
});

test('callable hyper-parameters are read each step: a beta1 that changes after step 1 multiplies beta1_power by the new value', () => {
  const { params, var0 } = vars();
  let beta1 = 0.9;
  let lrCalls = 0;
  const opt = new AdamOptimizer(params, { learningRate: () => (lrCalls++, 0.001), beta1: () => beta1 });
  const step = (): void => {
    const g = tf.tensor1d([0.1, 0.1]);
    opt.applyGradients([{ variable: var0, grad: g }]);
    g.dispose();
  };
  step();
  beta1 = 0.5;
  step();
  assert.equal(opt.variables().require('beta1_power').variable.dataSync()[0], Math.fround(Math.fround(Math.fround(0.9) * Math.fround(0.9)) * Math.fround(0.5)));
  assert.equal(lrCalls, 2);
  beta1 = Number.NaN;
  assert.throws(step, (e) => e instanceof GraftError && e.code === 'invalid_optimizer_option');
});
