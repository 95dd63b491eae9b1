/**
 * slim `batch_norm` (tf_slim/layers/layers.py, core-layer path = tf.layers.BatchNormalization):
 * scope default `BatchNorm`; variables in creation order `gamma` (only if scale — slim's default
 * is false), `beta` (if center), `moving_mean` (zeros), `moving_variance` (ones); the moving ones
 * are not trainable; all are model variables. In training the output uses the batch moments and
 * two update ops `<scope>/AssignMovingAvg`, `<scope>/AssignMovingAvg_1` go to `update_ops`
 * (run them after the train step, as TF's control dependency does); `updatesCollections: null`
 * applies the update at once. Update: `shadow -= (shadow - value) * (1 - decay)`. For 4-D inputs
 * TF uses the fused kernel, whose variance for the moving average carries Bessel's correction
 * (n/(n-1)); 2-D inputs use the plain (biased) batch variance — reproduced here.
 *
 * Graft runs eagerly: each batch-norm layer registers its two update ops once; every training
 * forward pass replaces the pending batch moments they will apply, so the collection does not grow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GraphKeys, type ReuseMode } from '../graph-keys.js';
import { onesInitializer, zerosInitializer } from '../initializers.js';
import type { VariableStore } from '../store.js';
import type { Regularizer } from '../regularizers.js';
import { applyActivation, type Activation } from './common.js';

/** Options of {@link batchNorm} (slim's names and defaults). */
export interface BatchNormOptions {
  /** Moving-average decay; default 0.999. */
  decay?: number;
  /** Add `beta`; default true. */
  center?: boolean;
  /** Multiply by `gamma`; default false (slim). */
  scale?: boolean;
  /** Default 0.001. */
  epsilon?: number;
  /** Use batch moments and record moving-average updates; default true (slim `is_training`). */
  training?: boolean;
  /** Variable scope; default a unique `BatchNorm`. */
  scope?: string;
  reuse?: ReuseMode;
  /** Collection for the update ops; `null` = apply in place. Default `update_ops`. */
  updatesCollections?: string | null;
  /** Trainable flag of beta/gamma; default true. */
  trainable?: boolean;
  /** Activation after normalisation; default null. */
  activation?: Activation;
  /** slim `param_regularizers`: regularizers of `beta` and `gamma`; default none (the scope's). */
  paramRegularizers?: { beta?: Regularizer | null; gamma?: Regularizer | null };
}

/** An update op: a named function, as TF's update ops are named operations. */
export type UpdateOp = (() => void) & { readonly name: string };

interface Pending {
  mean?: tf.Tensor;
  variance?: tf.Tensor;
}

const pendingByMovingMean = new WeakMap<tf.Variable, Pending>();

/** slim `batch_norm`; returns the normalised tensor. */
export function batchNorm<T extends tf.Tensor>(store: VariableStore, x: T, options: BatchNormOptions = {}): T {
  const decay = options.decay ?? 0.999;
  const epsilon = options.epsilon ?? 0.001;
  const training = options.training ?? true;
  const channels = x.shape[x.rank - 1];
  return store.variableScope(options.scope ?? null, { defaultName: 'BatchNorm', reuse: options.reuse }, (sc) => {
    const trainable = options.trainable ?? true;
    const gamma = options.scale ? store.modelVariable('gamma', { shape: [channels], initializer: onesInitializer(), regularizer: options.paramRegularizers?.gamma, trainable }) : undefined;
    const beta = options.center ?? true ? store.modelVariable('beta', { shape: [channels], initializer: zerosInitializer(), regularizer: options.paramRegularizers?.beta, trainable }) : undefined;
    const movingMean = store.modelVariable('moving_mean', { shape: [channels], initializer: zerosInitializer(), trainable: false });
    const movingVariance = store.modelVariable('moving_variance', { shape: [channels], initializer: onesInitializer(), trainable: false });
    const collection = options.updatesCollections === undefined ? GraphKeys.UPDATE_OPS : options.updatesCollections;
    let pending = pendingByMovingMean.get(movingMean);
    if (!pending) {
      pending = {};
      pendingByMovingMean.set(movingMean, pending);
      if (collection !== null) {
        const p = pending;
        store.addToCollection(collection, updateOp(`${sc.name}/AssignMovingAvg`, movingMean, decay, p, 'mean'));
        store.addToCollection(collection, updateOp(`${sc.name}/AssignMovingAvg_1`, movingVariance, decay, p, 'variance'));
      }
    }
    if (!training) {
      return applyActivation(tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon) as T, options.activation ?? null);
    }
    const axes = [...Array(x.rank - 1).keys()];
    const { mean, variance } = tf.moments(x, axes);
    const y = tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as T;
    const n = x.size / channels;
    const varianceForUpdate = x.rank === 4 && n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
    if (collection === null) {
      assignMovingAverage(movingMean, mean, decay);
      assignMovingAverage(movingVariance, varianceForUpdate, decay);
    } else {
      pending.mean?.dispose();
      pending.variance?.dispose();
      pending.mean = tf.keep(tf.clone(mean));
      pending.variance = tf.keep(tf.clone(varianceForUpdate));
    }
    return applyActivation(y, options.activation ?? null);
  });
}

function updateOp(name: string, shadow: tf.Variable, decay: number, pending: Pending, which: 'mean' | 'variance'): UpdateOp {
  const run = (): void => {
    const value = pending[which];
    if (!value) return;
    pending[which] = undefined;
    assignMovingAverage(shadow, value, decay);
    value.dispose();
  };
  Object.defineProperty(run, 'name', { value: name });
  return run as UpdateOp;
}

/** TF `assign_moving_average`: `shadow -= (shadow - value) * (1 - decay)`, in that order. */
export function assignMovingAverage(shadow: tf.Variable, value: tf.Tensor, decay: number): void {
  const next = tf.tidy(() => tf.sub(shadow, tf.mul(tf.sub(shadow, value), 1 - decay)));
  shadow.assign(next);
  next.dispose();
}

/** Run every update op in the store's `update_ops` collection (optionally TF-regex filtered by scope). */
export function runUpdateOps(store: VariableStore, scope?: string): number {
  const ops = store.getCollection<unknown>(GraphKeys.UPDATE_OPS, scope);
  let n = 0;
  for (const op of ops) {
    if (typeof op === 'function') {
      (op as () => void)();
      n += 1;
    }
  }
  return n;
}
