/**
 * Transfer learning three ways (article 002), from a base model pretrained on one task to a new
 * task with a new head (`Logits`):
 *
 * - `freeze`   — restore everything but the head, freeze the body, train the head on images
 *                (every step still runs the frozen body forward);
 * - `features` — restore the body, compute its features for the train and test sets **once**,
 *                save them (`features.safetensors` in the training directory, reused when the
 *                same checkpoint and data are asked for again), and train only the head on them;
 * - `finetune` — restore the body, train the head and the last K body layers (`unfreezeLast`).
 *
 * All three resume from the training directory when it holds a checkpoint, else warm-start from
 * the pretrained one with `excludeScopes` (slim `checkpoint_exclude_scopes`), and keep the best
 * checkpoint by accuracy. The report carries accuracy, head-training seconds per epoch and the
 * total time (feature extraction included), which is what the modes are compared by.
 */
import { mkdir, stat } from '../io/fs.js';
import { join } from '../io/path.js';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { CheckpointManager } from '../checkpoint/manager.js';
import type { RestoreReport } from '../checkpoint/restore-plan.js';
import { openSafetensors, writeSafetensors } from '../formats/safetensors/index.js';
import type { TensorValue } from '../formats/types.js';
import type { ExampleSet } from '../models/data/example-set.js';
import { buildModel } from '../models/registry.js';
import type { ClassifierModel } from '../models/types.js';
import { AdamOptimizer } from '../train/optimizers.js';
import { createGlobalStep, globalStepValue } from '../train/global-step.js';
import { assertFiniteVariables } from '../train/non-finite.js';
import { readMeta } from '../checkpoint/meta.js';
import { dataPositionRecord, resumePosition } from './data-position.js';
import { linearHeadStep, linearHeadStepAvailable } from '../train/linear-head-step.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { disposeBatch, epochOrder, makeBatch, type Batch } from './batches.js';
import { combinedChecksum } from './checksum.js';
import { matchesScopes, metaExtras, modelFromCheckpointMeta, readCheckpointMeta, resolveCheckpoint, scopeSelection, withManagers, type ScopeMatching } from './checkpoints.js';
import { fit, type DataPosition, type FitReport } from './fit.js';
import { groupLayers } from '../checkpoint/common-layers.js';
import { defaultTaskFor, loadTask, taskClassNames, type TaskSpec } from './tasks.js';

/** The three transfer modes. */
export type TransferMode = 'freeze' | 'features' | 'finetune';

/** Options of {@link transfer}. */
export interface TransferOptions {
  mode: TransferMode;
  /** Pretrained checkpoint (prefix or directory) with a `.meta.json` naming its model. */
  from: string;
  /** The new task (e.g. `{dataset: 'mnist', digits: [5,6,7,8,9]}`). */
  task: Partial<TaskSpec>;
  /** Checkpoint directory of the new model (resume-or-warm-start, keep-best). */
  trainDir?: string;
  /** Not restored from `from`; default the model's head scopes. */
  excludeScopes?: string[];
  /** Trained (freeze/features); default the head scopes. */
  trainableScopes?: string[];
  /** finetune: also train the last K body layers; default 1. */
  unfreezeLast?: number;
  /** Variables missing from `from` keep their initial values (slim `ignore_missing_vars`). */
  ignoreMissingVars?: boolean;
  scopeMatching?: ScopeMatching;
  /** Train until this many epochs are done, counting those of a resumed run (absolute). Default 3. */
  epochs?: number;
  /** Stop with `non_finite` on a NaN/±Inf loss or before saving non-finite variables (default true). */
  nanCheck?: boolean;
  /** Finish the current step, save and return with `interrupted` set when this aborts. */
  signal?: AbortSignal;
  batchSize?: number;
  /** Default 0.003 (finetune: the body layers get the same rate). */
  learningRate?: number;
  seed?: number;
  maxToKeep?: number;
  /** Default 1. */
  keepBest?: number;
  logEvery?: number;
}

