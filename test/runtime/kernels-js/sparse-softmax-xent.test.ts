// SparseSoftmaxCrossEntropyWithLogits (the JS pack's kernel, on wasm) against a float64 reference
// and against the composite loss on tfjs-backend-cpu, on real logits: 64 MNIST test digits through
// the small MNIST CNN (10 classes), and the same features through a 77-class head (BANKING77's
// class count) with logits scaled ×8 so that the softmax is peaked. Bound: max |diff| ≤ 1e-6 ×
// max |reference| for the per-example loss, the backprop, the mean loss and its gradient; a
// training step (Adam) through the fused loss matches the composite within 1e-6 relative.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import {
  SPARSE_SOFTMAX_XENT,
  registerJsKernelPack,
  sparseSoftmaxCrossEntropyWithLogits,
  sparseSoftmaxXentAvailable,
} from '../../../src/runtime/kernels-js/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';
import { loadMnist } from '../../../src/models/data/mnist.js';
import { mnistCnn } from '../../../src/models/mnist-cnn.js';
import { AdamOptimizer } from '../../../src/train/optimizers.js';
import { softmaxCrossEntropyLoss, softmaxCrossEntropyLossComposite } from '../../../src/workflows/batches.js';

await initBackend({ backend: 'wasm' });
registerJsKernelPack();

const REL = 1e-6;

interface Case { name: string; logits: Float32Array; labels: Int32Array; b: number; k: number }

/** Real logits: 64 MNIST test digits through the (untrained, seeded) small CNN, 10 and 77 classes. */
async function realCases(): Promise<Case[]> {
  const set = await loadMnist({ split: 'test', limit: 64 });
  const b = set.count;
  const model = mnistCnn.build({ seed: 3 });
  const x = tf.tensor4d(set.x as Float32Array, [b, 28, 28, 1]);
  const features = model.features({ x });
  const l10 = tf.tidy(() => tf.mul(model.head(features), 4).dataSync() as Float32Array);
  const wide = model.withNewHead(77);
  const l77 = tf.tidy(() => tf.mul(wide.head(features), 8).dataSync() as Float32Array);
  x.dispose();
  features.dispose();
  const labels77 = Int32Array.from(set.labels, (l, i) => (l * 7 + i) % 77);
  return [
    { name: 'mnist 10 classes', logits: l10, labels: Int32Array.from(set.labels), b, k: 10 },
    { name: '77 classes', logits: l77, labels: labels77, b, k: 77 },
  ];
}
const cases = await realCases();

/** Float64 reference of TF's formulas. */
function reference(c: Case): { loss: Float64Array; backprop: Float64Array; mean: number } {
  const loss = new Float64Array(c.b), backprop = new Float64Array(c.b * c.k);
  for (let r = 0; r < c.b; r++) {
    const row = c.logits.subarray(r * c.k, (r + 1) * c.k);
    const max = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < c.k; j++) sum += Math.exp(row[j]! - max);
    loss[r] = Math.log(sum) - (row[c.labels[r]!]! - max);
    for (let j = 0; j < c.k; j++) backprop[r * c.k + j] = Math.exp(row[j]! - max) / sum - (j === c.labels[r] ? 1 : 0);
  }
  return { loss, backprop, mean: loss.reduce((a, v) => a + v, 0) / c.b };
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let maxAbs = 0, refMax = 0;
  for (let i = 0; i < want.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(got[i]! - want[i]!));
    refMax = Math.max(refMax, Math.abs(want[i]!));
  }
  assert.ok(refMax > 0, `${what}: reference is all zeros, the test would prove nothing`);
  assert.ok(maxAbs <= REL * refMax, `${what}: max abs diff ${maxAbs} > ${REL} × ${refMax}`);
}

/** Run `fn` with the backend switched to `name`, back to wasm afterwards. */
function on<T>(name: string, fn: () => T): T {
  tf.setBackend(name);
  try {
    return fn();
  } finally {
    tf.setBackend('wasm');
  }
}

test('the kernel is registered for wasm only; cpu keeps the composite loss', () => {
  assert.ok(sparseSoftmaxXentAvailable());
  assert.ok(tf.getKernel(SPARSE_SOFTMAX_XENT, 'wasm'));
  assert.equal(on('cpu', () => sparseSoftmaxXentAvailable()), false);
});

test('forward: loss and backprop match the float64 reference on real logits', () => {
  for (const c of cases) {
    const ref = reference(c);
    const [loss, backprop] = tf.tidy(() => {
      const outs = tf.engine().runKernel(SPARSE_SOFTMAX_XENT, { features: tf.tensor2d(c.logits, [c.b, c.k]), labels: tf.tensor1d(c.labels, 'int32') }) as tf.Tensor[];
      return outs.map((t) => t.dataSync() as Float32Array);
    }) as unknown as [Float32Array, Float32Array];
    assertClose(loss, ref.loss, `${c.name} loss`);
    assertClose(backprop, ref.backprop, `${c.name} backprop`);
    for (let r = 0; r < c.b; r++) {
      let rowSum = 0;
      for (let j = 0; j < c.k; j++) rowSum += backprop[r * c.k + j]!;
      assert.ok(Math.abs(rowSum) < 1e-5, `${c.name}: backprop row ${r} sums to ${rowSum}, not 0`);
    }
  }
});

