/**
 * TensorFlow's `SparseSoftmaxCrossEntropyWithLogits` op as a wasm kernel in JS (TF.js 4.22 has no
 * such kernel; its `tf.losses.softmaxCrossEntropy` is a chain of ~15 engine kernels with one-hot
 * labels). One pass over the wasm heap per row, as TF's kernel (core/kernels/sparse_xent_op.h):
 *   shifted = features − max(features)            (row max)
 *   loss     = log(Σ exp(shifted)) − shifted[label]
 *   backprop = exp(shifted) / Σ exp(shifted) − onehot(label)
 * Inputs `features` [batch, classes] float32 and `labels` [batch] int32; outputs `loss` [batch] and
 * `backprop` [batch, classes]. As TF's CPU kernel, a label outside [0, classes) is an
 * InvalidArgument error with TF's wording. Arithmetic is float32 per element (exp and log in
 * float64, rounded once); the row sum of exponentials is accumulated in float64 and rounded once
 * (TF's Eigen reduction accumulates in float32, so the two differ by at most a float32 rounding).
 *
 * The gradient is TF1's `_SparseSoftmaxCrossEntropyWithLogitsGrad` (python/ops/nn_grad.py):
 * `d features = backprop * expand_dims(d loss, -1)`, none for labels, and (as TF1) nothing for a
 * gradient arriving at the `backprop` output.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, Tensor, Tensor1D, Tensor2D, TensorInfo } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import type { WasmBackend } from './wasm-backend.js';

/** Kernel name, TF's op name. */
export const SPARSE_SOFTMAX_XENT = 'SparseSoftmaxCrossEntropyWithLogits';

const shapeStr = (s: readonly number[]) => `[${s.join(',')}]`;

/** TF's shape checks of the op (sparse_xent_op.cc), with its messages. */
function checkShapes(features: TensorInfo, labels: TensorInfo): void {
  const hint = 'pass logits [batch, classes] float32 and class ids [batch] int32';
  if (features.shape.length !== 2) {
    throw new InvalidArgumentError('xent_bad_logits', `SparseSoftmaxCrossEntropyWithLogits: logits must be 2-D, but got shape ${shapeStr(features.shape)}`, { hint });
  }
  if (labels.shape.length !== 1) {
    throw new InvalidArgumentError('xent_bad_labels', `SparseSoftmaxCrossEntropyWithLogits: labels must be 1-D, but got shape ${shapeStr(labels.shape)}`, { hint });
  }
  if (features.shape[0] !== labels.shape[0]) {
    throw new InvalidArgumentError('xent_batch_mismatch',
      `SparseSoftmaxCrossEntropyWithLogits: logits and labels must have the same first dimension, got logits shape ${shapeStr(features.shape)} and labels shape ${shapeStr(labels.shape)}`, { hint });
  }
  if (!(features.shape[1]! > 0)) {
    throw new InvalidArgumentError('xent_no_classes', `SparseSoftmaxCrossEntropyWithLogits: Must have at least one class, but got logits shape ${shapeStr(features.shape)}`, { hint });
  }
  if (features.dtype !== 'float32' || labels.dtype !== 'int32') {
    throw new InvalidArgumentError('xent_bad_dtype',
      `SparseSoftmaxCrossEntropyWithLogits: expects float32 logits and int32 labels, got ${features.dtype} and ${labels.dtype}`, { hint });
  }
}

/** TF's CheckInvalidLabelIndex: the smallest label if negative, else the largest if ≥ classes. */
function checkLabels(ids: Int32Array, classes: number): void {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (ids.length === 0 || (min >= 0 && max < classes)) return;
  const bad = min < 0 ? min : max;
  const shown = Array.from(ids.subarray(0, 10)).join(' ') + (ids.length > 10 ? '...' : '');
  throw new InvalidArgumentError('label_out_of_range',
    `Received a label value of ${bad} which is outside the valid range of [0, ${classes}).  Label values: ${shown}`,
    { hint: `the model has ${classes} classes; check that the labels were mapped to class ids 0..${classes - 1} (a class list of another task, or a head built for fewer classes)`, details: { label: bad, classes } });
}

