/**
 * `checkpointCallback`: Keras `ModelCheckpoint` + `BackupAndRestore` for `model.fit`, on Graft's
 * CheckpointManager. At the end of every epoch it saves the model's weights (TF-Keras names), the
 * optimizer's state (`optimizer/<var>/<slot>`, `optimizer/iter`, see optimizer-state.ts) and any
 * extra parameters (EMA shadows) to `<dir>/model.ckpt-<epochs done>`, keeps the N latest and the N
 * best by a monitored log (`val_loss`, `val_acc`, …) in `<dir>/best/`, and records the model's
 * topology in `.meta.json`. Created before `fit`, it resumes from the latest checkpoint (weights +
 * optimizer state) and gives the epoch to continue from: `fit({initialEpoch: cb.initialEpoch})`.
 *
 * Positions are epochs: a run stopped mid-epoch resumes from its last completed epoch. tfjs
 * shuffles each epoch with `Math.random` (tfjs-layers engine/training.ts `fitLoop`,
 * `util.shuffle`), which Graft cannot seed: a bit-identical resume needs `shuffle: false` or data
 * shuffled by the caller with a seed (e.g. a seeded `tf.data` pipeline).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CheckpointManager, type RestoreOrInitializeReport, type ManagerSaveReport } from '../checkpoint/manager.js';
import type { SaverFormat } from '../checkpoint/saver.js';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';
import { ITERATIONS_NAME, optimizerStateNames, readOptimizerState, disposeOptimizerState, reanchorOptimizer, requireOptimizer, writeOptimizerState, type OptimizerState } from './optimizer-state.js';
import { layersModelMeta } from './topology.js';
import { resolveLogs } from './logs.js';

/** Options of {@link checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Latest checkpoints to keep (default 5). */
  maxToKeep?: number;
  /** Keep the N best by a log value of the epoch (Keras `save_best_only` with `monitor`/`mode`). */
  keepBest?: { monitor: string; mode: 'max' | 'min'; maxToKeep?: number };
  /** Save the optimizer state too (default true; needed for an exact resume). */
  saveOptimizer?: boolean;
  /** More parameters to save and resume with the model (e.g. `movingAverage.variables()`). */
  extra?: ParameterSet;
  /** Class labels written to `.meta.json`. */
  labels?: string[];
  /** More JSON for every `.meta.json`'s `extra` (e.g. the data spec and vocabulary `graft eval` rebuilds the inputs from). */
  metaExtra?: Record<string, unknown>;
  /** File format (default `tf-bundle`). */
  format?: SaverFormat;
  /** fsync files (default true). */
  fsync?: boolean;
}

/** The callback `checkpointCallback` returns. */
export class CheckpointCallback extends tfl.Callback {
  /** The epoch `fit` should start from (`initialEpoch`): 0 when fresh. */
  readonly initialEpoch: number;
  /** What the resume did. */
  readonly restored: RestoreOrInitializeReport;
  /** Reports of the saves done so far. */
  readonly saves: ManagerSaveReport[] = [];
  /**
   * Epochs not saved because the epoch's loss or a weight was NaN/Inf (a run stopped by
   * `terminateOnNaN` still ends its epoch, and its weights are then NaN): the latest checkpoint
   * stays the last good one, as `graft train` does. 1-based epoch numbers, the checkpoint step.
   */
  readonly skipped: { epoch: number; reason: 'non_finite_loss' | 'non_finite_weight'; name?: string }[] = [];

  constructor(
    readonly manager: CheckpointManager,
    private readonly target: tfl.LayersModel,
    private readonly mirrors: OptimizerMirror | null,
    private readonly monitor: string | undefined,
    restored: RestoreOrInitializeReport,
  ) {
    super();
    this.restored = restored;
    this.initialEpoch = restored.step ?? 0;
  }

  /** Release the run directory (its lock) at the end of `fit`, so another run may open it. */
  override async onTrainEnd(): Promise<void> {
    await this.close();
  }

  /** Release the run directory's lock (also done at the end of `fit`). */
  async close(): Promise<void> {
    await this.manager.close();
  }

  override async onEpochEnd(epoch: number, logs?: tfl.Logs): Promise<void> {
    const values = await resolveLogs(logs);
    if (this.mirrors) await this.mirrors.capture(this.target);
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(values)) if (Number.isFinite(v)) metrics[k] = v;
    if (this.monitor && !(this.monitor in values)) {
      throw new InvalidArgumentError('monitor_not_logged', `checkpointCallback monitors "${this.monitor}" but epoch ${epoch + 1} logged only ${Object.keys(values).join(', ') || 'nothing'}`, {
        hint: 'monitor a logged key (val_* needs validationData or validationSplit in fit)', details: { monitor: this.monitor, logged: Object.keys(values) },
      });
    }
    const bad = nonFinite(values, this.target);
    if (bad) {
      this.skipped.push({ epoch: epoch + 1, ...bad });
      return;
    }
    this.saves.push(await this.manager.save(epoch + 1, { metrics }));
    // a resumed run restores the optimizer through setWeights; take the same path here (optimizer-state.ts)
    if (this.mirrors) await reanchorOptimizer(this.target);
  }
}