test('mean loss and its gradient: fused (wasm) vs composite (cpu) and vs the reference', () => {
  for (const c of cases) {
    const ref = reference(c);
    const run = (lossFn: typeof softmaxCrossEntropyLoss) => tf.tidy(() => {
      const z = tf.tensor2d(c.logits, [c.b, c.k]);
      const y = tf.tensor1d(c.labels, 'int32');
      const value = lossFn(z, y).dataSync()[0]!;
      const g = tf.grad((t: tf.Tensor) => lossFn(t as tf.Tensor2D, y))(z);
      return { value, grad: g.dataSync() as Float32Array };
    });
    const fused = run(softmaxCrossEntropyLoss);
    const composite = on('cpu', () => run(softmaxCrossEntropyLoss));
    assertClose([fused.value], [ref.mean], `${c.name} fused mean`);
    assertClose([composite.value], [ref.mean], `${c.name} composite mean`);
    assertClose([fused.value], [composite.value], `${c.name} fused vs composite mean`);
    const refGrad = ref.backprop.map((v) => v / c.b);
    assertClose(fused.grad, refGrad, `${c.name} fused gradient`);
    assertClose(fused.grad, composite.grad, `${c.name} fused vs composite gradient`);
  }
});

test('the registered gradient is TF1\'s: backprop × dLoss per row', () => {
  const c = cases[0]!;
  const ref = reference(c);
  const weights = Float32Array.from({ length: c.b }, (_, i) => (i % 3) - 0.5);
  const g = tf.tidy(() => {
    const y = tf.tensor1d(c.labels, 'int32');
    const w = tf.tensor1d(weights);
    const f = (z: tf.Tensor) => tf.sum(tf.mul(sparseSoftmaxCrossEntropyWithLogits(y, z as tf.Tensor2D), w));
    return tf.grad(f)(tf.tensor2d(c.logits, [c.b, c.k])).dataSync() as Float32Array;
  });
  assertClose(g, ref.backprop.map((v, i) => v * weights[Math.floor(i / c.k)]!), 'weighted gradient');
});

test('a label outside [0, classes) is InvalidArgumentError with TF\'s wording, and leaks nothing', () => {
  const before = tf.memory().numTensors;
  for (const [bad, shown] of [[10, 10], [-1, -1]] as const) {
    const labels = Int32Array.from([3, 1, bad, 0]);
    const z = tf.tensor2d(cases[0]!.logits.subarray(0, 40), [4, 10]);
    const y = tf.tensor1d(labels, 'int32');
    assert.throws(() => softmaxCrossEntropyLoss(z, y), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.code, 'label_out_of_range');
      assert.match(e.message, new RegExp(`Received a label value of ${shown} which is outside the valid range of \\[0, 10\\)`));
      assert.match(e.hint ?? '', /10 classes/);
      return true;
    });
    z.dispose();
    y.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => tf.tidy(() => sparseSoftmaxCrossEntropyWithLogits(tf.tensor1d([1, 2], 'int32'), tf.tensor2d([1, 2, 3], [1, 3]))),
    (e: unknown) => e instanceof InvalidArgumentError && e.code === 'xent_batch_mismatch' && /same first dimension/.test(e.message));
});

test('a training step through the fused loss matches the composite: loss and every variable\'s gradient within 1e-6', async () => {
  const set = await loadMnist({ split: 'train', limit: 64, seed: 5 });
  const model = mnistCnn.build({ seed: 11 });
  const vars = model.params.toArray().map((p) => p.variable);
  const step = (lossFn: typeof softmaxCrossEntropyLoss) => tf.tidy(() => {
    const x = tf.tensor4d(set.x as Float32Array, [64, 28, 28, 1]);
    const y = tf.tensor1d(set.labels, 'int32');
    const { value, grads } = tf.engine().gradients(() => lossFn(model.logits({ x }), y), vars);
    return { loss: value.dataSync()[0]!, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
  const fused = step(softmaxCrossEntropyLoss);
  const composite = step(softmaxCrossEntropyLossComposite);
  assertClose([fused.loss], [composite.loss], 'loss');
  fused.grads.forEach((g, i) => assertClose(g, composite.grads[i]!, `gradient of ${model.params.toArray()[i]!.name}`));
});

test('Adam steps through the fused loss track the composite: losses within 1e-6, weights within 1e-3 × lr', async () => {
  // Adam divides each component by its own gradient scale, so components whose gradient is ~0
  // amplify float32 rounding differences of the gradient: the weights are compared in units of lr.
  const set = await loadMnist({ split: 'train', limit: 64, seed: 5 });
  const lr = 0.01;
  const trainOnce = (lossFn: typeof softmaxCrossEntropyLoss) => {
    const model = mnistCnn.build({ seed: 11 });
    const opt = new AdamOptimizer(model.params, { learningRate: lr });
    const losses: number[] = [];
    for (let s = 0; s < 4; s++) {
      const r = opt.minimize(() => tf.tidy(() => {
        const x = tf.tensor4d(set.x as Float32Array, [64, 28, 28, 1]);
        const y = tf.tensor1d(set.labels, 'int32');
        return lossFn(model.logits({ x }), y);
      }));
      losses.push(r.loss);
    }
    const weights = model.params.toArray().map((p) => p.variable.dataSync().slice() as Float32Array);
    return { losses, weights };
  };
  const fused = trainOnce(softmaxCrossEntropyLoss);
  const composite = trainOnce(softmaxCrossEntropyLossComposite);
  assertClose(fused.losses, composite.losses, 'step losses');
  assert.ok(fused.losses[3]! < fused.losses[0]!, `loss falls on the batch it trains on: ${fused.losses}`);
  fused.weights.forEach((w, i) => {
    let maxAbs = 0;
    for (let j = 0; j < w.length; j++) maxAbs = Math.max(maxAbs, Math.abs(w[j]! - composite.weights[i]![j]!));
    assert.ok(maxAbs <= 1e-3 * lr, `weights #${i}: max abs diff ${maxAbs} > 1e-3 × lr`);
  });
});
