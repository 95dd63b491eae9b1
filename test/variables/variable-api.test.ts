// The rest of TF1's variable API, against tensorflow/python/kernel_tests/variable_scope_test.py
// (testGetVariableScope, testInitializeFromValue, testGetVariableWithInitializerWhichTakesOptionalArgs,
// testGetVariableWithInitializerWhichTakesUnprovidedArgsAndNoShape, testGetLocalVar),
// variable_scope.py `get_local_variable`, and python/training/optimizer.py
// `_RefVariableProcessor.update_op` (constraint assigned after the dense update).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { VariableStore, GraphKeys, constantInitializer, constraintOf } from '../../src/variables/index.js';
import { GradientDescentOptimizer, AdamOptimizer } from '../../src/train/index.js';
import { Saver } from '../../src/checkpoint/index.js';
import { ScopeError } from '../../src/errors.js';
import { tempDir } from '../checkpoint/helpers.js';

before(async () => {
  await initBackend();
});

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

test('testGetLocalVar: local_variables only (not variables), not trainable even if asked; a default Saver leaves it out', async () => {
  const s = new VariableStore();
  const [local, scope] = s.variableScope('outer', {}, (sc) => [s.getLocalVariable<tf.Variable>('w', { shape: [], collections: ['foo'], trainable: true }), sc] as const);
  assert.equal(s.nameOf(local), 'outer/w');
  assert.deepEqual(s.localVariables(), [local]);
  assert.deepEqual(s.getCollection('foo'), [local]);
  assert.deepEqual(s.globalVariables(), []);
  assert.deepEqual(s.trainableVariables(), []);
  assert.deepEqual(scope.localVariables(), [local]);
  // reuse works as for get_variable
  assert.equal(s.variableScope('outer', { reuse: true }, () => s.getLocalVariable('w', { shape: [] })), local);
  s.getVariable('g', { shape: [2] });
  const { dir, cleanup } = await tempDir();
  try {
    const saver = new Saver({ varList: s, fsync: false });
    assert.deepEqual(saver.names, ['g']);
    await saver.save(join(dir, 'm'), { writeState: false });
  } finally {
    await cleanup();
  }
});

test('testGetVariableScope: set_initializer on the current scope applies for the rest of the block, then goes away', () => {
  const s = new VariableStore();
  s.variableScope('bar', {}, () => {
    assert.equal(s.getVariableScope().initializer, undefined);
    s.getVariableScope().setInitializer(constantInitializer(0.3));
    const v = s.getVariable<tf.Variable>('v', { shape: [] });
    assert.ok(Math.abs(v.dataSync()[0]! - 0.3) < 1e-7);
  });
  assert.equal(s.getVariableScope().initializer, undefined);
});

test('testInitializeFromValue: a tensor initializer (no shape), passed through scopes, keeps its dtype; shape or dtype mismatch refused', () => {
  const s = new VariableStore();
  const init = tf.scalar(0.1);
  const w = s.getVariable<tf.Variable>('v', { initializer: init });
  assert.ok(Math.abs(w.dataSync()[0]! - 0.1) < 1e-7);
  assert.throws(() => s.getVariable('u', { shape: [1], initializer: init }), (e: unknown) => e instanceof ScopeError && /shape/.test(e.message));
  const v = s.variableScope('foo', { initializer: init }, () => s.getVariable<tf.Variable>('v'));
  assert.ok(Math.abs(v.dataSync()[0]! - 0.1) < 1e-7);
  const intInit = tf.scalar(1, 'int32');
  assert.equal(s.getVariable<tf.Variable>('t', { initializer: intInit }).dtype, 'int32');
  assert.throws(() => s.getVariable('s', { initializer: intInit, dtype: 'float32' }), (e: unknown) => e instanceof ScopeError && /don't match/.test(e.message));
});

test('a zero-argument initializer is the initial value (TF _needs_no_arguments; `lambda x=True: [2]` is one); one taking arguments needs a shape', () => {
  const s = new VariableStore();
  const foo = s.getVariable<tf.Variable>('foo', { initializer: (x = true) => (x ? [2] : [0]) });
  assert.equal(s.displayNameOf(foo), 'foo:0');
  assert.deepEqual(values(foo), [2]);
  const t = s.getVariable<tf.Variable>('t', { initializer: () => tf.fill([2, 2], 7) });
  assert.deepEqual([t.shape, values(t)], [[2, 2], [7, 7, 7, 7]]);
  assert.throws(() => s.getVariable('bar', { initializer: (shape: number[]) => tf.zeros(shape) }), (e: unknown) =>
    e instanceof ScopeError && e.code === 'bad_initializer' &&
    e.message === "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided or an instance of `tf.keras.initializers.*' and `shape` should be fully defined.");
  assert.throws(() => s.getVariable('baz', { shape: [3], initializer: () => tf.zeros([2]) }), (e: unknown) => e instanceof ScopeError && e.code === 'initializer_shape_mismatch');
  // tf.Variable(initial_value=callable)
  const u = s.variable(() => tf.tensor([1, 2, 3]), { name: 'u' });
  assert.deepEqual(values(u), [1, 2, 3]);
});

test('constraint: assigned after each optimizer update (GradientDescent and Adam), inherited from the scope', () => {
  const s = new VariableStore();
  const nonNeg = (v: tf.Tensor): tf.Tensor => tf.relu(v);
  const w = s.getVariable<tf.Variable>('w', { initializer: [0.5, 1.0, -0.2], constraint: nonNeg });
  const scoped = s.variableScope('c', { constraint: (v) => tf.clipByValue(v, -1, 1) }, () => s.getVariable<tf.Variable>('u', { initializer: [0.9, -0.9] }));
  assert.equal(constraintOf(w), nonNeg);
  assert.ok(constraintOf(scoped));
  const free = s.getVariable<tf.Variable>('free', { initializer: tf.tensor([0]) }); // a JS [0.0] would be int32
  // d/dw sum(w * [2, -1, 1]) = [2, -1, 1]; lr 0.5: w - lr*g = [-0.5, 1.5, -0.7] → relu → [0, 1.5, 0]
  const sgd = new GradientDescentOptimizer(s.parameters(), { learningRate: 0.5 });
  sgd.minimize(() => tf.addN([tf.sum(tf.mul(w, tf.tensor([2, -1, 1]))), tf.sum(tf.mul(scoped, tf.tensor([-1, 1]))), tf.sum(tf.mul(free, 4))]) as tf.Scalar);
  assert.deepEqual(values(w), [0, 1.5, 0]);
  assert.deepEqual(values(scoped).map((x) => Math.round(x * 1e6) / 1e6), [1, -1]); // 0.9 + 0.5, -0.9 - 0.5, clipped
  assert.deepEqual(values(free), [-2]); // no constraint
  const adam = new AdamOptimizer(s.parameters(), { learningRate: 1 });
  adam.minimize(() => tf.sum(tf.mul(w, tf.tensor([1, 1, 1]))) as tf.Scalar);
  assert.ok(values(w).every((x) => x >= 0), String(values(w)));
  assert.equal(s.getCollection(GraphKeys.TRAINABLE_VARIABLES).length, 3);
});
