/**
 * From an ExampleSet to tensors, one batch at a time: inputs (`[b,28,28,1]` float32 or `[b,len]`
 * int32 with lengths) and int32 labels, in a seeded order per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExampleSet } from '../models/data/example-set.js';
import { exampleSize } from '../models/data/example-set.js';
import { shuffledIndices } from '../models/data/random.js';
import type { ModelInputs } from '../models/types.js';

/** One batch as tensors (the caller disposes them, or builds them inside `tf.tidy`). */
export interface Batch {
  inputs: ModelInputs;
  /** Class ids `[b]` int32. */
  labels: tf.Tensor1D;
  size: number;
}

/** The example order of one epoch: a seeded shuffle (`seed + epoch`), or file order without a seed. */
export function epochOrder(count: number, epoch: number, seed?: number): Int32Array {
  if (seed === undefined) return Int32Array.from({ length: count }, (_, i) => i);
  return shuffledIndices(count, (seed * 1000003 + epoch) >>> 0);
}

/** Tensors for the examples `order[start .. start+size)`. */
export function makeBatch(set: ExampleSet, order: ArrayLike<number>, start: number, size: number): Batch {
  const end = Math.min(order.length, start + size);
  const n = end - start;
  const per = exampleSize(set);
  const x = set.x instanceof Float32Array ? new Float32Array(n * per) : new Int32Array(n * per);
  const labels = new Int32Array(n);
  const lengths = set.lengths ? new Int32Array(n) : undefined;
  for (let k = 0; k < n; k++) {
    const i = order[start + k]!;
    x.set(set.x.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i]!;
    if (lengths) lengths[k] = set.lengths![i]!;
  }
  const shape = [n, ...set.exampleShape];
  const inputs: ModelInputs = { x: tf.tensor(x, shape, x instanceof Float32Array ? 'float32' : 'int32') };
  if (lengths) inputs.lengths = tf.tensor1d(lengths, 'int32');
  return { inputs, labels: tf.tensor1d(labels, 'int32'), size: n };
}

/** Dispose a batch's tensors. */
export function disposeBatch(b: Batch): void {
  b.inputs.x.dispose();
  b.inputs.lengths?.dispose();
  b.labels.dispose();
}

/** Mean softmax cross-entropy of logits `[b, k]` against class ids `[b]`. */
export function softmaxCrossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const onehot = tf.oneHot(labels, k);
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}
