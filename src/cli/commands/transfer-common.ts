/**
 * `graft transfer-common SRC DST`: copy the layers two architectures share — found by name, by
 * shape, or by structure (same layer sequence and shapes, whatever the scope prefixes) — and
 * report every pairing with its reason and what was left alone.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { choiceFlag, requireFlags } from '../flags.js';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { initBackend } from '../../runtime/backend.js';
import { Saver } from '../../checkpoint/saver.js';
import { restoreFromCheckpoint } from '../../checkpoint/execute-plan.js';
import { buildModel, getModel } from '../../models/registry.js';
import type { ClassifierModel } from '../../models/types.js';
import { modelFromCheckpointMeta, readCheckpointMeta, resolveCheckpoint } from '../../workflows/checkpoints.js';
import type { MatchMode } from '../../checkpoint/common-layers.js';
import { formatTransferCommon, transferCommon, type TransferCommonReport } from '../../workflows/transfer-common.js';
import { isLayersDestination, layersDestination } from '../../workflows/user-model/transfer-destination.js';
import { parametersFromLayersModel } from '../../variables/layers-adapter.js';
import type { ParameterSet } from '../../variables/parameter-set.js';
import { layersModelMeta } from '../../layers/topology.js';

const HELP = `graft transfer-common — copy the layers two architectures share

usage: graft transfer-common SRC DST [--match structure|shape|name] [--freeze] [--dry-run]
                             [--out PREFIX] [--dst-config JSON] [--json]

SRC   the trained source: a checkpoint prefix or training directory (its .meta.json gives the
      layer order; without one the sorted keys are used)
DST   the destination: a checkpoint/directory with a .meta.json (its values are loaded first),
      a built-in model name (e.g. intent-b) built fresh with --dst-config, or your own model: a
      model.json / .h5 / .keras file, or a builder module (.js/.mjs) built for --data (default:
      SRC's data) with SRC's vocabulary; the saved .meta.json then holds the topology and data
      spec, so graft train --classes-from OUT --train-dir NEW continues from it

  --match MODE        structure: layer i ↔ layer i while leaf names and shapes agree, across
                      scope prefixes, stopping at the first difference (the shared early layers)
                      shape: longest in-order alignment of layers with equal shapes (names may differ)
                      name: identical variable names only                     (default structure)
  --freeze            mark the copied variables frozen in the saved meta      (default: off)
  --dry-run           only report the pairings; write nothing                 (default: off)
  --out PREFIX        save the initialised destination as PREFIX (+ .meta.json); required
                      unless --dry-run (DST itself is never rewritten)
  --dst-config JSON   config of a DST given by model name, e.g. '{"vocabSize":812}'
  --data D            the data a builder-module DST is built for (its classes)  (default: SRC's)
  --json              print {match, pairings, leftAlone, copied, frozen, …}

examples:
  graft transfer-common runs/intent-a intent-b --dst-config '{"numClasses":20,"vocabSize":812}' --dry-run
  graft transfer-common runs/intent-a runs/intent-b-init --freeze --out runs/intent-b-warm/model.ckpt
  graft transfer-common runs/intent-a runs/intent-b-init --match shape --json --dry-run
  graft transfer-common runs/mine build-b.mjs --data my-intents/ --out runs/b-init/model.ckpt`;

/** Result of the command: the report plus where the destination was saved. */
export type TransferCommonResult = TransferCommonReport & { saved: string | null };

async function destination(dst: string, config: Record<string, unknown>): Promise<{ model: ClassifierModel; labels?: string[]; extra?: Record<string, unknown> }> {
  const isPath = await stat(dst).then(() => true, () => false) || (await stat(`${dst}.index`).then(() => true, () => false));
  if (!isPath) {
    getModel(dst); // unknown_model error with the list of names
    return { model: buildModel(dst, config) };
  }
  const ckpt = await resolveCheckpoint(dst);
  const meta = await readCheckpointMeta(ckpt);
  const model = await modelFromCheckpointMeta(meta, ckpt);
  await restoreFromCheckpoint(model.params, ckpt, { ignoreMissing: true });
  return { model, labels: meta.labels, extra: meta.extra };
}

