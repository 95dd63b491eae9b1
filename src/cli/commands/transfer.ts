/**
 * `graft transfer`: transfer learning from a pretrained checkpoint to a new task with a new head,
 * three ways — freeze the body, train on precomputed features, or fine-tune the last layers.
 */
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { initBackend } from '../../runtime/backend.js';
import { transfer, type TransferMode, type TransferOptions, type TransferReport } from '../../workflows/transfer.js';
import { numberFlag, regexListFlag, requireFlags } from '../flags.js';
import { DATA_OPTIONS, SLIM_ALIASES, interruptedExitCode, pct, taskFlags, withSignals } from './train.js';
import { isLayersCheckpoint, renderUserTrain } from './train-user.js';
import { trainLayersModel, type TrainLayersReport } from '../../workflows/user-model/train-layers.js';
import { hasFlag } from '../flags.js';

const HELP = `graft transfer — transfer learning: freeze, features or finetune from a pretrained checkpoint

usage: graft transfer --mode freeze|features|finetune --from CKPT [--digits …|--categories …]
                      [--exclude-scopes S,…] [--trainable-scopes S,…] [--unfreeze-last K]
                      [--ignore-missing-vars] [--train-dir DIR] [--epochs N] [--json]

  --mode MODE              freeze: restore all but the head, freeze the body, train the head
                           features: compute the frozen body's features once (saved as
                             DIR/features.safetensors, reused next time), train the head on them
                           finetune: also train the last K body layers          (required)
  --from CKPT              pretrained checkpoint or directory; its .meta.json names the model
                           (alias --checkpoint-path, --checkpoint_path)        (required)
  --digits 0,1,… / --categories a,b,…   the new task's classes                 (default: all)
  --exclude-scopes S,…     not restored from CKPT (slim checkpoint_exclude_scopes; whole
                           scope names: Logits excludes Logits/… but not Logits2, where slim's
                           plain startswith would)                             (default: the head)
  --trainable-scopes S,…   trained in freeze/features mode                     (default: the head)
  --unfreeze-last K        finetune: body layers trained besides the head      (default 1)
  --ignore-missing-vars    variables CKPT lacks keep their initial values      (default: off)
  --train-dir DIR          resume from DIR if it has a checkpoint, else warm-start from CKPT;
                           keeps the best by accuracy in DIR/best              (default: none)
  --epochs N               (default 3)   --batch-size N (default 32)   --learning-rate X (0.003)
  --train-limit N / --test-limit N / --seed N   data slice                    (default: all)
  --no-nan-check           do not stop on a NaN/Inf loss or non-finite variables (default: check)
  --json                   print the report as one JSON document

A LayersModel checkpoint (graft train --model FILE --data …) as --from: --data D names the new
task (a .txt file per class, .csv/.jsonl, or image folders; default the checkpoint's data); its
body is restored, the head (the last Dense) replaced by a fresh one for D's classes, and
  freeze    trains the head only (every other layer frozen: layer.trainable = false)
  finetune  also trains the last K weight layers below the head (--unfreeze-last K)
  features  runs the frozen body once over D and trains the head on its features (recomputed
            by every run: no features file for LayersModels)
with model.fit (Adam, --learning-rate) and the checkpoint + TensorBoard callbacks into
--train-dir; --test-split F (default 0.2) and --seed N split D as graft train does;
--no-tensorboard writes no event files.

examples:
  graft transfer --mode features --from runs/digits04 --digits 5,6,7,8,9 --train-dir runs/features
  graft transfer --mode freeze --from runs/digits04 --digits 5,6,7,8,9 --exclude-scopes Logits --trainable-scopes Logits
  graft transfer --mode finetune --from runs/digits04 --digits 5,6,7,8,9 --unfreeze-last 2 --train-dir runs/ft
  graft transfer --mode freeze --from runs/mine --data new-intents/ --train-dir runs/mine-head`;

