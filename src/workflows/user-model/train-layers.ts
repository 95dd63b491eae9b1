/**
 * `graft train --model FILE --data D` as a function: the user's own tf.LayersModel (a model.json,
 * Keras `.h5` / `.keras`, or a builder module: layers/load-model.ts) trained with `model.fit` on
 * the user's own data (user-task.ts), with Graft's callbacks — `checkpointCallback` into the
 * train dir (`.meta.json` with the topology, labels, data spec and vocabulary; exact resume of
 * weights + optimizer state at epoch ends), `tensorBoardCallback` (event files in the train dir),
 * and the CLI's guard (fit-callbacks.ts: NaN stop, SIGINT at the epoch end).
 *
 * Where the model comes from: a train dir holding a checkpoint → rebuilt from its `.meta.json`
 * and resumed (`--model` may be left out); `classesFrom` → the source checkpoint's model with its
 * head changed to the data's classes (class-plan.ts rows kept / merged / new); `transferFrom` →
 * the source's body with a fresh head, frozen but for the head (or the last K weight layers
 * too); else `model`. Graft compiles the model: Adam (`adam` of graft/layers), categorical
 * cross-entropy on one-hot labels (from logits when the head has no activation), metric `acc`.
 * Data order: the split's seeded order, `shuffle: false` (tfjs shuffles with an unseeded
 * Math.random), so a resumed run equals one that ran through.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';
import { latestCheckpoint } from '../../checkpoint/state.js';
import { checkpointOwnership } from '../../checkpoint/run-files.js';
import type { CheckpointMeta } from '../../checkpoint/meta.js';
import { checkpointCallback, type CheckpointCallback } from '../../layers/checkpoint-callback.js';
import { tensorBoardCallback, type TensorBoardCallback } from '../../layers/observe-callbacks.js';
import { freezeLayers } from '../../layers/freeze.js';
import { isLayersModelMeta, layersModelFromMeta } from '../../layers/topology.js';
import { restoreIntoLayersModel } from '../../layers/restore.js';
import { loadUserLayersModel, userModelFormat, type UserModelFormat } from '../../layers/load-model.js';
import type { RestoreReport } from '../../checkpoint/restore-plan.js';
import { readCheckpointMeta, resolveCheckpoint } from '../checkpoints.js';
import type { ClassChangePlan, MergeSpec, SplitSpec } from '../../checkpoint/class-plan.js';
import { changeClasses, type ChangeClassesReport } from '../../layers/class-change.js';
import { withEmbeddingRows } from './grow-embedding.js';
import { DEFAULT_VOCAB_SIZE, dataInput, loadUserTask, modelInput, type UserInput, type UserTask } from './user-task.js';
import { compileClassifier, evaluateClassifier, fitHeadOnFeatures, tensorsOf } from './classifier.js';
import { userDataOf } from './data-spec.js';
import { headLayer, headUnits, withHeadUnits } from './layers-head.js';
import { FitGuard, type EpochLogs } from './fit-callbacks.js';
import { kerasLayerNames, leafLayers, parametersFromLayersModel } from '../../variables/layers-adapter.js';
import { ParameterSet } from '../../variables/parameter-set.js';
import { combinedChecksum } from '../checksum.js';

/** Options of {@link trainLayersModel}. */
export interface TrainLayersOptions {
  /** The model: a model.json, `.h5`, `.keras` or `.js`/`.mjs` builder (not needed to resume, or with `classesFrom` / `transferFrom`). */
  model?: string;
  /** The data (user-task.ts layouts); default the data of the checkpoint resumed or changed. */
  data?: string;
  trainDir?: string;
  /** Train until this many epochs are done, counting those of a resumed run. Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Adam's rate; default 0.003 (as `graft train` for built-in models). */
  learningRate?: number;
  /** Split seed (and a builder module's `seed`); default 0. */
  seed?: number;
  /** Fraction of each class held out for evaluation; default 0.2. */
  testSplit?: number;
  /** Text: token sequence length when the model leaves it open / for a builder; default 16. */
  maxLength?: number;
  /** Text: vocabulary cap for a builder module's model; default 2000 (a file model's Embedding inputDim otherwise). */
  vocabSize?: number;
  /** When the model's head width differs from the number of classes: rebuild the head (fresh). Default: refuse. */
  newHead?: boolean;
  /**
   * Continue from a checkpoint whose classes may differ: head columns by class (kept, moved,
   * merged, split, new, removed: layers/class-change.ts); new and split classes start `imprint`ed
   * from the training examples (default, as `graft train --classes-from` for built-in models) or `fresh`.
   */
  classesFrom?: {
    from: string; merges?: MergeSpec[]; splits?: SplitSpec[]; newClassInit?: 'imprint' | 'fresh';
    /** Text: add the new data's unseen training words to the vocabulary, with new Embedding rows (default true; capped by `vocabSize`, default 2000). */
    growVocabulary?: boolean;
  };
  /**
   * Transfer from a checkpoint: its body, a fresh head for the data's classes, body frozen but the
   * last `unfreezeLast` weight layers; `features` (with `unfreezeLast` 0): the frozen body runs
   * once over the data and the head trains on its features (fitHeadOnFeatures).
   */
  transferFrom?: { from: string; unfreezeLast?: number; features?: boolean };
  /** TensorBoard event files in the train dir (`train/`, `validation/`); default true. */
  tensorboard?: boolean;
  /** Stop on a NaN/Inf loss or weights (default true). */
  nanCheck?: boolean;
  /** End training at the end of the current epoch (saved) when this aborts. */
  signal?: AbortSignal;
  maxToKeep?: number;
  /** Best-by-`val_acc` checkpoints kept in `<trainDir>/best`; default 1, 0 = none. */
  keepBest?: number;
  /** Progress line every N batches (0: per epoch; negative: none). Default 0. */
  logEvery?: number;
}

