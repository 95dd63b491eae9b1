// Regularizers and regularization losses, against TF's own tests:
// - tensorflow/contrib/layers/python/layers/regularizers_test.py (test_l1, test_l2, test_l1_l2);
// - tensorflow/python/kernel_tests/variable_scope_test.py `testVarScopeRegularizer` (0.4, 0.4, 0.5, 3 losses);
// - tensorflow/python/ops/losses/util.py `get_regularization_loss` (add_n, or 0.0 when none).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  VariableStore, GraphKeys, constantInitializer, l1Regularizer, l2Regularizer, l1L2Regularizer, sumRegularizer, noRegularizer,
  RegularizationLoss, conv2d, fullyConnected, applyRegularization, type Regularizer,
} from '../../src/variables/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { GradientDescentOptimizer } from '../../src/train/index.js';
import { loadMnist } from '../../src/models/data/index.js';

before(async () => {
  await initBackend();
});

const scalar = (t: tf.Tensor | null): number => {
  assert.ok(t !== null);
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

test('regularizers_test.py test_l1: |values|.sum() * 0.5 for [1, -1, 4, 2]; scale 0 → None; negative scale refused', () => {
  const w = tf.tensor([1, -1, 4, 2]);
  assert.ok(Math.abs(scalar(l1Regularizer(0.5)(w)) - 4.0) < 1e-6);
  assert.equal(l1Regularizer(0)(w), null);
  assert.throws(() => l1Regularizer(-1), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'bad_regularizer_scale' && e.message === 'Setting a scale less than 0 on a regularizer: -1');
  w.dispose();
});

test('regularizers_test.py test_l2: (values²).sum() / 2 * 0.42 for [1, -1, 4, 2]', () => {
  const w = tf.tensor([1, -1, 4, 2]);
  assert.ok(Math.abs(scalar(l2Regularizer(0.42)(w)) - (22 / 2) * 0.42) < 1e-5);
  assert.equal(l2Regularizer(0)(w), null);
  w.dispose();
});

test('regularizers_test.py test_l1_l2: ones [5,5,5] → 125 + 125/2, op name l1_l2_regularizer; one scale 0 → the other', () => {
  const w = tf.ones([5, 5, 5]);
  const r = l1L2Regularizer(1.0, 1.0);
  assert.equal(r.opName, 'l1_l2_regularizer');
  assert.ok(Math.abs(scalar(r(w)) - (125 + 125 / 2)) < 1e-4);
  assert.ok(Math.abs(scalar(l1L2Regularizer(0, 2)(w)) - 125) < 1e-4); // l2 only: 2 * 125 / 2
  assert.ok(Math.abs(scalar(l1L2Regularizer(3, 0)(w)) - 375) < 1e-4);
  assert.equal(l1L2Regularizer(0, 0)(w), null);
  assert.equal(sumRegularizer([null, l1Regularizer(0)])(w), null);
  w.dispose();
});

test('regularizers_test.py test_apply_regularization / zero / invalid regularizer; the penalty joins regularization_losses', () => {
  const s = new VariableStore();
  const weights = [[1.5], [2, 3, 4.2], [10, 42, 666.6]].map((w) => tf.tensor(w));
  const expected = 2 * (1.5 + 2 + 3 + 4.2 + 10 + 42 + 666.6);
  assert.ok(Math.abs(scalar(applyRegularization(s, (x) => tf.sum(tf.mul(2, x)), weights)) - expected) < 1e-3);
  assert.equal(scalar(applyRegularization(s, l2Regularizer(0), weights)), 0);
  assert.throws(() => applyRegularization(s, (x) => tf.tile(x, [2]), weights), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'regularizer_not_scalar' && e.message === 'regularizer must return a scalar Tensor instead of a Tensor with rank 1.');
  assert.throws(() => applyRegularization(s, l2Regularizer(1)), (e: unknown) => e instanceof InvalidArgumentError && e.message === 'No weights to regularize.');
  assert.equal(s.getCollection(GraphKeys.REGULARIZATION_LOSSES).length, 2);
  assert.ok(Math.abs(scalar(s.getRegularizationLoss('get_regularization_penalty')) - expected) < 1e-3);
});

test('variable_scope_test.py testVarScopeRegularizer: inheritance, set_regularizer, no_regularizer, values 0.4 0.4 0.5, reuse adds none', () => {
  const s = new VariableStore();
  const init = constantInitializer(0.3);
  const regularizer1: Regularizer = (v) => tf.add(tf.mean(v), 0.1);
  const regularizer2: Regularizer = (v) => tf.add(tf.mean(v), 0.2);
  s.variableScope('tower3', { regularizer: regularizer1 }, (tower) => {
    s.variableScope('foo', { initializer: init }, () => {
      s.getVariable('v', { shape: [] });
      const losses = s.getRegularizationLosses();
      assert.equal(losses.length, 1);
      assert.ok(Math.abs(scalar(losses[0]!) - 0.4) < 1e-6);
    });
    s.variableScope(tower, { initializer: init }, (vs) => {
      s.getVariable('u', { shape: [] });
      vs.setRegularizer(regularizer2);
      s.getVariable('w', { shape: [] });
      // the next 3 are not regularized
      s.getVariable('x', { shape: [], regularizer: noRegularizer });
      s.variableScope('baz', { regularizer: noRegularizer }, () => s.getVariable('y', { shape: [] }));
      vs.setRegularizer(noRegularizer);
      s.getVariable('z', { shape: [] });
      const losses = s.getRegularizationLosses().map(scalar);
      assert.equal(losses.length, 3);
      assert.ok(Math.abs(losses[0]! - 0.4) < 1e-6 && Math.abs(losses[1]! - 0.4) < 1e-6 && Math.abs(losses[2]! - 0.5) < 1e-6, String(losses));
    });
    s.variableScope('foo', { reuse: true }, () => s.getVariable('v', { shape: [] }));
    assert.equal(s.getCollection(GraphKeys.REGULARIZATION_LOSSES).length, 3, 'no new loss for a reused variable');
  });
  // items are named `<var>/Regularizer/<op>:0` and filtered by TF's scope regex
  const items = s.getCollection<RegularizationLoss>(GraphKeys.REGULARIZATION_LOSSES);
  assert.deepEqual(items.map((i) => i.variableName), ['tower3/foo/v', 'tower3/u', 'tower3/w']);
  assert.equal(s.getRegularizationLosses('tower3/foo').length, 1);
  assert.ok(Math.abs(scalar(s.getRegularizationLoss()) - 1.3) < 1e-6);
  assert.equal(scalar(s.getRegularizationLoss('nothing_here')), 0);
});

test('l2Regularizer names its loss w/Regularizer/l2_regularizer:0; losses follow the current value', () => {
  const s = new VariableStore();
  const w = s.getVariable<tf.Variable>('w', { shape: [2], initializer: constantInitializer([1, 2]), regularizer: l2Regularizer(0.1) });
  const [item] = s.getCollection<RegularizationLoss>(GraphKeys.REGULARIZATION_LOSSES);
  assert.equal(item!.name, 'w/Regularizer/l2_regularizer:0');
  assert.ok(Math.abs(scalar(s.getRegularizationLoss()) - 0.25) < 1e-6); // 0.1 * (1 + 4) / 2
  w.assign(tf.tensor([3, 0]));
  assert.ok(Math.abs(scalar(s.getRegularizationLoss()) - 0.45) < 1e-6);
});

test('slim conv2d / fully_connected weights_regularizer and biases_regularizer; the scope regularizer reaches both', () => {
  const s = new VariableStore({ seed: 3 });
  const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
  conv2d(s, x, 2, 3, { scope: 'conv1', weightsRegularizer: l2Regularizer(0.5) });
  fullyConnected(s, tf.ones([1, 3]), 2, { scope: 'fc', weightsRegularizer: l1Regularizer(0.1), biasesRegularizer: l2Regularizer(0.2) });
  s.variableScope('reg', { regularizer: l2Regularizer(1) }, () => fullyConnected(s, tf.ones([1, 3]), 2, { scope: 'fc2' }));
  const names = s.getCollection<RegularizationLoss>(GraphKeys.REGULARIZATION_LOSSES).map((i) => i.name);
  assert.deepEqual(names, [
    'conv1/weights/Regularizer/l2_regularizer:0',
    'fc/weights/Regularizer/l1_regularizer:0',
    'fc/biases/Regularizer/l2_regularizer:0',
    'reg/fc2/weights/Regularizer/l2_regularizer:0',
    'reg/fc2/biases/Regularizer/l2_regularizer:0',
  ]);
  const w = s.globalVariables('conv1/weights')[0]!;
  const expected = 0.5 * (tf.sum(tf.square(w)).dataSync()[0]! / 2);
  assert.ok(Math.abs(scalar(s.getRegularizationLosses('conv1')[0]!) - expected) < 1e-5);
});

test('training on an MNIST slice: the loss recomputes the penalty each step; its gradient is scale·w; weights shrink vs no regularizer', async () => {
  const set = await loadMnist({ split: 'train', limit: 256, seed: 7 });
  const images = tf.tensor(set.x, [set.count, 784]);
  const labels = tf.tensor1d(set.labels, 'int32');
  const train = (scale: number): { norm: number; gradCheck: number } => {
    const s = new VariableStore({ seed: 11 });
    const reg = scale > 0 ? l2Regularizer(scale) : undefined;
    const x = images;
    const logitsOf = (): tf.Tensor => s.variableScope('model', { reuse: true }, () => fullyConnected(s, x, 10, { activation: null, scope: 'logits' }));
    s.variableScope('model', { regularizer: reg }, () => fullyConnected(s, x, 10, { activation: null, scope: 'logits' }));
    const opt = new GradientDescentOptimizer(s.parameters(), { learningRate: 0.5 });
    const onehot = tf.oneHot(labels, 10);
    for (let step = 0; step < 30; step++) {
      opt.minimize(() => tf.add(tf.losses.softmaxCrossEntropy(onehot, logitsOf()), s.getRegularizationLoss()) as tf.Scalar);
    }
    const w = s.globalVariables('model/logits/weights')[0]!;
    // d/dw of the penalty alone equals scale * w (nn.l2_loss' gradient)
    let gradCheck = 0;
    if (scale > 0) {
      const g = tf.variableGrads(() => s.getRegularizationLoss(), [w]).grads[w.name]!;
      gradCheck = tf.max(tf.abs(tf.sub(g, tf.mul(w, scale)))).dataSync()[0]!;
    }
    const norm = tf.norm(w).dataSync()[0]!;
    s.dispose();
    return { norm, gradCheck };
  };
  const plain = train(0);
  const regularized = train(0.05);
  assert.ok(regularized.gradCheck < 1e-6, `penalty gradient off by ${regularized.gradCheck}`);
  assert.ok(regularized.norm < plain.norm * 0.95, `weights norm ${regularized.norm} vs ${plain.norm} without the penalty`);
});
