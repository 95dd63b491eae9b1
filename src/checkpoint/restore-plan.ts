/**
 * Restore plans: "which variables, under which names, from which checkpoint" classified entry by
 * entry before anything changes, then executed all-or-nothing (docs/design/ARCHITECTURE.md checkpoint/).
 *
 * Every parameter gets one entry — `restored` (same key), `renamed` (another key: assignment map,
 * saver name map, TF2 object graph, EMA shadow), `missing_in_checkpoint`, `shape_mismatch`,
 * `dtype_mismatch` or `excluded` — and every checkpoint key no parameter uses gets an
 * `unused_in_checkpoint` entry (the TF2 `_CHECKPOINTABLE_OBJECT_GRAPH` metadata key is not a
 * variable and is not listed). Formatting is separate (format-report.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointReader, DType, FormatName } from '../formats/types.js';
import type { Parameter } from '../variables/parameter-set.js';
import { inScope } from '../variables/parameter-set.js';
import { compileAssignmentMap, isEmptyMap, mappedKeyFor, type AssignmentMap } from './assignment-map.js';
import { normalizeVarList, type NamedParameter, type VarList } from './var-list.js';
import { objectGraphAliases, openSource } from './reader.js';
import { checkpointDtypeOf, conversionFor } from './tensor-bytes.js';
import { formatRestorePlan } from './format-report.js';
import { withLayout, type LayoutOptions, type LayoutReader } from '../formats/layout/index.js';

/** Entry statuses (docs/design/STYLE.md §3), in the order reports list them. */
export const RESTORE_STATUSES = [
  'restored', 'renamed', 'missing_in_checkpoint', 'shape_mismatch', 'dtype_mismatch', 'excluded', 'reinitialized', 'unused_in_checkpoint',
] as const;

/** What happens (or happened) to one variable or checkpoint key. */
export type RestoreStatus = (typeof RESTORE_STATUSES)[number];

/** A dtype and shape. */
export interface TensorSpec {
  dtype: DType;
  shape: number[];
}

/** One line of a restore report. */
export interface RestoreEntry {
  /** Variable name (checkpoint key for `unused_in_checkpoint`). */
  name: string;
  status: RestoreStatus;
  /** Checkpoint key read (or looked for). */
  source?: string;
  /** The variable's checkpoint dtype and shape. */
  expected?: TensorSpec;
  /** The checkpoint tensor's dtype and shape. */
  found?: TensorSpec;
  /** A conversion applied on load (`float64 → float32 (rounded)`). */
  note?: string;
}

/** Options for {@link planRestore}. */
export interface RestorePlanOptions {
  /** Restore only variables under these scopes (`/` boundaries); default all. */
  include?: readonly string[];
  /** Leave variables under these scopes untouched (slim `checkpoint_exclude_scopes`, on `/` boundaries). */
  exclude?: readonly string[];
  /** Checkpoint name → variable name renames, TF `assignment_map` forms (assignment-map.ts). */
  assignmentMap?: AssignmentMap;
  /** Tolerate variables the checkpoint lacks (they keep their values); default false. */
  ignoreMissing?: boolean;
  /** Tolerate shape mismatches (those variables keep their values); default false. */
  allowShapeMismatch?: boolean;
  /** Only variables an assignment map rule covers are restored; the rest are `excluded` (TF `init_from_checkpoint`). Default false. */
  onlyMapped?: boolean;
  /**
   * Read the checkpoint through layout rules (formats/layout): `{layout: 'pytorch'}` shows a
   * PyTorch state dict under Keras names and layouts (dense transposed, conv OIHW→HWIO, BatchNorm
   * names, LSTM), applied before the assignment map; each transformed entry carries a note.
   */
  layout?: LayoutOptions;
}

/** The plain, JSON-serialisable part of a plan (what `--json` prints). */
export interface RestoreReport {
  entries: RestoreEntry[];
  summary: Record<RestoreStatus, number>;
}

/** A classified restore, ready to execute; it is also the report of what will happen. */
export interface RestorePlan extends RestoreReport {
  /** The checkpoint read. */
  source: { path: string; format: FormatName };
  /** True when executing changes something and no entry is an untolerated problem. */
  ok: boolean;
  /** The entries that make the plan fail (untolerated missing / shape / dtype). */
  problems: RestoreEntry[];
  /** Number of parameters considered (entries that are not `unused_in_checkpoint`). */
  parameterCount: number;
  /** The report as text (format-report.ts). */
  toString(): string;
  /** `{entries, summary}`. */
  toJSON(): RestoreReport;
}