/** What a transfer run did. */
export interface TransferReport {
  mode: TransferMode;
  from: string;
  model: string;
  classNames: string[];
  /** `warnings`: what the checkpoint manager refused or repaired in the run directory. */
  start: { action: string; message: string; summary: RestoreReport['summary'] | null; warnings: string[] };
  trainedVariables: string[];
  frozenVariables: string[];
  frozenChecksum: { before: string; after: string; unchanged: boolean } | null;
  /** features mode: where the features were saved, whether they were reused, seconds to compute. */
  features: { path: string | null; reused: boolean; seconds: number; width: number } | null;
  fit: FitReport;
  /** How a step trained: `linear` (the head's affine step, gradient written out) or `autodiff` (TF.js tape). */
  headStep: 'linear' | 'autodiff';
  accuracy: number;
  /** Mean seconds of one epoch of head training. */
  epochSeconds: number;
  /** Seconds from start to end (restore, features, training, evaluation, checkpoints). */
  totalSeconds: number;
  bestCheckpoint: string | null;
  latestCheckpoint: string | null;
  /** Null when a resume continued the data exactly (or the run was fresh); else why not. */
  dataPositionNote: string | null;
  /** The abort reason (e.g. `"SIGINT"`) when `signal` stopped the run, else null. */
  interrupted: string | null;
}

function featureSet(values: Float32Array, labels: Int32Array, width: number, classNames: string[]): ExampleSet {
  return { x: values, exampleShape: [width], labels, classNames, count: labels.length };
}

async function computeFeatures(model: ClassifierModel, set: ExampleSet): Promise<Float32Array> {
  const out = new Float32Array(set.count * model.featureWidth);
  const order = epochOrder(set.count, 0);
  for (let s = 0; s < set.count; s += 256) {
    const b = makeBatch(set, order, s, 256);
    const f = tf.tidy(() => model.features(b.inputs).dataSync() as Float32Array);
    out.set(f, s * model.featureWidth);
    disposeBatch(b);
  }
  return out;
}

