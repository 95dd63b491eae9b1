/**
 * Callbacks that watch `model.fit`: TensorBoard event files (Keras `TensorBoard`: `train/` and
 * `validation/` runs, `epoch_<metric>` scalars at the epoch, the learning rate, weight histograms)
 * through train/summary, and moving averages of the weights (TF `ExponentialMovingAverage`, updated
 * after every batch, shadows named `<var>/ExponentialMovingAverage` so checkpoints and `graft eval
 * --ema` read them, and swapped in for evaluation or saving).
 */
import { join } from '../io/path.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { SummaryWriter } from '../train/summary/summary-writer.js';
import { ExponentialMovingAverage } from '../train/ema.js';
import type { ParameterSet } from '../variables/parameter-set.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';
import { currentLearningRate } from './optimizers.js';
import { resolveLogs } from './logs.js';

/** Options of {@link tensorBoardCallback}. */
export interface TensorBoardCallbackOptions {
  /** Write weight histograms every N epochs (Keras `histogram_freq`); 0 = never (default 1). */
  histogramFreq?: number;
  /** Also write `batch_<metric>` scalars every N batches at the optimizer step; 0 = never (default). */
  updateFreq?: number;
}

/** Writes Keras-style TensorBoard event files while `fit` runs. */
export class TensorBoardCallback extends tfl.Callback {
  private train: SummaryWriter | null = null;
  private validation: SummaryWriter | null = null;
  constructor(readonly logdir: string, private readonly options: TensorBoardCallbackOptions = {}) {
    super();
  }
  /** Event files written (train, then validation when there is validation data). */
  readonly paths: string[] = [];
  override async onTrainBegin(): Promise<void> {
    if (!this.train) {
      this.train = await SummaryWriter.create(join(this.logdir, 'train'), { filenameSuffix: '.v2' });
      this.paths.push(this.train.path);
    }
  }
  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    const every = this.options.updateFreq ?? 0;
    if (!every || !this.train || (batch + 1) % every !== 0) return;
    const step = this.model.optimizer.iterations;
    for (const [k, v] of Object.entries(await resolveLogs(logs))) if (k !== 'batch' && k !== 'size') this.train.scalar(`batch_${k}`, v, step);
  }
  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const values = await resolveLogs(logs);
    for (const [k, v] of Object.entries(values)) {
      if (k.startsWith('val_')) {
        if (!this.validation) {
          this.validation = await SummaryWriter.create(join(this.logdir, 'validation'), { filenameSuffix: '.v2' });
          this.paths.push(this.validation.path);
        }
        this.validation.scalar(`epoch_${k.slice(4)}`, v, epoch);
      } else this.train!.scalar(`epoch_${k}`, v, epoch);
    }
    const lr = currentLearningRate(this.model.optimizer);
    if (Number.isFinite(lr)) this.train!.scalar('epoch_learning_rate', lr, epoch);
    const freq = this.options.histogramFreq ?? 1;
    if (freq > 0 && epoch % freq === 0) {
      for (const p of parametersFromLayersModel(this.model)) this.train!.histogram(p.name, await p.variable.data(), epoch);
    }
    await this.train!.flush();
    await this.validation?.flush();
  }
  override async onTrainEnd(): Promise<void> {
    await this.train?.close();
    await this.validation?.close();
    this.train = null;
    this.validation = null;
  }
}

/** A `model.fit` callback writing TensorBoard event files under `logdir/train` and `logdir/validation`. */
export function tensorBoardCallback(logdir: string, options: TensorBoardCallbackOptions = {}): TensorBoardCallback {
  return new TensorBoardCallback(logdir, options);
}

/** Options of {@link movingAverageCallback}. */
export interface MovingAverageCallbackOptions {
  /** Decay (e.g. 0.999). */
  decay: number;
  /** Use TF's `num_updates` warm-up, `min(decay, (1+n)/(10+n))` with n = the optimizer's step (default true). */
  numUpdates?: boolean;
  /** Average these parameters (default: the model's trainable ones at creation). */
  params?: ParameterSet;
}

/** Keeps moving averages of a model's weights during `fit`. */
export class MovingAverageCallback extends tfl.Callback {
  readonly ema: ExponentialMovingAverage;
  constructor(model: tfl.LayersModel, options: MovingAverageCallbackOptions) {
    super();
    this.ema = new ExponentialMovingAverage(options.decay, options.numUpdates === false ? {} : { numUpdates: () => model.optimizer?.iterations ?? 0 });
    this.ema.apply(options.params ?? parametersFromLayersModel(model).trainable());
  }
  override async onBatchEnd(): Promise<void> {
    this.ema.update();
  }
  /** The shadows (`<var>/ExponentialMovingAverage`) — pass to `checkpointCallback({extra})` to save and resume them. */
  variables(): ParameterSet {
    return this.ema.variables();
  }
  /** Run `fn` (evaluate, save, export) with the averages in the model's weights, then put the raw weights back. */
  withAverages<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.ema.withAveragesSwapped(fn);
  }
}

/**
 * A `model.fit` callback keeping TF-style moving averages of the weights.
 * @example
 * const ema = movingAverageCallback(model, { decay: 0.99 });
 * await model.fit(x, y, { callbacks: [ema] });
 * const acc = await ema.withAverages(() => model.evaluate(xTest, yTest));
 */
export function movingAverageCallback(model: tfl.LayersModel, options: MovingAverageCallbackOptions): MovingAverageCallback {
  return new MovingAverageCallback(model, options);
}