/** What {@link trainLayersModel} did; plain data. */
export interface TrainLayersReport {
  /** Where the model came from. */
  model: { source: 'file' | 'checkpoint'; path: string; format: UserModelFormat | 'graft-checkpoint'; restored: RestoreReport['summary'] | null; notes: string[] };
  data: { path: string; layout: string; input: UserInput; trainExamples: number; testExamples: number; vocabularySize: number | null };
  classNames: string[];
  trainDir: string | null;
  start: { action: string; message: string; warnings: string[] };
  /** The head change: `resized` (--new-head), a class-change plan, or a transfer's fresh head. */
  head: { layer: string; action: 'kept' | 'resized' | 'class-change' | 'transfer'; plan: Pick<ClassChangePlan, 'kind' | 'summary'> | null; newClassInit?: ChangeClassesReport['newClassInit'] };
  trainedVariables: string[];
  frozenVariables: string[];
  /** Checksum of the frozen layers' weights before and after training (equal = untouched). */
  frozenChecksum: { before: string; after: string; unchanged: boolean } | null;
  epochsDone: number;
  history: EpochLogs[];
  finalAccuracy: number;
  finalLoss: number;
  latestCheckpoint: string | null;
  bestCheckpoint: string | null;
  tensorboard: string[];
  /** `transferFrom.features`: the head was trained on the frozen body's features, computed once. */
  features: { width: number; train: number; test: number } | null;
  interrupted: string | null;
}

/** A train dir's latest own checkpoint and its meta, when it holds a LayersModel. */
async function resumable(trainDir: string | undefined): Promise<{ ckpt: string; meta: CheckpointMeta } | null> {
  if (!trainDir) return null;
  const listed = await latestCheckpoint(trainDir).catch(() => null);
  if (!listed || !(await checkpointOwnership(trainDir, listed)).owned) return null;
  const meta = await readCheckpointMeta(listed);
  if (!isLayersModelMeta(meta)) {
    throw new InvalidArgumentError('train_dir_holds_builtin_model', `${trainDir}: its checkpoints are of the built-in model "${meta.model?.name ?? 'unknown'}", not a LayersModel`, { hint: 'resume it with graft train --model NAME, or train the user model into another --train-dir' });
  }
  return { ckpt: listed, meta };
}

interface Prepared {
  model: tfl.LayersModel;
  origin: TrainLayersReport['model'];
  task: UserTask;
  head: TrainLayersReport['head'];
  freezeAllBut?: { unfreezeLast: number };
}

