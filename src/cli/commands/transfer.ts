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

examples:
  graft transfer --mode features --from runs/digits04 --digits 5,6,7,8,9 --train-dir runs/features
  graft transfer --mode freeze --from runs/digits04 --digits 5,6,7,8,9 --exclude-scopes Logits --trainable-scopes Logits
  graft transfer --mode finetune --from runs/digits04 --digits 5,6,7,8,9 --unfreeze-last 2 --train-dir runs/ft`;

/** `graft transfer`. */
export const transferCommand: Command<TransferReport> = {
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
  },
  aliases: { ...SLIM_ALIASES, 'checkpoint-path': 'from', checkpoint_path: 'from', unfreeze_last: 'unfreeze-last' },
  async run(args: ParsedArgs): Promise<TransferReport> {
    const mode = stringFlag(args, 'mode');
    const from = stringFlag(args, 'from');
    if (mode === undefined || from === undefined || args.positionals.length) {
      throw new UsageError('bad_usage', 'graft transfer needs --mode freeze|features|finetune and --from CKPT', { hint: 'graft transfer --mode features --from runs/digits04 --digits 5,6,7,8,9' });
    }
    if (!['freeze', 'features', 'finetune'].includes(mode)) {
      throw new UsageError('bad_flag_value', `--mode ${mode}: expected freeze, features or finetune`, { hint: 'see graft transfer --help' });
    }
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
  exitCode(r: TransferReport): number {
    return interruptedExitCode(r.interrupted);
  },
  render(r: TransferReport): string {
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