/** Why an epoch must not be saved: a non-finite loss, or the first weight holding NaN/Inf; null when all is finite. */
function nonFinite(values: Record<string, number>, model: tfl.LayersModel): { reason: 'non_finite_loss' | 'non_finite_weight'; name?: string } | null {
  if ('loss' in values && !Number.isFinite(values['loss'])) return { reason: 'non_finite_loss' };
  for (const w of model.weights) {
    if (w.dtype !== 'float32') continue;
    // a host loop, not tf.isFinite: every backend has dataSync, not every one an IsFinite kernel
    const d = w.read().dataSync() as Float32Array;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return { reason: 'non_finite_weight', name: w.originalName };
  }
  return null;
}

/** Checkpoint-side copies of the optimizer's slots (tfjs creates its own lazily). */
class OptimizerMirror {
  readonly params = new ParameterSet();
  private readonly slots: { name: string; variable: tf.Variable; of: tf.Variable; slot: string }[] = [];
  private readonly iter: tf.Variable;

  constructor(model: tfl.LayersModel) {
    this.iter = tf.variable(tf.scalar(0, 'int32'), false);
    this.params.add(ITERATIONS_NAME, this.iter, { trainable: false, saveDtype: 'int64' });
    for (const n of optimizerStateNames(model)) {
      if (!n.variable || !n.slot) continue;
      const variable = tf.variable(tf.zerosLike(n.variable), false);
      this.slots.push({ name: n.name, variable, of: n.variable, slot: n.slot });
      this.params.add(n.name, variable, { trainable: false });
    }
  }

  async capture(model: tfl.LayersModel): Promise<void> {
    const state = await readOptimizerState(model);
    try {
      this.iter.assign(tf.scalar(state.iterations, 'int32'));
      for (const s of this.slots) {
        const v = state.slots.get(s.of.name)?.get(s.slot);
        s.variable.assign(v ?? tf.zerosLike(s.variable));
      }
    } finally {
      disposeOptimizerState(state);
    }
  }

  async apply(model: tfl.LayersModel, className: string): Promise<void> {
    const state: OptimizerState = { className, iterations: this.iter.dataSync()[0]!, slots: new Map() };
    for (const s of this.slots) {
      const m = state.slots.get(s.of.name) ?? new Map<string, tf.Tensor>();
      m.set(s.slot, s.variable);
      state.slots.set(s.of.name, m);
    }
    await writeOptimizerState(model, state);
  }
}

/**
 * A `model.fit` callback that checkpoints every epoch into `dir` and resumes from it.
 * The model must be compiled (the optimizer's slots are named from its trainable weights).
 * @example
 * const ckpt = await checkpointCallback(model, 'runs/cnn', { keepBest: { monitor: 'val_acc', mode: 'max' } });
 * await model.fit(x, y, { epochs: 10, initialEpoch: ckpt.initialEpoch, validationSplit: 0.1, callbacks: [ckpt] });
 * @throws InvalidArgumentError `model_not_compiled`, `unsupported_optimizer`; RestoreMismatchError when the
 *   latest checkpoint does not fit the model.
 */
export async function checkpointCallback(model: tfl.LayersModel, dir: string, options: CheckpointCallbackOptions = {}): Promise<CheckpointCallback> {
  const optimizer = requireOptimizer(model, 'checkpointCallback');
  const params = new ParameterSet(parametersFromLayersModel(model));
  const mirrors = options.saveOptimizer === false ? null : new OptimizerMirror(model);
  for (const p of mirrors?.params ?? []) params.insert(p);
  for (const p of options.extra ?? []) params.insert(p);
  const manager = new CheckpointManager(dir, {
    params,
    maxToKeep: options.maxToKeep ?? 5,
    ...(options.keepBest ? { keepBest: { metric: options.keepBest.monitor, mode: options.keepBest.mode, maxToKeep: options.keepBest.maxToKeep ?? 1 } } : {}),
    meta: { model: layersModelMeta(model), ...(options.labels ? { labels: options.labels } : {}), ...(options.metaExtra ? { extra: options.metaExtra } : {}) },
    ...(options.format ? { format: options.format } : {}),
    ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
  });
  const restored = await manager.restoreOrInitialize();
  if (restored.action === 'resumed' && mirrors) await mirrors.apply(model, optimizer.getClassName());
  return new CheckpointCallback(manager, model, mirrors, options.keepBest?.monitor, restored);
}
