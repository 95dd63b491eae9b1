/**
 * `graft train` as a function: build a registered model, load its task, restore parts of it
 * from other checkpoints (optionally frozen), train only the chosen scopes with Adam, optional
 * exponential LR decay and EMA, and checkpoint into a training directory (resume if it has a
 * checkpoint; keep the latest N and the best by accuracy; save all or only some scopes) with a
 * `.meta.json` that lets `graft eval` rebuild the model, its labels and its vocabulary.
 *
 * Covers article 000 (staged CNN→LSTM training: `trainableScopes` + `saveScopes` + `restore`
 * with `freeze`) and article 001 (MNIST with LR decay and moving averages).
 */
import { InvalidArgumentError } from '../errors.js';
import { CheckpointManager } from '../checkpoint/manager.js';
import { restoreFromCheckpoint } from '../checkpoint/execute-plan.js';
import type { RestoreReport } from '../checkpoint/restore-plan.js';
import { buildModel, getModel } from '../models/registry.js';
import type { ClassifierModel } from '../models/types.js';
import { AdamOptimizer } from '../train/optimizers.js';
import { stopIfNoIncrease, type EarlyStoppingOptions } from '../train/early-stopping.js';
import { ExponentialMovingAverage } from '../train/ema.js';
import { createGlobalStep, globalStepValue } from '../train/global-step.js';
import { assertFiniteVariables } from '../train/non-finite.js';
import { readMeta } from '../checkpoint/meta.js';
import { latestCheckpoint } from '../checkpoint/state.js';
import { checkpointOwnership } from '../checkpoint/run-files.js';
import { dataPositionRecord, resumePosition, stepBudget } from './data-position.js';
import { exponentialDecay, naturalExpDecay, inverseTimeDecay, polynomialDecay, cosineDecay, cosineDecayRestarts, piecewiseConstant, linearWarmup, type LearningRateSchedule } from '../train/schedules.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { combinedChecksum } from './checksum.js';
import { largestDimension, matchesScopes, metaExtras, readCheckpointMeta, resolveCheckpoint, scopeSelection, withManagers, type RestorePart, type ScopeMatching } from './checkpoints.js';
import { SummaryWriter } from '../train/summary/summary-writer.js';
import { fit, type DataPosition, type EvalRecord, type FitReport } from './fit.js';
import { classAwareRestore, type ClassAwareRestoreReport } from './class-change.js';
import { restoreOptimizerState, type OptimizerStateReport } from './class-slots.js';
import { initNewClassColumns, type NewClassInit, type NewClassInitReport } from './class-init.js';
import type { MergeSpec, SplitSpec } from '../checkpoint/class-plan.js';
import { defaultTaskFor, loadTask, taskClassNames, type TaskSpec } from './tasks.js';

/**
 * A learning-rate decay by TF's names: `exponential` / `natural_exp` / `inverse_time` (need
 * `decayRate`, optional `staircase`), `polynomial` (`endLearningRate` default 1e-4, `power` 1,
 * `cycle`), `cosine` (`alpha` default 0), `cosine_restarts` (`decaySteps` = first period, `tMul`,
 * `mMul`, `alpha`), `piecewise_constant` (`boundaries`, `values`; the base rate is not used).
 */
export interface LrDecayOptions {
  type: 'exponential' | 'natural_exp' | 'inverse_time' | 'polynomial' | 'cosine' | 'cosine_restarts' | 'piecewise_constant';
  /** Steps of one decay period (`cosine_restarts`: the first period); unused by `piecewise_constant`. */
  decaySteps: number;
  /** `piecewise_constant`: step boundaries (increasing) and the rates, one more than boundaries. */
  boundaries?: number[];
  values?: number[];
  /** `cosine_restarts`: period multiplier (default 2) and rate multiplier per restart (default 1). */
  tMul?: number;
  mMul?: number;
  decayRate?: number;
  staircase?: boolean;
  endLearningRate?: number;
  power?: number;
  cycle?: boolean;
  alpha?: number;
}

