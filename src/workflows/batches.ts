/**
 * From an ExampleSet to tensors, one batch at a time: inputs (`[b,28,28,1]` float32 or `[b,len]`
 * int32 with lengths) and int32 labels, in a seeded order per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExampleSet } from '../models/data/example-set.js';
import { exampleSize } from '../models/data/example-set.js';
import { shuffledIndices } from '../models/data/random.js';
import { SPARSE_SOFTMAX_XENT, sparseSoftmaxXentAvailable } from '../runtime/kernels-js/sparse-softmax-xent.js';
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

/**
 * Softmax cross-entropy with its gradient written out (TF's `SoftmaxCrossEntropyWithLogits`:
 * loss `lse(z) - z[label]`, gradient `softmax(z) - onehot`), so a training step runs a handful of
 * kernels instead of the chain tf.logSoftmax + mul + sum + mean differentiates into. The path for
 * backends without the fused kernel (cpu, tfjs-node).
 */
function meanXent(onehot: tf.Tensor): (logits: tf.Tensor) => tf.Scalar {
  const f = (logits: tf.Tensor, save: tf.GradSaveFunc) => {
    const b = logits.shape[0]!;
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    const sumExp = tf.sum(tf.exp(shifted), 1, true);
    // mean_i(log Σ_j e^{s_ij} − Σ_j onehot_ij s_ij)
    const value = tf.div(tf.sub(tf.sum(tf.log(sumExp)), tf.sum(tf.mul(onehot, shifted))), b) as tf.Scalar;
    save([shifted, sumExp, onehot]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [s, se, oh] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf.mul(tf.sub(tf.div(tf.exp(s), se), oh), tf.div(dy, b));
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (logits: tf.Tensor) => tf.Scalar;
}

/**
 * The same mean loss on TF's fused op (`SparseSoftmaxCrossEntropyWithLogits`, the JS kernel
 * pack's): what `tf.losses.sparse_softmax_cross_entropy` builds with weights 1 (sum of the
 * per-example losses divided by the batch size; gradient `backprop * (dy / batch)`). One custom
 * gradient around the op and a mean keeps the tape to a single node: the forward runs two
 * kernels, the backward two (a scalar divide and a multiply).
 */
function meanXentFused(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const b = logits.shape[0];
  const f = (z: tf.Tensor, save: tf.GradSaveFunc) => {
    const [loss, backprop] = tf.engine().runKernel(SPARSE_SOFTMAX_XENT, { features: z, labels }) as unknown as [tf.Tensor, tf.Tensor];
    save([backprop]);
    return {
      value: tf.mean(loss) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, tf.div(dy, b)),
    };
  };
  return (tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0]) as (z: tf.Tensor) => tf.Scalar)(logits);
}

/**
 * Mean softmax cross-entropy of logits `[b, k]` against class ids `[b]`: TF's fused kernel where
 * the active backend has it (wasm with Graft's kernel pack, native), else a composite of TF.js ops.
 * @throws InvalidArgumentError `label_out_of_range` (fused path) for a class id outside [0, k).
 */
export function softmaxCrossEntropyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (sparseSoftmaxXentAvailable() && logits.dtype === 'float32' && labels.dtype === 'int32') return meanXentFused(logits, labels);
  return softmaxCrossEntropyLossComposite(logits, labels);
}

/** The composite (TF.js ops) form of {@link softmaxCrossEntropyLoss}, on any backend. */
export function softmaxCrossEntropyLossComposite(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => meanXent(tf.oneHot(labels, logits.shape[1]))(logits));
}
