/**
 * The training loop every scenario uses: seeded epochs of mini-batches through
 * `optimizer.minimize` (only the chosen variables move), with the global step, update ops and
 * EMA of the train layer, periodic evaluation (raw and, with an EMA, averaged weights), and a
 * history of loss / learning rate / accuracy for the report. Timings are measured per epoch, as
 * the sum of each step's `performance.now()` interval (sub-millisecond steps: `Date.now()`'s 1 ms
 * resolution would make them noise).
 */
import { nextTurn, writeDiagnostic } from '../io/host.js';
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { ExampleSet } from '../models/data/example-set.js';
import type { MinimizeReport, Optimizer } from '../train/optimizer.js';
import type { ExponentialMovingAverage } from '../train/ema.js';
import type { SummaryWriter } from '../train/summary/summary-writer.js';
import type { ParameterSet } from '../variables/parameter-set.js';
import { assertFiniteLoss } from '../train/non-finite.js';
import { disposeBatch, epochOrder, makeBatch, softmaxCrossEntropyLoss, type Batch } from './batches.js';
import { evaluate, type ForwardFn } from './evaluate.js';

/** One training step in the history. */
export interface StepRecord {
  step: number;
  loss: number;
  learningRate: number;
}

/** One evaluation in the history. */
export interface EvalRecord {
  step: number;
  epoch: number;
  accuracy: number;
  loss: number;
  /** Accuracy with the moving averages swapped in (when an EMA is kept). */
  emaAccuracy?: number;
  /** Seconds since training started. */
  seconds: number;
}

/**
 * Where the data stream stands: the next example to feed is `order(epoch)[offset]` (offsets count
 * examples, not batches, so a changed batch size still resumes at the same place). The order of
 * an epoch is a pure function of (seed, epoch, example count) (batches.ts `epochOrder`), so these
 * two numbers are the whole shuffle state.
 */
export interface DataPosition {
  epoch: number;
  offset: number;
}

/** Options of {@link fit}. */
export interface FitOptions {
  optimizer: Optimizer;
  /** Variables to train (its trainable members); default the optimizer's trainable params. */
  varList?: ParameterSet;
  /** Train only variables under these scopes (`/` boundaries). */
  scopes?: string[];
  globalStep?: tf.Variable;
  ema?: ExponentialMovingAverage;
  /**
   * Run this instead of `optimizer.minimize(softmax cross-entropy of forward(batch))` for each
   * batch (e.g. train/linear-head-step.ts for a head on cached features); `forward` still
   * evaluates. The options' `varList`, `scopes`, `ema` and `updateOps` are then the step's business.
   */
  trainStep?: (batch: Batch) => MinimizeReport;
  /** Run after each update (batch-norm statistics). */
  updateOps?: (() => void)[];
  /**
   * Train until this many epochs are complete, counted from epoch 0 (default 1): with `start`,
   * the epochs already done count too. `maxSteps` stops earlier.
   */
  epochs?: number;
  /** Steps to run in this call (not a global-step target; train-model turns `maxSteps` into this). */
  maxSteps?: number;
  /** Where the data stream resumes (default epoch 0, offset 0); see {@link DataPosition}. */
  start?: DataPosition;
  /** Stop on a NaN/±Inf loss with a `non_finite` error, as TF's NanTensorHook (default true). */
  nanCheck?: boolean;
  /**
   * Finish the current step and stop when this signal aborts (SIGINT/SIGTERM): no evaluation
   * follows, `report.interrupted` is set and the caller saves.
   */
  signal?: AbortSignal;
  /** Default 32. */
  batchSize?: number;
  /** Data-order seed (default 0). */
  seed?: number;
  /** Evaluate on this set after every epoch and every `evalEvery` steps. */
  evalSet?: ExampleSet;
  evalEvery?: number;
  /** Also evaluate before the first step (recorded at step 0, epoch -1: what the start point is worth). */
  evalAtStart?: boolean;
  /** Record one history point every N steps (default 1). */
  recordEvery?: number;
  /** Stop when `shouldStop(evalRecord)` returns true after an evaluation. */
  shouldStop?: (e: EvalRecord) => boolean;
  /** Called after every evaluation (checkpointing, keep-best), with the data position reached. */
  onEval?: (e: EvalRecord, position: DataPosition) => void | Promise<void>;
  summaryWriter?: SummaryWriter;
  /** Progress lines to stderr every N steps (0 = quiet, default 0). */
  logEvery?: number;
  /** Prefix of progress lines. */
  label?: string;
}

/** What a training run did. */
export interface FitReport {
  steps: number;
  epochs: number;
  /** Wall seconds of training (evaluation excluded). */
  trainSeconds: number;
  /** Wall seconds of each epoch's training steps. */
  epochSeconds: number[];
  history: StepRecord[];
  evals: EvalRecord[];
  final?: EvalRecord;
  examplesPerSecond: number;
  /** The data position after the last step (what a resume continues from). */
  position: DataPosition;
  /** True when `signal` stopped the run (after a complete step, before any evaluation). */
  interrupted: boolean;
}

