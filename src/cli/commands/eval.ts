/**
 * `graft eval`: evaluate a checkpoint — raw weights or the moving averages — rebuilding the model
 * from its `.meta.json` (no code), optionally with parts restored from other checkpoints.
 */
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { initBackend } from '../../runtime/backend.js';
import { parseRestoreSpec } from '../../workflows/checkpoints.js';
import { evalCheckpoint, type EvalCheckpointReport } from '../../workflows/eval-checkpoint.js';
import { evalWatch, type EvalWatchReport, type WatchedEvaluation } from '../../workflows/eval-watch.js';
import { conflictingFlags, numberFlag, regexListFlag } from '../flags.js';
import { pct } from './train.js';

const HELP = `graft eval — evaluate a checkpoint (raw or EMA weights), rebuilding the model from .meta.json

usage: graft eval --checkpoint PATH [--ema | --both] [--restore DIR[:SCOPE,…]]… [--test-limit N] [--json]
       graft eval --watch DIR [--max-steps N] [--timeout SECS] [--eval-interval-secs S] [same options]
       graft eval --checkpoint PATH [--data D] [--test-limit N] [--json]     (a LayersModel checkpoint)

  --checkpoint PATH        a training directory (its latest checkpoint) or a prefix such as
                           runs/mnist/model.ckpt-200 (alias --checkpoint_path)   (required)
  --ema                    load <var>/ExponentialMovingAverage into the variables (TF's
                           ExponentialMovingAverage.variables_to_restore())    (default: raw)
  --both                   evaluate raw and EMA weights                        (default: off)
  --restore DIR[:SCOPE,…]  take the variables under SCOPE (regex at the start of the name, as
                           TF's get_collection) from DIR's latest checkpoint — for a model
                           saved in parts, repeatable                          (default: none)
  --test-limit N           evaluate on the first N test examples (seeded)     (default: all)
  --watch DIR              continuous evaluation (TF's checkpoints_iterator loop): evaluate each
                           new checkpoint of DIR as it lands (the newest, when several landed
                           during one evaluation); one line per evaluation on stderr
  --max-steps N            with --watch: stop after evaluating a checkpoint at global step >= N
                           (the -N of model.ckpt-N: the training's last checkpoint) (default: none)
  --timeout SECS           with --watch: stop when no new checkpoint came for SECS (default: never)
  --eval-interval-secs S   with --watch: at least S seconds between evaluations    (default 0)
  --poll-secs S            with --watch: seconds between looks at DIR's state file (default 1)
  --data D                 LayersModel checkpoints (graft train --model FILE --data …): evaluate
                           on every example of D, its classes matched to the checkpoint's labels
                           by name                                   (default: the stored test split)
  --json                   print the report as one JSON document (with --watch: at the end)

The data (MNIST digits or BANKING77 intents; or your data folder, its split, seed and input
encoding), labels, vocabulary and — for a LayersModel — the topology come from the .meta.json.

examples:
  graft eval --checkpoint runs/mnist --both
  graft eval --checkpoint runs/mnist/model.ckpt-300 --ema --json
  graft eval --checkpoint runs/lstm --restore runs/cnn:inference/conv
  graft eval --watch runs/mnist --max-steps 2000 --timeout 600 --json
  graft eval --checkpoint runs/mine --data held-out-intents/`;