/** `graft transfer`. */
export const transferCommand: Command<TransferReport | TrainLayersReport> = {
  name: 'transfer',
  summary: 'transfer learning: freeze, features or finetune from a pretrained checkpoint',
  help: HELP,
  options: {
    mode: { type: 'string' },
    from: { type: 'string' },
    ...DATA_OPTIONS,
    'exclude-scopes': { type: 'string', multiple: true },
    'trainable-scopes': { type: 'string', multiple: true },
    'unfreeze-last': { type: 'string' },
    'ignore-missing-vars': { type: 'boolean' },
    'train-dir': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    'learning-rate': { type: 'string' },
    'max-to-keep': { type: 'string' },
    'log-every': { type: 'string' },
    'no-nan-check': { type: 'boolean' },
    data: { type: 'string' },
    'test-split': { type: 'string' },
    'no-tensorboard': { type: 'boolean' },
  },
  aliases: { ...SLIM_ALIASES, 'checkpoint-path': 'from', checkpoint_path: 'from', unfreeze_last: 'unfreeze-last' },
  async run(args: ParsedArgs): Promise<TransferReport | TrainLayersReport> {
    const mode = stringFlag(args, 'mode');
    const from = stringFlag(args, 'from');
    if (mode === undefined || from === undefined || args.positionals.length) {
      throw new UsageError('bad_usage', 'graft transfer needs --mode freeze|features|finetune and --from CKPT', { hint: 'graft transfer --mode features --from runs/digits04 --digits 5,6,7,8,9' });
    }
    if (!['freeze', 'features', 'finetune'].includes(mode)) {
      throw new UsageError('bad_flag_value', `--mode ${mode}: expected freeze, features or finetune`, { hint: 'see graft transfer --help' });
    }
    if (await isLayersCheckpoint(from)) return runLayersTransfer(args, mode as TransferMode, from);
    requireFlags(args, ['data', 'test-split', 'no-tensorboard'], false, 'a LayersModel checkpoint as --from (built-in models take --digits / --categories)', '--from runs/mine');
    const options: TransferOptions = { mode: mode as TransferMode, from, task: taskFlags(args), scopeMatching: 'tf', ignoreMissingVars: boolFlag(args, 'ignore-missing-vars') };
    requireFlags(args, ['unfreeze-last'], mode === 'finetune', '--mode finetune (freeze and features train only the head)', '--mode finetune');
    requireFlags(args, ['max-to-keep'], stringFlag(args, 'train-dir') !== undefined, '--train-dir DIR (no checkpoints are written without one)', '--train-dir runs/ft');
    const ex = regexListFlag(args, 'exclude-scopes');
    if (ex.length) options.excludeScopes = ex;
    const tr = regexListFlag(args, 'trainable-scopes');
    if (tr.length) options.trainableScopes = tr;
    const set = <K extends keyof TransferOptions>(k: K, v: TransferOptions[K] | undefined) => {
      if (v !== undefined) options[k] = v;
    };
    set('trainDir', stringFlag(args, 'train-dir'));
    set('unfreezeLast', numberFlag(args, 'unfreeze-last', { integer: true, min: 1 }));
    set('epochs', numberFlag(args, 'epochs', { integer: true, min: 1 }));
    set('batchSize', numberFlag(args, 'batch-size', { integer: true, min: 1 }));
    set('learningRate', numberFlag(args, 'learning-rate', { exclusiveMin: true }));
    set('maxToKeep', numberFlag(args, 'max-to-keep', { integer: true, min: 1 }));
    set('seed', options.task.seed);
    options.logEvery = numberFlag(args, 'log-every', { integer: true }) ?? 0;
    if (boolFlag(args, 'no-nan-check')) options.nanCheck = false;
    await initBackend();
    const report = await withSignals((signal) => transfer({ ...options, signal }));
    for (const w of report.start.warnings) process.stderr.write(`warning: ${w}\n`);
    return report;
  },
  exitCode(r: TransferReport | TrainLayersReport): number {
    return interruptedExitCode(r.interrupted);
  },
  render(report: TransferReport | TrainLayersReport): string {
    if ('head' in report) return renderUserTrain(report);
    const r = report;
    const lines = [
      `transfer (${r.mode}) from ${r.from} → ${r.model} with ${r.classNames.length} classes`,
      `start: ${r.start.message}`,
      `trained: ${r.trainedVariables.join(', ')} (${r.headStep === 'linear' ? 'affine head step, gradient written out' : 'TF.js autodiff'})`,
    ];
    if (r.features) lines.push(`features: ${r.features.width} per example, ${r.features.reused ? 'reused from' : `computed in ${r.features.seconds.toFixed(1)} s and saved to`} ${r.features.path ?? '(memory)'}`);
    if (r.frozenChecksum) lines.push(`frozen body: checksum ${r.frozenChecksum.before} → ${r.frozenChecksum.after} (${r.frozenChecksum.unchanged ? 'unchanged' : 'CHANGED'})`);
    lines.push(`accuracy ${pct(r.accuracy)}; head training ${(1000 * r.epochSeconds).toPrecision(3)} ms per epoch; total ${r.totalSeconds.toFixed(1)} s`);
    if (r.bestCheckpoint) lines.push(`best checkpoint: ${r.bestCheckpoint}`);
    return lines.join('\n');
  },
};

