/**
 * `tf.clip_by_global_norm` and `tf.global_norm` (`python/ops/clip_ops.py`) over dense and sparse
 * gradients: an IndexedSlices counts by its values, as TF's `global_norm` reads `t.values`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { gradientValues, indexedSlices, isIndexedSlices, type Gradient } from './indexed-slices.js';

/** `tf.global_norm`: `sqrt(sum(l2_loss(t)) * 2)`, as a scalar tensor (float32). */
export function globalNormTensor(grads: (Gradient | null)[]): tf.Scalar {
  const present = grads.filter((g): g is Gradient => g != null).map(gradientValues);
  if (present.length === 0) return tf.scalar(0);
  const halfSquared = tf.addN(present.map((g) => tf.div(tf.sum(tf.square(g)), 2)));
  return tf.sqrt(tf.mul(halfSquared, 2)) as tf.Scalar;
}

/** {@link globalNormTensor} as a number. */
export function globalNorm(grads: (Gradient | null)[]): number {
  const norm = tf.tidy(() => globalNormTensor(grads));
  const value = norm.dataSync()[0]!;
  norm.dispose();
  return value;
}

/**
 * `tf.clip_by_global_norm`: `t * clip * min(1/norm, 1/clip)` for every gradient (slices keep
 * their indices). Returns the norm before clipping.
 * @throws InvalidArgumentError `invalid_clip_norm` when `clipNorm` is not > 0.
 */
export function clipByGlobalNorm<G extends Gradient>(grads: (G | null)[], clipNorm: number): { grads: (Gradient | null)[]; norm: number } {
  if (!(clipNorm > 0)) {
    throw new InvalidArgumentError('invalid_clip_norm', `clipGradientNorm must be > 0, got ${clipNorm}`, { hint: 'pass a positive number such as 5' });
  }
  const norm = tf.tidy(() => globalNormTensor(grads));
  const scale = tf.tidy(() => tf.mul(clipNorm, tf.minimum(tf.div(1, norm), Math.fround(1 / clipNorm))));
  const out = grads.map((g) => {
    if (g == null) return null;
    return isIndexedSlices(g) ? indexedSlices(g.indices, tf.mul(g.values, scale), g.denseShape) : tf.mul(g, scale);
  });
  const n = norm.dataSync()[0]!;
  norm.dispose();
  scale.dispose();
  return { grads: out, norm: n };
}