/** What execution needs and the JSON must not show. */
export interface PlanInternals {
  source: string | CheckpointReader;
  /** entry → parameter, for the entries to load (`restored` / `renamed`). */
  params: Map<RestoreEntry, Parameter>;
  /** entry → the part's box, for parts of partitioned variables (read from the full tensor). */
  slices?: Map<RestoreEntry, NonNullable<PlanTarget['slice']>>;
  /** Layout rules to apply when the source is reopened by path. */
  layout?: LayoutOptions;
}

const internals = new WeakMap<RestorePlan, PlanInternals>();

/** @internal Execution data of a plan made by {@link planRestore}. */
export function planInternals(plan: RestorePlan): PlanInternals | undefined {
  return internals.get(plan);
}

/** Zero counts for every status. */
export function emptySummary(): Record<RestoreStatus, number> {
  return Object.fromEntries(RESTORE_STATUSES.map((s) => [s, 0])) as Record<RestoreStatus, number>;
}

/** Build a plan object (entries are taken as given). */
export function makePlan(
  entries: RestoreEntry[],
  source: { path: string; format: FormatName },
  options: Pick<RestorePlanOptions, 'ignoreMissing' | 'allowShapeMismatch'>,
  exec?: PlanInternals,
): RestorePlan {
  const summary = emptySummary();
  for (const e of entries) summary[e.status] += 1;
  const problems = entries.filter(
    (e) =>
      (e.status === 'missing_in_checkpoint' && !options.ignoreMissing) ||
      (e.status === 'shape_mismatch' && !options.allowShapeMismatch) ||
      e.status === 'dtype_mismatch',
  );
  const plan: RestorePlan = {
    source,
    entries,
    summary,
    ok: problems.length === 0,
    problems,
    parameterCount: entries.filter((e) => e.status !== 'unused_in_checkpoint').length,
    toString() {
      return formatRestorePlan(plan);
    },
    toJSON() {
      return { entries: plan.entries, summary: plan.summary };
    },
  };
  if (exec) internals.set(plan, exec);
  return plan;
}

const OBJECT_GRAPH_KEY = '_CHECKPOINTABLE_OBJECT_GRAPH';