/** `graft transfer` from a LayersModel checkpoint: trainLayersModel with `transferFrom`. */
async function runLayersTransfer(args: ParsedArgs, mode: TransferMode, from: string): Promise<TrainLayersReport> {
  const builtinOnly = ['digits', 'categories', 'train-limit', 'test-limit', 'per-class', 'exclude-scopes', 'trainable-scopes', 'ignore-missing-vars'].filter((f) => hasFlag(args, f));
  if (builtinOnly.length) {
    throw new UsageError('flag_without_effect', `${builtinOnly.map((f) => `--${f}`).join(', ')} apply to built-in models, not to a LayersModel --from`, { hint: `drop ${builtinOnly.map((f) => `--${f}`).join(' ')}; the new task is --data D`, details: { flags: builtinOnly } });
  }
  const set = <T>(v: T | undefined, f: (x: T) => void) => { if (v !== undefined) f(v); };
  const o: Parameters<typeof trainLayersModel>[0] = { transferFrom: { from, unfreezeLast: mode === 'finetune' ? numberFlag(args, 'unfreeze-last', { integer: true, min: 1 }) ?? 1 : 0, features: mode === 'features' }, epochs: numberFlag(args, 'epochs', { integer: true, min: 1 }) ?? 3 };
  set(stringFlag(args, 'data'), (v) => (o.data = v));
  set(stringFlag(args, 'train-dir'), (v) => (o.trainDir = v));
  set(numberFlag(args, 'batch-size', { integer: true, min: 1 }), (v) => (o.batchSize = v));
  set(numberFlag(args, 'learning-rate', { exclusiveMin: true }), (v) => (o.learningRate = v));
  set(numberFlag(args, 'max-to-keep', { integer: true, min: 1 }), (v) => (o.maxToKeep = v));
  set(numberFlag(args, 'seed', { integer: true, min: 0 }), (v) => (o.seed = v));
  set(numberFlag(args, 'test-split', { exclusiveMin: true, max: 0.9 }), (v) => (o.testSplit = v));
  set(numberFlag(args, 'log-every', { integer: true }), (v) => (o.logEvery = v));
  if (boolFlag(args, 'no-nan-check')) o.nanCheck = false;
  if (boolFlag(args, 'no-tensorboard')) o.tensorboard = false;
  await initBackend();
  return withSignals((signal) => trainLayersModel({ ...o, signal }), 'epoch');
}
