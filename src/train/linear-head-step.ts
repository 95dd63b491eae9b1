/**
 * One training step of an affine softmax classifier head — `logits = x · W + b`, loss = mean sparse
 * softmax cross-entropy — with the gradient written out instead of recorded on TF.js's tape:
 *
 *   (loss_i, backprop) = SparseSoftmaxCrossEntropyWithLogits(logits, labels)   (TF's fused kernel)
 *   dlogits = backprop · (1 / batch)          (the mean's gradient, as the taped path computes it)
 *   dW = xᵀ · dlogits                         (BatchMatMul with transposeA, as MatMul's gradient)
 *   db = Σ_rows dlogits                       (as Add's gradient over the broadcast axis)
 *
 * then `optimizer.applyGradients` (slots, schedule, global step as `minimize`). These are the
 * kernels autodiff runs for this head, in the same order and precision, so the result is the same
 * to the bit; what is saved is the tape's bookkeeping and the kernels it adds (saved-input copies,
 * the mean's broadcast), which dominate a step when `x` is a batch of cached features (transfer
 * `features` mode: ~6 engine kernels instead of ~17). Used by the transfer workflow when exactly
 * the head's weights and biases train; `x` must not need a gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { SPARSE_SOFTMAX_XENT, sparseSoftmaxXentAvailable } from '../runtime/kernels-js/sparse-softmax-xent.js';
import type { MinimizeReport, Optimizer } from './optimizer.js';

/** Options of {@link linearHeadStep}. */
export interface LinearHeadStepOptions {
  globalStep?: tf.Variable;
}

/** True when the fused loss kernel the step needs serves the active backend. */
export function linearHeadStepAvailable(): boolean {
  return sparseSoftmaxXentAvailable();
}

/**
 * Train `weights` `[F, K]` and `biases` `[K]` on features `x` `[B, F]` and class ids `labels` `[B]`
 * for one step of `optimizer`; see the file comment.
 * @throws InvalidArgumentError `linear_head_unavailable` when the backend lacks the fused loss
 *   kernel (use `optimizer.minimize`), `linear_head_shape` on mismatched shapes; the loss kernel's
 *   `label_out_of_range`; the optimizer's errors.
 */
export function linearHeadStep(optimizer: Optimizer, x: tf.Tensor2D, labels: tf.Tensor1D, weights: tf.Variable, biases: tf.Variable, options: LinearHeadStepOptions = {}): MinimizeReport {
  if (!linearHeadStepAvailable()) {
    throw new InvalidArgumentError('linear_head_unavailable', `the ${SPARSE_SOFTMAX_XENT} kernel is not registered for backend '${tf.getBackend()}'`, {
      hint: 'use optimizer.minimize (the taped path) on this backend, or initBackend() for wasm/native',
    });
  }
  const [batch, width] = x.shape;
  if (weights.shape.length !== 2 || weights.shape[0] !== width || biases.shape.length !== 1 || biases.shape[0] !== weights.shape[1]) {
    throw new InvalidArgumentError('linear_head_shape', `features [${x.shape}], weights [${weights.shape}] and biases [${biases.shape}] do not form an affine head`, {
      hint: 'weights must be [featureWidth, classes] and biases [classes]',
    });
  }
  let lossValues: Float32Array | undefined;
  const grads = tf.tidy(() => {
    const logits = tf.add(tf.matMul(x, weights), biases);
    const [loss, backprop] = tf.engine().runKernel(SPARSE_SOFTMAX_XENT, { features: logits, labels }) as unknown as [tf.Tensor1D, tf.Tensor2D];
    lossValues = loss.dataSync() as Float32Array;
    const dlogits = tf.mul(backprop, tf.scalar(Math.fround(1 / batch)));
    return [tf.matMul(x, dlogits, true, false), tf.sum(dlogits, 0)];
  });
  // The mean as tf.mean computes it in float32: a float32 sum, then one division.
  let sum = 0;
  for (const v of lossValues!) sum = Math.fround(sum + v);
  const loss = Math.fround(sum / batch);
  try {
    const r = optimizer.applyGradients([{ grad: grads[0]!, variable: weights }, { grad: grads[1]!, variable: biases }], options.globalStep ? { globalStep: options.globalStep } : {});
    return { loss, learningRate: r.learningRate, globalStep: r.globalStep, gradientNorm: null, updated: 2 };
  } finally {
    for (const g of grads) g.dispose();
  }
}