/** The schedule an {@link LrDecayOptions} names, over base rate `lr`. */
export function decaySchedule(lr: number, d: LrDecayOptions): LearningRateSchedule {
  const rated = { decaySteps: d.decaySteps, decayRate: d.decayRate ?? Number.NaN, staircase: d.staircase ?? false };
  if ((d.type === 'exponential' || d.type === 'natural_exp' || d.type === 'inverse_time') && d.decayRate === undefined) {
    throw new InvalidArgumentError('missing_decay_rate', `lrDecay ${d.type} needs decayRate`, { hint: 'pass decayRate (CLI --decay-rate R)' });
  }
  switch (d.type) {
    case 'exponential': return exponentialDecay(lr, rated);
    case 'natural_exp': return naturalExpDecay(lr, rated);
    case 'inverse_time': return inverseTimeDecay(lr, rated);
    case 'polynomial': return polynomialDecay(lr, { decaySteps: d.decaySteps, endLearningRate: d.endLearningRate, power: d.power, cycle: d.cycle });
    case 'cosine': return cosineDecay(lr, { decaySteps: d.decaySteps, alpha: d.alpha });
    case 'cosine_restarts': return cosineDecayRestarts(lr, { firstDecaySteps: d.decaySteps, tMul: d.tMul, mMul: d.mMul, alpha: d.alpha });
    case 'piecewise_constant': return piecewiseConstant(d.boundaries ?? [], d.values ?? []);
  }
}

/** Options of {@link trainModel}. */
export interface TrainModelOptions {
  /** Registered model name (`mnist-cnn`, `intent-a`, `crnn`, …). */
  model: string;
  /** Config overrides (numClasses is set from the task). */
  modelConfig?: Record<string, unknown>;
  /** Data; default the model kind's dataset, all classes. */
  task?: Partial<TaskSpec>;
  /** Checkpoint directory; resumed when it holds a checkpoint. Omit for no checkpoints. */
  trainDir?: string;
  /** Default 0.003. */
  learningRate?: number;
  lrDecay?: LrDecayOptions;
  /** Linear warm-up of the learning rate from 0 over the first N steps (in front of any decay). */
  warmupSteps?: number;
  /** Keep moving averages of the trained variables with this decay (num_updates = global step). */
  movingAverageDecay?: number;
  /** How scope strings match (default `boundary`; the CLI uses `tf`, as the articles' flags did). */
  scopeMatching?: ScopeMatching;
  /** Train only these scopes (`--tune-scope`, slim `--trainable_scopes`); default all. */
  trainableScopes?: string[];
  /** Save only these scopes (`--save-scope`); default every variable. */
  saveScopes?: string[];
  /** Parts to restore from other checkpoints before training (`--restore DIR:SCOPE`). */
  restore?: RestorePart[];
  /** Scopes to freeze (`--freeze-scope`). */
  freezeScopes?: string[];
  /**
   * Continue from a classifier checkpoint whose classes may differ (article 004): its label list
   * is matched against the task's (classAwareRestore); `merges` also relabel the data.
   */
  classesFrom?: {
    from: string;
    merges?: MergeSpec[];
    splits?: SplitSpec[];
    /** How new and split classes' head columns start: `fresh` or `imprint` (class-init.ts). Default `imprint`. */
    newClassInit?: NewClassInit;
    /** Text models: add the new training texts' unknown words to the vocabulary (new embedding rows). Default true. */
    growVocabulary?: boolean;
    /**
     * The optimizer's slots and beta powers: `restore` them (head slots remapped by class, as
     * TF1's Saver over global_variables-minus-softmax did; class-slots.ts) or start them `fresh`.
     * Default: `restore` when the classes are the same (reordered or not), `fresh` when they changed.
     */
    optimizerState?: 'restore' | 'fresh';
  };
  /**
   * Train until this many epochs of the data are complete, counting those of the run resumed
   * (an absolute target, as `maxSteps`). Default 1.
   */
  epochs?: number;
  /**
   * Stop at this global step (slim's `max_number_of_steps`, Estimator's `max_steps`): a resumed
   * run trains only the rest; one already there trains nothing.
   */
  maxSteps?: number;
  /** Steps to add to the global step in this call (Estimator's `steps`); not with `maxSteps`. */
  steps?: number;
  /**
   * Stop with a `non_finite` error on a NaN/±Inf loss, and on non-finite variables before each
   * save, so a diverged run never replaces a good checkpoint (TF's NanTensorHook). Default true.
   */
  nanCheck?: boolean;
  /**
   * Finish the current step, save (with the data position) and return with `interrupted` set when
   * this aborts; the CLI aborts it on SIGINT/SIGTERM. Its `reason` is reported as given.
   */
  signal?: AbortSignal;
  /** Stop after an evaluation for which this returns true (e.g. a target accuracy reached). */
  stopWhen?: (e: EvalRecord) => boolean;
  /**
   * Stop when the evaluated accuracy has not increased for `maxStepsWithoutImprovement` steps
   * (TF's `stop_if_no_increase_hook`; train/early-stopping.ts). Evaluations come after each
   * epoch and every `evalEvery` steps, so the patience is only checked at those points.
   */
  earlyStopping?: EarlyStoppingOptions;
  /** Default 32. */
  batchSize?: number;
  /** Seed of data order (model init seeds are in the model config). Default 0. */
  seed?: number;
  /** Evaluate (and checkpoint) every N steps as well as after each epoch. */
  evalEvery?: number;
  /** File format of the checkpoints in `trainDir`: `tf-bundle` (default) or `safetensors`. */
  checkpointFormat?: 'tf-bundle' | 'safetensors';
  /** Evaluate once before training too (the start point's accuracy, at step 0). */
  evalAtStart?: boolean;
  /** Latest checkpoints kept; default 5. */
  maxToKeep?: number;
  /** Best-by-accuracy checkpoints kept in `<trainDir>/best`; default 1 (0 = none). */
  keepBest?: number;
  /** Progress lines on stderr every N steps; default 0. */
  logEvery?: number;
  label?: string;
  /**
   * Write TensorBoard event files into `trainDir` (`loss`, `learning_rate` per step,
   * `eval/accuracy` at each evaluation, flushed with every checkpoint), as TF1's Estimator does in
   * its model_dir. Default true when there is a `trainDir`.
   */
  tensorboard?: boolean;
}

