/**
 * Continuous evaluation, TF's loop (`checkpoint_utils.checkpoints_iterator` driving the
 * evaluator of `estimator/training.py` `_TrainingExecutor.run_evaluator`, slim's
 * `evaluation_loop`): evaluate each new checkpoint of a training directory as it lands (only the
 * newest when several landed during one evaluation), until
 *  - the evaluated checkpoint's global step is ≥ `maxSteps` — the training's last checkpoint
 *    (TF's "Exiting evaluation, global step is larger than or equal to max_steps"); the step is
 *    the `-N` suffix of the checkpoint name (`model.ckpt-200`), as TF names them;
 *  - or no new checkpoint came for `timeout` seconds (TF's `timeout`);
 *  - or `signal` aborts.
 * A checkpoint deleted by the trainer's retention before it could be read is recorded as
 * skipped and the loop goes on; any other error ends it.
 */
import { GraftError, InvalidArgumentError } from '../errors.js';
import { checkpointsIterator } from '../checkpoint/checkpoints-iterator.js';
import { checkpointExists } from '../checkpoint/state.js';
import { evalCheckpoint, type EvalCheckpointOptions, type EvalCheckpointReport } from './eval-checkpoint.js';

/** Options of {@link evalWatch}. */
export interface EvalWatchOptions extends EvalCheckpointOptions {
  /** Stop after evaluating a checkpoint at global step ≥ this (the training's max steps); default none. */
  maxSteps?: number;
  /** Stop when no new checkpoint came for this many seconds; default: wait forever. */
  timeout?: number;
  /** Seconds between polls of the state file; default 1. */
  secondsToSleep?: number;
  /** Minimum seconds between two evaluations; default 0. */
  minIntervalSecs?: number;
  /** Called after each evaluation (the CLI prints a progress line). */
  onEvaluation?: (report: WatchedEvaluation) => void;
  signal?: AbortSignal;
}

/** One evaluation of the watch. */
export type WatchedEvaluation = EvalCheckpointReport & { globalStep: number | null };

/** What the watch did. */
export interface EvalWatchReport {
  dir: string;
  evaluations: WatchedEvaluation[];
  /** Checkpoints found but gone before they could be read (deleted by retention). */
  skipped: { checkpoint: string; reason: string }[];
  /** Why the loop ended. */
  stoppedBecause: 'max_steps' | 'timeout' | 'aborted';
}

/** The global step in a checkpoint name (`…/model.ckpt-200`, `…-200.safetensors`), or null. */
export function checkpointStep(path: string): number | null {
  const m = /-(\d+)(?:\.safetensors)?$/.exec(path);
  return m ? Number(m[1]) : null;
}

/**
 * Evaluate every new checkpoint of `dir` until the final one, a time-out or an abort.
 * @throws InvalidArgumentError `invalid_option`; errors of {@link evalCheckpoint} other than a
 *   checkpoint deleted before it was read.
 * @example
 * const r = await evalWatch('runs/mnist', { maxSteps: 2000, timeout: 600 });
 */
export async function evalWatch(dir: string, options: EvalWatchOptions = {}): Promise<EvalWatchReport> {
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps >= 0)) {
    throw new InvalidArgumentError('invalid_option', `maxSteps must be a non-negative integer, got ${options.maxSteps}`, { hint: 'pass the max steps the training runs to' });
  }
  const report: EvalWatchReport = { dir, evaluations: [], skipped: [], stoppedBecause: 'timeout' };
  const iterator = checkpointsIterator(dir, {
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.secondsToSleep !== undefined ? { secondsToSleep: options.secondsToSleep } : {}),
    ...(options.minIntervalSecs !== undefined ? { minIntervalSecs: options.minIntervalSecs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const checkpoint of iterator) {
    let evaluation: WatchedEvaluation;
    try {
      evaluation = { ...(await evalCheckpoint(checkpoint, options)), globalStep: checkpointStep(checkpoint) };
    } catch (e) {
      if (e instanceof GraftError && !(await checkpointExists(checkpoint))) {
        report.skipped.push({ checkpoint, reason: `deleted before it was evaluated (${e.code})` });
        continue;
      }
      throw e;
    }
    report.evaluations.push(evaluation);
    options.onEvaluation?.(evaluation);
    if (options.maxSteps !== undefined && evaluation.globalStep !== null && evaluation.globalStep >= options.maxSteps) {
      report.stoppedBecause = 'max_steps';
      return report;
    }
  }
  if (options.signal?.aborted) report.stoppedBecause = 'aborted';
  return report;
}
