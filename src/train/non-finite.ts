/**
 * Stop training on NaN / Inf, before a bad value reaches a checkpoint — what TF's
 * `NanTensorHook` (tensorflow/python/training/basic_session_run_hooks.py; on by default in
 * Estimator's `_train_with_estimator_spec`) does with `fail_on_nan_loss=True`: after each step
 * the loss is checked, and a NaN raises `NanLossDuringTrainingError` ("NaN loss during
 * training."), so no later save runs. TF checks `np.isnan` only; Graft also stops on ±Inf, which
 * turns into NaN one step later anyway and has no use in a checkpoint.
 *
 * Cost: the loss is already a number on the host after each step (`minimize` reads it), so its
 * check is one `Number.isFinite` (20–90 ns measured). Variables are checked before each save by
 * one host pass over their values (`x - x !== 0` holds exactly for NaN and ±Inf), values a save
 * reads anyway: on the wasm backend, over the MNIST CNN's variables + Adam slots (26 tensors,
 * 163k floats), 1–3 ms, where a device-side `sum(x * 0)` per variable, stacked and read once, took
 * 2–9 ms (the small kernels cost more than the copy); a training step of that model takes
 * 180–400 ms on the same loaded machine.
 */
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

/**
 * The first variable (in the given order) holding a NaN or ±Inf, or null when all are finite.
 * Integer variables (the global step) cannot hold either and are skipped.
 */
export function findNonFinite(params: Iterable<Parameter>, step: number): NonFiniteInfo | null {
  for (const p of params) {
    if (p.variable.dtype !== 'float32') continue;
    const d = p.variable.dataSync() as Float32Array;
    let i = 0;
    while (i < d.length && d[i]! - d[i]! === 0) i++;
    if (i === d.length) continue;
    let count = 0;
    for (let j = i; j < d.length; j++) if (d[j]! - d[j]! !== 0) count++;
    return { step, variable: p.name, value: String(d[i]), index: i, count };
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
