// assignMovingAverage / weightedMovingAverage against python/training/moving_averages_test.py
// (MovingAveragesTest: testAssignMovingAverageWithoutZeroDebias, testAssignMovingAverage,
// testWeightedMovingAverage) and moving_averages.py `_zero_debias` (biased / local_step names).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from './helpers.js';
import { newVariable } from '../../src/variables/create.js';
import { assignMovingAverage, weightedMovingAverage, zeroDebiasVariables } from '../../src/train/moving-averages.js';
import { GraftError } from '../../src/errors.js';

before(async () => {
  await setupBackend();
});

const close = (a: ArrayLike<number>, b: number[], tol = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `${Array.from(a)} vs ${b}`);
};

let k = 0;
const variable = (values: number[]): tf.Variable => tf.tidy(() => newVariable(`ma${k++}/Var`, tf.tensor1d(values)));

test('testAssignMovingAverageWithoutZeroDebias: [10, 11] towards [1, 2] with decay 0.25', () => {
  const v = variable([10, 11]);
  const val = tf.tensor1d([1, 2]);
  assignMovingAverage(v, val, 0.25, { zeroDebias: false });
  close(v.dataSync(), [10 * 0.25 + 1 * (1 - 0.25), 11 * 0.25 + 2 * (1 - 0.25)]);
  assert.equal(zeroDebiasVariables(v).size, 0, 'no debias variables without zeroDebias');
});

test('testAssignMovingAverage (zero_debias, TF default): [0, 0] towards [1, 2] gives [1, 2]; second step debiased by 1 - decay^2', () => {
  const v = variable([0, 0]);
  const val = tf.tensor1d([1, 2]);
  assignMovingAverage(v, val, 0.25);
  close(v.dataSync(), [(1 * (1 - 0.25)) / (1 - 0.25), (2 * (1 - 0.25)) / (1 - 0.25)]);
  const val2 = tf.tensor1d([3, 5]);
  assignMovingAverage(v, val2, 0.25);
  const biased = [1, 2].map((x, i) => x * 0.75 * 0.25 + [3, 5][i]! * 0.75);
  close(v.dataSync(), biased.map((b) => b / (1 - 0.25 ** 2)));
  const dv = zeroDebiasVariables(v);
  assert.deepEqual(dv.names(), [`ma${k - 1}/Var/biased`, `ma${k - 1}/Var/local_step`]);
  close(dv.require(`ma${k - 1}/Var/biased`).variable.dataSync(), biased);
  assert.equal(dv.require(`ma${k - 1}/Var/local_step`).variable.dataSync()[0], 2);
  assert.equal(dv.require(`ma${k - 1}/Var/biased`).trainable, false);
});

test('1 - decay is rounded from double as TF converts the Python float (decay 0.999)', () => {
  const v = variable([1]);
  assignMovingAverage(v, 0, 0.999, { zeroDebias: false });
  // float32(1 - float32(1) * float32(1 - 0.999))
  assert.equal(v.dataSync()[0], Math.fround(1 - Math.fround(1 - 0.999)));
});

test('testWeightedMovingAverage: decay 0.5; (3, w 4) then (11, w 22)', () => {
  const wma = weightedMovingAverage(0.5);
  const decay = 0.5;
  const r1 = wma.run(3, 4);
  const numerator1 = 3 * 4 * (1 - decay);
  const denominator1 = 4 * (1 - decay);
  close(r1.dataSync(), [numerator1 / denominator1]);
  const r2 = wma.run(11, 22);
  const numerator2 = numerator1 * decay + 11 * 22 * (1 - decay);
  const denominator2 = denominator1 * decay + 22 * (1 - decay);
  close(r2.dataSync(), [numerator2 / denominator2]);
  assert.deepEqual(wma.variables().names(), ['WeightedMovingAvg/value_x_weight', 'WeightedMovingAvg/weight']);
  tf.dispose([r1, r2]);
});

test('a non-finite decay is a typed error', () => {
  assert.throws(() => assignMovingAverage(variable([0]), 1, Number.NaN), (e) => e instanceof GraftError && e.code === 'invalid_decay');
});
