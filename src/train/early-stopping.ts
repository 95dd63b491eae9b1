/**
 * Early stopping the TF1 estimator way: `stop_if_no_increase_hook` / `stop_if_no_decrease_hook`
 * (tensorflow_estimator early_stopping.py). The rule, as TF applies it to the evaluations it has
 * seen, in step order: evaluations before `minSteps` are ignored; a value strictly better than
 * the best so far (`>` for increase, `<` for decrease — a tie is not an improvement) becomes the
 * best; training stops as soon as `step − bestStep ≥ maxStepsWithoutImprovement`.
 *
 * TF's hook reads the evaluations back from the eval directory's summaries every
 * `run_every_secs`; here the rule is fed each evaluation as it happens, which is the same
 * decision taken without the polling delay.
 */
import { InvalidArgumentError } from '../errors.js';

/** Options of {@link stopIfNoIncrease} / {@link stopIfNoDecrease}. */
export interface EarlyStoppingOptions {
  /** Stop when the metric has not improved for this many training steps (TF's `max_steps_without_increase`). */
  maxStepsWithoutImprovement: number;
  /** Evaluations before this global step are ignored (TF's `min_steps`); default 0. */
  minSteps?: number;
}

/** The state of an early-stopping rule, fed one evaluation at a time. */
export class EarlyStopping {
  readonly direction: 'increase' | 'decrease';
  readonly maxStepsWithoutImprovement: number;
  readonly minSteps: number;
  /** Best value so far and the step it was seen at (null before the first counted evaluation). */
  best: number | null = null;
  bestStep: number | null = null;
  /** The step at which the rule asked to stop (null while it has not). */
  stoppedAt: number | null = null;

  constructor(direction: 'increase' | 'decrease', options: EarlyStoppingOptions) {
    const { maxStepsWithoutImprovement: m, minSteps = 0 } = options;
    if (!Number.isInteger(m) || m < 1) {
      throw new InvalidArgumentError('bad_early_stopping', `maxStepsWithoutImprovement must be a positive integer, got ${String(m)}`, { hint: 'give the patience in training steps, e.g. 3 epochs × steps per epoch' });
    }
    if (!Number.isInteger(minSteps) || minSteps < 0) {
      throw new InvalidArgumentError('bad_early_stopping', `minSteps must be a non-negative integer, got ${String(minSteps)}`, { hint: 'omit minSteps for 0' });
    }
    this.direction = direction;
    this.maxStepsWithoutImprovement = m;
    this.minSteps = minSteps;
  }

  /** Record the metric's value at `step`; true when training should stop. */
  update(step: number, value: number): boolean {
    if (step < this.minSteps) return false;
    const better = this.best === null || (this.direction === 'increase' ? value > this.best : value < this.best);
    if (better) {
      this.best = value;
      this.bestStep = step;
    }
    if (step - this.bestStep! >= this.maxStepsWithoutImprovement) {
      this.stoppedAt ??= step;
      return true;
    }
    return false;
  }
}

/** TF's `stop_if_no_increase_hook` rule (accuracy-like metrics). */
export function stopIfNoIncrease(options: EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping('increase', options);
}

/** TF's `stop_if_no_decrease_hook` rule (loss-like metrics). */
export function stopIfNoDecrease(options: EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping('decrease', options);
}
