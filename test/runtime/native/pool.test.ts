// Native MaxPool / AvgPool and their gradients against the cpu backend (and, for AvgPoolGrad on
// SAME padding, against TensorFlow's definition computed in the test). Pooling only selects and
// averages, so the bounds are tight: max abs error 1e-6 (max: 0, exact selection).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { errors, on, randn, skipReason } from './helpers.js';

const CASES: Array<{ x: [number, number, number, number]; size: [number, number]; strides: [number, number]; pad: 'same' | 'valid' }> = [
  { x: [2, 8, 8, 5], size: [2, 2], strides: [2, 2], pad: 'same' },
  { x: [2, 9, 7, 3], size: [3, 3], strides: [2, 2], pad: 'valid' },
  { x: [1, 7, 7, 4], size: [3, 3], strides: [2, 2], pad: 'same' },
  { x: [2, 6, 6, 2], size: [3, 2], strides: [1, 1], pad: 'valid' },
];

test('native MaxPool and MaxPoolGrad match cpu exactly', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  for (const [i, c] of CASES.entries()) {
    const xd = randn(tf.util.sizeFromShape(c.x), 200 + i);
    const run = () => {
      const x = tf.tensor4d(xd, c.x);
      const [dx] = tf.grads((xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, c.size, c.strides, c.pad).square().sum())([x]);
      return [tf.maxPool(x, c.size, c.strides, c.pad), dx!];
    };
    const native = await on('wasm', run);
    const ref = await on('cpu', run);
    assert.equal(errors(native[0]!, ref[0]!).abs, 0, `maxPool ${JSON.stringify(c)}`);
    assert.ok(errors(native[1]!, ref[1]!).abs <= 1e-6, `maxPoolGrad ${JSON.stringify(c)}: ${errors(native[1]!, ref[1]!).abs}`);
  }
});

test('native AvgPool matches cpu; AvgPoolGrad matches cpu on VALID', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  for (const [i, c] of CASES.entries()) {
    const xd = randn(tf.util.sizeFromShape(c.x), 300 + i);
    const run = () => {
      const x = tf.tensor4d(xd, c.x);
      const [dx] = tf.grads((xx: tf.Tensor) => tf.avgPool(xx as tf.Tensor4D, c.size, c.strides, c.pad).square().sum())([x]);
      return [tf.avgPool(x, c.size, c.strides, c.pad), dx!];
    };
    const native = await on('wasm', run);
    const ref = await on('cpu', run);
    assert.ok(errors(native[0]!, ref[0]!).abs <= 1e-6, `avgPool ${JSON.stringify(c)}: ${errors(native[0]!, ref[0]!).abs}`);
    if (c.pad === 'valid') assert.ok(errors(native[1]!, ref[1]!).abs <= 1e-6, `avgPoolGrad ${JSON.stringify(c)}`);
  }
});

test('native AvgPoolGrad on SAME padding is the exact gradient of the padding-excluding average', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const c = CASES[2]!;
  const [n, h, w, ch] = c.x;
  const info = tf.backend_util.computePool2DInfo(c.x, c.size, c.strides, 1, c.pad);
  const dyd = randn(n * info.outHeight * info.outWidth * ch, 400);
  const [native] = await on('wasm', () => tf.engine().runKernel('AvgPoolGrad', { dy: tf.tensor(dyd, info.outShape), input: tf.zeros(c.x) },
    { filterSize: c.size, strides: c.strides, pad: c.pad } as unknown as tf.NamedAttrMap) as tf.Tensor);
  // TensorFlow: each output's dy is spread evenly over the in-bounds inputs of its window.
  const expected = new Float32Array(n * h * w * ch);
  for (let b = 0; b < n; b++) for (let oh = 0; oh < info.outHeight; oh++) for (let ow = 0; ow < info.outWidth; ow++) {
    const cells: number[] = [];
    for (let kh = 0; kh < c.size[0]; kh++) for (let kw = 0; kw < c.size[1]; kw++) {
      const ih = oh * c.strides[0] - info.padInfo.top + kh, iw = ow * c.strides[1] - info.padInfo.left + kw;
      if (ih >= 0 && ih < h && iw >= 0 && iw < w) cells.push((b * h + ih) * w + iw);
    }
    for (let d = 0; d < ch; d++) {
      const g = dyd[((b * info.outHeight + oh) * info.outWidth + ow) * ch + d]! / cells.length;
      for (const cell of cells) expected[cell * ch + d]! += g;
    }
  }
  assert.ok(errors(native!, expected).abs <= 1e-6, `avgPoolGrad SAME: ${errors(native!, expected).abs}`);
});

// Sum lives with the other memory-bound kernels: leading axes (bias gradients), trailing axes,
// all axes, keepDims, and a middle axis (falls back to wasm). Bound: rel 1e-5 (float32 sums of
// up to 73,728 N(0,1) values in a different order).
test('native Sum matches cpu for leading, trailing and all axes', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const shape = [8, 32, 32, 9]; // 73,728 elements: above the size where the native sum goes parallel
  const xd = randn(8 * 32 * 32 * 9, 500);
  const cases: Array<[number | number[], boolean]> = [[[0, 1, 2], false], [[0, 1, 2], true], [0, false], [[3], false], [[2, 3], true], [[0, 1, 2, 3], false], [[1], false], [[-1], false]];
  for (const [axis, keepDims] of cases) {
    const run = () => tf.sum(tf.tensor(xd, shape), axis, keepDims);
    const [native] = await on('wasm', run);
    const [ref] = await on('cpu', run);
    const e = errors(native!, ref!);
    assert.ok(e.rel <= 1e-5, `sum axis=${JSON.stringify(axis)} keepDims=${keepDims}: rel ${e.rel} (abs ${e.abs})`);
  }
});

test('native Identity shares the buffer: a clone survives disposing its source and keeps its values', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const x = tf.tensor2d([[1, 2], [3, 4]]);
  const before = tf.memory().numDataBuffers;
  const y = tf.clone(x);
  assert.equal(tf.memory().numDataBuffers, before, 'clone allocated a new buffer');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
  const z = tf.clone(tf.tensor1d([1, 2, 3], 'int32'));
  assert.equal(z.dtype, 'int32');
  assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3]);
  tf.dispose([y, z]);
});

test('native GatherV2 (embedding rows) matches cpu; out-of-range indices still raise TF.js\'s error', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const table = randn(50 * 7, 600);
  const ids = Int32Array.from({ length: 4 * 9 }, (_, i) => (i * 37 + 11) % 50);
  const run = () => [tf.gather(tf.tensor2d(table, [50, 7]), tf.tensor2d(ids, [4, 9], 'int32')),
    tf.gather(tf.tensor3d(table, [50, 7, 1]), tf.tensor1d(ids, 'int32'))];
  const native = await on('wasm', run);
  const ref = await on('cpu', run);
  for (let i = 0; i < 2; i++) assert.equal(errors(native[i]!, ref[i]!).abs, 0);
  assert.throws(() => tf.gather(tf.tensor2d(table, [50, 7]), tf.tensor1d([3, 50], 'int32')).dataSync(), /50/);
});
