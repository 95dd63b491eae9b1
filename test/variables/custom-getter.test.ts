// Custom getters and variable creators against tensorflow/python/kernel_tests/variable_scope_test.py
// VariableScopeWithCustomGetterTest (testNoSideEffectsWithIdentityCustomGetter, testCustomGetterWithReuse,
// testGetterThatCreatesTwoVariablesAndSumsThem, testNestedCustomGetters, testVariableCreator,
// testNonCallableGetterFails) and variable_scope.py `_maybe_wrap_custom_getter`; plus TF's
// ExponentialMovingAverage-with-custom-getter evaluation pattern (moving_averages.py: `ema.average(var)`).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  VariableStore, fullyConnected, constantInitializer, type CustomGetter, type VariableCreator,
} from '../../src/variables/index.js';
import { ExponentialMovingAverage } from '../../src/train/index.js';
import { ScopeError } from '../../src/errors.js';

before(async () => {
  await initBackend();
});

test('testNoSideEffectsWithIdentityCustomGetter: same variables; the getter runs 3 times (re-entered scope objects keep theirs)', () => {
  const s = new VariableStore();
  let called = 0;
  const getter: CustomGetter = (g, name, o) => {
    called += 1;
    return g(name, o);
  };
  const [v, scope] = s.variableScope('scope', { customGetter: getter }, (sc) => [s.getVariable('v', { shape: [1] }), sc] as const);
  const v2 = s.variableScope(scope, { reuse: true }, () => s.getVariable('v', { shape: [1] }));
  const [v3, newScope] = s.variableScope('new_scope', {}, (sc) => [s.getVariable('v3', { shape: [1] }), sc] as const);
  const v4 = s.variableScope(newScope, { reuse: true, customGetter: getter }, () => s.getVariable('v3', { shape: [1] }));
  assert.equal(v, v2);
  assert.equal(v3, v4);
  assert.equal(called, 3);
});

test('testCustomGetterWithReuse: the getter sees the completed options (reuse included) and may return a tensor', () => {
  const s = new VariableStore();
  const seen: unknown[] = [];
  const getter: CustomGetter = (g, name, o) => {
    seen.push(o.reuse);
    return tf.clone(g(name, o) as tf.Tensor);
  };
  const [v, scope] = s.variableScope('scope', { customGetter: getter }, (sc) => [s.getVariable<tf.Tensor>('v', { shape: [1] }), sc] as const);
  const v2 = s.variableScope(scope, { reuse: true }, () => s.getVariable<tf.Tensor>('v', { shape: [1] }));
  assert.deepEqual(seen, [false, true]);
  assert.ok(!(v instanceof tf.Variable) && !(v2 instanceof tf.Variable));
  assert.deepEqual(Array.from(v.dataSync()), Array.from(v2.dataSync()));
});

test('testGetterThatCreatesTwoVariablesAndSumsThem: scope/v/0 and scope/v/1, value = their sum', () => {
  const s = new VariableStore({ seed: 1 });
  const getter: CustomGetter = (g, name, o) => tf.add(g(`${name}/0`, o) as tf.Tensor, g(`${name}/1`, o) as tf.Tensor);
  const v = s.variableScope('scope', { customGetter: getter }, () => s.getVariable<tf.Tensor>('v', { shape: [1, 2, 3] }));
  assert.deepEqual(v.shape, [1, 2, 3]);
  const trueVars = s.trainableVariables();
  assert.deepEqual(trueVars.map((x) => s.displayNameOf(x)), ['scope/v/0:0', 'scope/v/1:0']);
  assert.deepEqual(Array.from(v.dataSync()), Array.from(tf.add(trueVars[0]!, trueVars[1]!).dataSync()));
});

