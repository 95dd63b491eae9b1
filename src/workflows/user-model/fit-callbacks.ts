/**
 * The CLI's own `model.fit` callbacks around Graft's (layers/): a guard that stops on a NaN/Inf
 * batch loss or non-finite weights before the checkpoint callback can save them (TF's
 * NanTensorHook: the last good checkpoint stays the latest), ends training at the end of the
 * epoch in which SIGINT/SIGTERM arrived (that epoch is then saved: checkpoints of a `fit` run are
 * epoch ends, so resuming stays exact), and prints progress lines on stderr.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { assertFiniteLoss, assertFiniteVariables } from '../../train/non-finite.js';
import { parametersFromLayersModel } from '../../variables/layers-adapter.js';
import { resolveLogs } from '../../layers/logs.js';

/** One epoch's logs, as numbers. */
export type EpochLogs = { epoch: number } & Record<string, number>;

/** Options of {@link FitGuard}. */
export interface FitGuardOptions {
  nanCheck: boolean;
  signal?: AbortSignal;
  /** Progress line every N batches (0 = per epoch only, negative = never). */
  logEvery: number;
  label: string;
}

/** NaN stop, interrupt at the epoch end, progress and the per-epoch history. */
export class FitGuard extends tfl.Callback {
  readonly history: EpochLogs[] = [];
  /** The signal's reason when it ended training, else null. */
  interrupted: string | null = null;
  private epoch = 0;
  constructor(private readonly options: FitGuardOptions) {
    super();
  }
  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }
  override async onBatchEnd(batch: number, logs?: tfl.Logs): Promise<void> {
    const loss = (await resolveLogs(logs))['loss'];
    const step = this.model.optimizer?.iterations ?? 0;
    if (this.options.nanCheck && loss !== undefined) assertFiniteLoss(loss, step);
    const every = this.options.logEvery;
    if (every > 0 && (batch + 1) % every === 0) process.stderr.write(`${this.options.label}: epoch ${this.epoch + 1} batch ${batch + 1} step ${step} loss ${loss?.toFixed(4)}\n`);
  }
  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const values = await resolveLogs(logs);
    const step = this.model.optimizer?.iterations ?? 0;
    if (this.options.nanCheck) assertFiniteVariables(parametersFromLayersModel(this.model), step);
    this.history.push({ epoch: epoch + 1, ...values });
    if (this.options.logEvery >= 0) {
      process.stderr.write(`${this.options.label}: epoch ${epoch + 1} ${Object.entries(values).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}\n`);
    }
    if (this.options.signal?.aborted) {
      this.interrupted = String(this.options.signal.reason ?? 'aborted');
      this.model.stopTraining = true;
    }
  }
}
