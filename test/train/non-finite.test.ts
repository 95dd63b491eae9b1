import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteLoss, assertFiniteVariables, findNonFinite } from '../../src/train/non-finite.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { NonFiniteError } from '../../src/errors.js';
import { setupBackend } from './helpers.js';

await setupBackend();

function params(values: Record<string, number[]>): ParameterSet {
  const s = new ParameterSet();
  for (const [name, v] of Object.entries(values)) s.add(name, tf.variable(tf.tensor1d(v), true, name.replace(/\//g, '_') + Math.random()));
  return s;
}

test('findNonFinite: the first variable in order with NaN, +Inf or -Inf, its first bad element and count', () => {
  assert.equal(findNonFinite(params({ a: [1, -2, 3.4e38], b: [0, -0] }), 7), null, 'large finite values and -0 are fine');
  assert.deepEqual(findNonFinite(params({ a: [1, 2], 'b/w': [0, Number.NaN, 1, Number.NaN], c: [Infinity] }), 7), { step: 7, variable: 'b/w', value: 'NaN', index: 1, count: 2 });
  assert.deepEqual(findNonFinite(params({ a: [1, -Infinity] }), 3), { step: 3, variable: 'a', value: '-Infinity', index: 1, count: 1 });
  const withStep = params({ a: [Infinity] });
  withStep.add('global_step', tf.variable(tf.scalar(5, 'int32'), false, 'gs' + Math.random()));
  assert.equal(findNonFinite([...withStep].filter((p) => p.name === 'global_step'), 1), null, 'integer variables are skipped');
});

test('assertFiniteLoss / assertFiniteVariables: typed non_finite errors naming the step and "loss" or the variable', () => {
  assertFiniteLoss(2.3, 1);
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    assert.throws(() => assertFiniteLoss(bad, 12), (e: unknown) => e instanceof NonFiniteError && e.code === 'non_finite'
      && (e.details as { variable: string; step: number }).variable === 'loss' && (e.details as { step: number }).step === 12
      && e.message === `training diverged at step 12: the loss is ${bad}; stopped before saving, the last good checkpoint stays the latest`);
  }
  assert.throws(() => assertFiniteVariables(params({ 'fc1/weights': [1, Infinity] }), 4), /training diverged at step 4: variable fc1\/weights holds Infinity \(element 1; 1 non-finite\)/);
});
