/**
 * `graft train`: train a built-in model the TF1 way — only chosen scopes, parts restored from
 * other checkpoints and frozen, exponential LR decay, moving averages, partial saves — into a
 * training directory with a `.meta.json` beside every checkpoint.
 */
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, listFlag, stringFlag } from '../command.js';
import { choiceFlag, conflictingFlags, hasFlag, numberFlag, numberListFlag, regexListFlag, requireFlags } from '../flags.js';
import { UsageError } from '../../errors.js';
import { initBackend } from '../../runtime/backend.js';
import { allModels } from '../../models/registry.js';
import { parseRestoreSpec, type RestorePart } from '../../workflows/checkpoints.js';
import { parseMergeSpec, parseSplitSpec } from '../../checkpoint/class-plan.js';
import { trainModel, type TrainModelOptions, type TrainModelReport } from '../../workflows/train-model.js';
import type { TaskSpec } from '../../workflows/tasks.js';
import type { TrainLayersReport } from '../../workflows/user-model/train-layers.js';
import { interruptedExitCode, withSignals } from '../signals.js';
import { USER_TRAIN_HELP, USER_TRAIN_OPTIONS, renderUserTrain, runUserTrain, userTrainOptions, wantsUserModel } from './train-user.js';

// Flags shared with `graft transfer` (data selection, numbers, TF-slim spellings as aliases).

/** parseArgs options of the data flags. */
export const DATA_OPTIONS = {
  digits: { type: 'string' },
  categories: { type: 'string' },
  'train-limit': { type: 'string' },
  'test-limit': { type: 'string' },
  'per-class': { type: 'string' },
  seed: { type: 'string' },
} as const;

/** TF-slim flag spellings → Graft flags. */
export const SLIM_ALIASES: Record<string, string> = {
  train_dir: 'train-dir',
  trainable_scopes: 'trainable-scopes',
  'tune-scope': 'trainable-scopes',
  tune_scope: 'trainable-scopes',
  checkpoint_exclude_scopes: 'exclude-scopes',
  checkpoint_path: 'checkpoint-path',
  ignore_missing_vars: 'ignore-missing-vars',
  moving_average_decay: 'moving-average-decay',
  learning_rate: 'learning-rate',
  learning_rate_decay_type: 'lr-decay',
  learning_rate_decay_factor: 'decay-rate',
  decay_steps: 'decay-steps',
  decay_rate: 'decay-rate',
  decay_staircase: 'staircase',
  end_learning_rate: 'end-learning-rate',
  batch_size: 'batch-size',
  max_number_of_steps: 'max-steps',
  max_steps: 'max-steps',
  num_epochs: 'epochs',
  model_name: 'model',
  save_scope: 'save-scope',
};

/** The task overrides the data flags ask for. */
export function taskFlags(args: ParsedArgs): Partial<TaskSpec> {
  const t: Partial<TaskSpec> = {};
  conflictingFlags(args, ['digits', 'categories'], '--digits selects MNIST, --categories BANKING77');
  const digits = listFlag(args, 'digits');
  if (digits.length) {
    t.dataset = 'mnist';
    t.digits = digits.map((d) => {
      if (!/^[0-9]$/.test(d)) throw new UsageError('bad_flag_value', `--digits ${d}: not a digit 0..9`, { hint: 'e.g. --digits 5,6,7,8,9', details: { flag: 'digits', value: d } });
      return Number(d);
    });
  }
  const cats = listFlag(args, 'categories');
  if (cats.length) {
    t.dataset = 'banking77';
    t.categories = cats;
  }
  const tl = numberFlag(args, 'train-limit', { integer: true, min: 1 });
  if (tl !== undefined) t.trainLimit = tl;
  const el = numberFlag(args, 'test-limit', { integer: true, min: 1 });
  if (el !== undefined) t.testLimit = el;
  const pc = numberFlag(args, 'per-class', { integer: true, min: 1 });
  if (pc !== undefined) t.perClass = pc;
  const seed = numberFlag(args, 'seed', { integer: true });
  if (seed !== undefined) t.seed = seed;
  return t;
}

const DECAY_KINDS = ['exponential', 'natural_exp', 'inverse_time', 'polynomial', 'cosine', 'cosine_restarts', 'piecewise_constant'] as const;

