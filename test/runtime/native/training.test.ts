// A short real-data training run gives the same loss curve on the wasm backend with the JS kernel
// pack and with the native kernels: a small MNIST CNN (conv5x5 SAME + relu + maxpool, twice, then
// dense), softmax cross-entropy, TF1 Adam (TF.js ops on the JS path, the fused native update on
// the native path), 8 steps of batch 16 from data/mnist. Bound: every step's loss agrees within
// 1e-3 * (1 + loss); and the loss goes down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { registerNativeKernels, unregisterNativeKernels } from '../../../src/runtime/native/index.js';
import { applyAdamFused } from '../../../src/runtime/fused-optimizers.js';
import { randn, skipReason } from './helpers.js';

const root = new URL('../../../../', import.meta.url);
const BATCH = 16, STEPS = 8;

function mnist(count: number): { images: Float32Array; labels: Int32Array } {
  const img = gunzipSync(readFileSync(new URL('data/mnist/train10k-images-idx3-ubyte.gz', root)));
  const lab = gunzipSync(readFileSync(new URL('data/mnist/train10k-labels-idx1-ubyte.gz', root)));
  assert.equal(img.readUInt32BE(0), 2051);
  assert.equal(lab.readUInt32BE(0), 2049);
  const images = new Float32Array(count * 784);
  for (let i = 0; i < count * 784; i++) images[i] = img[16 + i]! / 255;
  return { images, labels: Int32Array.from(lab.subarray(8, 8 + count)) };
}

const SHAPES: Record<string, number[]> = {
  conv1: [5, 5, 1, 8], b1: [8], conv2: [5, 5, 8, 16], b2: [16], fc: [7 * 7 * 16, 10], bfc: [10],
};

function train(useNative: boolean, data: { images: Float32Array; labels: Int32Array }): number[] {
  const names = Object.keys(SHAPES);
  const vars = names.map((n, i) => tf.variable(tf.tensor(randn(tf.util.sizeFromShape(SHAPES[n]!), 500 + i, n.startsWith('b') ? 0 : 0.1), SHAPES[n]), true, `train_${useNative}_${n}_${Math.random()}`));
  const ms = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const vs = vars.map((v) => tf.variable(tf.zerosLike(v), false));
  const [lr, beta1, beta2, eps] = [1e-3, 0.9, 0.999, 1e-8];
  let b1p = Math.fround(beta1), b2p = Math.fround(beta2);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const x = tf.tensor4d(data.images.subarray(step * BATCH * 784, (step + 1) * BATCH * 784), [BATCH, 28, 28, 1]);
    const y = tf.oneHot(tf.tensor1d(data.labels.subarray(step * BATCH, (step + 1) * BATCH), 'int32'), 10);
    const { value, grads } = tf.variableGrads(() => {
      const [c1, b1, c2, b2, fc, bfc] = vars as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>, tf.Variable<tf.Rank.R2>, tf.Variable<tf.Rank.R1>];
      let h = tf.maxPool(tf.relu(tf.conv2d(x, c1, 1, 'same').add(b1)) as tf.Tensor4D, 2, 2, 'same') as tf.Tensor4D;
      h = tf.maxPool(tf.relu(tf.conv2d(h, c2, 1, 'same').add(b2)) as tf.Tensor4D, 2, 2, 'same') as tf.Tensor4D;
      const logits = h.reshape([BATCH, 7 * 7 * 16]).matMul(fc).add(bfc);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, vars);
    losses.push(value.dataSync()[0]!);
    const items = vars.map((v, i) => ({ variable: v, grad: grads[v.name]!, m: ms[i]!, v: vs[i]! }));
    const fused = applyAdamFused(items, { lr, beta1, beta2, epsilon: eps, beta1Power: b1p, beta2Power: b2p });
    assert.equal(fused, useNative, `applyAdamFused ran = ${fused} on the ${useNative ? 'native' : 'JS'} path`);
    if (!fused) {
      tf.tidy(() => {
        const alpha = tf.scalar(lr).mul(tf.scalar(1 - b2p).sqrt()).div(tf.scalar(1 - b1p));
        for (const it of items) {
          it.m.assign(it.m.add(it.grad.sub(it.m).mul(1 - beta1)));
          it.v.assign(it.v.add(it.grad.square().sub(it.v).mul(1 - beta2)));
          it.variable.assign(it.variable.sub(it.m.mul(alpha).div(it.v.sqrt().add(eps))));
        }
      });
    }
    b1p = Math.fround(b1p * beta1);
    b2p = Math.fround(b2p * beta2);
    tf.dispose([x, y, value, ...Object.values(grads)]);
  }
  tf.dispose([...vars, ...ms, ...vs]);
  return losses;
}

test('MNIST CNN: 8 Adam steps give the same loss curve on wasm + JS pack and on native kernels', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const data = mnist(BATCH * STEPS);
  unregisterNativeKernels();
  let js: number[];
  try {
    js = train(false, data);
  } finally {
    assert.equal(registerNativeKernels().loaded, true);
  }
  const t0 = performance.now();
  const native = train(true, data);
  if (process.env.GRAFT_TEST_VERBOSE) console.error({ js, native, nativeMs: performance.now() - t0 });
  for (let i = 0; i < STEPS; i++) {
    assert.ok(Math.abs(native[i]! - js[i]!) <= 1e-3 * (1 + Math.abs(js[i]!)), `step ${i}: native loss ${native[i]} vs JS ${js[i]}`);
  }
  assert.ok(native[STEPS - 1]! < native[0]!, `loss did not go down: ${native.join(', ')}`);
});
