/**
 * Exact resume of the data stream and absolute step limits, for `trainModel` (`graft train`).
 *
 * Every checkpoint's `.meta.json` carries `extra.dataPosition = {epoch, offset, seed, batchSize,
 * examples}`: the next example to feed is `epochOrder(examples, epoch, seed)[offset]`
 * (batches.ts). A resume continues there, so N steps + resume + M steps feed the same batches as
 * N + M steps in one process. TF keeps the same thing in the checkpoint when a `tf.data` iterator
 * is tracked (`tf.train.Checkpoint(iterator=…)`); TF1's queue runners did not, and restarted.
 *
 * Step limits are global-step targets, as slim's `learning.train(number_of_steps=)` (stops when
 * `global_step >= number_of_steps`) and Estimator's `train(max_steps=)` ("Skipping training since
 * max_steps has already saved." when it is reached; `steps=` counts from the current step, and
 * giving both is an error) — so a supervisor that restarts a crashed run does not train more.
 */
import { InvalidArgumentError } from '../errors.js';
import type { DataPosition } from './fit.js';

/** What `.meta.json` `extra.dataPosition` holds. */
export interface DataPositionRecord extends DataPosition {
  /** Data-order seed the epochs were shuffled with. */
  seed: number;
  /** Batch size of the run that wrote it (informative: offsets count examples). */
  batchSize: number;
  /** Training examples in the data the orders were drawn over. */
  examples: number;
}

/** Where a run starts in its data, and what the report says about it. */
export interface ResumePosition {
  start: DataPosition;
  /** Null when the position was restored exactly (or the run is fresh); else why not. */
  note: string | null;
}

/** The record saved with a checkpoint. */
export function dataPositionRecord(p: DataPosition, run: { seed: number; batchSize: number; examples: number }): DataPositionRecord {
  return { epoch: p.epoch, offset: p.offset, seed: run.seed, batchSize: run.batchSize, examples: run.examples };
}

function isCount(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * The start position of a resumed run from the checkpoint's `extra.dataPosition` (undefined for
 * a fresh run). A checkpoint written without one, or with a damaged one, restarts the data at
 * epoch 0 (said in `note`); changed data or seed keep the epoch and offset (said in `note`: the
 * rest of the epoch is then drawn from a different order).
 */
export function resumePosition(saved: unknown, run: { seed: number; examples: number }, resumed: boolean): ResumePosition {
  if (!resumed) return { start: { epoch: 0, offset: 0 }, note: null };
  const r = saved as Partial<DataPositionRecord> | undefined;
  if (typeof r !== 'object' || r === null || !isCount(r.epoch) || !isCount(r.offset)) {
    return { start: { epoch: 0, offset: 0 }, note: 'the checkpoint has no data position (written before Graft saved one): the data order restarts at epoch 0' };
  }
  const changed: string[] = [];
  if (r.examples !== run.examples) changed.push(`${String(r.examples)} → ${run.examples} training examples`);
  if (r.seed !== run.seed) changed.push(`seed ${String(r.seed)} → ${run.seed}`);
  const offset = Math.min(r.offset, run.examples);
  return {
    start: offset >= run.examples ? { epoch: r.epoch + 1, offset: 0 } : { epoch: r.epoch, offset },
    note: changed.length ? `the data changed since the checkpoint (${changed.join(', ')}): resumed at epoch ${r.epoch}, example ${offset}, but the rest of the epoch is drawn in a different order` : null,
  };
}

/**
 * Steps this process may run: `maxSteps − globalStep` for an absolute target, `steps` for an
 * incremental one, unbounded without either.
 * @throws InvalidArgumentError `conflicting_options` for both, `bad_steps` for a non-positive value.
 */
export function stepBudget(globalStep: number, limits: { maxSteps?: number; steps?: number }): number {
  const { maxSteps, steps } = limits;
  if (maxSteps !== undefined && steps !== undefined) {
    throw new InvalidArgumentError('conflicting_options', 'maxSteps (a global-step target) and steps (steps to add) cannot both be given', {
      hint: 'pass one: maxSteps as slim\'s max_number_of_steps / Estimator max_steps, or steps as Estimator steps (CLI --max-steps / --steps)',
    });
  }
  for (const [k, v] of [['maxSteps', maxSteps], ['steps', steps]] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v > 0)) {
      throw new InvalidArgumentError('bad_steps', `${k} must be a positive integer, got ${v}`, { hint: `e.g. ${k}: 1000` });
    }
  }
  if (maxSteps !== undefined) return Math.max(0, maxSteps - globalStep);
  return steps ?? Infinity;
}
