/**
 * Class-change planning for a classifier head (article 004, "classes change"): given the label
 * list saved beside a checkpoint and the label list of the new task, decide for every class slot
 * of the new head where its weights come from, and apply that to the head's arrays.
 *
 * Statuses of a new class slot:
 * - `kept`   — same class at the same index: its column/bias copied as is;
 * - `moved`  — same class at another index (the label order changed): copied from the old index;
 * - `merged` — a class made of several old ones (`--merge a,b=c`): the **mean** of the source
 *   columns, and bias = mean of the source biases + ln(k). Why: if the k sources had equal logits
 *   z, the merged class should carry their summed probability, logsumexp = z + ln k;
 * - `split`  — one of the classes an old class was split into (`--split c=a,b`): fresh (the new
 *   head's initial values), since the old column cannot tell the parts apart;
 * - `new`    — a class the old head did not have: fresh.
 * Old classes with no slot in the new head are reported `removed` (their columns are dropped).
 */
import { InvalidArgumentError } from '../errors.js';

/** A merge: the old classes `sources` become the new class `target`. */
export interface MergeSpec {
  sources: string[];
  target: string;
}

/** A split: the old class `source` becomes the new classes `targets`. */
export interface SplitSpec {
  source: string;
  targets: string[];
}

/** Where one class slot of the new head comes from. */
export interface ClassSlotPlan {
  /** Class name. */
  name: string;
  /** Index in the new label list. */
  index: number;
  status: 'kept' | 'moved' | 'merged' | 'split' | 'new';
  /** Old indices the slot is initialised from (empty for split/new). */
  from: number[];
  /** Old class names it comes from (the split source for `split`). */
  fromNames: string[];
}

/** An old class that no longer exists. */
export interface RemovedClass {
  name: string;
  /** Index in the old label list. */
  index: number;
  status: 'removed' | 'merged_away' | 'split_away';
  /** Where it went (merge target / split targets), if anywhere. */
  into: string[];
}

/** The class-change plan. */
export interface ClassChangePlan {
  /** `same`: identical lists; `reordered`: same set, other order; `changed`: different set. */
  kind: 'same' | 'reordered' | 'changed';
  oldClasses: string[];
  newClasses: string[];
  slots: ClassSlotPlan[];
  removed: RemovedClass[];
  /** Count per status (slots and removed). */
  summary: Record<string, number>;
}

/** Parse `a,b=c` into a merge of a and b into c. */
export function parseMergeSpec(text: string): MergeSpec {
  const eq = text.indexOf('=');
  const sources = (eq < 0 ? '' : text.slice(0, eq)).split(',').map((s) => s.trim()).filter(Boolean);
  const target = eq < 0 ? '' : text.slice(eq + 1).trim();
  if (sources.length === 0 || target === '' || target.includes(',')) {
    throw new InvalidArgumentError('bad_merge_spec', `merge "${text}" is not of the form a,b=c`, {
      hint: 'write the old classes, comma-separated, then = and the new class, e.g. --merge pending_cash_withdrawal,declined_cash_withdrawal=cash_withdrawal_problem',
    });
  }
  return { sources, target };
}

/** Parse `c=a,b` into a split of c into a and b. */
export function parseSplitSpec(text: string): SplitSpec {
  const eq = text.indexOf('=');
  const source = eq < 0 ? '' : text.slice(0, eq).trim();
  const targets = (eq < 0 ? '' : text.slice(eq + 1)).split(',').map((s) => s.trim()).filter(Boolean);
  if (source === '' || targets.length === 0 || source.includes(',')) {
    throw new InvalidArgumentError('bad_split_spec', `split "${text}" is not of the form c=a,b`, {
      hint: 'write the old class, then = and the new classes, comma-separated, e.g. --split card_arrival=card_arrival_eu,card_arrival_uk',
    });
  }
  return { source, targets };
}

/** Options for {@link planClassChange}. */
export interface ClassChangeOptions {
  merges?: readonly MergeSpec[];
  splits?: readonly SplitSpec[];
}

function checkUnique(list: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const c of list) {
    if (seen.has(c)) {
      throw new InvalidArgumentError('duplicate_class', `class "${c}" appears twice in the ${what} label list`, { hint: 'class names must be unique', details: { class: c } });
    }
    seen.add(c);
  }
}