async function fromCheckpoint(from: string): Promise<{ ckpt: string; meta: CheckpointMeta; model: tfl.LayersModel; restored: RestoreReport['summary'] }> {
  const ckpt = await resolveCheckpoint(from);
  const meta = await readCheckpointMeta(ckpt);
  const model = await layersModelFromMeta(meta, ckpt);
  const r = await restoreIntoLayersModel(model, ckpt);
  return { ckpt, meta, model, restored: r.report.summary };
}

async function prepare(options: TrainLayersOptions, resume: { ckpt: string; meta: CheckpointMeta } | null): Promise<Prepared> {
  const seed = options.seed ?? 0;
  const taskOptions = { testSplit: options.testSplit ?? 0.2, seed, vocabSize: options.vocabSize };
  if (resume) {
    const model = await layersModelFromMeta(resume.meta, resume.ckpt); // weights: the checkpoint callback resumes them
    const { spec, vocabulary } = userDataOf(resume.meta, resume.ckpt);
    const data = options.data ?? spec.path;
    const task = await loadUserTask(data, { input: spec.input, testSplit: spec.testSplit, seed: spec.seed, vocabulary, classNames: spec.classNames });
    return { model, origin: { source: 'checkpoint', path: resume.ckpt, format: 'graft-checkpoint', restored: null, notes: [] }, task, head: { layer: headLayer(model).name, action: 'kept', plan: null } };
  }
  const source = options.classesFrom?.from ?? options.transferFrom?.from;
  if (source !== undefined) {
    const src = await fromCheckpoint(source);
    const { spec, vocabulary } = userDataOf(src.meta, src.ckpt);
    const data = options.data ?? spec.path;
    // the new classes are the data's own; the encoding (input, vocabulary) is the source's
    const grow = !!options.classesFrom && options.classesFrom.growVocabulary !== false && !!vocabulary;
    const task = await loadUserTask(data, { input: spec.input, ...taskOptions, vocabulary, ...(grow ? { extendVocabulary: true, vocabSize: Math.max(vocabulary!.size, options.vocabSize ?? DEFAULT_VOCAB_SIZE) } : {}) });
    const newClasses = task.train.classNames;
    if (grow && task.vocabulary!.size > vocabulary!.size) {
      const grown = await withEmbeddingRows(src.model, task.vocabulary!.size);
      src.model.dispose();
      src.model = grown;
    }
    const notes = vocabulary && task.vocabulary && task.vocabulary.size > vocabulary.size ? [`vocabulary grown from ${vocabulary.size} to ${task.vocabulary.size} words (new Embedding rows start from its initializer; old ids keep their rows)`] : [];
    const origin: TrainLayersReport['model'] = { source: 'checkpoint', path: src.ckpt, format: 'graft-checkpoint', restored: src.restored, notes };
    if (options.classesFrom) {
      const old = src.meta.labels ?? spec.classNames;
      const init = options.classesFrom.newClassInit ?? 'imprint';
      const examples = init === 'imprint' ? tensorsOf(task.train) : null;
      try {
        const changed = await changeClasses(src.model, {
          oldClasses: old, newClasses, head: headLayer(src.model).name, merges: options.classesFrom.merges ?? [], splits: options.classesFrom.splits ?? [], newClassInit: init,
          ...(examples ? { examples: { x: examples.x, labels: task.train.labels, seed } } : {}),
        });
        src.model.dispose();
        const { plan } = changed.report;
        return { model: changed.model, origin, task, head: { layer: headLayer(changed.model).name, action: 'class-change', plan: { kind: plan.kind, summary: plan.summary }, newClassInit: changed.report.newClassInit } };
      } finally {
        if (examples) tf.dispose([examples.x, examples.y]);
      }
    }
    const model = await withHeadUnits(src.model, newClasses.length);
    src.model.dispose();
    return { model, origin, task, head: { layer: headLayer(model).name, action: 'transfer', plan: null }, freezeAllBut: { unfreezeLast: options.transferFrom!.unfreezeLast ?? 0 } };
  }
  if (options.model === undefined || userModelFormat(options.model) === null) {
    throw new InvalidArgumentError('missing_model', 'training on --data needs --model FILE (model.json, .h5, .keras, .js/.mjs builder), a --train-dir to resume, or --classes-from', { hint: 'e.g. graft train --model build.mjs --data my-data/ --train-dir runs/mine' });
  }
  if (options.data === undefined) throw new InvalidArgumentError('missing_data', `--model ${options.model} needs --data D (a .txt file per class, a .csv/.jsonl, or image folders)`, { hint: 'e.g. --data data/intents/' });
  const isModule = userModelFormat(options.model) === 'js-module';
  let input: UserInput & { vocabCap?: number };
  let loaded;
  let task: UserTask;
  if (isModule) {
    input = await dataInput(options.data, options.maxLength);
    task = await loadUserTask(options.data, { input, ...taskOptions });
    loaded = await loadUserLayersModel(options.model, {
      builder: { numClasses: task.train.classNames.length, inputShape: input.kind === 'image' ? [...input.shape] : [input.maxLength], classNames: task.train.classNames, seed, ...(task.vocabulary ? { vocabSize: task.vocabulary.size, maxLength: (input as { maxLength: number }).maxLength } : {}) },
    });
  } else {
    loaded = await loadUserLayersModel(options.model);
    input = modelInput(loaded.model, options.maxLength);
    const { vocabCap, ...plain } = input;
    task = await loadUserTask(options.data, { input: plain as UserInput, ...taskOptions, ...(vocabCap ? { vocabSize: vocabCap } : {}) });
  }
  let model = loaded.model;
  const origin: TrainLayersReport['model'] = { source: 'file', path: options.model, format: loaded.format, restored: loaded.restore?.report.summary ?? null, notes: loaded.notes };
  const k = task.train.classNames.length;
  let action: TrainLayersReport['head']['action'] = 'kept';
  if (headUnits(model) !== k) {
    if (!options.newHead) {
      throw new InvalidArgumentError('head_size_mismatch', `${options.model}: the head "${headLayer(model).name}" has ${headUnits(model)} units but ${options.data} has ${k} classes (${task.train.classNames.slice(0, 5).join(', ')}${k > 5 ? ', …' : ''})`, {
        hint: `pass --new-head to replace the head by a fresh Dense(${k}) (the rest keeps its weights)`, details: { units: headUnits(model), classes: k },
      });
    }
    const next = await withHeadUnits(model, k);
    model.dispose();
    model = next;
    action = 'resized';
  }
  return { model, origin, task, head: { layer: headLayer(model).name, action, plan: null } };
}