/** `graft eval`. */
export const evalCommand: Command<EvalCheckpointReport | EvalWatchReport> = {
  name: 'eval',
  summary: 'evaluate a checkpoint (raw or EMA weights), rebuilding the model from .meta.json',
  help: HELP,
  options: {
    checkpoint: { type: 'string' },
    ema: { type: 'boolean' },
    both: { type: 'boolean' },
    restore: { type: 'string', multiple: true },
    'test-limit': { type: 'string' },
    watch: { type: 'string' },
    'max-steps': { type: 'string' },
    timeout: { type: 'string' },
    'eval-interval-secs': { type: 'string' },
    'poll-secs': { type: 'string' },
    data: { type: 'string' },
  },
  aliases: {
    checkpoint_path: 'checkpoint', 'checkpoint-path': 'checkpoint', test_limit: 'test-limit', max_steps: 'max-steps',
    eval_interval_secs: 'eval-interval-secs', checkpoint_dir: 'watch', 'checkpoint-dir': 'watch',
  },
  async run(args: ParsedArgs): Promise<EvalCheckpointReport | EvalWatchReport> {
    const watch = stringFlag(args, 'watch');
    if (watch === undefined) {
      for (const f of ['max-steps', 'timeout', 'eval-interval-secs', 'poll-secs']) {
        if (args.values[f] !== undefined) throw new UsageError('bad_usage', `--${f} goes with --watch DIR`, { hint: 'graft eval --watch runs/mnist --max-steps 2000 --timeout 600' });
      }
    } else if (stringFlag(args, 'checkpoint') !== undefined || args.positionals.length > 0) {
      throw new UsageError('bad_usage', 'graft eval takes either --checkpoint PATH or --watch DIR, not both', { hint: 'graft eval --watch runs/mnist' });
    }
    const path = watch ?? stringFlag(args, 'checkpoint') ?? args.positionals[0];
    if (path === undefined || args.positionals.length > (stringFlag(args, 'checkpoint') ? 0 : 1)) {
      throw new UsageError('bad_usage', 'graft eval needs one checkpoint: --checkpoint PATH', { hint: 'graft eval --checkpoint runs/mnist --both' });
    }
    const limit = numberFlag(args, 'test-limit', { integer: true, min: 1 });
    conflictingFlags(args, ['ema', 'both'], '--both already evaluates the moving averages (and the raw weights)');
    const restore = ((args.values.restore as string[] | undefined) ?? []).map((r) => parseRestoreSpec(r));
    for (const part of restore) regexListFlag({ values: { restore: part.include ?? [] }, positionals: [] }, 'restore');
    await initBackend();
    const evalOptions = {
      ema: boolFlag(args, 'ema'),
      both: boolFlag(args, 'both'),
      restore,
      scopeMatching: 'tf' as const,
      ...(stringFlag(args, 'data') !== undefined ? { data: stringFlag(args, 'data')! } : {}),
      ...(limit !== undefined ? { task: { testLimit: limit } } : {}),
    };
    if (watch === undefined) return evalCheckpoint(path, evalOptions);
    const maxSteps = numberFlag(args, 'max-steps', { integer: true, min: 0 });
    const timeout = numberFlag(args, 'timeout', { min: 0 });
    const interval = numberFlag(args, 'eval-interval-secs', { min: 0 });
    const poll = numberFlag(args, 'poll-secs', { min: 0.01 });
    return evalWatch(watch, {
      ...evalOptions,
      ...(maxSteps !== undefined ? { maxSteps } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      ...(interval !== undefined ? { minIntervalSecs: interval } : {}),
      ...(poll !== undefined ? { secondsToSleep: poll } : {}),
      onEvaluation: (e) => process.stderr.write(`${renderOne(e)}\n`),
    });
  },
  render(r: EvalCheckpointReport | EvalWatchReport): string {
    if ('evaluations' in r) {
      const why = { max_steps: 'the final checkpoint (--max-steps) was evaluated', timeout: 'no new checkpoint before --timeout', aborted: 'aborted' }[r.stoppedBecause];
      return [`${r.dir}: ${r.evaluations.length} checkpoints evaluated; stopped: ${why}`, ...r.evaluations.map(renderOne), ...r.skipped.map((s) => `  skipped ${s.checkpoint}: ${s.reason}`)].join('\n');
    }
    return renderReport(r);
  },
};

function renderOne(e: WatchedEvaluation): string {
  const acc = e.rawAccuracy !== undefined ? `raw ${pct(e.rawAccuracy)}, moving averages ${pct(e.emaAccuracy)}` : `${pct(e.accuracy)}, loss ${e.loss.toFixed(4)}`;
  return `  step ${e.globalStep ?? '?'}: ${e.checkpoint}: accuracy ${acc}`;
}

function renderReport(r: EvalCheckpointReport): string {
  const lines = [`${r.checkpoint} (${r.model}, ${r.labels.length} classes, ${r.examples} ${r.data?.split === 'all' ? `examples of ${r.data.path}` : 'test examples'})`];
  for (const p of r.restored) lines.push(`  restored ${p.summary.restored + p.summary.renamed} variables from ${p.from}${p.summary.renamed ? ` (${p.summary.renamed} from moving averages)` : ''}`);
  if (r.rawAccuracy !== undefined) lines.push(`accuracy: raw ${pct(r.rawAccuracy)}, moving averages ${pct(r.emaAccuracy)}`);
  else lines.push(`accuracy (${r.weights === 'ema' ? 'moving averages' : 'raw weights'}): ${pct(r.accuracy)}, loss ${r.loss.toFixed(4)}`);
  return lines.join('\n');
}