/** The flags each decay kind reads (the rest would do nothing with it). */
const DECAY_FLAGS: Record<(typeof DECAY_KINDS)[number], readonly string[]> = {
  exponential: ['decay-steps', 'decay-rate', 'staircase'],
  natural_exp: ['decay-steps', 'decay-rate', 'staircase'],
  inverse_time: ['decay-steps', 'decay-rate', 'staircase'],
  polynomial: ['decay-steps', 'end-learning-rate', 'power', 'cycle'],
  cosine: ['decay-steps', 'alpha'],
  cosine_restarts: ['decay-steps', 't-mul', 'm-mul', 'alpha'],
  piecewise_constant: ['boundaries', 'values'],
};
const ALL_DECAY_FLAGS = [...new Set(Object.values(DECAY_FLAGS).flat())];

/**
 * Options that would do nothing in this combination, and contradictory ones, are usage errors
 * (a silently ignored `--decay-steps` trains something other than what was asked).
 * @throws UsageError `flag_without_effect`, `conflicting_flags`.
 */
function checkContext(args: ParsedArgs): void {
  const decay = stringFlag(args, 'lr-decay');
  const kind = DECAY_KINDS.find((k) => k === decay);
  if (kind) requireFlags(args, ALL_DECAY_FLAGS.filter((f) => !DECAY_FLAGS[kind].includes(f)), false, `an --lr-decay that reads them (--lr-decay ${kind} reads ${DECAY_FLAGS[kind].map((f) => `--${f}`).join(', ')})`, '--lr-decay KIND');
  else if (decay === undefined || decay === 'fixed') requireFlags(args, ALL_DECAY_FLAGS, false, '--lr-decay (the learning rate is fixed)', '--lr-decay exponential');
  if (kind === 'piecewise_constant') requireFlags(args, ['learning-rate'], false, 'a decay that scales it (piecewise_constant takes its rates from --values)', '--lr-decay exponential');
  conflictingFlags(args, ['max-steps', 'steps'], '--max-steps is a global-step target, --steps counts from the current step (Estimator: "Can not provide both steps and max_steps")');
  requireFlags(args, ['min-steps'], hasFlag(args, 'stop-if-no-increase'), '--stop-if-no-increase N', '--stop-if-no-increase 300');
  requireFlags(args, ['freeze-restored'], hasFlag(args, 'restore'), '--restore DIR[:SCOPE]', '--restore runs/cnn:inference/conv');
  requireFlags(args, ['exclude-scopes', 'ignore-missing-vars'], hasFlag(args, 'checkpoint-path'), '--checkpoint-path CKPT', '--checkpoint-path runs/pretrained');
  requireFlags(args, ['merge', 'split', 'new-class-init', 'optimizer-state'], hasFlag(args, 'classes-from'), '--classes-from DIR (the checkpoint whose classes change)', '--classes-from runs/old');
  requireFlags(args, ['max-to-keep', 'keep-best', 'checkpoint-format'], hasFlag(args, 'train-dir'), '--train-dir DIR (no checkpoints are written without one)', '--train-dir runs/mnist');
}

export { interruptedExitCode, withSignals } from '../signals.js';

/** Percent with one decimal. */
export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;
}