/** What a training run did; plain data. */
export interface TrainModelReport {
  model: string;
  config: Record<string, unknown>;
  classNames: string[];
  trainDir: string | null;
  /** Resume / fresh, from the checkpoint manager. */
  /** How training started; `warnings`: what the checkpoint manager refused or repaired in the run directory (also printed to stderr by the CLI). */
  start: { action: string; message: string; warnings: string[] };
  /** Reports of the `restore` parts. */
  restored: { from: string; include: string[]; frozen: boolean; summary: RestoreReport['summary'] }[];
  trainedVariables: string[];
  frozenVariables: string[];
  savedVariables: string[];
  /** The class-aware restore, when `classesFrom` was given. */
  classChange: ClassAwareRestoreReport | null;
  /** How the new classes' head columns started (with `classesFrom`); its seconds are training cost. */
  newClassInit: NewClassInitReport | null;
  /** The optimizer state taken over by a class change (null without `classesFrom` or with `optimizerState: 'fresh'`). */
  optimizerState: OptimizerStateReport | null;
  /** The early-stopping rule's outcome (null without `earlyStopping`). */
  earlyStopping: { stoppedAtStep: number | null; bestAccuracy: number | null; bestStep: number | null } | null;
  /** Checksum of the frozen variables before and after training (equal = untouched). */
  frozenChecksum: { before: string; after: string; unchanged: boolean } | null;
  fit: FitReport;
  finalAccuracy: number;
  finalEmaAccuracy: number | null;
  globalStep: number;
  latestCheckpoint: string | null;
  bestCheckpoint: string | null;
  /** Where the data stream started and stopped; `note` says when a resume was not exact. */
  dataPosition: { start: DataPosition; end: DataPosition; note: string | null };
  /** The abort reason (e.g. `"SIGINT"`) when `signal` stopped the run, else null. */
  interrupted: string | null;
  trainExamples: number;
  testExamples: number;
  /** The TensorBoard event file written (null without a train dir or with `tensorboard: false`). */
  tensorboard: string | null;
}

