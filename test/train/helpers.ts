// Shared pieces of the train/ tests: backend set-up, a real MNIST slice decoded from the IDX gz
// files in data/mnist, a small scope-named CNN built from plain TF.js ops, a seeded batch order.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { seededRng } from '../../src/models/data/random.js';

/** Repo root from dist/test/train/helpers.js. */
export const ROOT = new URL('../../../', import.meta.url);

/** initBackend(), falling back to cpu when the chosen backend cannot run conv gradients. */
export async function setupBackend(): Promise<string> {
  await initBackend();
  if (!tf.getKernel('Conv2DBackpropFilter', tf.getBackend())) await tf.setBackend('cpu');
  return tf.getBackend();
}

/** Float32 values of a scalar-or-tensor variable as raw bytes (for bit comparisons). */
export function bytesOf(t: tf.Tensor): Uint8Array {
  const d = t.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}

/** A slice of real MNIST: images scaled to [0,1] as [n,28,28,1], labels as ids. */
export interface MnistSlice {
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

/** Decode the first `count` examples of data/mnist/<split>-{images-idx3,labels-idx1}-ubyte.gz. */
export function loadMnist(split: 'train10k' | 't10k', count: number): MnistSlice {
  const img = gunzipSync(readFileSync(new URL(`data/mnist/${split}-images-idx3-ubyte.gz`, ROOT)));
  const lab = gunzipSync(readFileSync(new URL(`data/mnist/${split}-labels-idx1-ubyte.gz`, ROOT)));
  const iv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const lv = new DataView(lab.buffer, lab.byteOffset, lab.byteLength);
  if (iv.getUint32(0) !== 2051 || lv.getUint32(0) !== 2049) throw new Error('not MNIST IDX files');
  const n = Math.min(count, iv.getUint32(4), lv.getUint32(4));
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) images[i] = img[16 + i]! / 255;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = lab[8 + i]!;
  return { images, labels, count: n };
}

/** mulberry32: a small seeded PRNG (the one data loaders use). */
export const rng = seededRng;

/** A seeded permutation of 0..n-1 (Fisher–Yates). */
export function permutation(n: number, seed: number): Int32Array {
  const r = rng(seed);
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Batch `b` (of size `size`) in a fixed seeded order, as tensors. */
export function batch(data: MnistSlice, order: Int32Array, b: number, size: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const nb = Math.floor(order.length / size);
  const start = (b % nb) * size;
  const x = new Float32Array(size * 784);
  const y = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const k = order[start + i]!;
    x.set(data.images.subarray(k * 784, (k + 1) * 784), i * 784);
    y[i] = data.labels[k]!;
  }
  return { x: tf.tensor4d(x, [size, 28, 28, 1]), y: tf.tensor1d(y, 'int32') };
}

/** Seeded float32 values in [-scale, scale). */
function seeded(shape: number[], seed: number, scale: number): tf.Tensor {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale), shape, 'float32');
}

/**
 * A small CNN with TF1 scope names: inference/conv/conv1 (5x5x1x8, stride 2), inference/conv/conv2
 * (3x3x8x16, stride 2), inference/logits (784x10). Weights from a seeded PRNG, biases 0.
 */
export function buildSmallCnn(seed = 1): ParameterSet {
  const ps = new ParameterSet();
  const add = (name: string, t: tf.Tensor): void => {
    ps.add(name, newVariable(name, t));
    t.dispose();
  };
  add('inference/conv/conv1/weights', seeded([5, 5, 1, 8], seed, 0.3));
  add('inference/conv/conv1/biases', tf.zeros([8]));
  add('inference/conv/conv2/weights', seeded([3, 3, 8, 16], seed + 1, 0.2));
  add('inference/conv/conv2/biases', tf.zeros([16]));
  add('inference/logits/weights', seeded([784, 10], seed + 2, 0.05));
  add('inference/logits/biases', tf.zeros([10]));
  return ps;
}

/** Logits [n,10] of the small CNN. */
export function cnnLogits(ps: ParameterSet, x: tf.Tensor4D): tf.Tensor2D {
  const v = (n: string) => ps.require(n).variable;
  return tf.tidy(() => {
    let h = tf.relu(tf.add(tf.conv2d(x, v('inference/conv/conv1/weights') as tf.Tensor4D, 2, 'same'), v('inference/conv/conv1/biases')));
    h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, v('inference/conv/conv2/weights') as tf.Tensor4D, 2, 'same'), v('inference/conv/conv2/biases')));
    const flat = tf.reshape(h, [x.shape[0], 784]);
    return tf.add(tf.matMul(flat, v('inference/logits/weights') as tf.Tensor2D), v('inference/logits/biases')) as tf.Tensor2D;
  });
}

/** Mean softmax cross-entropy of the small CNN on a batch. */
export function cnnLoss(ps: ParameterSet, x: tf.Tensor4D, y: tf.Tensor1D): tf.Scalar {
  const logits = cnnLogits(ps, x);
  const onehot = tf.oneHot(y, 10);
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
}