const HELP = `graft train — train a built-in model with TF1-style scopes, LR decay and moving averages,
or your own tf.LayersModel on your own data with model.fit

usage: graft train [--model NAME] [--train-dir DIR] [--tune-scope SCOPE]… [--save-scope SCOPE]…
                   [--restore DIR[:SCOPE,…]]… [--freeze-restored] [--lr-decay KIND
                   --decay-steps N [--decay-rate R] [--staircase]] [--moving-average-decay D] [--json]
       graft train --model FILE --data D [--train-dir DIR] [--epochs N] [--new-head] [--json]
       graft train --classes-from DIR --data D --train-dir NEW [--merge a,b=c]… [--json]

${USER_TRAIN_HELP}

built-in model and data:
  --model NAME               ${allModels().map((m) => m.name).join(', ')}   (default mnist-cnn)
  --model-config JSON        config overrides, e.g. '{"lstmUnits":64}'           (default {})
  --digits 0,1,…             MNIST digits to use (relabelled in this order)      (default all)
  --categories a,b,…         BANKING77 intents to use                            (default all 77)
  --train-limit N / --test-limit N / --per-class N   examples to use             (default all)
  --seed N                   data-order seed                                     (default 0)
training:
  --train-dir DIR            checkpoints + .meta.json; resumed when it has one   (default: none)
  --epochs N                 train until N epochs of the data are done, counting
                             those of the run resumed                            (default 1)
  --max-steps N              stop at global step N (slim's --max_number_of_steps,
                             Estimator's max_steps: a resumed run trains the rest) (default: no limit)
  --steps N                  steps to add to the global step (Estimator's steps;
                             not with --max-steps)                               (default: no limit)
  --batch-size N             (default 32)     --learning-rate X (default 0.003, Adam)
  --no-nan-check             do not stop on a NaN/Inf loss or non-finite variables
                             (by default training stops with code non_finite before
                             saving them, as TF's NanTensorHook)                 (default: check)
  --lr-decay KIND            fixed | exponential | natural_exp | inverse_time (need --decay-steps N
                             --decay-rate R [--staircase]) | polynomial (--decay-steps N
                             [--end-learning-rate 1e-4] [--power 1] [--cycle]) | cosine
                             (--decay-steps N [--alpha 0]) | cosine_restarts (--decay-steps N
                             = first period [--t-mul 2] [--m-mul 1] [--alpha 0]) |
                             piecewise_constant (--boundaries 100,200 --values 0.1,0.01,0.001;
                             --learning-rate unused); TF's formulas            (default: fixed)
  --warmup-steps N           linear warm-up from 0 over the first N steps        (default: none)
  --moving-average-decay D   keep EMA shadows of the trained variables, saved as
                             <var>/ExponentialMovingAverage                      (default: none)
  --tune-scope SCOPE         train only variables whose names start with SCOPE, repeatable
                             (aliases --trainable-scopes, --trainable_scopes)    (default: all)
  --save-scope SCOPE         save only variables whose names start with SCOPE    (default: all)
  --restore DIR[:SCOPE,…]    before training, restore SCOPEs (default: all it holds) from the
                             latest checkpoint in DIR, repeatable                (default: none)
  --freeze-restored          freeze what --restore restored                      (default: off)
  --freeze-scope SCOPE       freeze variables under SCOPE, repeatable            (default: none)
  --checkpoint-path CKPT     warm start from CKPT with --exclude-scopes S,… and
                             --ignore-missing-vars (slim's flags)                (default: none)
  --classes-from DIR         continue from DIR's classifier whose classes may differ: same
                             classes → continue; changed → all but the head restored, kept
                             classes keep their head rows                        (default: none)
  --merge a,b=c              with --classes-from: new class c starts from the mean of a and b
                             (and their data is relabelled c), repeatable        (default: none)
  --split c=a,b              with --classes-from: a and b replace c, start fresh (default: none)
  --new-class-init KIND      with --classes-from: imprint | fresh head columns for new and
                             split classes                                       (default imprint)
  --optimizer-state KIND     with --classes-from: restore | fresh Adam slots and beta powers
                             (restore remaps the head's slots by class)
                             (default: restore when the classes are the same, else fresh)
  --eval-every N             evaluate + checkpoint every N steps too             (default: per epoch)
  --stop-if-no-increase N    early stopping: stop when the evaluated accuracy has not
                             increased for N steps (TF's stop_if_no_increase_hook;
                             checked at each evaluation) [--min-steps M]         (default: off)
  --checkpoint-format F      tf-bundle | safetensors (latest and best/)          (default tf-bundle)
  --max-to-keep N            latest checkpoints kept                             (default 5)
  --keep-best N              best-by-accuracy checkpoints kept in DIR/best       (default 1)
  --log-every N              progress line on stderr every N steps               (default 20)
  --no-tensorboard           no TensorBoard event files (by default: loss, learning_rate,
                             eval/accuracy in DIR/events.out.tfevents.*)       (default: write)
  --json                     print the report as one JSON document

A resumed run continues the data where its checkpoint left it (epoch, example, shuffle), so
interrupted and resumed training equals an uninterrupted one bit for bit. SIGINT / SIGTERM
finish the current step, save a checkpoint and exit 130 / 143 (a second one quits at once).

Scopes in these flags match as TF1's get_collection(key, scope) does — a regular expression
at the start of the name — so inference/conv selects inference/conv1/… and
inference/conv2d_1a_3x3/…, exactly what the articles' tune_scope and slim's trainable_scopes did.

TF-slim spellings are accepted: --train_dir, --trainable_scopes, --checkpoint_path,
--checkpoint_exclude_scopes, --ignore_missing_vars, --moving_average_decay, --learning_rate,
--learning_rate_decay_type, --learning_rate_decay_factor, --batch_size, --max_number_of_steps.

examples:
  graft train --model crnn --tune-scope inference/conv --save-scope inference/conv --train-dir runs/cnn
  graft train --model crnn --restore runs/cnn:inference/conv --freeze-restored --tune-scope inference/lstm_layer --save-scope inference/lstm_layer --train-dir runs/lstm
  graft train --model mnist-cnn --lr-decay exponential --decay-steps 100 --decay-rate 0.9 --staircase --moving-average-decay 0.99 --train-dir runs/mnist
  graft train --model build.mjs --data my-intents/ --train-dir runs/mine --epochs 10
  graft train --model keras/model.h5 --data photos/ --new-head --train-dir runs/photos
  graft eval --checkpoint runs/mine`;

