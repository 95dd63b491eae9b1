/**
 * Callbacks that steer `model.fit`: a learning-rate schedule (every schedule of train/schedules.ts,
 * indexed by the optimizer's step count as TF's `LearningRateSchedule(step)` is), Keras-style early
 * stopping with restore-best, and Keras `TerminateOnNaN`.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { learningRateAt, type LearningRate } from '../train/schedules.js';
import { requireOptimizer } from './optimizer-state.js';
import { asLearningRateSettable } from './optimizers.js';
import { resolveLogs } from './logs.js';

/** Sets the optimizer's learning rate before every batch from a schedule of the step. */
export class LearningRateScheduleCallback extends tfl.Callback {
  /** The rate applied to the last batch. */
  current = Number.NaN;
  constructor(private readonly schedule: LearningRate) {
    super();
  }
  override async onBatchBegin(): Promise<void> {
    const optimizer = requireOptimizer(this.model, 'learningRateScheduleCallback');
    const settable = asLearningRateSettable(optimizer);
    if (!settable) {
      throw new InvalidArgumentError('learning_rate_not_settable', `the ${optimizer.getClassName()} optimizer has no setLearningRate`, {
        hint: 'compile with tf.train.sgd / tf.train.momentum, or adam / rmsprop / adagrad / adadelta from graft/layers', details: { optimizer: optimizer.getClassName() },
      });
    }
    this.current = learningRateAt(this.schedule, optimizer.iterations);
    settable.setLearningRate(this.current);
  }
}

/**
 * A `model.fit` callback applying a learning-rate schedule (`exponentialDecay(…)`, `cosineDecay`, …)
 * at the optimizer's step (`optimizer.iterations`, restored on resume, so the rate resumes too).
 * @example
 * model.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy' });
 * await model.fit(x, y, { callbacks: [learningRateScheduleCallback(cosineDecay(1e-3, { decaySteps: 1000 }))] });
 */
export function learningRateScheduleCallback(schedule: LearningRate): LearningRateScheduleCallback {
  return new LearningRateScheduleCallback(schedule);
}

/** Options of {@link earlyStoppingCallback} (Keras `EarlyStopping`). */
export interface EarlyStoppingCallbackOptions {
  /** Log key to watch; default `val_loss`. */
  monitor?: string;
  /** `min` for losses, `max` for accuracies; default from the name (`acc` → max, else min). */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping; default 0 (Keras). */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** Put back the best epoch's weights when stopping (Keras `restore_best_weights`). */
  restoreBestWeights?: boolean;
}

/** Keras EarlyStopping with restore-best. */
export class EarlyStoppingCallback extends tfl.Callback {
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  best: number | null = null;
  /** 0-based epoch of the best value. */
  bestEpoch: number | null = null;
  /** 0-based epoch at which training was stopped, or null. */
  stoppedEpoch: number | null = null;
  private wait = 0;
  private bestWeights: tf.Tensor[] | null = null;
  constructor(private readonly options: EarlyStoppingCallbackOptions = {}) {
    super();
    this.monitor = options.monitor ?? 'val_loss';
    this.mode = options.mode ?? (/acc/.test(this.monitor) ? 'max' : 'min');
  }
  override async onTrainBegin(): Promise<void> {
    this.wait = 0;
    this.best = null;
    this.stoppedEpoch = null;
  }
  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const value = (await resolveLogs(logs))[this.monitor];
    if (value === undefined) {
      throw new InvalidArgumentError('monitor_not_logged', `earlyStoppingCallback monitors "${this.monitor}" but epoch ${epoch + 1} did not log it`, { hint: 'monitor a logged key (val_* needs validation data)' });
    }
    const delta = this.options.minDelta ?? 0;
    // Keras: monitor_op(current - min_delta, best) for max, (current + min_delta) < best for min
    const better = this.best === null || (this.mode === 'max' ? value - delta > this.best : value + delta < this.best);
    if (better) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.options.restoreBestWeights) {
        tf.dispose(this.bestWeights ?? []);
        this.bestWeights = this.model.weights.map((w) => tf.clone(w.read()));
      }
      return;
    }
    this.wait++;
    if (this.wait >= (this.options.patience ?? 0)) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.bestWeights) this.model.weights.forEach((w, i) => w.write(this.bestWeights![i]!));
    }
  }
  override async onTrainEnd(): Promise<void> {
    tf.dispose(this.bestWeights ?? []);
    this.bestWeights = null;
  }
}

/** A Keras-style early-stopping callback (patience in epochs, optional restore-best). */
export function earlyStoppingCallback(options: EarlyStoppingCallbackOptions = {}): EarlyStoppingCallback {
  return new EarlyStoppingCallback(options);
}

/** Keras TerminateOnNaN: stop as soon as a batch's loss is NaN or infinite. */
export class TerminateOnNaNCallback extends tfl.Callback {
  /** `{epoch, batch}` where the loss went non-finite, or null. */
  terminatedAt: { epoch: number; batch: number } | null = null;
  private epoch = 0;
  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }
  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    const loss = (await resolveLogs(logs))['loss'];
    if (loss !== undefined && !Number.isFinite(loss)) {
      this.terminatedAt = { epoch: this.epoch, batch };
      this.model.stopTraining = true;
    }
  }
}

/** A callback that stops `fit` at the first non-finite batch loss. */
export function terminateOnNaN(): TerminateOnNaNCallback {
  return new TerminateOnNaNCallback();
}