function specOf(v: tf.Variable, saveDtype?: 'int64'): TensorSpec {
  return { dtype: checkpointDtypeOf(v, saveDtype), shape: [...v.shape] };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A variable to plan for: its name, the checkpoint key it is saved under, its checkpoint dtype and shape. */
export interface PlanTarget {
  name: string;
  key: string;
  expected: TensorSpec;
  /** A part of a partitioned variable: the tensor `key` must have `fullShape`; the part is read from its box. */
  slice?: { fullShape: number[]; varOffset: number[]; varShape: number[] };
}

/**
 * Classify every variable of `target` against checkpoint `source` without changing anything.
 * `target` may name variables under other checkpoint keys (a record `{ckptName: variable}`, as
 * `Saver({"v1": v1})`); TF2 object-based checkpoints are matched through their object graph
 * (`dense/kernel` ↔ `layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`).
 * @example
 * const plan = await planRestore(model.params, 'pretrained/model.ckpt', { exclude: ['Logits'] });
 * console.log(plan.toString());
 * await executeRestorePlan(plan);
 */
export async function planRestore(target: VarList, source: string | CheckpointReader, options: RestorePlanOptions = {}): Promise<RestorePlan> {
  return planRestorePairs(normalizeVarList(target), source, options);
}

/** @internal {@link planRestore} over pairs already normalised (a Saver's, whose parts share a key). */
export async function planRestorePairs(pairs: readonly NamedParameter[], source: string | CheckpointReader, options: RestorePlanOptions = {}): Promise<RestorePlan> {
  const targets = pairs.map(({ key, param, slice }): PlanTarget => ({ name: param.name, key, expected: specOf(param.variable, param.saveDtype), slice }));
  const { reader, owned } = await openSource(source);
  try {
    const { entries, loads } = classify(targets, options.layout ? withLayout(reader, options.layout) : reader, options);
    const params = new Map<RestoreEntry, Parameter>();
    const slices = new Map<RestoreEntry, NonNullable<PlanTarget['slice']>>();
    for (const [entry, i] of loads) {
      params.set(entry, pairs[i]!.param);
      if (pairs[i]!.slice) slices.set(entry, pairs[i]!.slice!);
    }
    return makePlan(entries, { path: reader.path, format: reader.format }, options, {
      source: typeof source === 'string' ? reader.path : source,
      params,
      slices,
      layout: options.layout,
    });
  } finally {
    if (owned) await reader.close();
  }
}

/**
 * A plan for variables known only by name, dtype and shape (a `.meta.json`, another
 * checkpoint's listing) — for dry runs such as `graft restore-plan`; it cannot be executed.
 */
export async function planRestoreFromSpecs(variables: readonly { name: string; dtype: DType; shape: number[] }[], source: string | CheckpointReader, options: RestorePlanOptions = {}): Promise<RestorePlan> {
  const targets = variables.map((v) => ({ name: v.name, key: v.name, expected: { dtype: v.dtype, shape: [...v.shape] } }));
  const { reader, owned } = await openSource(source);
  try {
    const { entries } = classify(targets, options.layout ? withLayout(reader, options.layout) : reader, options);
    return makePlan(entries, { path: reader.path, format: reader.format }, options);
  } finally {
    if (owned) await reader.close();
  }
}

/** The classification itself: one entry per target, then the unused checkpoint keys. */
export function classify(targets: readonly PlanTarget[], reader: CheckpointReader, options: RestorePlanOptions): { entries: RestoreEntry[]; loads: Map<RestoreEntry, number> } {
  const map = compileAssignmentMap(options.assignmentMap);
  const aliases = objectGraphAliases(reader);
  const byAlias = new Map<string, string>();
  const ambiguous = new Set<string>();
  for (const [key, plain] of aliases) {
    if (byAlias.has(plain)) ambiguous.add(plain);
    byAlias.set(plain, key);
  }
  for (const a of ambiguous) byAlias.delete(a);

  const entries: RestoreEntry[] = [];
  const loads = new Map<RestoreEntry, number>();
  const used = new Set<string>();
  const unreadable = new Map((reader.unreadable?.() ?? []).map((u) => [u.name, u]));
  const include = options.include ?? [];
  const exclude = options.exclude ?? [];
  targets.forEach(({ name, key: defaultKey, expected, slice }, index) => {
    const selected = (include.length === 0 || include.some((s) => inScope(name, s))) && !exclude.some((s) => inScope(name, s));
    // A part of a partitioned variable is mapped by its full name, as TF's init_from_checkpoint does.
    const mapped = isEmptyMap(map) ? undefined : mappedKeyFor(map, slice ? defaultKey : name);
    if (!selected || (options.onlyMapped && mapped === undefined)) {
      entries.push({ name, status: 'excluded', expected });
      return;
    }
    let key = mapped ?? defaultKey;
    if (mapped === undefined && !reader.has(key) && byAlias.has(key)) key = byAlias.get(key)!;
    if (!reader.has(key)) {
      // A tensor of a dtype Graft cannot decode is there, just unreadable: say so, not "missing".
      const u = unreadable.get(key);
      if (u) entries.push({ name, status: 'dtype_mismatch', source: key, expected, note: `checkpoint dtype ${u.storedDtype} [${u.shape.join(',')}] cannot be decoded` });
      else entries.push({ name, status: 'missing_in_checkpoint', source: key, expected });
      return;
    }
    used.add(key);
    const info = reader.info(key);
    const found: TensorSpec = { dtype: info.dtype, shape: [...info.shape] };
    const conv = conversionFor(expected.dtype, found.dtype);
    if (conv === false) {
      entries.push({ name, status: 'dtype_mismatch', source: key, expected, found });
    } else if (!sameShape(slice ? slice.fullShape : expected.shape, found.shape)) {
      entries.push({ name, status: 'shape_mismatch', source: key, expected: slice ? { ...expected, shape: [...slice.fullShape] } : expected, found });
    } else {
      // A part is "restored" from the full tensor it was saved in (its own name is `<key>/part_<i>`).
      const own = slice ? defaultKey : name;
      const entry: RestoreEntry = { name, status: key === own ? 'restored' : 'renamed', source: key, expected, found };
      const layoutNote = (reader as Partial<LayoutReader>).layoutNote?.(key);
      const sliceNote = slice ? `slice [${slice.varOffset.map((o, d) => `${o}:${o + slice.varShape[d]!}`).join(',')}] of [${slice.fullShape.join(',')}]` : undefined;
      const note = [layoutNote, sliceNote, conv.note].filter(Boolean).join('; ');
      if (note) entry.note = note;
      entries.push(entry);
      loads.set(entry, index);
    }
  });
  for (const info of reader.list()) {
    if (used.has(info.name) || info.name === OBJECT_GRAPH_KEY) continue;
    entries.push({ name: info.name, status: 'unused_in_checkpoint', source: info.name, found: { dtype: info.dtype, shape: [...info.shape] } });
  }
  return { entries, loads };
}