/** The kernel: `{features [b,k] float32, labels [b] int32}` → `[loss [b], backprop [b,k]]`. */
export function sparseSoftmaxXent(args: { inputs: { features: TensorInfo; labels: TensorInfo }; backend: WasmBackend }): TensorInfo[] {
  const { inputs, backend } = args;
  const { features, labels } = inputs;
  checkShapes(features, labels);
  const [b, k] = features.shape as [number, number];
  checkLabels(backend.typedArrayFromHeap(labels) as Int32Array, k);
  const loss = backend.makeOutput([b], 'float32');
  const backprop = backend.makeOutput([b, k], 'float32');
  // typed arrays after the allocations: makeOutput may grow (and so detach) the wasm heap
  const z = backend.typedArrayFromHeap(features) as Float32Array;
  const ids = backend.typedArrayFromHeap(labels) as Int32Array;
  const l = backend.typedArrayFromHeap(loss) as Float32Array;
  const g = backend.typedArrayFromHeap(backprop) as Float32Array;
  const fr = Math.fround;
  for (let r = 0, o = 0; r < b; r++, o += k) {
    let max = z[o]!;
    for (let j = 1; j < k; j++) if (z[o + j]! > max) max = z[o + j]!;
    let sum = 0;
    for (let j = 0; j < k; j++) {
      const e = fr(Math.exp(fr(z[o + j]! - max))); // exp(shifted), kept in backprop for now
      g[o + j] = e;
      sum += e;
    }
    const s = fr(sum);
    const label = ids[r]!;
    l[r] = fr(fr(Math.log(s)) - fr(z[o + label]! - max));
    for (let j = 0; j < k; j++) g[o + j] = fr(g[o + j]! / s) - (j === label ? 1 : 0);
  }
  return [loss, backprop];
}

/** Registration record for the wasm backend. */
export const sparseSoftmaxXentConfig: KernelConfig = {
  kernelName: SPARSE_SOFTMAX_XENT,
  backendName: 'wasm',
  kernelFunc: sparseSoftmaxXent as unknown as KernelFunc,
};

/**
 * TF1's gradient: `backprop * expand_dims(dLoss, -1)` for features; labels get none (zeros). As
 * TF1's `_SparseSoftmaxCrossEntropyWithLogitsGrad(op, grad_0, _)`, a gradient arriving at the
 * `backprop` output is ignored (TF.js passes zeros there when it is unused anyway).
 */
export const sparseSoftmaxXentGradient: GradConfig = {
  kernelName: SPARSE_SOFTMAX_XENT,
  outputsToSave: [false, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[]) => {
    const dLoss = (dy as Tensor[])[0]!;
    const backprop = saved[0]!;
    return {
      features: () => tf.mul(backprop, tf.expandDims(dLoss, -1)),
      labels: () => tf.zeros([backprop.shape[0]!], 'int32'),
    };
  },
};

/** True when a {@link SPARSE_SOFTMAX_XENT} kernel serves the active backend. */
export function sparseSoftmaxXentAvailable(): boolean {
  return tf.getKernel(SPARSE_SOFTMAX_XENT, tf.getBackend()) !== undefined;
}

/**
 * `tf.nn.sparse_softmax_cross_entropy_with_logits`: the per-example loss `[batch]` of logits
 * `[batch, classes]` against class ids `[batch]`, differentiable w.r.t. the logits. Needs the kernel
 * on the active backend (see {@link sparseSoftmaxXentAvailable}).
 * @throws InvalidArgumentError `label_out_of_range` (TF's wording), or a shape error.
 */
export function sparseSoftmaxCrossEntropyWithLogits(labels: Tensor1D, logits: Tensor2D): Tensor1D {
  const [loss, backprop] = tf.engine().runKernel(SPARSE_SOFTMAX_XENT, { features: logits, labels }) as unknown as [Tensor1D, Tensor2D];
  backprop.dispose(); // the tape keeps its own copy when a gradient is recorded
  return loss;
}
