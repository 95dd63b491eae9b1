/**
 * `graft restore-plan TARGET SOURCE`: what a restore of SOURCE into the variables of TARGET would
 * do, without changing anything. The text is exactly `RestorePlan.toString()`; `--json` prints
 * `{"entries": [...], "summary": {...}}`.
 */
import type { Command, ParsedArgs } from '../command.js';
import { listFlag, boolFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { readMeta } from '../../checkpoint/meta.js';
import { loadCheckpoint } from '../../checkpoint/reader.js';
import { planRestoreFromSpecs, type RestorePlan } from '../../checkpoint/restore-plan.js';
import { parseMapFlags } from '../../checkpoint/assignment-map.js';
import type { DType } from '../../formats/types.js';
import { LAYOUT_FLAGS, LAYOUT_HELP, parseLayoutFlags } from '../layout-flags.js';

const HELP = `graft restore-plan — dry-run a restore: what would be restored, missing, unused or mismatched

usage: graft restore-plan TARGET SOURCE [--exclude SCOPE]… [--include SCOPE]… [--map CKPT=VAR]…
                          [--ignore-missing] [--allow-shape-mismatch] [--layout pytorch …] [--json]

TARGET   the variables to fill: a model's .meta.json (written beside every Graft checkpoint)
         or a checkpoint whose names, dtypes and shapes stand for the model
SOURCE   the checkpoint to read: a TF prefix (dir/model.ckpt-1000), a directory with a
         'checkpoint' state file, *.safetensors, a tfjs model.json, a Keras *.h5, or a PyTorch
         *.pt / *.pth / pytorch_model.bin

flags:
  --exclude SCOPE          leave variables under SCOPE alone (repeatable, comma lists; '/' boundaries);
                           aliases --exclude-scopes, --checkpoint_exclude_scopes   (default: none)
  --include SCOPE          only restore variables under SCOPE (repeatable)         (default: all)
  --map CKPT=VAR           rename: checkpoint name or scope CKPT fills variable or scope VAR,
                           TF assignment_map forms: old/w=new/w, old/=new/, /=new/  (default: none)
  --ignore-missing         variables missing from SOURCE keep their values instead of failing
                           (alias --ignore_missing_vars)                            (default: off)
  --allow-shape-mismatch   variables whose shape differs keep their values         (default: off)
${LAYOUT_HELP}
  --json                   print {"entries": [...], "summary": {...}}

Nothing is written. Exit code 0 when the restore would succeed, 1 when it would fail (the plan
is printed either way), 2 on bad usage. Statuses: restored, renamed, missing_in_checkpoint, shape_mismatch,
dtype_mismatch, excluded, unused_in_checkpoint.

examples:
  graft restore-plan runs/flowers/model.ckpt-0.meta.json pretrained/resnet_v1_50.ckpt --exclude Logits --ignore-missing
  graft restore-plan runs/b/model.ckpt-200 runs/a/ --map encoder/=/ --json
  graft restore-plan runs/mnist/model.ckpt-1000.meta.json runs/mnist/best/`;

async function targetVariables(path: string): Promise<{ name: string; dtype: DType; shape: number[] }[]> {
  if (path.endsWith('.meta.json')) return (await readMeta(path)).variables;
  const reader = await loadCheckpoint(path);
  try {
    return reader.list().filter((t) => t.name !== '_CHECKPOINTABLE_OBJECT_GRAPH').map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] }));
  } finally {
    await reader.close();
  }
}

/** `graft restore-plan`. */
export const restorePlanCommand: Command<RestorePlan> = {
  name: 'restore-plan',
  summary: 'dry-run a restore: what would be restored, missing, unused or mismatched',
  help: HELP,
  options: {
    exclude: { type: 'string', multiple: true },
    include: { type: 'string', multiple: true },
    map: { type: 'string', multiple: true },
    'ignore-missing': { type: 'boolean' },
    'allow-shape-mismatch': { type: 'boolean' },
    ...LAYOUT_FLAGS,
  },
  aliases: {
    'exclude-scopes': 'exclude',
    checkpoint_exclude_scopes: 'exclude',
    'include-scopes': 'include',
    ignore_missing_vars: 'ignore-missing',
  },
  async run(args: ParsedArgs): Promise<RestorePlan> {
    const [target, source, ...rest] = args.positionals;
    if (target === undefined || source === undefined || rest.length > 0) {
      throw new UsageError('bad_usage', `graft restore-plan takes TARGET and SOURCE, got ${args.positionals.length} argument(s)`, {
        hint: 'graft restore-plan runs/new/model.ckpt-0.meta.json pretrained/model.ckpt --exclude Logits',
      });
    }
    const variables = await targetVariables(target);
    return planRestoreFromSpecs(variables, source, {
      exclude: listFlag(args, 'exclude'),
      include: listFlag(args, 'include'),
      assignmentMap: parseMapFlags(listFlag(args, 'map')),
      layout: parseLayoutFlags(args),
      ignoreMissing: boolFlag(args, 'ignore-missing'),
      allowShapeMismatch: boolFlag(args, 'allow-shape-mismatch'),
    });
  },
  render(plan: RestorePlan): string {
    return plan.toString();
  },
  exitCode(plan: RestorePlan): number {
    return plan.ok ? 0 : 1;
  },
};
