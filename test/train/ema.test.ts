// ExponentialMovingAverage against TF1's moving_averages.py: shadow names, initial values,
// `shadow -= (shadow - var) * (1 - decay)` in float32, num_updates, variables_to_restore, and
// the swap helper restoring raw values even when the evaluation throws.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { ExponentialMovingAverage } from '../../src/train/ema.js';
import { VariableStore } from '../../src/variables/store.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { GraftError } from '../../src/errors.js';

const f = Math.fround;

before(async () => {
  await initBackend();
});

function setup(): { params: ParameterSet; w: tf.Variable; b: tf.Variable } {
  const w = newVariable('net/w', tf.tensor1d([1.0, -2.0, 0.5]));
  const b = newVariable('net/b', tf.tensor1d([0.3]));
  return { params: new ParameterSet().add('net/w', w).add('net/b', b), w, b };
}

/** TF: decay tensor d; `1.0 - d` in float32; `shadow - (shadow - var) * (1-d)`. */
function expected(shadow: number[], value: number[], decay: number): number[] {
  const c = f(1 - f(decay));
  return shadow.map((s, i) => f(s - f(f(s - f(value[i]!)) * c)));
}

test('without num_updates: constant decay, shadows named <var>/ExponentialMovingAverage, initialised to the value', () => {
  const { params, w } = setup();
  const ema = new ExponentialMovingAverage(0.9);
  ema.apply(params);
  assert.deepEqual(ema.variables().names(), ['net/w/ExponentialMovingAverage', 'net/b/ExponentialMovingAverage']);
  assert.deepEqual(Array.from(ema.average('net/w').dataSync()), [1, -2, 0.5]);
  assert.ok(ema.variables().toArray().every((p) => !p.trainable));
  let shadow = [1, -2, 0.5];
  const targets = [
    [2, 0, 1],
    [3, 1, -1],
    [0.1, 0.2, 0.3],
  ];
  for (const t of targets) {
    w.assign(tf.tensor1d(t));
    ema.update();
    shadow = expected(shadow, t, 0.9);
    assert.deepEqual(Array.from(ema.average(w).dataSync()), shadow);
  }
  // Step 1 by hand: 1 - (1 - 2) * 0.1 = 1.1 (float32 arithmetic).
  assert.ok(Math.abs(expected([1], [2], 0.9)[0]! - 1.1) < 1e-6);
});

test('with num_updates: decay = min(decay, (1 + n) / (10 + n)) with n in float32', () => {
  const { params, w } = setup();
  const gs = createGlobalStep();
  const ema = new ExponentialMovingAverage(0.999, { numUpdates: gs.variable });
  ema.apply(params);
  let shadow = [1, -2, 0.5];
  for (let n = 0; n < 4; n++) {
    gs.variable.assign(tf.scalar(n, 'int32'));
    const d = Math.min(f(0.999), f(f(1 + n) / f(10 + n)));
    assert.equal(ema.currentDecay(), d, `decay at n=${n}`);
    const t = [n + 1, n - 1, 2 * n];
    w.assign(tf.tensor1d(t));
    ema.update();
    shadow = expected(shadow, t, d);
    assert.deepEqual(Array.from(ema.average('net/w').dataSync()), shadow);
  }
  assert.equal(ema.currentDecay(), Math.min(f(0.999), f(f(4) / f(13))));
  gs.variable.assign(tf.scalar(100000, 'int32'));
  assert.equal(ema.currentDecay(), f(0.999), 'the decay caps at the given value');
  const fn = new ExponentialMovingAverage(0.5, { numUpdates: () => 0 });
  assert.equal(fn.currentDecay(), f(0.1), 'a function works too: (1+0)/(10+0)');
});