/**
 * Train `forward` on `set` with `optimizer` (softmax cross-entropy on the logits).
 * @throws InvalidArgumentError `empty_training_set`, and the optimizer's errors (`empty_var_list`, …);
 *   NonFiniteError `non_finite` on a NaN/±Inf loss (unless `nanCheck: false`).
 */
export async function fit(forward: ForwardFn, set: ExampleSet, options: FitOptions): Promise<FitReport> {
  if (set.count === 0) {
    throw new InvalidArgumentError('empty_training_set', 'the training set has no examples', { hint: 'check the data filters (digits, categories, limit)' });
  }
  const bs = options.batchSize ?? 32;
  const epochs = options.epochs ?? 1;
  const maxSteps = options.maxSteps ?? Infinity;
  const recordEvery = options.recordEvery ?? 1;
  const history: StepRecord[] = [];
  const evals: EvalRecord[] = [];
  const epochSeconds: number[] = [];
  let trainMs = 0;
  let steps = 0;
  let examples = 0;
  let stop = false;
  let epochsDone = 0;

  const nanCheck = options.nanCheck ?? true;
  const start = options.start ?? { epoch: 0, offset: 0 };
  const position: DataPosition = { epoch: start.epoch, offset: Math.min(Math.max(0, start.offset), set.count) };
  if (position.offset >= set.count) {
    position.epoch++;
    position.offset = 0;
  }
  let interrupted = false;

  const runEval = async (epoch: number): Promise<EvalRecord | undefined> => {
    if (!options.evalSet) return undefined;
    const raw = evaluate(forward, options.evalSet);
    const rec: EvalRecord = { step: currentStep(), epoch, accuracy: raw.accuracy, loss: raw.loss, seconds: trainMs / 1000 };
    if (options.ema) {
      const ema = options.ema;
      rec.emaAccuracy = (await ema.withAveragesSwapped(() => evaluate(forward, options.evalSet!))).accuracy;
    }
    evals.push(rec);
    options.summaryWriter?.scalar('eval/accuracy', rec.accuracy, rec.step);
    if (rec.emaAccuracy !== undefined) options.summaryWriter?.scalar('eval/accuracy_ema', rec.emaAccuracy, rec.step);
    await options.onEval?.(rec, { ...position });
    if (options.shouldStop?.(rec)) stop = true;
    return rec;
  };
  const currentStep = () => (options.globalStep ? (options.globalStep.dataSync()[0] as number) : steps);

  if (options.evalAtStart) await runEval(-1);
  while (position.epoch < epochs && !stop && steps < maxSteps && !interrupted) {
    const epoch = position.epoch;
    const order = epochOrder(set.count, epoch, options.seed ?? 0);
    let eMs = 0;
    while (position.offset < set.count && steps < maxSteps && !stop) {
      const s = position.offset;
      const b = makeBatch(set, order, s, bs);
      const s0 = performance.now();
      const r = options.trainStep ? options.trainStep(b) : options.optimizer.minimize(() => softmaxCrossEntropyLoss(forward(b.inputs, true), b.labels), {
        ...(options.varList ? { varList: options.varList } : {}),
        ...(options.scopes ? { scopes: options.scopes } : {}),
        ...(options.globalStep ? { globalStep: options.globalStep } : {}),
        ...(options.ema ? { ema: options.ema } : {}),
        ...(options.updateOps ? { updateOps: options.updateOps } : {}),
      });
      const dt = performance.now() - s0;
      eMs += dt;
      trainMs += dt;
      disposeBatch(b);
      steps++;
      examples += b.size;
      position.offset = s + b.size;
      const step = r.globalStep ?? steps;
      if (nanCheck) assertFiniteLoss(r.loss, step);
      if (steps % recordEvery === 0) history.push({ step, loss: r.loss, learningRate: r.learningRate });
      options.summaryWriter?.scalar('loss', r.loss, step);
      options.summaryWriter?.scalar('learning_rate', r.learningRate, step);
      if (options.logEvery && steps % options.logEvery === 0) {
        writeDiagnostic(`${options.label ?? 'train'}: step ${step} loss ${r.loss.toFixed(4)} lr ${r.learningRate.toPrecision(3)}\n`);
      }
      // One turn of the event loop per step, so a signal handler can run (the step itself is synchronous).
      if (options.signal) await nextTurn();
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      // Evaluation points are global steps (TF's save_checkpoints_steps), so a resumed run saves where an uninterrupted one would.
      if (options.evalEvery && step % options.evalEvery === 0 && position.offset < set.count) await runEval(epoch);
    }
    epochSeconds.push(eMs / 1000);
    if (position.offset >= set.count) {
      position.epoch++;
      position.offset = 0;
      epochsDone++;
    }
    if (interrupted) break;
    await runEval(epoch);
  }
  const report: FitReport = {
    steps,
    epochs: epochsDone,
    trainSeconds: trainMs / 1000,
    epochSeconds,
    history,
    evals,
    examplesPerSecond: trainMs > 0 ? examples / (trainMs / 1000) : 0,
    position: { ...position },
    interrupted,
  };
  if (evals.length) report.final = evals[evals.length - 1]!;
  return report;
}