/** `graft train`. */
export const trainCommand: Command<TrainModelReport | TrainLayersReport> = {
  name: 'train',
  summary: 'train a built-in model with TF1-style scopes, decay and EMA, or your own model on your data',
  help: HELP,
  options: {
    model: { type: 'string' },
    'model-config': { type: 'string' },
    ...DATA_OPTIONS,
    'train-dir': { type: 'string' },
    epochs: { type: 'string' },
    'max-steps': { type: 'string' },
    steps: { type: 'string' },
    'no-nan-check': { type: 'boolean' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    'lr-decay': { type: 'string' },
    'decay-steps': { type: 'string' },
    'warmup-steps': { type: 'string' },
    'checkpoint-format': { type: 'string' },
    boundaries: { type: 'string' },
    values: { type: 'string' },
    't-mul': { type: 'string' },
    'm-mul': { type: 'string' },
    'new-class-init': { type: 'string' },
    'optimizer-state': { type: 'string' },
    'decay-rate': { type: 'string' },
    staircase: { type: 'boolean' },
    'end-learning-rate': { type: 'string' },
    power: { type: 'string' },
    cycle: { type: 'boolean' },
    alpha: { type: 'string' },
    'moving-average-decay': { type: 'string' },
    'trainable-scopes': { type: 'string', multiple: true },
    'save-scope': { type: 'string', multiple: true },
    restore: { type: 'string', multiple: true },
    'freeze-restored': { type: 'boolean' },
    'freeze-scope': { type: 'string', multiple: true },
    'checkpoint-path': { type: 'string' },
    'exclude-scopes': { type: 'string', multiple: true },
    'ignore-missing-vars': { type: 'boolean' },
    'eval-every': { type: 'string' },
    'stop-if-no-increase': { type: 'string' },
    'min-steps': { type: 'string' },
    'classes-from': { type: 'string' },
    merge: { type: 'string', multiple: true },
    split: { type: 'string', multiple: true },
    'max-to-keep': { type: 'string' },
    'keep-best': { type: 'string' },
    'log-every': { type: 'string' },
    ...USER_TRAIN_OPTIONS,
  },
  aliases: SLIM_ALIASES,
  async run(args: ParsedArgs): Promise<TrainModelReport | TrainLayersReport> {
    if (args.positionals.length) {
      throw new UsageError('bad_usage', `graft train takes no positional arguments (got ${args.positionals.join(' ')})`, { hint: 'pass everything as flags; see graft train --help' });
    }
    if (await wantsUserModel(args)) {
      requireFlags(args, ['merge', 'split', 'new-class-init'], hasFlag(args, 'classes-from'), '--classes-from DIR (the checkpoint whose classes change)', '--classes-from runs/old');
      requireFlags(args, ['max-to-keep', 'keep-best'], hasFlag(args, 'train-dir'), '--train-dir DIR (no checkpoints are written without one)', '--train-dir runs/mine');
      const userOptions = userTrainOptions(args);
      await initBackend();
      const report = await withSignals((signal) => runUserTrain({ ...userOptions, signal }), 'epoch');
      for (const w of report.start.warnings) process.stderr.write(`warning: ${w}\n`);
      return report;
    }
    requireFlags(args, ['data', 'test-split', 'max-length', 'vocab-size', 'new-head'], false, '--model FILE (your own model; built-in models train on their built-in data)', '--model build.mjs');
    const options: TrainModelOptions = { model: stringFlag(args, 'model') ?? 'mnist-cnn', task: taskFlags(args), scopeMatching: 'tf' };
    const cfg = stringFlag(args, 'model-config');
    if (cfg !== undefined) {
      try {
        options.modelConfig = JSON.parse(cfg) as Record<string, unknown>;
      } catch (e) {
        throw new UsageError('bad_flag_value', `--model-config is not JSON: ${cfg}`, { hint: `e.g. --model-config '{"fcUnits":128}'`, cause: e });
      }
    }
    const dir = stringFlag(args, 'train-dir');
    if (dir !== undefined) options.trainDir = dir;
    const set = <K extends keyof TrainModelOptions>(k: K, v: TrainModelOptions[K] | undefined) => {
      if (v !== undefined) options[k] = v;
    };
    checkContext(args);
    set('epochs', numberFlag(args, 'epochs', { integer: true, min: 1 }));
    set('maxSteps', numberFlag(args, 'max-steps', { integer: true, min: 1 }));
    set('steps', numberFlag(args, 'steps', { integer: true, min: 1 }));
    set('batchSize', numberFlag(args, 'batch-size', { integer: true, min: 1 }));
    set('learningRate', numberFlag(args, 'learning-rate', { exclusiveMin: true }));
    set('seed', options.task?.seed);
    set('evalEvery', numberFlag(args, 'eval-every', { integer: true, min: 1 }));
    if (boolFlag(args, 'no-nan-check')) options.nanCheck = false;
    if (boolFlag(args, 'no-tensorboard')) options.tensorboard = false;
    const patience = numberFlag(args, 'stop-if-no-increase', { integer: true, min: 1 });
    const minSteps = numberFlag(args, 'min-steps', { integer: true, min: 0 });
    if (patience !== undefined) options.earlyStopping = { maxStepsWithoutImprovement: patience, ...(minSteps !== undefined ? { minSteps } : {}) };
    set('maxToKeep', numberFlag(args, 'max-to-keep', { integer: true, min: 1 }));
    set('keepBest', numberFlag(args, 'keep-best', { integer: true }));
    options.logEvery = numberFlag(args, 'log-every', { integer: true }) ?? 20;
    const type = choiceFlag(args, 'lr-decay', ['fixed', ...DECAY_KINDS] as const);
    if (type === 'piecewise_constant') {
      const boundaries = numberListFlag(args, 'boundaries', { integer: true });
      const values = numberListFlag(args, 'values', { exclusiveMin: true });
      if (values.length === 0 || boundaries.length !== values.length - 1) {
        throw new UsageError('missing_flag', `--lr-decay piecewise_constant needs --values with one more rate than --boundaries (got ${boundaries.length} boundaries, ${values.length} values)`, { hint: 'e.g. --boundaries 100,200 --values 0.1,0.01,0.001' });
      }
      if (boundaries.some((x, i) => i > 0 && x <= boundaries[i - 1]!)) {
        throw new UsageError('bad_flag_value', `--boundaries ${boundaries.join(',')}: must increase`, { hint: 'e.g. --boundaries 100,200' });
      }
      options.lrDecay = { type, decaySteps: 1, boundaries, values };
    } else if (type !== undefined && type !== 'fixed') {
      const decaySteps = numberFlag(args, 'decay-steps', { integer: true, min: 1 });
      const decayRate = numberFlag(args, 'decay-rate', { exclusiveMin: true });
      if (decaySteps === undefined) throw new UsageError('missing_flag', `--lr-decay ${type} needs --decay-steps`, { hint: 'e.g. --decay-steps 100' });
      if ((type === 'exponential' || type === 'natural_exp' || type === 'inverse_time') && decayRate === undefined) {
        throw new UsageError('missing_flag', `--lr-decay ${type} needs --decay-steps and --decay-rate`, { hint: 'e.g. --decay-steps 100 --decay-rate 0.9' });
      }
      options.lrDecay = {
        type, decaySteps, decayRate, staircase: boolFlag(args, 'staircase'),
        tMul: numberFlag(args, 't-mul', { exclusiveMin: true }), mMul: numberFlag(args, 'm-mul', { exclusiveMin: true }),
        endLearningRate: numberFlag(args, 'end-learning-rate'), power: numberFlag(args, 'power', { exclusiveMin: true }),
        cycle: boolFlag(args, 'cycle'), alpha: numberFlag(args, 'alpha', { max: 1 }),
      };
    }
    set('warmupSteps', numberFlag(args, 'warmup-steps', { integer: true, min: 1 }));
    set('checkpointFormat', choiceFlag(args, 'checkpoint-format', ['tf-bundle', 'safetensors'] as const));
    set('movingAverageDecay', numberFlag(args, 'moving-average-decay', { max: 1 }));
    const tune = regexListFlag(args, 'trainable-scopes');
    if (tune.length) options.trainableScopes = tune;
    const save = regexListFlag(args, 'save-scope');
    if (save.length) options.saveScopes = save;
    const freeze = regexListFlag(args, 'freeze-scope');
    if (freeze.length) options.freezeScopes = freeze;
    const restore: RestorePart[] = ((args.values.restore as string[] | undefined) ?? []).map((r) => parseRestoreSpec(r, { freeze: boolFlag(args, 'freeze-restored') }));
    const ckpt = stringFlag(args, 'checkpoint-path');
    if (ckpt !== undefined) {
      const part: RestorePart = { from: ckpt, ignoreMissing: boolFlag(args, 'ignore-missing-vars') };
      const ex = regexListFlag(args, 'exclude-scopes');
      if (ex.length) part.exclude = ex;
      restore.push(part);
    }
    if (restore.length) options.restore = restore;
    const classesFrom = stringFlag(args, 'classes-from');
    const merges = ((args.values.merge as string[] | undefined) ?? []).map(parseMergeSpec);
    const splits = ((args.values.split as string[] | undefined) ?? []).map(parseSplitSpec);
    const newClassInit = choiceFlag(args, 'new-class-init', ['imprint', 'fresh'] as const);
    const optimizerState = choiceFlag(args, 'optimizer-state', ['restore', 'fresh'] as const);
    if (classesFrom !== undefined) {
      options.classesFrom = { from: classesFrom, merges, splits, ...(newClassInit ? { newClassInit } : {}), ...(optimizerState ? { optimizerState } : {}) };
    }
    await initBackend();
    const report = await withSignals((signal) => trainModel({ ...options, signal }));
    for (const w of report.start.warnings) process.stderr.write(`warning: ${w}\n`);
    return report;
  },
  exitCode(r: TrainModelReport | TrainLayersReport): number {
    return interruptedExitCode(r.interrupted);
  },
  render(report: TrainModelReport | TrainLayersReport): string {
    if ('head' in report) return renderUserTrain(report);
    const r = report;
    const lines = [
      `${r.model}: ${r.trainExamples} training / ${r.testExamples} test examples, ${r.classNames.length} classes`,
      `start: ${r.start.message}`,
      ...r.restored.map((p) => `restored from ${p.from}${p.include.length ? ` [${p.include.join(', ')}]` : ''}: ${p.summary.restored} variables${p.frozen ? ' (frozen)' : ''}`),
      `trained ${r.trainedVariables.length} variables${r.frozenVariables.length ? `, ${r.frozenVariables.length} frozen` : ''}; ${r.fit.steps} steps in ${r.fit.trainSeconds.toFixed(1)} s (${r.fit.examplesPerSecond.toFixed(0)} examples/s), global step ${r.globalStep}`,
      `accuracy ${pct(r.finalAccuracy)}${r.finalEmaAccuracy !== null ? `, with moving averages ${pct(r.finalEmaAccuracy)}` : ''}`,
    ];
    if (r.classChange) {
      const c = r.classChange;
      lines.push(`classes: ${c.action} from ${c.checkpoint} (${Object.entries(c.plan.summary).map(([k, v]) => `${v} ${k}`).join(', ')})`);
    }
    if (r.earlyStopping) {
      const e = r.earlyStopping;
      lines.push(e.stoppedAtStep !== null
        ? `early stopping: stopped at step ${e.stoppedAtStep}, no increase since step ${e.bestStep} (accuracy ${pct(e.bestAccuracy ?? 0)})`
        : `early stopping: did not trigger (best accuracy ${e.bestAccuracy === null ? 'n/a' : pct(e.bestAccuracy)} at step ${e.bestStep ?? 'n/a'})`);
    }
    if (r.frozenChecksum) lines.push(`frozen variables: checksum ${r.frozenChecksum.before} → ${r.frozenChecksum.after} (${r.frozenChecksum.unchanged ? 'unchanged' : 'CHANGED'})`);
    if (r.latestCheckpoint) lines.push(`saved ${r.savedVariables.length} variables: ${r.latestCheckpoint}${r.bestCheckpoint ? ` (best: ${r.bestCheckpoint})` : ''}`);
    if (r.tensorboard) lines.push(`tensorboard: ${r.tensorboard}`);
    return lines.join('\n');
  },
};