test('averageName and variablesToRestore follow TF', () => {
  const { params } = setup();
  const gs = createGlobalStep();
  const frozen = newVariable('net/moving_mean', tf.zeros([3]));
  params.add('net/moving_mean', frozen, { trainable: false });
  const ema = new ExponentialMovingAverage(0.99);
  assert.equal(ema.averageName('net/w:0'), 'net/w/ExponentialMovingAverage', 'name before apply');
  ema.apply(params.trainable());
  const all = new ParameterSet([...params, ...gs.params, ...ema.variables()]);
  const map = ema.variablesToRestore(all);
  assert.deepEqual(Object.keys(map).sort(), [
    'global_step',
    'net/b/ExponentialMovingAverage',
    'net/moving_mean',
    'net/w/ExponentialMovingAverage',
  ]);
  assert.equal(map['net/w/ExponentialMovingAverage']!.name, 'net/w');
  assert.equal(map['global_step']!.name, 'global_step');
  assert.throws(() => ema.average('net/moving_mean'), (e: unknown) => e instanceof GraftError && e.code === 'not_averaged');
  assert.throws(() => ema.apply(gs.params), (e: unknown) => e instanceof GraftError && e.code === 'invalid_dtype' && /must be half, float, or double/.test(e.message));
});

test('withAveragesSwapped: averages inside, raw values back after, even on throw', async () => {
  const { params, w } = setup();
  const ema = new ExponentialMovingAverage(0.5);
  ema.apply(params);
  w.assign(tf.tensor1d([3, 3, 3]));
  ema.update();
  const raw = Array.from(w.dataSync());
  const avg = Array.from(ema.average('net/w').dataSync());
  assert.notDeepEqual(raw, avg);
  const inside = await ema.withAveragesSwapped(() => Array.from(w.dataSync()));
  assert.deepEqual(inside, avg);
  assert.deepEqual(Array.from(w.dataSync()), raw);
  await assert.rejects(
    ema.withAveragesSwapped(async () => {
      assert.deepEqual(Array.from(w.dataSync()), avg);
      throw new Error('evaluation failed');
    }),
    /evaluation failed/,
  );
  assert.deepEqual(Array.from(w.dataSync()), raw, 'raw weights restored after the throw');
  assert.deepEqual(Array.from(ema.average('net/w').dataSync()), avg, 'shadow untouched by the swap');
});

test('plain values (TF apply([tensor])): zero-initialised averages; zeroDebias divides by 1 - decay^t in TF op order', () => {
  const f = Math.fround;
  const losses = [2.5, 1.75, 1.5, 1.25, 1.0];
  // without zero_debias: shadow -= (shadow - v) * (1 - d), from 0
  const plain = new ExponentialMovingAverage(0.9, { name: 'avg' });
  plain.applyValues({ total_loss: [], 'cross_entropy:0': [2] });
  assert.deepEqual(plain.variables().names(), ['total_loss/avg', 'cross_entropy/avg']);
  let expect = 0;
  const c = f(1 - f(0.9));
  for (const l of losses) {
    plain.updateValues({ total_loss: l, cross_entropy: tf.tensor1d([l, 2 * l]) });
    expect = f(expect - f(f(expect - l) * c));
    assert.equal(plain.average('total_loss').dataSync()[0], expect);
  }
  assert.equal(plain.averageName('total_loss:0'), 'total_loss/avg');
  // zero_debias: biased -= (biased - v)(1 - d); t += 1; shadow -= shadow - biased / (1 - (1 - (1 - d))^t)
  const ema = new ExponentialMovingAverage(0.9, { name: 'avg', zeroDebias: true });
  ema.applyValues({ total_loss: [] });
  assert.deepEqual(ema.variables().names(), ['total_loss/avg', 'total_loss/avg/biased', 'total_loss/avg/local_step']);
  let biased = 0;
  let shadow = 0;
  for (let t = 1; t <= losses.length; t++) {
    ema.updateValues({ total_loss: tf.scalar(losses[t - 1]!) });
    biased = f(biased - f(f(biased - losses[t - 1]!) * c));
    const q = f(biased / f(1 - f(Math.pow(f(1 - c), t))));
    shadow = f(shadow - f(shadow - q));
    const got = ema.average('total_loss').dataSync()[0]!;
    assert.ok(Math.abs(got - shadow) <= 2 * 2 ** -23 * Math.abs(shadow), `step ${t}: ${got} vs ${shadow} (pow may differ by an ulp)`);
    assert.equal(ema.variables().get('total_loss/avg/local_step')!.variable.dataSync()[0], t);
  }
  // a constant value is its own debiased average from the first step (the point of zero_debias)
  const k = new ExponentialMovingAverage(0.99, { zeroDebias: true });
  k.applyValues({ lr: [] });
  k.updateValues({ lr: 0.125 });
  assert.ok(Math.abs(k.average('lr').dataSync()[0]! - 0.125) < 1e-7);
  assert.throws(() => k.updateValues({ loss: 1 }), (e: unknown) => e instanceof GraftError && e.code === 'not_averaged');
  assert.throws(() => k.updateValues({ lr: tf.tensor1d([1, 2]) }), (e: unknown) => e instanceof GraftError && e.code === 'shape_mismatch');
});