/** Plan how a head over `oldClasses` becomes a head over `newClasses`. */
export function planClassChange(oldClasses: readonly string[], newClasses: readonly string[], options: ClassChangeOptions = {}): ClassChangePlan {
  checkUnique(oldClasses, 'old');
  checkUnique(newClasses, 'new');
  const oldIndex = new Map(oldClasses.map((c, i) => [c, i] as const));
  const newSet = new Set(newClasses);
  const mergeOf = new Map<string, MergeSpec>();
  for (const m of options.merges ?? []) {
    if (!newSet.has(m.target)) {
      throw new InvalidArgumentError('merge_target_unknown', `merge target "${m.target}" is not in the new label list`, { hint: 'add the merged class to the new labels', details: { target: m.target } });
    }
    for (const s of m.sources) {
      if (!oldIndex.has(s)) {
        throw new InvalidArgumentError('merge_source_unknown', `merge source "${s}" is not in the checkpoint's label list (${oldClasses.length} classes)`, { hint: 'merge sources must be classes the old head had', details: { source: s } });
      }
    }
    mergeOf.set(m.target, m);
  }
  const splitInto = new Map<string, string>();
  for (const s of options.splits ?? []) {
    if (!oldIndex.has(s.source)) {
      throw new InvalidArgumentError('split_source_unknown', `split source "${s.source}" is not in the checkpoint's label list`, { hint: 'split sources must be classes the old head had', details: { source: s.source } });
    }
    for (const t of s.targets) {
      if (!newSet.has(t)) throw new InvalidArgumentError('split_target_unknown', `split target "${t}" is not in the new label list`, { hint: 'add the split classes to the new labels', details: { target: t } });
      splitInto.set(t, s.source);
    }
  }
  const slots: ClassSlotPlan[] = newClasses.map((name, index) => {
    const m = mergeOf.get(name);
    if (m) {
      const from = m.sources.map((s) => oldIndex.get(s)!);
      return { name, index, status: 'merged', from, fromNames: [...m.sources] };
    }
    const sp = splitInto.get(name);
    if (sp !== undefined && !(oldIndex.has(name) && sp === name)) return { name, index, status: 'split', from: [], fromNames: [sp] };
    const o = oldIndex.get(name);
    if (o !== undefined) return { name, index, status: o === index ? 'kept' : 'moved', from: [o], fromNames: [name] };
    return { name, index, status: 'new', from: [], fromNames: [] };
  });
  const usedAsSame = new Set(slots.filter((s) => s.status === 'kept' || s.status === 'moved').map((s) => s.name));
  const mergedAway = new Map<string, string>();
  for (const m of options.merges ?? []) for (const s of m.sources) if (!usedAsSame.has(s)) mergedAway.set(s, m.target);
  const splitAway = new Map((options.splits ?? []).map((s) => [s.source, s.targets] as const));
  const removed: RemovedClass[] = [];
  oldClasses.forEach((name, index) => {
    if (usedAsSame.has(name)) return;
    if (mergedAway.has(name)) removed.push({ name, index, status: 'merged_away', into: [mergedAway.get(name)!] });
    else if (splitAway.has(name)) removed.push({ name, index, status: 'split_away', into: [...splitAway.get(name)!] });
    else removed.push({ name, index, status: 'removed', into: [] });
  });
  const sameSet = oldClasses.length === newClasses.length && newClasses.every((c) => oldIndex.has(c)) && (options.merges ?? []).length === 0;
  const kind = sameSet ? (slots.every((s) => s.status === 'kept') ? 'same' : 'reordered') : 'changed';
  const summary: Record<string, number> = {};
  for (const s of slots) summary[s.status] = (summary[s.status] ?? 0) + 1;
  for (const r of removed) summary[r.status] = (summary[r.status] ?? 0) + 1;
  return { kind, oldClasses: [...oldClasses], newClasses: [...newClasses], slots, removed, summary };
}

/**
 * Build the new head's arrays. `oldW` is `[features, oldK]` row-major (TF's `softmax_w` /
 * `Logits/weights` layout: one column per class), `oldB` `[oldK]`; `freshW`/`freshB` are the new
 * head's initial values `[features, newK]`/`[newK]`, used for `split`/`new` slots. Returns new arrays.
 */
export function applyClassChange(
  plan: ClassChangePlan,
  oldW: Float32Array, oldB: Float32Array,
  freshW: Float32Array, freshB: Float32Array,
): { weights: Float32Array; biases: Float32Array } {
  const oldK = plan.oldClasses.length;
  const newK = plan.newClasses.length;
  if (oldB.length !== oldK || freshB.length !== newK || oldW.length % oldK !== 0 || freshW.length % newK !== 0 || oldW.length / oldK !== freshW.length / newK) {
    throw new InvalidArgumentError('head_shape_mismatch', `head arrays do not fit the plan: old weights ${oldW.length} values / bias ${oldB.length} for ${oldK} classes, new weights ${freshW.length} / bias ${freshB.length} for ${newK} classes`, {
      hint: 'pass the [features, classes] weights and [classes] biases of the old and the new head',
    });
  }
  const features = oldW.length / oldK;
  const weights = Float32Array.from(freshW);
  const biases = Float32Array.from(freshB);
  for (const slot of plan.slots) {
    if (slot.from.length === 0) continue;
    const k = slot.from.length;
    for (let f = 0; f < features; f++) {
      let s = 0;
      for (const o of slot.from) s += oldW[f * oldK + o]!;
      weights[f * newK + slot.index] = k === 1 ? oldW[f * oldK + slot.from[0]!]! : s / k;
    }
    let b = 0;
    for (const o of slot.from) b += oldB[o]!;
    biases[slot.index] = k === 1 ? oldB[slot.from[0]!]! : b / k + Math.log(k);
  }
  return { weights, biases };
}
