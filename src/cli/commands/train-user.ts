/**
 * The part of `graft train` for the user's own model and data (`--model FILE`, `--data D`, or a
 * train dir / `--classes-from` checkpoint holding a LayersModel): flags → trainLayersModel
 * (workflows/user-model/train-layers.ts) → rendering. The built-in path stays in train.ts.
 */
import type { ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { choiceFlag, hasFlag, numberFlag } from '../flags.js';
import { UsageError } from '../../errors.js';
import { readMeta } from '../../checkpoint/meta.js';
import { isLayersModelMeta } from '../../layers/topology.js';
import { userModelFormat } from '../../layers/load-model.js';
import { resolveCheckpoint } from '../../workflows/checkpoints.js';
import { parseMergeSpec, parseSplitSpec } from '../../workflows/class-plan.js';
import { trainLayersModel, type TrainLayersOptions, type TrainLayersReport } from '../../workflows/user-model/train-layers.js';

/** The user-model part of `graft train --help`. */
export const USER_TRAIN_HELP = `your model and data (model.fit with Graft's checkpoint / TensorBoard / NaN callbacks):
  --model FILE               a tfjs model.json, a Keras .h5 (full model) or .keras, or an ES
                             module (.js/.mjs) exporting build({numClasses, inputShape, vocabSize,
                             maxLength, classNames, seed, tf}) that returns a tf.LayersModel
  --data D                   a folder of CLASS.txt files (one example per line), a .csv with
                             text,label columns, a .jsonl of {"text","label"}, or a folder of
                             class folders of PNG/JPEG images (exactly the model's input size;
                             grey → 1 channel (luma), RGB → 3)
  --test-split F             fraction of each class held out (seeded by --seed)  (default 0.2)
  --max-length N             text: token ids per example (when the model leaves it open) (default 16)
  --vocab-size N             text: vocabulary cap for a builder module           (default 2000)
  --new-head                 the model's last Dense has another width than the data's classes:
                             replace it by a fresh one                         (default: refuse)
  --classes-from DIR         (with a LayersModel checkpoint) the data's classes, head columns
                             kept / moved / merged (--merge a,b=c) / split (--split c=a,b) / new
                             (--new-class-init imprint | fresh, default imprint); a new --train-dir
  --no-tensorboard           write no TensorBoard event files                   (default: write)
  also taken: --train-dir, --epochs, --batch-size, --learning-rate (Adam), --seed (split and the
  builder's seed), --max-to-keep, --keep-best (by val_acc), --no-nan-check, --log-every (batches)
  Resuming: --train-dir DIR alone continues DIR's LayersModel with its data. SIGINT finishes the
  current epoch and saves it (checkpoints of model.fit runs are epoch ends, so a resume is exact).`;

/** parseArgs options only the user-model path reads. */
export const USER_TRAIN_OPTIONS = {
  data: { type: 'string' },
  'test-split': { type: 'string' },
  'max-length': { type: 'string' },
  'vocab-size': { type: 'string' },
  'new-head': { type: 'boolean' },
  'no-tensorboard': { type: 'boolean' },
} as const;

/** Flags of the built-in path that a user model has no use for (they would do nothing). */
const BUILTIN_ONLY = ['model-config', 'digits', 'categories', 'train-limit', 'test-limit', 'per-class', 'max-steps', 'steps', 'lr-decay', 'decay-steps', 'decay-rate', 'staircase',
  'end-learning-rate', 'power', 'cycle', 'alpha', 't-mul', 'm-mul', 'boundaries', 'values', 'warmup-steps', 'moving-average-decay', 'trainable-scopes', 'save-scope', 'restore',
  'freeze-restored', 'freeze-scope', 'checkpoint-path', 'exclude-scopes', 'ignore-missing-vars', 'eval-every', 'stop-if-no-increase', 'min-steps', 'optimizer-state', 'checkpoint-format'];

/** Whether a path names a checkpoint (or train dir) of a LayersModel. */
export async function isLayersCheckpoint(path: string | undefined): Promise<boolean> {
  if (path === undefined) return false;
  try {
    return isLayersModelMeta(await readMeta(await resolveCheckpoint(path)));
  } catch {
    return false;
  }
}

/** Whether these `graft train` flags ask for the user-model path. */
export async function wantsUserModel(args: ParsedArgs): Promise<boolean> {
  const model = stringFlag(args, 'model');
  if (model !== undefined && userModelFormat(model) !== null) return true;
  if (hasFlag(args, 'data')) return true;
  return (await isLayersCheckpoint(stringFlag(args, 'classes-from'))) || (model === undefined && (await isLayersCheckpoint(stringFlag(args, 'train-dir'))));
}

/**
 * Options for trainLayersModel from the flags.
 * @throws UsageError `flag_without_effect` for built-in-only flags, `bad_flag_value`.
 */
export function userTrainOptions(args: ParsedArgs): TrainLayersOptions {
  const given = BUILTIN_ONLY.filter((f) => hasFlag(args, f));
  if (given.length) {
    throw new UsageError('flag_without_effect', `${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to built-in models only, not to --model FILE / --data training`, {
      hint: `drop ${given.map((f) => `--${f}`).join(' ')} (a user model trains with model.fit: Adam, --learning-rate, --epochs, --batch-size)`, details: { flags: given },
    });
  }
  const o: TrainLayersOptions = {};
  const set = <K extends keyof TrainLayersOptions>(k: K, v: TrainLayersOptions[K] | undefined) => {
    if (v !== undefined) o[k] = v;
  };
  const model = stringFlag(args, 'model');
  set('model', model);
  set('data', stringFlag(args, 'data'));
  set('trainDir', stringFlag(args, 'train-dir'));
  set('epochs', numberFlag(args, 'epochs', { integer: true, min: 1 }));
  set('batchSize', numberFlag(args, 'batch-size', { integer: true, min: 1 }));
  set('learningRate', numberFlag(args, 'learning-rate', { exclusiveMin: true }));
  set('seed', numberFlag(args, 'seed', { integer: true, min: 0 }));
  set('testSplit', numberFlag(args, 'test-split', { exclusiveMin: true, max: 0.9 }));
  set('maxLength', numberFlag(args, 'max-length', { integer: true, min: 1, max: 4096 }));
  set('vocabSize', numberFlag(args, 'vocab-size', { integer: true, min: 2, max: 10_000_000 }));
  set('maxToKeep', numberFlag(args, 'max-to-keep', { integer: true, min: 1 }));
  set('keepBest', numberFlag(args, 'keep-best', { integer: true, min: 0 }));
  set('logEvery', numberFlag(args, 'log-every', { integer: true }));
  if (boolFlag(args, 'new-head')) o.newHead = true;
  if (boolFlag(args, 'no-tensorboard')) o.tensorboard = false;
  if (boolFlag(args, 'no-nan-check')) o.nanCheck = false;
  const classesFrom = stringFlag(args, 'classes-from');
  if (classesFrom !== undefined) {
    if (model !== undefined) throw new UsageError('conflicting_flags', '--model and --classes-from cannot be used together: --classes-from continues the model of that checkpoint', { hint: 'drop --model' });
    const newClassInit = choiceFlag(args, 'new-class-init', ['imprint', 'fresh'] as const);
    o.classesFrom = { from: classesFrom, merges: ((args.values.merge as string[] | undefined) ?? []).map(parseMergeSpec), splits: ((args.values.split as string[] | undefined) ?? []).map(parseSplitSpec), ...(newClassInit ? { newClassInit } : {}) };
  }
  return o;
}

/** Run the user-model path. */
export function runUserTrain(options: TrainLayersOptions & { signal: AbortSignal }): Promise<TrainLayersReport> {
  return trainLayersModel(options);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The report as text. */
export function renderUserTrain(r: TrainLayersReport): string {
  const input = r.data.input.kind === 'image' ? `images ${r.data.input.shape.join('x')}` : `token ids [${r.data.input.maxLength}]${r.data.vocabularySize ? `, vocabulary ${r.data.vocabularySize}` : ''}`;
  const lines = [
    `${r.model.path} (${r.model.format}) on ${r.data.path} (${r.data.layout}, ${input}): ${r.data.trainExamples} training / ${r.data.testExamples} test examples, ${r.classNames.length} classes`,
    ...(r.model.restored ? [`weights: ${r.model.restored.restored + r.model.restored.renamed} restored from ${r.model.path}`] : []),
    ...r.model.notes.map((n) => `note: ${n}`),
    `start: ${r.start.message}`,
  ];
  if (r.head.action !== 'kept') lines.push(`head ${r.head.layer}: ${r.head.action}${r.head.plan ? ` (${r.head.plan.kind}: ${Object.entries(r.head.plan.summary).map(([k, v]) => `${v} ${k}`).join(', ')})` : ''}${r.head.newClassInit?.classes.length ? `; new classes ${r.head.newClassInit.method === 'imprint' ? `imprinted from ${r.head.newClassInit.examples} examples` : 'fresh'}` : ''}`);
  lines.push(`trained ${r.trainedVariables.length} variables${r.frozenVariables.length ? `, ${r.frozenVariables.length} frozen` : ''}; ${r.epochsDone} epochs done`);
  if (r.features) lines.push(`features: ${r.features.width} per example, computed once for ${r.features.train} training and ${r.features.test} test examples; the head trained on them`);
  if (r.frozenChecksum) lines.push(`frozen layers: checksum ${r.frozenChecksum.before} → ${r.frozenChecksum.after} (${r.frozenChecksum.unchanged ? 'unchanged' : 'CHANGED'})`);
  lines.push(`accuracy ${pct(r.finalAccuracy)}, loss ${r.finalLoss.toFixed(4)} (test split)`);
  if (r.latestCheckpoint) lines.push(`checkpoint: ${r.latestCheckpoint}${r.bestCheckpoint ? ` (best: ${r.bestCheckpoint})` : ''}`);
  if (r.tensorboard.length) lines.push(`tensorboard: ${r.tensorboard.join(', ')}`);
  if (r.interrupted) lines.push(`interrupted by ${r.interrupted}: the epoch in progress was finished and saved`);
  return lines.join('\n');
}