/**
 * Train a registered model; see {@link TrainModelOptions}.
 * @example
 * await trainModel({ model: 'mnist-cnn', trainDir: 'runs/mnist', movingAverageDecay: 0.99,
 *   lrDecay: { type: 'exponential', decaySteps: 100, decayRate: 0.9, staircase: true } });
 * @throws InvalidArgumentError `no_trainable_variables`, `conflicting_options` (maxSteps with
 *   steps); NonFiniteError `non_finite` when training diverges (nothing saved after it);
 *   checkpoint errors from restores.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainModelReport> {
  return withManagers((managers) => runTrainModel(options, managers)); // closed on every way out: the run lock is released
}

async function runTrainModel(options: TrainModelOptions, managers: CheckpointManager[]): Promise<TrainModelReport> {
  const def = getModel(options.model);
  // Text models must use the vocabulary of any checkpoint they restore parts from.
  let vocabulary: ReturnType<typeof metaExtras>['vocabulary'];
  let inheritedTask: TaskSpec | undefined;
  const sources = [...(options.classesFrom ? [{ from: options.classesFrom.from }] : []), ...(options.restore ?? [])];
  for (const part of sources) {
    const ckpt = await resolveCheckpoint(part.from);
    const meta = await readCheckpointMeta(ckpt).catch(() => undefined);
    const ex = meta ? metaExtras(meta) : {};
    vocabulary ??= ex.vocabulary;
    inheritedTask ??= ex.task;
  }
  const taskSpec: TaskSpec = { ...defaultTaskFor(def.inputKind), ...(inheritedTask ?? {}), ...(options.task ?? {}) } as TaskSpec;
  if (options.classesFrom) {
    delete taskSpec.merges;
    if (options.classesFrom.merges?.length) taskSpec.merges = options.classesFrom.merges.map((m) => ({ sources: [...m.sources], target: m.target }));
  }
  const classNames = await taskClassNames(taskSpec);
  // A class change may bring words the old vocabulary lacks: they get new ids after the old ones
  // (old rows of the embedding are restored, new rows start fresh; classAwareRestore).
  const grow = !!options.classesFrom && options.classesFrom.growVocabulary !== false;
  const task = await loadTask(taskSpec, { vocabulary, extendVocabulary: grow, maxLength: Number(options.modelConfig?.maxLength ?? def.defaultConfig.maxLength ?? 16), padding: def.tokenPadding ?? 'pre' });
  const config: Record<string, unknown> = { ...(options.modelConfig ?? {}), numClasses: classNames.length };
  if (task.vocabulary) config.vocabSize = task.vocabulary.size;
  if (taskSpec.dataset === 'banking77' && taskSpec.maxLength) config.maxLength = taskSpec.maxLength;
  // Resuming: the config may not ask for more than the checkpoint to resume holds (registry.ts).
  // Only a checkpoint of the run directory itself counts (run-files.ts): a state file naming a
  // path outside it is the manager's warning, never read here.
  const listed = options.trainDir ? await latestCheckpoint(options.trainDir) : null;
  const resumeFrom = listed && (await checkpointOwnership(options.trainDir!, listed)).owned ? listed : null;
  const bounds = resumeFrom ? { maxDimension: await largestDimension(resumeFrom), source: resumeFrom } : {};
  const model: ClassifierModel = buildModel(options.model, config, bounds);

  const matching = options.scopeMatching ?? 'boundary';
  const classChange = options.classesFrom
    ? await classAwareRestore(model, options.classesFrom.from, classNames, { merges: options.classesFrom.merges ?? [], splits: options.classesFrom.splits ?? [] })
    : null;
  const newClassInit = classChange
    ? initNewClassColumns(model, classChange.plan, task.train, options.classesFrom!.newClassInit ?? 'imprint', { seed: options.seed ?? 0 })
    : null;
  const restored: TrainModelReport['restored'] = [];
  for (const part of options.restore ?? []) {
    const ckpt = await resolveCheckpoint(part.from);
    const include = part.include ?? [];
    const exclude = part.exclude ?? [];
    const target = model.params.select({ ...scopeSelection(include, matching), ...scopeSelection(exclude, matching, 'exclude') });
    const plan = await restoreFromCheckpoint(target, ckpt, { ignoreMissing: part.ignoreMissing ?? include.length === 0 });
    if (part.freeze) {
      const got = new Set(plan.entries.filter((e) => e.status === 'restored' || e.status === 'renamed').map((e) => e.name));
      for (const p of target) if (got.has(p.name)) p.trainable = false;
    }
    restored.push({ from: ckpt, include, frozen: !!part.freeze, summary: plan.summary });
  }
  if (options.freezeScopes?.length) model.params.freeze(scopeSelection(options.freezeScopes, matching));
  if (options.trainableScopes?.length) model.params.freeze(scopeSelection(options.trainableScopes, matching, 'exclude'));
  const trainable = model.params.trainable();
  if (trainable.size === 0) {
    throw new InvalidArgumentError('no_trainable_variables', `no variable of ${model.name} is left to train (trainable scopes: [${(options.trainableScopes ?? []).join(', ')}])`, {
      hint: `check the scope names against the model's variables: ${model.params.names().slice(0, 6).join(', ')}, …`,
    });
  }
  const frozen = model.params.select({ trainable: false });

  const { variable: globalStep, params: stepParams } = createGlobalStep();
  const lr = options.learningRate ?? 0.003;
  const decayed = options.lrDecay ? decaySchedule(lr, options.lrDecay) : lr;
  const schedule = options.warmupSteps ? linearWarmup(decayed, { warmupSteps: options.warmupSteps }) : decayed;
  const optimizer = new AdamOptimizer(model.params, { learningRate: schedule });
  optimizer.createSlots();
  // Same classes = continue training: the optimizer resumes too. Changed classes = a transfer:
  // fresh slots by default (measured: restored slots reached the scratch accuracy later; docs/workflows.md).
  const sameClasses = classChange?.action === 'continue' || classChange?.action === 'reorder';
  const optimizerState = classChange && (options.classesFrom!.optimizerState ?? (sameClasses ? 'restore' : 'fresh')) === 'restore'
    ? await restoreOptimizerState(optimizer, model, classChange.checkpoint, classChange.plan, classChange.grownRows)
    : null;
  let ema: ExponentialMovingAverage | undefined;
  if (options.movingAverageDecay !== undefined) {
    ema = new ExponentialMovingAverage(options.movingAverageDecay, { numUpdates: globalStep });
    ema.apply(trainable);
  }

  // What the checkpoints hold: the chosen model scopes, their EMA shadows and optimizer slots, the step.
  const saveScopes = options.saveScopes ?? [];
  const inSaved = (name: string) => saveScopes.length === 0 || matchesScopes(name, saveScopes, matching);
  const saved = new ParameterSet();
  for (const p of model.params) if (inSaved(p.name)) saved.add(p.name, p.variable, { trainable: p.trainable });
  for (const p of ema?.variables() ?? []) if (inSaved(p.name)) saved.add(p.name, p.variable, { trainable: false });
  for (const p of optimizer.variables()) {
    if (inSaved(p.name) || (saveScopes.length === 0 && !p.name.includes('/'))) saved.add(p.name, p.variable, { trainable: false });
  }
  for (const p of stepParams) saved.add(p.name, p.variable, { trainable: false, saveDtype: p.saveDtype });

  const extra: Record<string, unknown> = { task: taskSpec, savedScopes: saveScopes };
  if (task.vocabulary) extra.vocabulary = task.vocabulary.toJSON();
  if (options.movingAverageDecay !== undefined) extra.movingAverageDecay = options.movingAverageDecay;
  const manager = options.trainDir
    ? new CheckpointManager(options.trainDir, {
        params: saved,
        maxToKeep: options.maxToKeep ?? 5,
        ...(options.keepBest === 0 ? {} : { keepBest: { metric: 'accuracy', mode: 'max' as const, maxToKeep: options.keepBest ?? 1 } }),
        ...(options.checkpointFormat ? { format: options.checkpointFormat } : {}),
        meta: { model: { name: model.name, config: model.config }, labels: classNames, extra },
      })
    : undefined;
  if (manager) managers.push(manager);
  const start = manager ? await manager.restoreOrInitialize() : { action: 'fresh', message: 'no training directory: nothing resumed, nothing saved', path: null, warnings: [] as string[] };
  const before = frozen.size ? combinedChecksum(frozen) : '';
  let bestCheckpoint: string | null = null;
  let latest: string | null = null;

  // Exact resume (data-position.ts): the data stream continues where the checkpoint left it,
  // and the step limits are global-step targets.
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 32;
  const resumedMeta = start.action === 'resumed' && start.path ? await readMeta(start.path).catch(() => undefined) : undefined;
  const resume = resumePosition(resumedMeta?.extra?.dataPosition, { seed, examples: task.train.count }, start.action === 'resumed');
  const stepAtStart = globalStepValue(globalStep);
  const budget = stepBudget(stepAtStart, { ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}), ...(options.steps !== undefined ? { steps: options.steps } : {}) });
  const epochs = options.epochs ?? 1;
  if (budget === 0 || resume.start.epoch >= epochs) {
    start.message += budget === 0
      ? `; global step ${stepAtStart} has reached max steps ${options.maxSteps}: nothing to train`
      : `; ${resume.start.epoch} epochs are complete (epochs ${epochs}): nothing to train`;
  }
  const nanCheck = options.nanCheck ?? true;
  const saveAt = async (step: number, position: DataPosition, metrics: Record<string, number>): Promise<void> => {
    if (!manager) return;
    if (nanCheck) assertFiniteVariables(saved, step);
    const r = await manager.save(step, { metrics, extra: { dataPosition: dataPositionRecord(position, { seed, batchSize, examples: task.train.count }) } });
    latest = r.path;
    if (r.bestPath) bestCheckpoint = r.bestPath;
  };

  const early = options.earlyStopping ? stopIfNoIncrease(options.earlyStopping) : undefined;
  const events = options.trainDir && options.tensorboard !== false ? await SummaryWriter.create(options.trainDir) : undefined;
  let report: FitReport;
  try {
    report = await fit((inputs, training) => model.logits(inputs, { training }), task.train, {
      optimizer,
      varList: model.params,
      globalStep,
      ...(ema ? { ema } : {}),
      epochs,
      ...(Number.isFinite(budget) ? { maxSteps: budget } : {}),
      start: resume.start,
      nanCheck,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.stopWhen || early ? { shouldStop: (e: EvalRecord) => (early?.update(e.step, e.accuracy) ?? false) || (options.stopWhen?.(e) ?? false) } : {}),
      batchSize,
      seed,
      evalSet: task.test,
      ...(options.evalEvery ? { evalEvery: options.evalEvery } : {}),
      ...(options.evalAtStart ? { evalAtStart: true } : {}),
      logEvery: options.logEvery ?? 0,
      label: options.label ?? model.name,
      ...(events ? { summaryWriter: events } : {}),
      onEval: async (e, position) => {
        const metrics: Record<string, number> = { accuracy: e.accuracy, loss: e.loss };
        if (e.emaAccuracy !== undefined) metrics.emaAccuracy = e.emaAccuracy;
        await saveAt(e.step, position, metrics);
        await events?.flush();
      },
    });
  } finally {
    await events?.close();
  }
  // Interrupted: the step in flight finished; save it (no evaluation, so no best/ entry).
  if (report.interrupted && report.steps > 0) await saveAt(globalStepValue(globalStep), report.position, {});
  const after = frozen.size ? combinedChecksum(frozen) : '';
  const final = report.final;
  return {
    model: model.name,
    config: model.config,
    classNames,
    trainDir: options.trainDir ?? null,
    start: { action: start.action, message: start.message, warnings: start.warnings },
    restored,
    classChange,
    newClassInit,
    optimizerState,
    trainedVariables: trainable.names(),
    frozenVariables: frozen.names(),
    savedVariables: options.trainDir ? saved.names() : [],
    earlyStopping: early ? { stoppedAtStep: early.stoppedAt, bestAccuracy: early.best, bestStep: early.bestStep } : null,
    frozenChecksum: frozen.size ? { before, after, unchanged: before === after } : null,
    fit: report,
    finalAccuracy: final?.accuracy ?? 0,
    finalEmaAccuracy: final?.emaAccuracy ?? null,
    globalStep: globalStepValue(globalStep),
    latestCheckpoint: latest,
    bestCheckpoint,
    dataPosition: { start: resume.start, end: report.position, note: resume.note },
    interrupted: report.interrupted ? String(options.signal?.reason ?? 'aborted') : null,
    trainExamples: task.train.count,
    testExamples: task.test.count,
    tensorboard: events?.path ?? null,
  };
}
