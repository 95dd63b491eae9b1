/**
 * Stop training on NaN / Inf, before a bad value reaches a checkpoint — what TF's
 * `NanTensorHook` (tensorflow/python/training/basic_session_run_hooks.py; on by default in
 * Estimator's `_train_with_estimator_spec`) does with `fail_on_nan_loss=True`: after each step
 * the loss is checked, and a NaN raises `NanLossDuringTrainingError` ("NaN loss during
 * training."), so no later save runs. TF checks `np.isnan` only; Graft also stops on ±Inf, which
 * turns into NaN one step later anyway and has no use in a checkpoint.
 *
 * Cost: the loss is already a number on the host after each step (`minimize` reads it), so its
 * check is one `Number.isFinite`. Variables are checked before each save, in one device round
 * trip: per variable `sum(x * 0)` (0 when every element is finite, NaN otherwise — IEEE: NaN·0 and
 * ±Inf·0 are NaN), stacked and read once; only a failing variable is then scanned on the host for
 * its first bad element.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NonFiniteError } from '../errors.js';
import type { Parameter } from '../variables/parameter-set.js';

/** Where a non-finite value was found. */
export interface NonFiniteInfo {
  /** Global step after which it was seen. */
  step: number;
  /** The variable's checkpoint name, or `"loss"`. */
  variable: string;
  /** The first bad value: `NaN`, `Infinity` or `-Infinity` (as text, so it stays JSON). */
  value: string;
  /** Flat index of the first bad element (0 for the loss). */
  index: number;
  /** Bad elements in the variable (1 for the loss). */
  count: number;
}

function nonFiniteError(info: NonFiniteInfo): NonFiniteError {
  const where = info.variable === 'loss' ? `the loss is ${info.value}` : `variable ${info.variable} holds ${info.value} (element ${info.index}; ${info.count} non-finite)`;
  return new NonFiniteError('non_finite', `training diverged at step ${info.step}: ${where}; stopped before saving, the last good checkpoint stays the latest`, {
    hint: 'lower the learning rate (or add warm-up / decay) and resume from the last checkpoint; --no-nan-check (nanCheck: false) turns this check off',
    details: { ...info },
  });
}

/**
 * Throw when a step's loss is NaN or ±Inf.
 * @throws NonFiniteError `non_finite` with `details.variable = "loss"`.
 */
export function assertFiniteLoss(loss: number, step: number): void {
  if (!Number.isFinite(loss)) throw nonFiniteError({ step, variable: 'loss', value: String(loss), index: 0, count: 1 });
}

/** The first non-finite element of a variable's values, scanned on the host. */
function firstBad(p: Parameter): { index: number; value: number; count: number } {
  const d = p.variable.dataSync() as Float32Array;
  let index = -1;
  let count = 0;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i]!)) {
      if (index < 0) index = i;
      count++;
    }
  }
  return { index, value: index < 0 ? 0 : d[index]!, count };
}

/**
 * The first variable (in the given order) holding a NaN or ±Inf, or null when all are finite.
 * Integer variables (the global step) cannot hold either and are skipped.
 */
export function findNonFinite(params: Iterable<Parameter>, step: number): NonFiniteInfo | null {
  const floats = [...params].filter((p) => p.variable.dtype === 'float32');
  if (floats.length === 0) return null;
  const flags = tf.tidy(() => tf.stack(floats.map((p) => tf.sum(tf.mul(p.variable, tf.scalar(0))))));
  const v = flags.dataSync() as Float32Array;
  flags.dispose();
  for (let i = 0; i < floats.length; i++) {
    if (v[i] === 0) continue;
    const p = floats[i]!;
    const bad = firstBad(p);
    if (bad.index < 0) continue; // cannot happen with IEEE arithmetic; never report a false alarm
    return { step, variable: p.name, value: String(bad.value), index: bad.index, count: bad.count };
  }
  return null;
}

/**
 * Throw when any of `params` holds a NaN or ±Inf (call it before saving them).
 * @throws NonFiniteError `non_finite` naming the step and the first bad variable.
 */
export function assertFiniteVariables(params: Iterable<Parameter>, step: number): void {
  const info = findNonFinite(params, step);
  if (info) throw nonFiniteError(info);
}
