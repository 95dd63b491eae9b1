/**
 * `transferCommon(src, dst, {match, freeze})` (article 003): find the layers two architectures
 * share (common-layers.ts), copy their values from the source into the destination, optionally
 * freeze them, and report every pairing with its reason plus everything left alone and why.
 * The source is a model in memory or any readable checkpoint file (TF bundle, Keras `.h5`,
 * safetensors, tfjs `model.json`); its `.meta.json` gives the creation order; without one the
 * file's model order where it records one (Keras 1/2 `layer_names`, TF2 `layer_with_weights-N`),
 * else its key order, weights inside a layer pair by role or distinct shape — an ambiguous pairing
 * is refused and reported, never guessed — and the report says so. Keys are matched under the
 * names their format implies (checkpoint/source-names.ts: Keras 3 paths as TF-Keras names, TF2
 * object-graph keys as variable paths) and read under their own.
 */
import { InvalidArgumentError } from '../errors.js';
import { restoreFromCheckpoint } from '../checkpoint/execute-plan.js';
import { loadCheckpoint } from '../checkpoint/reader.js';
import { sourceNames, type SourceNames } from '../checkpoint/source-names.js';
import type { ClassifierModel } from '../models/types.js';
import type { Parameter, ParameterSet } from '../variables/parameter-set.js';
import { stat } from 'node:fs/promises';
import { readCheckpointMeta, resolveCheckpoint } from './checkpoints.js';
import { matchCommonLayers, type LayerPairing, type LeftAlone, type MatchMode, type SourceOrder, type VariableSpec } from '../checkpoint/common-layers.js';

/** A model, its parameters, or a checkpoint path. */
export type TransferSource = ClassifierModel | ParameterSet | string;

/** Options of {@link transferCommon}. */
export interface TransferCommonOptions {
  /** How layers pair (default `structure`). */
  match?: MatchMode;
  /** Freeze the destination variables that received values. */
  freeze?: boolean;
  /** Only report; change nothing. */
  dryRun?: boolean;
}

/** What transferCommon did (or would do). */
export interface TransferCommonReport {
  match: MatchMode;
  source: string;
  pairings: LayerPairing[];
  leftAlone: LeftAlone[];
  /** Destination variables that received values (none in a dry run). */
  copied: string[];
  frozen: string[];
  dryRun: boolean;
  /** Notes (e.g. "source layer order taken from sorted checkpoint keys"). */
  notes: string[];
}

function paramsOf(x: ClassifierModel | ParameterSet): ParameterSet {
  return 'params' in x && !('select' in x) ? (x as ClassifierModel).params : (x as ParameterSet);
}

function specs(params: ParameterSet): VariableSpec[] {
  return params.toArray().map((p) => ({ name: p.name, dtype: p.variable.dtype, shape: [...p.variable.shape] }));
}

async function sourceSpecs(src: TransferSource, notes: string[]): Promise<{ specs: VariableSpec[]; label: string; params?: ParameterSet; checkpoint?: string; order: SourceOrder; keys?: Map<string, string> }> {
  if (typeof src !== 'string') {
    const params = paramsOf(src);
    return { specs: specs(params), label: 'name' in src && typeof src.name === 'string' ? `model ${src.name}` : 'parameters in memory', params, order: 'creation' };
  }
  // a TF checkpoint (prefix or directory), else any file the readers open (.h5, .safetensors, model.json, …)
  const ckpt = await resolveCheckpoint(src).catch(async (e: unknown) => {
    if ((await stat(src).catch(() => undefined))?.isFile()) return src;
    throw e;
  });
  const meta = await readCheckpointMeta(ckpt).catch(() => undefined);
  const reader = await loadCheckpoint(ckpt);
  let named: SourceNames;
  try {
    named = sourceNames(reader);
  } finally {
    await reader.close();
  }
  const keys = new Map(named.entries.map((e) => [e.name, e.key] as const));
  const spec = (e: { name: string; dtype: string; shape: number[] }) => ({ name: e.name, dtype: e.dtype, shape: [...e.shape] });
  notes.push(...named.notes);
  if (meta) {
    // the meta lists the variables in the model's creation order (built-in model or LayersModel alike)
    const byName = new Map(named.entries.map((e) => [e.name, e] as const));
    const ordered = meta.variables.filter((v) => byName.has(v.name)).map((v) => byName.get(v.name)!);
    const rest = named.entries.filter((v) => !ordered.includes(v));
    return { specs: [...ordered, ...rest].map(spec), label: ckpt, checkpoint: ckpt, order: 'creation', keys };
  }
  if (named.order === 'model') {
    notes.push(`${ckpt} records its model's layer order: layers taken in that order`);
    return { specs: named.entries.map(spec), label: ckpt, checkpoint: ckpt, order: 'creation', keys };
  }
  notes.push(`${ckpt} has no .meta.json giving its model's order: layers taken in the file's key order; inside a layer weights pair by role (kernel, bias, gamma, beta, moving_mean, …) or by distinct shapes, never by sorted names`);
  return { specs: named.entries.map(spec), label: ckpt, checkpoint: ckpt, order: 'sorted', keys };
}