/**
 * Train the user's LayersModel on the user's data; see {@link TrainLayersOptions}.
 * @example
 * await trainLayersModel({ model: 'build.mjs', data: 'my-intents/', trainDir: 'runs/mine', epochs: 5 });
 * @throws the loaders' errors; InvalidArgumentError `head_size_mismatch`, `missing_model`,
 *   `missing_data`, `classes_changed`; NonFiniteError `non_finite` (nothing saved after it).
 */
export async function trainLayersModel(options: TrainLayersOptions): Promise<TrainLayersReport> {
  const resume = await resumable(options.trainDir);
  const p = await prepare(options, resume);
  const { model, task } = p;
  if (resume) {
    const got = task.train.classNames;
    const want = userDataOf(resume.meta, resume.ckpt).spec.classNames;
    if (got.join('\n') !== want.join('\n')) {
      throw new InvalidArgumentError('classes_changed', `${options.data}: classes ${got.join(', ')} differ from those of ${resume.ckpt} (${want.join(', ')})`, { hint: 'train the changed classes into a new --train-dir with --classes-from ' + options.trainDir });
    }
  }
  // freezing selects TF-Keras names (the adapter's), which differ from tfjs's automatic layer names
  const kerasName = new Map(leafLayers(model).map(({ layer }, i) => [layer, kerasLayerNames(model)[i]!] as const));
  const head = headLayer(model);
  const body = leafLayers(model).map(({ layer }) => layer).filter((l) => l.weights.length > 0 && l !== head);
  if (p.freezeAllBut) {
    const keep = p.freezeAllBut.unfreezeLast;
    const frozen = body.slice(0, Math.max(0, body.length - keep)).map((l) => kerasName.get(l)!);
    if (frozen.length) await freezeLayers(model, frozen);
  }
  compileClassifier(model, options.learningRate ?? 0.003);
  const frozenLayers = leafLayers(model).map(({ layer }) => layer).filter((l) => !l.trainable && l.weights.length > 0).map((l) => kerasName.get(l)!);
  const frozenParams = frozenLayers.length ? parametersFromLayersModel(model).select({ include: frozenLayers }) : new ParameterSet();
  const checksumBefore = frozenParams.size ? combinedChecksum(frozenParams) : '';
  const guard = new FitGuard({ nanCheck: options.nanCheck ?? true, ...(options.signal ? { signal: options.signal } : {}), logEvery: options.logEvery ?? 0, label: 'train' });
  const callbacks: tfl.Callback[] = [guard];
  let ckpt: CheckpointCallback | null = null;
  let tb: TensorBoardCallback | null = null;
  const extra: Record<string, unknown> = { userData: task.spec, model: { source: p.origin.path, format: p.origin.format } };
  if (task.vocabulary) extra.vocabulary = task.vocabulary.toJSON();
  if (p.head.plan) extra.classChange = { from: p.origin.path, ...p.head.plan };
  try {
    if (options.trainDir) {
      ckpt = await checkpointCallback(model, options.trainDir, {
        maxToKeep: options.maxToKeep ?? 5,
        ...(options.keepBest === 0 ? {} : { keepBest: { monitor: 'val_acc', mode: 'max' as const, maxToKeep: options.keepBest ?? 1 } }),
        labels: task.train.classNames,
        metaExtra: extra,
      });
      callbacks.push(ckpt);
      if (options.tensorboard !== false) callbacks.push((tb = tensorBoardCallback(options.trainDir)));
    }
    const epochs = options.epochs ?? 1;
    const initialEpoch = ckpt?.initialEpoch ?? 0;
    const train = tensorsOf(task.train);
    const test = tensorsOf(task.test);
    let featureWidth: number | null = null;
    try {
      if (initialEpoch < epochs) {
        const fitArgs = { epochs, initialEpoch, batchSize: options.batchSize ?? 32, shuffle: false, verbose: 0, callbacks };
        if (options.transferFrom?.features) featureWidth = await fitHeadOnFeatures(model, train, test, fitArgs);
        else await model.fit(train.x, train.y, { ...fitArgs, validationData: [test.x, test.y] });
      }
    } finally {
      tf.dispose([train.x, train.y, test.x, test.y]);
    }
    const final = await evaluateClassifier(model, task.test);
    const saves = ckpt?.saves ?? [];
    return {
      model: p.origin,
      data: { path: task.spec.path, layout: task.spec.layout, input: task.spec.input, trainExamples: task.train.count, testExamples: task.test.count, vocabularySize: task.vocabulary?.size ?? null },
      classNames: task.train.classNames,
      trainDir: options.trainDir ?? null,
      start: ckpt
        ? { action: ckpt.restored.action, message: ckpt.restored.message + (initialEpoch >= epochs ? `; ${initialEpoch} epochs are complete (epochs ${epochs}): nothing to train` : ''), warnings: ckpt.restored.warnings }
        : { action: 'fresh', message: 'no training directory: nothing resumed, nothing saved', warnings: [] },
      head: p.head,
      trainedVariables: parametersFromLayersModel(model).trainable().names(),
      frozenVariables: frozenParams.names(),
      frozenChecksum: frozenParams.size ? { before: checksumBefore, after: combinedChecksum(frozenParams), unchanged: checksumBefore === combinedChecksum(frozenParams) } : null,
      epochsDone: Math.max(initialEpoch, guard.history.at(-1)?.epoch ?? initialEpoch),
      history: guard.history,
      finalAccuracy: final.accuracy,
      finalLoss: final.loss,
      latestCheckpoint: saves.at(-1)?.path ?? (resume?.ckpt ?? null),
      bestCheckpoint: [...saves].reverse().find((s) => s.bestPath)?.bestPath ?? null,
      tensorboard: tb?.paths ?? [],
      features: featureWidth === null ? null : { width: featureWidth, train: task.train.count, test: task.test.count },
      interrupted: guard.interrupted,
    };
  } finally {
    await ckpt?.close();
  }
}

