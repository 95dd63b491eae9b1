/**
 * slim `fully_connected` (tf_slim/layers/layers.py): scope default `fully_connected` (unique per
 * parent: `fully_connected_1`, … — verified in tf_slim layers.py), variables `weights` [in, out]
 * (glorot uniform) and `biases` [out] (zeros), model variables; activation relu by default; with
 * a normalizer, no biases and `<scope>/BatchNorm`. Inputs of rank > 2 are applied on the last axis.
 * Also slim `dropout` (here with TF2's `rate`, identity when not training).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ReuseMode } from '../graph-keys.js';
import { glorotUniformInitializer, zerosInitializer, type Initializer } from '../initializers.js';
import type { VariableStore } from '../store.js';
import type { Regularizer } from '../regularizers.js';
import { batchNorm, type BatchNormOptions } from './batch-norm.js';
import { applyActivation, type Activation } from './common.js';

/** Options of {@link fullyConnected}. */
export interface FullyConnectedOptions {
  /** Default 'relu'; null for linear (logits). */
  activation?: Activation;
  /** Variable scope; default a unique `fully_connected`. */
  scope?: string;
  reuse?: ReuseMode;
  normalizer?: 'batch_norm' | null;
  normalizerParams?: Omit<BatchNormOptions, 'scope' | 'reuse'>;
  /** Default glorot uniform. */
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

/** slim `fully_connected(inputs, num_outputs, …)`. */
export function fullyConnected(store: VariableStore, x: tf.Tensor, numOutputs: number, options: FullyConnectedOptions = {}): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  return store.variableScope(options.scope ?? null, { defaultName: 'fully_connected', reuse: options.reuse }, () => {
    const trainable = options.trainable ?? true;
    const weights = store.modelVariable('weights', { shape: [inDim, numOutputs], initializer: options.weightsInitializer ?? glorotUniformInitializer(), regularizer: options.weightsRegularizer, trainable });
    const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    let y: tf.Tensor = tf.matMul(flat, weights as tf.Tensor2D);
    if (options.normalizer === 'batch_norm') {
      y = batchNorm(store, y, options.normalizerParams ?? {});
    } else {
      const biases = store.modelVariable('biases', { shape: [numOutputs], initializer: options.biasesInitializer ?? zerosInitializer(), regularizer: options.biasesRegularizer, trainable });
      y = tf.add(y, biases);
    }
    if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), numOutputs]);
    return applyActivation(y, options.activation === undefined ? 'relu' : options.activation);
  });
}

/** Dropout with drop probability `rate`; identity unless `training` (default true, as slim). */
export function dropout<T extends tf.Tensor>(x: T, rate: number, options: { training?: boolean; seed?: number } = {}): T {
  if (!(options.training ?? true) || rate === 0) return x;
  return tf.dropout(x, rate, undefined, options.seed) as T;
}