function f32Tensor(name: string, data: Float32Array | Int32Array, shape: number[]): TensorValue {
  return { name, dtype: data instanceof Float32Array ? 'float32' : 'int32', shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Run one transfer mode; see the file comment.
 * @example
 * await transfer({ mode: 'features', from: 'runs/base', task: { dataset: 'mnist', digits: [5,6,7,8,9] }, trainDir: 'runs/features' });
 * @throws InvalidArgumentError `bad_transfer_mode`, `meta_without_model`; restore errors.
 */
export async function transfer(options: TransferOptions): Promise<TransferReport> {
  return withManagers((managers) => runTransfer(options, managers)); // closed on every way out: the run lock is released
}

async function runTransfer(options: TransferOptions, managers: CheckpointManager[]): Promise<TransferReport> {
  const t0 = Date.now();
  if (!['freeze', 'features', 'finetune'].includes(options.mode)) {
    throw new InvalidArgumentError('bad_transfer_mode', `transfer mode "${options.mode}" is not one of freeze, features, finetune`, { hint: 'use --mode freeze|features|finetune' });
  }
  const ckpt = await resolveCheckpoint(options.from);
  const meta = await readCheckpointMeta(ckpt);
  const base = await modelFromCheckpointMeta(meta, ckpt);
  const ex = metaExtras(meta);
  const taskSpec = { ...defaultTaskFor(base.inputKind), ...(options.task ?? {}) } as TaskSpec;
  const classNames = await taskClassNames(taskSpec);
  const task = await loadTask(taskSpec, { vocabulary: ex.vocabulary, maxLength: Number(base.config.maxLength ?? 16), padding: base.tokenPadding ?? 'pre' });
  base.params.toArray().forEach((p) => p.variable.dispose());
  const model = buildModel(base.name, { ...base.config, numClasses: classNames.length });
  const matching = options.scopeMatching ?? 'boundary';
  const headScopes = model.headScopes;
  const trainableScopes = options.trainableScopes ?? headScopes;
  const exclude = options.excludeScopes ?? headScopes;

  // Which variables train.
  model.params.freeze(scopeSelection(trainableScopes, matching, 'exclude'));
  if (options.mode === 'finetune') {
    const body = groupLayers(model.params.toArray().filter((p) => !headScopes.some((h) => matchesScopes(p.name, [h], 'boundary'))).map((p) => ({ name: p.name, dtype: p.variable.dtype, shape: [...p.variable.shape] }))).layers;
    const k = options.unfreezeLast ?? 1;
    for (const layer of body.slice(Math.max(0, body.length - k))) model.params.unfreeze({ include: [layer.scope] });
  }
  const trainable = model.params.trainable();
  const frozen = model.params.select({ trainable: false });

  const { variable: globalStep, params: stepParams } = createGlobalStep();
  const optimizer = new AdamOptimizer(model.params, { learningRate: options.learningRate ?? 0.003 });
  optimizer.createSlots();
  const saved = new ParameterSet([...model.params, ...optimizer.variables(), ...stepParams]);
  const manager = options.trainDir
    ? new CheckpointManager(options.trainDir, {
        params: saved,
        maxToKeep: options.maxToKeep ?? 5,
        ...(options.keepBest === 0 ? {} : { keepBest: { metric: 'accuracy', mode: 'max' as const, maxToKeep: options.keepBest ?? 1 } }),
        // Warm start = model variables only: this run's optimizer slots and step start fresh.
        warmStart: { from: ckpt, exclude: [...exclude, ...optimizer.variables().names(), ...stepParams.names()], ignoreMissing: options.ignoreMissingVars ?? false },
        meta: { model: { name: model.name, config: model.config }, labels: classNames, extra: { task: taskSpec, transfer: { mode: options.mode, from: ckpt }, ...(task.vocabulary ? { vocabulary: task.vocabulary.toJSON() } : {}) } },
      })
    : undefined;
  if (manager) managers.push(manager);
  let start: TransferReport['start'];
  let resumedFrom: string | null = null;
  if (manager) {
    // The warm start restores the model only: optimizer slots and the step start fresh.
    const r = await manager.restoreOrInitialize();
    start = { action: r.action, message: r.message, summary: r.plan?.summary ?? null, warnings: r.warnings };
    resumedFrom = r.action === 'resumed' ? r.path : null;
  } else {
    const { restoreFromCheckpoint } = await import('../checkpoint/execute-plan.js');
    const plan = await restoreFromCheckpoint(model.params, ckpt, { exclude: [...exclude], ignoreMissing: options.ignoreMissingVars ?? false });
    start = { action: 'warm-started', message: `warm-started from ${ckpt}`, summary: plan.summary, warnings: [] };
  }
  const before = frozen.size ? combinedChecksum(frozen) : '';

  let features: TransferReport['features'] = null;
  let trainSet = task.train;
  let testSet = task.test;
  let forward = (inputs: Parameters<ClassifierModel['logits']>[0], training: boolean) => model.logits(inputs, { training });
  if (options.mode === 'features') {
    const f0 = Date.now();
    const path = options.trainDir ? join(options.trainDir, 'features.safetensors') : null;
    const key = JSON.stringify({ from: ckpt, task: taskSpec, width: model.featureWidth });
    let reused = false;
    let trainF: Float32Array | undefined;
    let testF: Float32Array | undefined;
    if (path && (await stat(path).catch(() => undefined))) {
      const r = await openSafetensors(path);
      try {
        if (r.metadata.key === key) {
          const a = await r.read('train/features');
          const b = await r.read('test/features');
          trainF = new Float32Array(a.data.slice().buffer);
          testF = new Float32Array(b.data.slice().buffer);
          reused = trainF.length === task.train.count * model.featureWidth && testF.length === task.test.count * model.featureWidth;
        }
      } finally {
        await r.close();
      }
    }
    if (!reused) {
      trainF = await computeFeatures(model, task.train);
      testF = await computeFeatures(model, task.test);
      if (path) {
        await mkdir(options.trainDir!, { recursive: true });
        await writeSafetensors(path, [
          f32Tensor('train/features', trainF, [task.train.count, model.featureWidth]),
          f32Tensor('train/labels', task.train.labels, [task.train.count]),
          f32Tensor('test/features', testF, [task.test.count, model.featureWidth]),
          f32Tensor('test/labels', task.test.labels, [task.test.count]),
        ], { metadata: { key, source: ckpt, producer: 'graft transfer --mode features' } });
      }
    }
    trainSet = featureSet(trainF!, task.train.labels, model.featureWidth, classNames);
    testSet = featureSet(testF!, task.test.labels, model.featureWidth, classNames);
    forward = (inputs) => model.head(inputs.x as tf.Tensor2D);
    features = { path, reused, seconds: (Date.now() - f0) / 1000, width: model.featureWidth };
  }

  // When exactly the head trains (freeze, features), each step is the affine head's step with
  // its gradient written out (train/linear-head-step.ts): the kernels autodiff would run, without
  // the tape's bookkeeping. Both modes use it, so they differ only in running the body.
  const wVar = model.params.require(model.headWeights).variable;
  const bVar = model.params.require(model.headBiases).variable;
  const trainedNames = trainable.names();
  const linear = linearHeadStepAvailable() && trainedNames.length === 2 && trainedNames.includes(model.headWeights) && trainedNames.includes(model.headBiases);
  const trainStep = !linear ? undefined : (b: Batch) => {
    if (options.mode === 'features') return linearHeadStep(optimizer, b.inputs.x as tf.Tensor2D, b.labels, wVar, bVar, { globalStep });
    const x = tf.tidy(() => model.features(b.inputs, { training: true }));
    try {
      return linearHeadStep(optimizer, x, b.labels, wVar, bVar, { globalStep });
    } finally {
      x.dispose();
    }
  };

  let best: string | null = null;
  let latest: string | null = null;
  // Resume where the checkpoint left the data (data-position.ts); epochs count from the first run.
  const seed = options.seed ?? 0;
  const batchSize = options.batchSize ?? 32;
  const resumedMeta = resumedFrom ? await readMeta(resumedFrom).catch(() => undefined) : undefined;
  const resume = resumePosition(resumedMeta?.extra?.dataPosition, { seed, examples: trainSet.count }, resumedFrom !== null);
  const nanCheck = options.nanCheck ?? true;
  const saveAt = async (step: number, position: DataPosition, metrics: Record<string, number>): Promise<void> => {
    if (!manager) return;
    if (nanCheck) assertFiniteVariables(saved, step);
    const r = await manager.save(step, { metrics, extra: { dataPosition: dataPositionRecord(position, { seed, batchSize, examples: trainSet.count }) } });
    latest = r.path;
    if (r.bestPath) best = r.bestPath;
  };
  const report = await fit(forward, trainSet, {
    ...(trainStep ? { trainStep } : {}),
    optimizer,
    varList: model.params,
    globalStep,
    epochs: options.epochs ?? 3,
    start: resume.start,
    nanCheck,
    ...(options.signal ? { signal: options.signal } : {}),
    batchSize,
    seed,
    evalSet: testSet,
    logEvery: options.logEvery ?? 0,
    label: `transfer/${options.mode}`,
    onEval: (e, position) => saveAt(e.step, position, { accuracy: e.accuracy, loss: e.loss }),
  });
  if (report.interrupted && report.steps > 0) await saveAt(globalStepValue(globalStep), report.position, {});
  const after = frozen.size ? combinedChecksum(frozen) : '';
  const epochs = report.epochSeconds.length || 1;
  return {
    mode: options.mode,
    from: ckpt,
    model: model.name,
    classNames,
    start,
    trainedVariables: trainable.names(),
    frozenVariables: frozen.names(),
    frozenChecksum: frozen.size ? { before, after, unchanged: before === after } : null,
    features,
    fit: report,
    headStep: trainStep ? 'linear' : 'autodiff',
    accuracy: report.final?.accuracy ?? 0,
    epochSeconds: report.epochSeconds.reduce((a, b) => a + b, 0) / epochs,
    totalSeconds: (Date.now() - t0) / 1000,
    bestCheckpoint: best,
    latestCheckpoint: latest,
    dataPositionNote: resume.note,
    interrupted: report.interrupted ? String(options.signal?.reason ?? 'aborted') : null,
  };
}