test('testNestedCustomGetters: prod ⊃ sum ⊃ sum → 8 variables named sum_i/sum_j/prod_k, value = sums of sums of products', () => {
  const s = new VariableStore({ seed: 2 });
  const sumGetter: CustomGetter = (g, name, o) => tf.add(g(`${name}/sum_0`, o) as tf.Tensor, g(`${name}/sum_1`, o) as tf.Tensor);
  const prodGetter: CustomGetter = (g, name, o) => tf.mul(g(`${name}/prod_0`, o) as tf.Tensor, g(`${name}/prod_1`, o) as tf.Tensor);
  const v = s.variableScope('prod_scope', { customGetter: prodGetter }, () =>
    s.variableScope('sum_scope', { customGetter: sumGetter }, () =>
      s.variableScope('inner_sum_scope', { customGetter: sumGetter }, () => s.getVariable<tf.Tensor>('v', { shape: [1, 2, 3] }))));
  assert.deepEqual(v.shape, [1, 2, 3]);
  const vars = s.trainableVariables();
  assert.equal(vars.length, 8);
  const expected: string[] = [];
  for (const i of [0, 1]) for (const j of [0, 1]) for (const k of [0, 1]) expected.push(`prod_scope/sum_scope/inner_sum_scope/v/sum_${i}/sum_${j}/prod_${k}:0`);
  assert.deepEqual(vars.map((x) => s.displayNameOf(x)), expected);
  const [a, b, c, d, e, f, g, h] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const want = tf.add(tf.add(tf.mul(a, b), tf.mul(c, d)), tf.add(tf.mul(e, f), tf.mul(g, h)));
  const diff = tf.max(tf.abs(tf.sub(v, want))).dataSync()[0]!;
  assert.ok(diff < 1e-6, `off by ${diff}`);
});

test('setCustomGetter replaces the scope\'s getter; a non-callable getter is refused with TF\'s message', () => {
  const s = new VariableStore();
  const names: string[] = [];
  s.variableScope('a', { customGetter: (g, n, o) => (names.push(`outer:${n}`), g(n, o)) }, (sc) => {
    sc.setCustomGetter((g, n, o) => (names.push(`replaced:${n}`), g(n, o)));
    s.getVariable('w', { shape: [1] });
  });
  assert.deepEqual(names, ['replaced:a/w']);
  assert.throws(() => s.variableScope('b', { customGetter: 3 as never }, () => s.getVariable('n', { shape: [1] })),
    (e: unknown) => e instanceof ScopeError && e.code === 'custom_getter_not_callable' && e.message === 'Passed a custom_getter which is not callable: 3');
});

test('testVariableCreator: innermost creator first (creator_b renames, creator_a sees forced_name); get_variable goes through creators', () => {
  const s = new VariableStore();
  const names: string[] = [];
  const creatorA: VariableCreator = (next, args) => (names.push(args.name), next(args));
  const creatorB: VariableCreator = (next, args) => next({ ...args, name: 'forced_name' });
  const v = s.variableCreatorScope(creatorA, () => s.variableCreatorScope(creatorB, () => s.variable(1.0, { name: 'one_name' })));
  assert.deepEqual(names, ['forced_name']);
  assert.equal(s.nameOf(v), 'forced_name');
  let called = false;
  const w = s.variableCreatorScope((next, args) => {
    called = true;
    assert.equal(args.name, 'v');
    return next({ ...args, trainable: false });
  }, () => s.getVariable<tf.Variable>('v', { shape: [] }));
  assert.ok(called);
  assert.equal(s.trainableVariables().includes(w), false, 'a creator may change the arguments');
  // outside the scope, creators are gone
  names.length = 0;
  s.variable(2.0, { name: 'after' });
  assert.deepEqual(names, []);
});

test('the EMA custom getter: a model built under it evaluates with the moving averages (TF ExponentialMovingAverage pattern)', () => {
  const s = new VariableStore({ seed: 3 });
  const x = tf.tensor2d([[1, 2, 3]]);
  const build = (): tf.Tensor => fullyConnected(s, x, 2, { scope: 'fc', activation: null, weightsInitializer: constantInitializer(1) });
  const live = s.variableScope('model', {}, build);
  const ema = new ExponentialMovingAverage(0.5);
  ema.apply(s.parameters());
  // "train": move the weights, then update the averages twice
  const w = s.globalVariables('model/fc/weights')[0]!;
  w.assign(tf.fill([3, 2], 3));
  ema.update();
  ema.update(); // shadow = 1 → 2 → 2.5
  const emaGetter: CustomGetter = (g, name, o) => {
    const v = g(name, o);
    return v instanceof tf.Variable ? ema.average(v) : v;
  };
  const averaged = s.variableScope('model', { reuse: true, customGetter: emaGetter }, build);
  const current = s.variableScope('model', { reuse: true }, build);
  assert.deepEqual(Array.from(live.dataSync()), [6, 6]); // built with weights 1
  assert.deepEqual(Array.from(averaged.dataSync()), [15, 15]); // 2.5 * (1 + 2 + 3), biases 0
  assert.deepEqual(Array.from(current.dataSync()), [18, 18]); // 3 * 6
  assert.equal(s.globalVariables().length, 2, 'the getter created no variable');
});
