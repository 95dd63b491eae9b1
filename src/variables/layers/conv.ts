/**
 * slim `conv2d` / `max_pool2d` / `avg_pool2d` (tf_slim/layers/layers.py `convolution`): scope
 * default `Conv` (unique per parent: `Conv`, `Conv_1`, …); variables `weights` [kh, kw, in, out]
 * (HWIO, glorot uniform = slim's xavier) and `biases` [out] (zeros), both model variables; with a
 * normalizer there are no biases and the batch norm lives in `<scope>/BatchNorm`. Defaults as
 * slim: stride 1, padding SAME, activation relu; pools: stride 2, padding VALID.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReuseMode } from '../graph-keys.js';
import { glorotUniformInitializer, zerosInitializer, type Initializer } from '../initializers.js';
import type { VariableStore } from '../store.js';
import type { Regularizer } from '../regularizers.js';
import { batchNorm, type BatchNormOptions } from './batch-norm.js';
import { applyActivation, pair, type Activation, type Pair } from './common.js';

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  /** Default 1. */
  stride?: Pair;
  /** Default 'SAME'. */
  padding?: 'SAME' | 'VALID';
  /** Default 'relu'; null for linear. */
  activation?: Activation;
  /** Variable scope; default a unique `Conv`. */
  scope?: string;
  reuse?: ReuseMode;
  /** 'batch_norm' replaces the biases by `<scope>/BatchNorm`. */
  normalizer?: 'batch_norm' | null;
  /** Options of the batch norm (scope excluded). */
  normalizerParams?: Omit<BatchNormOptions, 'scope' | 'reuse'>;
  /** Default glorot uniform (slim xavier_initializer). */
  weightsInitializer?: Initializer;
  /** Default zeros. */
  biasesInitializer?: Initializer;
  /** slim `weights_regularizer`; default none (the scope's regularizer, if any). */
  weightsRegularizer?: Regularizer | null;
  /** slim `biases_regularizer`; default none (the scope's regularizer, if any). */
  biasesRegularizer?: Regularizer | null;
  /** Default true. */
  trainable?: boolean;
}

/** slim `conv2d(inputs, num_outputs, kernel_size, …)` on an NHWC tensor. */
export function conv2d(store: VariableStore, x: tf.Tensor4D, numOutputs: number, kernelSize: Pair, options: Conv2dOptions = {}): tf.Tensor4D {
  const [kh, kw] = pair(kernelSize);
  const inChannels = x.shape[3];
  return store.variableScope(options.scope ?? null, { defaultName: 'Conv', reuse: options.reuse }, () => {
    const trainable = options.trainable ?? true;
    const weights = store.modelVariable('weights', {
      shape: [kh, kw, inChannels, numOutputs],
      initializer: options.weightsInitializer ?? glorotUniformInitializer(),
      regularizer: options.weightsRegularizer,
      trainable,
    });
    let y = tf.conv2d(x, weights as tf.Tensor4D, pair(options.stride ?? 1), options.padding === 'VALID' ? 'valid' : 'same');
    if (options.normalizer === 'batch_norm') {
      y = batchNorm(store, y, options.normalizerParams ?? {});
    } else {
      const biases = store.modelVariable('biases', { shape: [numOutputs], initializer: options.biasesInitializer ?? zerosInitializer(), regularizer: options.biasesRegularizer, trainable });
      y = tf.add(y, biases);
    }
    return applyActivation(y, options.activation === undefined ? 'relu' : options.activation);
  });
}

/** Options of {@link maxPool2d} / {@link avgPool2d}. */
export interface Pool2dOptions {
  /** Default 2. */
  stride?: Pair;
  /** Default 'VALID'. */
  padding?: 'SAME' | 'VALID';
}

/** slim `max_pool2d(inputs, kernel_size, stride=2, padding='VALID')`. */
export function maxPool2d(x: tf.Tensor4D, kernelSize: Pair, options: Pool2dOptions = {}): tf.Tensor4D {
  return tf.maxPool(x, pair(kernelSize), pair(options.stride ?? 2), options.padding === 'SAME' ? 'same' : 'valid');
}

/** slim `avg_pool2d(inputs, kernel_size, stride=2, padding='VALID')`. */
export function avgPool2d(x: tf.Tensor4D, kernelSize: Pair, options: Pool2dOptions = {}): tf.Tensor4D {
  return tf.avgPool(x, pair(kernelSize), pair(options.stride ?? 2), options.padding === 'SAME' ? 'same' : 'valid');
}

/** slim `flatten`: `[batch, …]` → `[batch, k]`. */
export function flatten(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]);
}
