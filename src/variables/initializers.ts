/**
 * Variable initializers with TF1's names and defaults (python/ops/init_ops.py). An initializer is
 * a function of (shape, dtype, seed); the VariableStore derives the seed from its own seed and the
 * variable's full name, so a model built twice from the same seed gets the same values whatever
 * the creation order. Values are RNG-dependent and never bit-equal to TF's (docs/design/TF-SEMANTICS.md §1.3).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';

/** Produces an initial value; `seed` is derived per variable by the store. */
export type Initializer = (shape: number[], dtype: tf.DataType, seed: number) => tf.Tensor;

/** TF's `_compute_fans`: dense `[in, out]`; conv `[...receptive, in, out]`. */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptive = 1;
  for (const d of shape.slice(0, -2)) receptive *= d;
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** `tf.glorot_uniform_initializer()`: U(-l, l), l = sqrt(6 / (fan_in + fan_out)); TF's default for floats. */
export function glorotUniformInitializer(): Initializer {
  return (shape, dtype, seed) => {
    const { fanIn, fanOut } = computeFans(shape);
    const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
    return tf.randomUniform(shape, -limit, limit, floatDtype(dtype, 'glorotUniformInitializer'), seed);
  };
}

/**
 * `tf.zeros_initializer()`: TF's default for integer, bool and string variables. For `string`
 * the zero is the empty string (TF's `array_ops.zeros` of DT_STRING is `""`); TF.js's `tf.zeros`
 * rejects strings (and the wasm backend's `fill` has no string kernel), so they are built from
 * `''` values on the JS side.
 */
export function zerosInitializer(): Initializer {
  return (shape, dtype) => {
    if (dtype !== 'string') return tf.zeros(shape, dtype);
    const size = shape.reduce((a, b) => a * b, 1);
    return tf.tensor(new Array<string>(size).fill(''), shape, 'string');
  };
}

/** `tf.ones_initializer()`. */
export function onesInitializer(): Initializer {
  return (shape, dtype) => tf.ones(shape, dtype);
}

/** `tf.constant_initializer(value)`: a scalar fills the shape; an array must have its size. */
export function constantInitializer(value: number | readonly number[] = 0): Initializer {
  return (shape, dtype) => {
    if (typeof value === 'number') return tf.fill(shape, value, dtype);
    const size = shape.reduce((a, b) => a * b, 1);
    if (value.length !== size) {
      throw new InvalidArgumentError('constant_size_mismatch', `constantInitializer has ${value.length} values but shape [${shape.join(',')}] holds ${size}`, {
        hint: 'pass a scalar, or exactly one value per element',
        details: { values: value.length, shape },
      });
    }
    return tf.tensor(value as number[], shape, dtype);
  };
}

/** `tf.truncated_normal_initializer(mean=0, stddev=1)`: normal values re-drawn beyond 2 stddev. */
export function truncatedNormalInitializer(options: { mean?: number; stddev?: number } = {}): Initializer {
  return (shape, dtype, seed) => tf.truncatedNormal(shape, options.mean ?? 0, options.stddev ?? 1, floatDtype(dtype, 'truncatedNormalInitializer'), seed);
}

/** `tf.random_normal_initializer(mean=0, stddev=1)`. */
export function randomNormalInitializer(options: { mean?: number; stddev?: number } = {}): Initializer {
  return (shape, dtype, seed) => tf.randomNormal(shape, options.mean ?? 0, options.stddev ?? 1, floatDtype(dtype, 'randomNormalInitializer'), seed);
}

/** `tf.random_uniform_initializer(minval=0, maxval=1)` (TF1 defaults). */
export function randomUniformInitializer(options: { minval?: number; maxval?: number } = {}): Initializer {
  return (shape, dtype, seed) => tf.randomUniform(shape, options.minval ?? 0, options.maxval ?? 1, dtype === 'int32' ? 'int32' : 'float32', seed);
}

function floatDtype(dtype: tf.DataType, who: string): 'float32' {
  if (dtype !== 'float32') {
    throw new InvalidArgumentError('initializer_dtype', `${who} only makes float32 values, asked for ${dtype}`, {
      hint: 'use zerosInitializer or constantInitializer for integer variables',
      details: { dtype },
    });
  }
  return 'float32';
}

/** A 31-bit seed from the store seed and a variable name (FNV-1a), stable across runs. */
export function deriveSeed(storeSeed: number, name: string): number {
  let h = 0x811c9dc5 ^ (storeSeed | 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 1) & 0x7fffffff;
}