// moving_averages_test.py averageVariablesNamesRespectScopeHelper: variables made in
// variable_scope("scope1"), the EMA (name "foo") created and applied in variable_scope("scope2"):
// average_name(v0) == "scope2/scope1/v0/foo" before and after apply (slot_creator.create_slot opens
// variable_scope(None, prefix + "/" + name) under the current scope); variables_to_restore maps
// those names and "scope1/v2" (not trainable); with zero_debias the tensor's extra state is
// "scope2/" + average_name(tensor2) + "/biased" and "/local_step". At the root: "v0/foo".
test('EMA shadow names follow the variable scope it is applied in (TF averageVariablesNamesRespectScope)', () => {
  const store = new VariableStore();
  const { v0, v1, v2 } = store.variableScope('scope1', {}, () => ({
    v0: store.variable(10, { name: 'v0', dtype: 'float32' }),
    v1: store.variable(30, { name: 'v1', dtype: 'float32' }),
    v2: store.variable(20, { name: 'v2', dtype: 'float32', trainable: false }),
  }));
  const params = store.parameters();
  assert.deepEqual(params.names(), ['scope1/v0', 'scope1/v1', 'scope1/v2']);
  store.variableScope('scope2', {}, () => {
    const ema = new ExponentialMovingAverage(0.25, { name: 'foo', zeroDebias: true, store });
    assert.equal(ema.averageName('scope1/v0'), 'scope2/scope1/v0/foo');
    assert.equal(ema.averageName('scope1/v1'), 'scope2/scope1/v1/foo');
    assert.equal(ema.averageName('scope1/add'), 'scope2/scope1/add/foo');
    ema.apply(params.trainable());
    ema.applyValues({ 'scope1/add': [] });
    assert.equal(ema.averageName(v0), 'scope2/scope1/v0/foo');
    assert.equal(ema.averageName('scope1/add'), 'scope2/scope1/add/foo');
    assert.deepEqual(Object.keys(ema.variablesToRestore(params)).sort(), ['scope1/v2', 'scope2/scope1/v0/foo', 'scope2/scope1/v1/foo']);
    assert.deepEqual(ema.variables().names().sort(), [
      'scope2/scope1/add/foo', 'scope2/scope2/scope1/add/foo/biased', 'scope2/scope2/scope1/add/foo/local_step',
      'scope2/scope1/v0/foo', 'scope2/scope1/v1/foo',
    ].sort());
    assert.equal(ema.average(v1).dataSync()[0], 30);
    ema.variables().toArray().forEach((p) => p.variable.dispose());
  });
  // at the root scope (and without a store) the names are unchanged: <var>/<name>
  const root = new ExponentialMovingAverage(0.25, { name: 'foo_avg', store });
  assert.equal(root.averageName('scope1/v0'), 'scope1/v0/foo_avg');
  root.apply(params.select({ include: ['scope1/v0'] }));
  assert.equal(root.averageName(v0), 'scope1/v0/foo_avg');
  root.variables().toArray().forEach((p) => p.variable.dispose());
  void v2;
  store.dispose();
});
