// docs/design/TF-SEMANTICS.md §1 case by case: naming table, unique_name, every reuse case and error text,
// variable_scope inheritance / default names / scope-object re-entry, global step.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  VariableStore, AUTO_REUSE, GraphKeys, constantInitializer, zerosInitializer, VariableScope, defaultStore, resetDefaultStore,
} from '../../src/variables/index.js';
import { ScopeError, InvalidArgumentError } from '../../src/errors.js';
import { assertGlobalStep } from '../../src/train/global-step.js';

before(async () => {
  await initBackend();
});

function throwsScope(fn: () => unknown, code: string, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ScopeError, `expected ScopeError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    return true;
  });
}

test('1.1 get_variable ignores name scopes; tf.Variable uses them; display name adds :0', () => {
  const s = new VariableStore();
  const [gv, v, root] = s.nameScope('ns', () =>
    s.variableScope('vs', {}, () => [s.getVariable('w', { shape: [2] }), s.variable(1, { name: 'x' }), s.getVariable('r', { shape: [] })]),
  );
  assert.equal(s.nameOf(gv), 'vs/w');
  assert.equal(s.nameOf(v), 'ns/vs/x');
  assert.equal(s.nameOf(root), 'vs/r');
  const inNs = s.nameScope('only_ns', () => s.getVariable('plain', { shape: [] }));
  assert.equal(s.nameOf(inNs), 'plain');
  assert.equal(s.displayNameOf(gv), 'vs/w:0');
  s.dispose();
});

test('1.1 tf.Variable names are uniquified: w, w_1; default name Variable, Variable_1', () => {
  const s = new VariableStore();
  const names = s.nameScope('a', () => [s.variable(1, { name: 'w' }), s.variable(2, { name: 'w' })].map((v) => s.nameOf(v)));
  assert.deepEqual(names, ['a/w', 'a/w_1']);
  assert.deepEqual([s.variable(0.5), s.variable([1.5, 2])].map((v) => s.nameOf(v)), ['Variable', 'Variable_1']);
  // Python int → int32 (the caicloud fixture's `Variable int32` global step), float → float32.
  assert.equal(s.variable(0, { name: 'step' }).dtype, 'int32');
  assert.equal(s.variable(0.25, { name: 'lr' }).dtype, 'float32');
  s.dispose();
});

test('1.2 unique_name: case-insensitive, explicit foo_1 remembered', () => {
  const s = new VariableStore();
  const n = (name: string): string => s.nameOf(s.variable(1, { name }));
  assert.equal(n('foo'), 'foo');
  assert.equal(n('Foo'), 'Foo_1');
  assert.equal(n('bar'), 'bar');
  assert.equal(n('bar_1'), 'bar_1');
  assert.equal(n('bar'), 'bar_2');
  s.dispose();
});

test('1.2 name_scope: re-entry uniquified, trailing / re-enters as is, null resets to root', () => {
  const s = new VariableStore();
  assert.equal(s.nameScope('foo', (n) => n), 'foo/');
  assert.equal(s.nameScope('foo', (n) => n), 'foo_1/');
  assert.equal(s.nameScope('foo/', (n) => n), 'foo/');
  const inner = s.nameScope('foo/', () => s.nameScope('bar', (n) => n));
  assert.equal(inner, 'foo/bar/');
  assert.equal(s.nameScope('x', () => s.nameScope(null, (n) => n)), '');
  assert.equal(s.nameScope('x', () => s.nameScope(null, () => s.nameOf(s.variable(1, { name: 'v' })))), 'v');
});

test('1.2 valid names: root scopes may not start with _, nested ones may', () => {
  const s = new VariableStore();
  throwsScope(() => s.nameScope('_bad', () => 0), 'invalid_scope_name', "'_bad' is not a valid scope name");
  throwsScope(() => s.nameScope('a b', () => 0), 'invalid_scope_name', "'a b' is not a valid scope name");
  assert.equal(s.nameScope('ok', () => s.nameScope('_fine', (n) => n)), 'ok/_fine/');
});

test('1.3 the classic trap: a tf.Variable owning foo/v makes get_variable foo/v get op name foo/v_1', () => {
  const s = new VariableStore();
  const plain = s.nameScope('foo', () => s.variable(1, { name: 'v' }));
  const gv = s.variableScope('foo', {}, () => s.getVariable('v', { shape: [] }));
  assert.equal(s.nameOf(plain), 'foo/v');
  assert.equal(s.nameOf(gv), 'foo/v_1');
  // The store key is still foo/v: a reusing get_variable finds it.
  const again = s.variableScope('foo', { reuse: true }, () => s.getVariable('v', { shape: [] }));
  assert.equal(again, gv);
  s.dispose();
});

test('1.3 a tf.Variable is never in the get_variable store', () => {
  const s = new VariableStore();
  s.variable(1, { name: 'v' });
  throwsScope(() => s.getVariable('v', { shape: [], reuse: true }), 'variable_not_found',
    'Variable v does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?');
  s.dispose();
});

test('1.3 reuse table: exists+false, exists+true, exists+AUTO_REUSE, absent+true, absent+AUTO_REUSE', () => {
  const s = new VariableStore();
  const v = s.variableScope('m', {}, () => s.getVariable('w', { shape: [2, 3] }));
  throwsScope(() => s.variableScope('m', {}, () => s.getVariable('w', { shape: [2, 3] })), 'variable_exists',
    'Variable m/w already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?');
  assert.equal(s.variableScope('m', { reuse: true }, () => s.getVariable('w', { shape: [2, 3] })), v);
  assert.equal(s.variableScope('m', { reuse: AUTO_REUSE }, () => s.getVariable('w', { shape: [2, 3] })), v);
  throwsScope(() => s.variableScope('m', { reuse: true }, () => s.getVariable('nope', { shape: [1] })), 'variable_not_found',
    'Variable m/nope does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?');
  const created = s.variableScope('m', { reuse: AUTO_REUSE }, () => s.getVariable('fresh', { shape: [1] }));
  assert.equal(s.nameOf(created), 'm/fresh');
  // Compatibility, not equality: shape undefined or unknown dims pass.
  assert.equal(s.variableScope('m', { reuse: true }, () => s.getVariable('w')), v);
  assert.equal(s.variableScope('m', { reuse: true }, () => s.getVariable('w', { shape: [-1, 3] })), v);
  s.dispose();
});

test('1.3 shape and dtype checks on reuse, with TF texts', () => {
  const s = new VariableStore();
  s.variableScope('m', {}, () => {
    s.getVariable('w', { shape: [2, 3] });
    s.getVariable('b', { shape: [2] });
    s.getVariable('n', { shape: [], dtype: 'int32' });
  });
  throwsScope(() => s.variableScope('m', { reuse: true }, () => s.getVariable('w', { shape: [3, 2] })), 'shape_mismatch',
    'Trying to share variable m/w, but specified shape (3, 2) and found shape (2, 3).');
  throwsScope(() => s.variableScope('m', { reuse: true }, () => s.getVariable('b', { shape: [3] })), 'shape_mismatch',
    'Trying to share variable m/b, but specified shape (3,) and found shape (2,).');
  throwsScope(() => s.variableScope('m', { reuse: true }, () => s.getVariable('n', { shape: [] })), 'dtype_mismatch',
    'Trying to share variable m/n, but specified dtype float32 and found dtype int32.');
  s.dispose();
});

test('1.3 constant initializer: no shape allowed; dtype must agree; shape must be known otherwise', () => {
  const s = new VariableStore();
  throwsScope(() => s.getVariable('c', { shape: [2], initializer: [1, 2] }), 'constant_initializer_with_shape',
    'If initializer is a constant, do not specify shape.');
  const c = s.getVariable('c', { initializer: tf.tensor1d([1.5, 2.5]) });
  assert.deepEqual(Array.from(c.dataSync()), [1.5, 2.5]);
  const i = s.getVariable('i', { initializer: [1, 2, 3] });
  assert.equal(i.dtype, 'int32');
  throwsScope(() => s.getVariable('d', { initializer: [1, 2], dtype: 'float32' }), 'initializer_dtype_mismatch',
    "Initializer type 'int32' and explicit dtype 'float32' don't match.");
  throwsScope(() => s.getVariable('u'), 'shape_not_fully_defined', 'Shape of a new variable (u) must be fully defined, but instead was <unknown>.');
  throwsScope(() => s.getVariable('u', { shape: [-1, 2] }), 'shape_not_fully_defined', 'Shape of a new variable (u) must be fully defined, but instead was (?, 2).');
  s.dispose();
});

test('1.3 default initializers: glorot uniform for floats (bounded, seeded), zeros for ints, else required', () => {
  const a = new VariableStore({ seed: 7 });
  const w = a.getVariable('w', { shape: [30, 20] });
  const limit = Math.sqrt(6 / 50);
  const vals = Array.from(w.dataSync());
  assert.ok(vals.every((x) => Math.abs(x) <= limit));
  assert.ok(Math.max(...vals.map(Math.abs)) > limit * 0.9, 'uses the whole range');
  const conv = a.getVariable('k', { shape: [3, 3, 4, 8] });
  const climit = Math.sqrt(6 / (9 * 4 + 9 * 8));
  assert.ok(Array.from(conv.dataSync()).every((x) => Math.abs(x) <= climit));
  assert.deepEqual(Array.from(a.getVariable('n', { shape: [3], dtype: 'int32' }).dataSync()), [0, 0, 0]);
  throwsScope(() => a.getVariable('z', { shape: [2], dtype: 'complex64' }), 'initializer_required', 'An initializer for variable z of complex64 is required');
  const b = new VariableStore({ seed: 7 });
  assert.deepEqual(Array.from(b.getVariable('w', { shape: [30, 20] }).dataSync()), vals);
  const c = new VariableStore({ seed: 8 });
  assert.notDeepEqual(Array.from(c.getVariable('w', { shape: [30, 20] }).dataSync()), vals);
  for (const s of [a, b, c]) s.dispose();
});

// variable_scope.py _VariableStore._get_default_initializer: `dtype.is_integer or dtype.is_unsigned
// or dtype.is_bool or dtype == dtypes.string` -> zeros_initializer, whose zero for DT_STRING is "".
test('1.3b a string variable without initializer is zeros (""), as TF; bool is false; it holds and reassigns strings', () => {
  const s = new VariableStore({ seed: 1 });
  const v = s.getVariable('vocab', { shape: [2, 3], dtype: 'string' });
  assert.equal(v.dtype, 'string');
  assert.deepEqual(v.shape, [2, 3]);
  assert.deepEqual(Array.from(v.dataSync() as unknown as string[]), ['', '', '', '', '', '']);
  v.assign(tf.tensor([['a', 'b', 'c'], ['d', 'e', 'f']]));
  assert.deepEqual(Array.from(v.dataSync() as unknown as string[]), ['a', 'b', 'c', 'd', 'e', 'f']);
  s.variableScope('sc', { dtype: 'string' }, () => {
    assert.deepEqual(Array.from(s.getVariable('t', { shape: [1] }).dataSync() as unknown as string[]), ['']);
  });
  assert.deepEqual(Array.from(s.getVariable('flag', { shape: [2], dtype: 'bool' }).dataSync()), [0, 0]);
  assert.deepEqual(s.globalVariables().map((x) => s.nameOf(x)), ['vocab', 'sc/t', 'flag']);
  s.dispose();
});

test('1.4 scope defaults: initializer, dtype and trainable inherited; reuse inherited and not switchable off', () => {
  const s = new VariableStore();
  s.variableScope('a', { initializer: constantInitializer(0.5), dtype: 'float32' }, () => {
    const v = s.variableScope('b', {}, () => s.getVariable('v', { shape: [2] }));
    assert.deepEqual(Array.from(v.dataSync()), [0.5, 0.5]);
  });
  s.variableScope('frozen', { trainable: false }, () => s.getVariable('f', { shape: [1] }));
  assert.deepEqual(s.trainableVariables('frozen').length, 0);
  const reuses = s.variableScope('r', { reuse: true }, () => s.variableScope('c', { reuse: false }, (sc) => sc.reuse));
  assert.equal(reuses, true);
  assert.equal(s.variableScope('r2', { reuse: AUTO_REUSE }, () => s.variableScope('c', {}, (sc) => sc.reuse)), AUTO_REUSE);
  s.dispose();
});

test('1.4 variable scope name not uniquified, its auxiliary name scope is', () => {
  const s = new VariableStore();
  const first = s.variableScope('foo', {}, (sc) => [sc.name, sc.originalNameScope, s.getNameScope(), s.nameOf(s.variable(1, { name: 't' }))]);
  const second = s.variableScope('foo', {}, (sc) => [sc.name, sc.originalNameScope, s.getNameScope(), s.nameOf(s.variable(1, { name: 't' })), s.nameOf(s.getVariable('g', { shape: [] }))]);
  assert.deepEqual(first, ['foo', 'foo/', 'foo', 'foo/t']);
  assert.deepEqual(second, ['foo', 'foo_1/', 'foo_1', 'foo_1/t', 'foo/g']);
  const noAux = s.nameScope('outer', () => s.variableScope('inner', { auxiliaryNameScope: false }, (sc) => [sc.name, s.getNameScope()]));
  assert.deepEqual(noAux, ['inner', 'outer']);
  s.dispose();
});

test('1.4 errors of variable_scope: reuse value, default name, reuse without name', () => {
  const s = new VariableStore();
  throwsScope(() => s.variableScope('a', { reuse: 'yes' as unknown as boolean }, () => 0), 'invalid_reuse', 'The reuse parameter must be True or False or None.');
  throwsScope(() => s.variableScope(null, {}, () => 0), 'scope_name_required', 'If default_name is None then name_or_scope is required');
  throwsScope(() => s.variableScope(null, { defaultName: 'd', reuse: true }, () => 0), 'reuse_without_name', 'reuse=True cannot be used without a name_or_scope');
  throwsScope(() => s.variableScope(null, { defaultName: 'd', reuse: AUTO_REUSE }, () => 0), 'reuse_without_name', 'reuse=True cannot be used without a name_or_scope');
  throwsScope(() => s.variableScope('a', {}, async () => 0), 'async_scope_body', 'a variableScope/nameScope body returned a Promise; scopes only cover synchronous code');
});

test('1.4 default names: Conv, Conv_1; re-entering a string scope restarts sub-scope numbering', () => {
  const s = new VariableStore();
  const dn = (d: string): string => s.variableScope(null, { defaultName: d }, (sc) => sc.name);
  assert.deepEqual([dn('Conv'), dn('Conv'), dn('Conv')], ['Conv', 'Conv_1', 'Conv_2']);
  assert.deepEqual(s.variableScope('foo', {}, () => [dn('bar'), dn('bar')]), ['foo/bar', 'foo/bar_1']);
  assert.deepEqual(s.variableScope('foo', {}, () => [dn('bar')]), ['foo/bar']);
  // An explicitly named scope counts too: a later default name skips it.
  assert.deepEqual(s.variableScope('g', {}, () => [s.variableScope('x', {}, (sc) => sc.name), dn('x')]), ['g/x', 'g/x_1']);
});

test('1.4 scope object re-entry: jumps to its name, own reuse, name scope relative, counts restored', () => {
  const s = new VariableStore();
  const captured = s.variableScope('foo', {}, (sc) => {
    s.getVariable('v', { shape: [1] });
    return sc;
  });
  const [name, ns, reuse] = s.variableScope('p', { reuse: true }, () => s.variableScope(captured, {}, (sc) => [sc.name, s.getNameScope(), sc.reuse]));
  assert.deepEqual([name, ns, reuse], ['foo', 'p/foo', false]);
  const shared = s.variableScope('p', {}, () => s.variableScope(captured, { reuse: true }, () => s.getVariable('v', { shape: [1] })));
  assert.equal(s.nameOf(shared), 'foo/v');
  const a = s.variableScope(captured, {}, () => s.variableScope(null, { defaultName: 'x' }, (sc) => sc.name));
  const b = s.variableScope(captured, {}, () => s.variableScope(null, { defaultName: 'x' }, (sc) => sc.name));
  assert.deepEqual([a, b], ['foo/x', 'foo/x']);
  assert.equal(captured.originalNameScope, 'foo/');
  s.dispose();
});

test('1.4 reuse_variables() switches the current scope to reuse for the rest of the block', () => {
  const s = new VariableStore();
  const [a, b] = s.variableScope('lstm', {}, (sc) => {
    const first = s.getVariable('w', { shape: [2] });
    sc.reuseVariables();
    return [first, s.getVariable('w', { shape: [2] })];
  });
  assert.equal(a, b);
  s.dispose();
});

test('1.4 VariableScope.getCollection uses name + "/" (so scope a does not see ab)', () => {
  const s = new VariableStore();
  const scope = s.variableScope('a', {}, (sc) => {
    s.getVariable('w', { shape: [] });
    return sc;
  });
  s.variableScope('ab', {}, () => s.getVariable('w', { shape: [] }));
  assert.ok(scope instanceof VariableScope);
  assert.deepEqual(scope.getCollection<tf.Variable>(GraphKeys.GLOBAL_VARIABLES).map((v) => s.nameOf(v)), ['a/w']);
  assert.deepEqual(s.globalVariables('a').map((v) => s.nameOf(v)), ['a/w', 'ab/w']);
  s.dispose();
});

// variable_scope.py VariableScope.get_collection: `scope = self._name + "/" if self._name else ""`,
// so the root scope sees every named item; VariableScope.trainable_variables / global_variables /
// local_variables are get_collection of TRAINABLE_VARIABLES / GLOBAL_VARIABLES / LOCAL_VARIABLES.
test('1.4b root VariableScope.getCollection returns every variable; trainable/global/localVariables', () => {
  const s = new VariableStore();
  const root = s.getVariableScope();
  s.getVariable('a', { shape: [] });
  s.getVariable('b', { shape: [], trainable: false });
  s.getVariable('c', { shape: [], collections: [GraphKeys.LOCAL_VARIABLES], trainable: false });
  const inner = s.variableScope('foo', {}, (sc) => {
    s.getVariable('d', { shape: [] });
    s.getVariable('e', { shape: [], collections: [GraphKeys.LOCAL_VARIABLES], trainable: false });
    return sc;
  });
  s.addToCollection(GraphKeys.GLOBAL_VARIABLES, 7); // unnamed: skipped by any scope filter, as TF
  const n = (vs: tf.Variable[]): string[] => vs.map((v) => s.nameOf(v));
  assert.equal(root.name, '');
  assert.deepEqual(n(root.getCollection<tf.Variable>(GraphKeys.GLOBAL_VARIABLES)), ['a', 'b', 'foo/d']);
  assert.deepEqual(n(root.globalVariables()), ['a', 'b', 'foo/d']);
  assert.deepEqual(n(root.trainableVariables()), ['a', 'foo/d']);
  assert.deepEqual(n(root.localVariables()), ['c', 'foo/e']);
  assert.deepEqual(n(inner.trainableVariables()), ['foo/d']);
  assert.deepEqual(n(inner.globalVariables()), ['foo/d']);
  assert.deepEqual(n(inner.localVariables()), ['foo/e']);
  s.dispose();
});

test('1.5 slot naming mechanism: get_variable("") in default-name scopes gives w/Adam, w/Adam_1', () => {
  const s = new VariableStore();
  const w = s.getVariable('w', { shape: [2] });
  const slot = (name: string): string =>
    s.variableScope(null, { defaultName: `${s.nameOf(w)}/${name}` }, () => s.nameOf(s.getVariable('', { initializer: tf.zeros([2]), trainable: false })));
  assert.deepEqual([slot('Adam'), slot('Adam'), slot('Momentum')], ['w/Adam', 'w/Adam_1', 'w/Momentum']);
  s.dispose();
});

test('global step: int64 in checkpoints (int32 here), zeros, not trainable, [variables, global_step], created once', () => {
  const s = new VariableStore();
  s.getVariable('w', { shape: [1] });
  const step = s.variableScope('train', {}, () => s.getOrCreateGlobalStep());
  assert.equal(s.nameOf(step), 'train/global_step', 'created with get_variable in the current variable scope, as training_util.py does');
  assert.equal(s.getOrCreateGlobalStep(), step);
  assert.equal(step.dtype, 'int32');
  assert.equal(step.shape.length, 0);
  assert.equal(step.dataSync()[0], 0);
  assert.deepEqual(s.getCollection(GraphKeys.GLOBAL_STEP), [step]);
  assert.ok(!s.trainableVariables().includes(step));
  const p = s.parameters().require('train/global_step');
  assert.equal(p.saveDtype, 'int64');
  assert.equal(p.trainable, false);
  const root = new VariableStore();
  assert.equal(root.nameOf(root.getOrCreateGlobalStep()), 'global_step');
  const legacy = new VariableStore();
  const v = legacy.variable(0, { name: 'global_step', trainable: false });
  assert.equal(legacy.getGlobalStep(), v, 'get_global_step falls back to the tensor named global_step:0');
  for (const x of [s, root, legacy]) x.dispose();
});

// training_util.py get_global_step -> assert_global_step: `Existing "global_step" does not have
// integer type: %s` (dtype) and `Existing "global_step" is not scalar: %s` (shape);
// create_global_step: `ValueError('"global_step" already exists.')`.
test('global step: get_global_step asserts an integer scalar with TF texts; create_global_step refuses a second', () => {
  const bad = (e: unknown, text: string): boolean => e instanceof InvalidArgumentError && e.code === 'invalid_global_step' && e.message === text;
  const f = new VariableStore();
  f.variable(0, { name: 'global_step', trainable: false, dtype: 'float32' });
  assert.throws(() => f.getGlobalStep(), (e) => bad(e, `Existing "global_step" does not have integer type: <dtype: 'float32'>`));
  assert.throws(() => f.getOrCreateGlobalStep(), (e) => bad(e, `Existing "global_step" does not have integer type: <dtype: 'float32'>`));
  const r = new VariableStore();
  r.getVariable('global_step', { shape: [10], dtype: 'int32', trainable: false, collections: [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP] });
  assert.throws(() => r.getGlobalStep(), (e) => bad(e, 'Existing "global_step" is not scalar: (10,)'));
  const c = new VariableStore();
  assert.equal(c.getGlobalStep(), undefined);
  const step = c.createGlobalStep();
  assert.equal(c.nameOf(step), 'global_step');
  assert.equal(c.getGlobalStep(), step);
  assert.throws(() => c.createGlobalStep(), (e) => e instanceof ScopeError && e.code === 'global_step_exists' && e.message === '"global_step" already exists.');
  assert.equal(c.getOrCreateGlobalStep(), step, 'get_or_create still returns the existing one');
  const t = tf.variable(tf.zeros([2, 2]));
  assert.throws(() => assertGlobalStep(t), (e) => bad(e, `Existing "global_step" does not have integer type: <dtype: 'float32'>`));
  const t2 = tf.variable(tf.zeros([2, 3], 'int32'));
  assert.throws(() => assertGlobalStep(t2), (e) => bad(e, 'Existing "global_step" is not scalar: (2, 3)'));
  assertGlobalStep(step);
  for (const x of [f, r, c]) x.dispose();
  t.dispose();
  t2.dispose();
});

test('defaultStore is one store until reset', () => {
  resetDefaultStore();
  const a = defaultStore();
  assert.equal(defaultStore(), a);
  resetDefaultStore();
  assert.notEqual(defaultStore(), a);
  resetDefaultStore();
});

test('memory: creating variables leaves only the variables behind', () => {
  const s = new VariableStore();
  const before = tf.memory().numTensors;
  s.variableScope('m', {}, () => {
    s.getVariable('a', { shape: [4, 4] });
    s.getVariable('b', { shape: [4], initializer: zerosInitializer() });
    s.variable([1, 2, 3], { name: 'c' });
  });
  assert.equal(tf.memory().numTensors - before, 3);
  s.dispose();
  assert.equal(tf.memory().numTensors, before);
});
