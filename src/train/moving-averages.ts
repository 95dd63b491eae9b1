/**
 * TF's standalone moving averages (`python/training/moving_averages.py`):
 *
 * - `assign_moving_average(variable, value, decay, zero_debias=True)`: `variable -= (variable -
 *   value) * (1 - decay)`, where `1 - decay` is computed in double precision then rounded to
 *   float32 (TF converts the Python float). With `zero_debias` (TF's default) the update runs on
 *   a `<var>/biased` copy and a `<var>/local_step` counter (both zero-initialised, not
 *   trainable) and the variable receives `biased / (1 - (1 - (1 - decay)) ^ local_step)`
 *   (`_zero_debias`, in float32 ops in TF's order). Graft keeps one debias pair per variable
 *   and reuses it on later calls, as one TF op run once per step does.
 * - `weighted_moving_average(value, decay, weight)`: moving averages (no debias) of
 *   `value * weight` and of `weight` in `<name>/value_x_weight` and `<name>/weight`
 *   (default name `WeightedMovingAvg`), returning their quotient. TF builds it once and runs it
 *   per step; here {@link weightedMovingAverage} builds it and `run(value, weight)` runs it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { newVariable, scopedNameOf } from '../variables/create.js';

/** Options of {@link assignMovingAverage}. */
export interface AssignMovingAverageOptions {
  /** Debias the average of a zero-initialised variable (TF's default true). */
  zeroDebias?: boolean;
}

interface DebiasState {
  biased: tf.Variable;
  localStep: tf.Variable;
}

const debiasStates = new WeakMap<tf.Variable, DebiasState>();

function checkDecay(decay: number): void {
  if (!Number.isFinite(decay)) {
    throw new InvalidArgumentError('invalid_decay', `moving average decay must be a finite number, got ${decay}`, { hint: 'pass a decay such as 0.999' });
  }
}

/**
 * Update `variable` towards `value` (TF `assign_moving_average`). `value` is broadcast to the
 * variable's shape.
 * @throws InvalidArgumentError `invalid_decay`.
 * @example
 * assignMovingAverage(movingMean, batchMean, 0.99, { zeroDebias: false });
 */
export function assignMovingAverage(variable: tf.Variable, value: tf.Tensor | number, decay: number, options: AssignMovingAverageOptions = {}): void {
  checkDecay(decay);
  const oneMinusDecay = Math.fround(1 - decay);
  if (!(options.zeroDebias ?? true)) {
    tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(tf.sub(variable, value), oneMinusDecay))));
    return;
  }
  let state = debiasStates.get(variable);
  if (!state) {
    const name = scopedNameOf(variable);
    state = tf.tidy(() => ({
      biased: newVariable(`${name}/biased`, tf.zeros(variable.shape, variable.dtype), { trainable: false }),
      localStep: newVariable(`${name}/local_step`, tf.scalar(0, variable.dtype), { trainable: false }),
    }));
    debiasStates.set(variable, state);
  }
  const { biased, localStep } = state;
  tf.tidy(() => {
    const d = tf.scalar(oneMinusDecay);
    biased.assign(tf.sub(biased, tf.mul(tf.sub(biased, value), d)));
    localStep.assign(tf.add(localStep, 1));
    // TF: bias_factor = 1 - pow(1.0 - decay, local_step), where `decay` is already 1 - decay
    const biasFactor = tf.sub(1, tf.pow(tf.sub(1, d), localStep));
    variable.assign(tf.div(biased, biasFactor));
  });
}

/**
 * The `<var>/biased` and `<var>/local_step` variables {@link assignMovingAverage} made for
 * `variable` (empty before its first debiased update), for savers.
 */
export function zeroDebiasVariables(variable: tf.Variable): ParameterSet {
  const state = debiasStates.get(variable);
  const out = new ParameterSet();
  if (!state) return out;
  const name = scopedNameOf(variable);
  return out.add(`${name}/biased`, state.biased, { trainable: false }).add(`${name}/local_step`, state.localStep, { trainable: false });
}

/** Options of {@link weightedMovingAverage}. */
export interface WeightedMovingAverageOptions {
  /** Scope of the two variables; default `WeightedMovingAvg`. */
  name?: string;
  /** `truediv` (TF's default true) or floor division (`div`) of the two averages. */
  truediv?: boolean;
}

/** A built weighted moving average (TF's op). */
export interface WeightedMovingAverageOp {
  /** Update with one `value` and `weight`; returns the weighted average (the caller disposes it). */
  run(value: tf.Tensor | number, weight: tf.Tensor | number): tf.Tensor;
  /** `<name>/value_x_weight` and `<name>/weight` (after the first run). */
  variables(): ParameterSet;
}

/**
 * Build a weighted moving average with `decay` (TF `weighted_moving_average`); its variables
 * are created on the first run, shaped like `value * weight` and `weight`.
 * @throws InvalidArgumentError `invalid_decay`.
 */
export function weightedMovingAverage(decay: number, options: WeightedMovingAverageOptions = {}): WeightedMovingAverageOp {
  checkDecay(decay);
  const name = options.name ?? 'WeightedMovingAvg';
  const params = new ParameterSet();
  let numerator: tf.Variable | undefined;
  let denominator: tf.Variable | undefined;
  return {
    run(value, weight) {
      return tf.tidy(() => {
        const w = typeof weight === 'number' ? tf.scalar(weight) : weight;
        const vxw = tf.mul(value, w);
        if (!numerator || !denominator) {
          numerator = newVariable(`${name}/value_x_weight`, tf.zerosLike(vxw), { trainable: false });
          denominator = newVariable(`${name}/weight`, tf.zerosLike(w), { trainable: false });
          params.add(`${name}/value_x_weight`, numerator, { trainable: false }).add(`${name}/weight`, denominator, { trainable: false });
        }
        assignMovingAverage(numerator, vxw, decay, { zeroDebias: false });
        assignMovingAverage(denominator, w, decay, { zeroDebias: false });
        return options.truediv ?? true ? tf.div(numerator, denominator) : tf.floorDiv(numerator, denominator);
      });
    },
    variables: () => new ParameterSet(params),
  };
}