/**
 * Copy the layers `dst` shares with `src`.
 * @example
 * const report = await transferCommon('runs/intent-a', modelB, { match: 'structure', freeze: true });
 * @throws InvalidArgumentError `bad_match_mode`; restore errors from the checkpoint layer.
 */
export async function transferCommon(src: TransferSource, dst: ClassifierModel | ParameterSet, options: TransferCommonOptions = {}): Promise<TransferCommonReport> {
  const match = options.match ?? 'structure';
  const notes: string[] = [];
  const source = await sourceSpecs(src, notes);
  const dstParams = paramsOf(dst);
  const m = matchCommonLayers(source.specs, specs(dstParams), match, { sourceOrder: source.order });
  const pairs = m.pairings.flatMap((p) => p.variables);
  const report: TransferCommonReport = { match, source: source.label, pairings: m.pairings, leftAlone: m.leftAlone, copied: [], frozen: [], dryRun: !!options.dryRun, notes };
  if (options.dryRun || pairs.length === 0) {
    if (pairs.length === 0) notes.push('no common layers found: nothing copied');
    return report;
  }
  if (source.params) {
    for (const v of pairs) {
      const from = source.params.require(v.source).variable;
      dstParams.require(v.destination).variable.assign(from);
    }
  } else {
    const record: Record<string, Parameter> = {};
    for (const v of pairs) record[source.keys?.get(v.source) ?? v.source] = dstParams.require(v.destination);
    const plan = await restoreFromCheckpoint(record, source.checkpoint!);
    if (plan.summary.restored + plan.summary.renamed !== pairs.length) {
      throw new InvalidArgumentError('transfer_incomplete', `${source.checkpoint}: ${pairs.length} variables paired but ${plan.summary.restored + plan.summary.renamed} restored`, { hint: 'inspect the checkpoint (graft inspect) and retry' });
    }
  }
  report.copied = pairs.map((v) => v.destination);
  if (options.freeze) {
    // through freeze(), so a LayersModel destination gets layer.trainable = false (whole layers)
    dstParams.freeze({ include: report.copied });
    report.frozen = report.copied.filter((n) => !dstParams.require(n).trainable);
  }
  return report;
}

/** The report as text: pairings with reasons, then what was left alone and why. */
export function formatTransferCommon(r: TransferCommonReport): string {
  const lines = [`transfer-common (match: ${r.match}) from ${r.source}${r.dryRun ? ' — dry run, nothing changed' : ''}`];
  for (const p of r.pairings) {
    lines.push(`  paired  ${p.source} → ${p.destination}: ${p.reason}`);
    for (const v of p.variables) lines.push(`          ${v.source} → ${v.destination} [${v.shape.join(',')}]`);
  }
  const dst = r.leftAlone.filter((l) => l.side === 'destination');
  const src = r.leftAlone.filter((l) => l.side === 'source');
  for (const l of dst) lines.push(`  left    ${l.name}: ${l.reason}`);
  const byReason = new Map<string, string[]>();
  for (const l of src) byReason.set(l.reason, [...(byReason.get(l.reason) ?? []), l.name]);
  for (const [reason, names] of byReason) {
    if (names.length > 3) lines.push(`  unused  ${names.length} source variables (${names.slice(0, 2).join(', ')}, …): ${reason}`);
    else for (const n of names) lines.push(`  unused  ${n} (source): ${reason}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push(`${r.pairings.length} layers paired, ${r.copied.length} variables copied${r.frozen.length ? ` and frozen` : ''}, ${dst.length} destination variables left alone`);
  return lines.join('\n');
}