/** `graft transfer-common`. */
export const transferCommonCommand: Command<TransferCommonResult> = {
  name: 'transfer-common',
  summary: 'copy the layers two architectures share',
  help: HELP,
  options: {
    match: { type: 'string' },
    freeze: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    out: { type: 'string' },
    'dst-config': { type: 'string' },
    data: { type: 'string' },
  },
  aliases: { dry_run: 'dry-run' },
  async run(args: ParsedArgs): Promise<TransferCommonResult> {
    const [src, dst, ...rest] = args.positionals;
    if (src === undefined || dst === undefined || rest.length) {
      throw new UsageError('bad_usage', `graft transfer-common takes SRC and DST, got ${args.positionals.length} argument(s)`, { hint: 'graft transfer-common runs/intent-a intent-b --dry-run' });
    }
    const match: MatchMode = choiceFlag(args, 'match', ['structure', 'shape', 'name'] as const) ?? 'structure';
    const dryRun = boolFlag(args, 'dry-run');
    if (dryRun) requireFlags(args, ['out'], false, 'a write (--dry-run writes nothing)', 'no --dry-run');
    const out = stringFlag(args, 'out');
    if (!dryRun && out === undefined) throw new UsageError('missing_flag', 'graft transfer-common writes the initialised destination to --out PREFIX (or pass --dry-run)', { hint: 'add --out runs/b-warm/model.ckpt, or --dry-run to only see the pairings' });
    let config: Record<string, unknown> = {};
    const cfg = stringFlag(args, 'dst-config');
    if (cfg !== undefined) {
      try {
        config = JSON.parse(cfg) as Record<string, unknown>;
      } catch (e) {
        throw new UsageError('bad_flag_value', `--dst-config is not JSON: ${cfg}`, { hint: `e.g. --dst-config '{"vocabSize":812}'`, cause: e });
      }
    }
    await initBackend();
    if (await isLayersDestination(dst)) {
      requireFlags(args, ['dst-config'], false, 'a built-in DST model name (a LayersModel DST has its own topology)', 'a built-in DST');
      const data = stringFlag(args, 'data');
      const d = await layersDestination(dst, { src, ...(data !== undefined ? { data } : {}) });
      const params: ParameterSet = parametersFromLayersModel(d.model);
      const report = await transferCommon(src, params, { match, freeze: boolFlag(args, 'freeze'), dryRun });
      let saved: string | null = null;
      if (!dryRun && out !== undefined) {
        await mkdir(dirname(resolve(out)), { recursive: true });
        saved = await new Saver({ varList: params }).save(out, { meta: { ...d.meta, model: layersModelMeta(d.model), extra: { ...d.meta.extra, transferCommon: { from: report.source, match, copied: report.copied } } } });
      }
      d.model.dispose();
      return { ...report, saved };
    }
    requireFlags(args, ['data'], false, 'a LayersModel DST (model file, builder module or LayersModel checkpoint)', 'DST build-b.mjs');
    const d = await destination(dst, config);
    const report = await transferCommon(src, d.model, { match, freeze: boolFlag(args, 'freeze'), dryRun });
    let saved: string | null = null;
    if (!dryRun && out !== undefined) {
      const meta = { model: { name: d.model.name, config: d.model.config }, ...(d.labels ? { labels: d.labels } : {}), extra: { ...(d.extra ?? {}), transferCommon: { from: report.source, match, copied: report.copied } } };
      await mkdir(dirname(resolve(out)), { recursive: true });
      saved = await new Saver({ varList: d.model.params }).save(out, { meta });
    }
    return { ...report, saved };
  },
  render(r: TransferCommonResult): string {
    return formatTransferCommon(r) + (r.saved ? `\nsaved the initialised destination to ${r.saved}` : '');
  },
};
