/**
 * Finding the layers two architectures share (article 003, "automate transfer of the common
 * layers"), on `{name, dtype, shape}` lists only — no values, no files — so it is the same for a
 * model in memory and for a checkpoint.
 *
 * A *layer* is the group of variables under one scope (the name without its last component:
 * `encoder/rnn/basic_lstm_cell/{kernel,bias}` is layer `encoder/rnn/basic_lstm_cell`), in the
 * order the model created them. Optimizer slots (`…/Adam`, `…/Adam_1`, `…/Momentum`, …), EMA
 * shadows (`…/ExponentialMovingAverage`), `global_step` and `beta1_power`/`beta2_power` are
 * not model variables and are left out (reported).
 *
 * Match modes (how a destination layer finds its source layer):
 * - `name`: the same full variable names (and then shapes and dtypes must agree);
 * - `structure`: the two layer sequences are walked from the first layer in step; layer i pairs
 *   with layer i while both have the same variable leaf names, shapes and dtypes — whatever the
 *   scope prefixes. The walk stops at the first layer that differs: the shared *early* layers;
 * - `shape`: like `structure` but leaf names may differ (`kernel` vs `weights`), and the walk does
 *   not stop at a difference: the longest in-order alignment of layers with equal shape lists.
 *   For a source known only by sorted keys (no model order), a layer pairs only one to one: the
 *   single source layer that fits it, fitting no other destination layer; anything else is refused.
 */
import { InvalidArgumentError } from '../errors.js';

/** A variable's name, dtype and shape. */
export interface VariableSpec {
  name: string;
  dtype: string;
  shape: number[];
}

/** How layers are matched. */
export type MatchMode = 'name' | 'shape' | 'structure';

/** Variables under one scope. */
export interface LayerSpec {
  /** Scope path (the variable names minus their last component). */
  scope: string;
  /** Variables in creation order. */
  variables: VariableSpec[];
}

/** A destination layer paired with a source layer. */
export interface LayerPairing {
  source: string;
  destination: string;
  /** Source variable → destination variable. */
  variables: { source: string; destination: string; shape: number[]; dtype: string }[];
  /** Why they were paired (one sentence). */
  reason: string;
}

/** A variable (or layer) left alone, with why. */
export interface LeftAlone {
  name: string;
  side: 'source' | 'destination';
  reason: string;
}

/** The result of matching. */
export interface CommonLayersMatch {
  mode: MatchMode;
  pairings: LayerPairing[];
  leftAlone: LeftAlone[];
}

const NON_MODEL = [
  { re: /\/(Adam|Adam_\d+|Momentum|RMSProp|RMSProp_\d+|Adagrad|ExponentialMovingAverage)$/, why: 'optimizer slot or EMA shadow, not a model variable' },
  { re: /^(global_step|beta1_power|beta2_power)$/, why: 'training state (step counter / Adam power), not a model variable' },
];

/** Why a variable is not a model variable, or undefined when it is one. */
export function nonModelReason(name: string): string | undefined {
  return NON_MODEL.find((n) => n.re.test(name))?.why;
}

function scopeOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i);
}

function leafOf(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Group model variables into layers, in first-seen order; the rest go to `skipped`. */
export function groupLayers(vars: readonly VariableSpec[]): { layers: LayerSpec[]; skipped: { name: string; reason: string }[] } {
  const layers: LayerSpec[] = [];
  const byScope = new Map<string, LayerSpec>();
  const skipped: { name: string; reason: string }[] = [];
  for (const v of vars) {
    const why = nonModelReason(v.name);
    if (why) {
      skipped.push({ name: v.name, reason: why });
      continue;
    }
    const scope = scopeOf(v.name);
    let layer = byScope.get(scope);
    if (!layer) {
      layer = { scope, variables: [] };
      byScope.set(scope, layer);
      layers.push(layer);
    }
    layer.variables.push(v);
  }
  return { layers, skipped };
}

const shapeStr = (s: readonly number[]) => `[${s.join(',')}]`;

function sameSpec(a: VariableSpec, b: VariableSpec): boolean {
  return a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** Same leaf names, shapes and dtypes (variables sorted by leaf). */
function sameStructure(a: LayerSpec, b: LayerSpec): string | undefined {
  if (a.variables.length !== b.variables.length) return `${a.variables.length} vs ${b.variables.length} variables`;
  const sa = [...a.variables].sort((x, y) => (leafOf(x.name) < leafOf(y.name) ? -1 : 1));
  const sb = [...b.variables].sort((x, y) => (leafOf(x.name) < leafOf(y.name) ? -1 : 1));
  for (let i = 0; i < sa.length; i++) {
    const x = sa[i]!;
    const y = sb[i]!;
    if (leafOf(x.name) !== leafOf(y.name)) return `variable names differ (${leafOf(x.name)} vs ${leafOf(y.name)})`;
    if (!sameSpec(x, y)) return `${leafOf(x.name)} is ${x.dtype}${shapeStr(x.shape)} vs ${y.dtype}${shapeStr(y.shape)}`;
  }
  return undefined;
}

/**
 * A weight's role inside its layer, from its leaf name in the TF/Keras, slim, tfjs and PyTorch
 * spellings (`kernel`/`weights`/`weight`, `gamma`/`scale`, `moving_mean`/`running_mean`, …).
 */
const ROLES: Record<string, string> = {
  kernel: 'kernel', weights: 'kernel', weight: 'kernel', w: 'kernel', W: 'kernel',
  bias: 'bias', biases: 'bias', b: 'bias',
  gamma: 'gamma', scale: 'gamma', beta: 'beta', offset: 'beta',
  moving_mean: 'moving_mean', running_mean: 'moving_mean', moving_variance: 'moving_variance', running_var: 'moving_variance',
  embeddings: 'embeddings', recurrent_kernel: 'recurrent_kernel', depthwise_kernel: 'depthwise_kernel', pointwise_kernel: 'pointwise_kernel',
};

/** The role of a variable (by its leaf name), or undefined when the name says none. */
export function weightRole(name: string): string | undefined {
  return ROLES[leafOf(name)];
}

/** Whether the source's variables are in its model's creation order or only in sorted-key order. */
export type SourceOrder = 'creation' | 'sorted';

/**
 * Pair the variables of two layers for `shape` matching, never by sorted names: by role when both
 * layers name every role once; else by creation order (when the source has one); else by shape when
 * every shape in the layer is distinct. Returns the pairs (destination order) or why it cannot pair.
 */
function alignVariables(src: LayerSpec, dst: LayerSpec, order: SourceOrder): { pairs?: [VariableSpec, VariableSpec][]; ambiguous?: string } {
  if (src.variables.length !== dst.variables.length) return {};
  const roles = (l: LayerSpec) => l.variables.map((v) => weightRole(v.name));
  const rs = roles(src);
  const rd = roles(dst);
  const uniqueRoles = (r: (string | undefined)[]) => r.every((x) => x !== undefined) && new Set(r).size === r.length;
  if (uniqueRoles(rs) && uniqueRoles(rd) && rd.every((r) => rs.includes(r))) {
    const pairs = dst.variables.map((d, i) => [src.variables[rs.indexOf(rd[i])]!, d] as [VariableSpec, VariableSpec]);
    return pairs.every(([a, b]) => sameSpec(a, b)) ? { pairs } : {};
  }
  if (order === 'creation') {
    return src.variables.every((v, i) => sameSpec(v, dst.variables[i]!)) ? { pairs: dst.variables.map((d, i) => [src.variables[i]!, d]) } : {};
  }
  const key = (v: VariableSpec) => `${v.dtype}[${v.shape.join(',')}]`;
  const count = new Map<string, number>();
  for (const v of src.variables) count.set(key(v), (count.get(key(v)) ?? 0) + 1);
  const pairs: [VariableSpec, VariableSpec][] = [];
  for (const d of dst.variables) {
    const same = src.variables.filter((v) => key(v) === key(d));
    if (same.length === 0) return {};
    if (same.length > 1) {
      return { ambiguous: `${same.length} source variables of ${src.scope} have shape ${shapeStr(d.shape)} (${same.map((v) => leafOf(v.name)).join(', ')}) and their names give no role or order: refusing to guess` };
    }
    pairs.push([same[0]!, d]);
  }
  return { pairs };
}

function pairVariables(src: LayerSpec, dst: LayerSpec, byLeaf: boolean): LayerPairing['variables'] {
  return dst.variables.map((d, i) => {
    const s = byLeaf ? src.variables.find((v) => leafOf(v.name) === leafOf(d.name))! : src.variables[i]!;
    return { source: s.name, destination: d.name, shape: [...d.shape], dtype: d.dtype };
  });
}

/** Find the layers `destination` shares with `source` (see the file comment for the modes). */
export function matchCommonLayers(source: readonly VariableSpec[], destination: readonly VariableSpec[], mode: MatchMode = 'structure', options: { sourceOrder?: SourceOrder } = {}): CommonLayersMatch {
  const order = options.sourceOrder ?? 'creation';
  if (mode !== 'name' && mode !== 'shape' && mode !== 'structure') {
    throw new InvalidArgumentError('bad_match_mode', `match mode "${String(mode)}" is not one of name, shape, structure`, { hint: 'use structure (default), shape or name' });
  }
  const src = groupLayers(source);
  const dst = groupLayers(destination);
  const leftAlone: LeftAlone[] = [
    ...src.skipped.map((s) => ({ name: s.name, side: 'source' as const, reason: s.reason })),
    ...dst.skipped.map((s) => ({ name: s.name, side: 'destination' as const, reason: s.reason })),
  ];
  const pairings: LayerPairing[] = [];
  const usedSrc = new Set<LayerSpec>();
  const pairedDst = new Set<LayerSpec>();
  const dstReason = new Map<LayerSpec, string>();

  if (mode === 'name') {
    const srcVars = new Map(src.layers.flatMap((l) => l.variables.map((v) => [v.name, v] as const)));
    for (const d of dst.layers) {
      const problems: string[] = [];
      const vars: LayerPairing['variables'] = [];
      for (const v of d.variables) {
        const s = srcVars.get(v.name);
        if (!s) problems.push(`${v.name} not in source`);
        else if (!sameSpec(s, v)) problems.push(`${v.name} is ${s.dtype}${shapeStr(s.shape)} in source, ${v.dtype}${shapeStr(v.shape)} here`);
        else vars.push({ source: s.name, destination: v.name, shape: [...v.shape], dtype: v.dtype });
      }
      if (problems.length === 0) {
        pairings.push({ source: d.scope, destination: d.scope, variables: vars, reason: `same names, shapes and dtypes (${vars.length} variables)` });
        pairedDst.add(d);
        const sl = src.layers.find((l) => l.scope === d.scope);
        if (sl) usedSrc.add(sl);
      } else dstReason.set(d, problems.join('; '));
    }
  } else if (mode === 'structure') {
    const n = Math.min(src.layers.length, dst.layers.length);
    let stop: string | undefined;
    for (let i = 0; i < n; i++) {
      const s = src.layers[i]!;
      const d = dst.layers[i]!;
      const diff = sameStructure(s, d);
      if (diff) {
        stop = `layer ${i + 1} differs (${s.scope} vs ${d.scope}: ${diff}); structure matching stops at the first difference`;
        dstReason.set(d, stop);
        break;
      }
      pairings.push({
        source: s.scope, destination: d.scope, variables: pairVariables(s, d, true),
        reason: `layer ${i + 1} in both sequences with the same variables and shapes${s.scope === d.scope ? '' : ` (scope ${s.scope} → ${d.scope})`}`,
      });
      usedSrc.add(s);
      pairedDst.add(d);
    }
    for (const d of dst.layers) if (!pairedDst.has(d) && !dstReason.has(d)) dstReason.set(d, stop ? `after the first difference (${stop.split(';')[0]})` : `the source has only ${src.layers.length} layers`);
  } else if (order === 'sorted') {
    // sorted keys say nothing of the model's layer order (batch_normalization < conv2d, dense_10 <
    // dense_2): a layer pairs only with the one source layer whose weights align with it, and only
    // when no other destination layer aligns with that source layer — else it is refused
    const cand = new Map<LayerSpec, { layer: LayerSpec; pairs: [VariableSpec, VariableSpec][] }[]>();
    const ambiguous = new Map<LayerSpec, string>();
    for (const d of dst.layers) {
      const list: { layer: LayerSpec; pairs: [VariableSpec, VariableSpec][] }[] = [];
      for (const s of src.layers) {
        const r = alignVariables(s, d, order);
        if (r.pairs) list.push({ layer: s, pairs: r.pairs });
        else if (r.ambiguous && !ambiguous.has(d)) ambiguous.set(d, r.ambiguous);
      }
      cand.set(d, list);
    }
    const rivals = (s: LayerSpec) => dst.layers.filter((d) => cand.get(d)!.some((c) => c.layer === s));
    for (const d of dst.layers) {
      const list = cand.get(d)!;
      if (list.length === 1 && rivals(list[0]!.layer).length === 1) {
        const { layer: s, pairs } = list[0]!;
        const namesDiffer = pairs.some(([x, y]) => leafOf(x.name) !== leafOf(y.name));
        pairings.push({
          source: s.scope, destination: d.scope, variables: pairs.map(([x, y]) => ({ source: x.name, destination: y.name, shape: [...y.shape], dtype: y.dtype })),
          reason: `the only source layer with shapes ${d.variables.map((v) => shapeStr(v.shape)).join(' ')}${namesDiffer ? ' (variable names differ)' : ''}${s.scope === d.scope ? '' : ` (scope ${s.scope} → ${d.scope})`}`,
        });
        usedSrc.add(s);
        pairedDst.add(d);
      } else if (list.length > 0) {
        const others = [...new Set(list.flatMap((c) => rivals(c.layer)))];
        dstReason.set(d, `ambiguous pairing refused: ${list.length} source layers (${list.map((c) => c.layer.scope).join(', ')}) fit ${others.length > 1 ? `${others.length} destination layers (${others.map((o) => o.scope).join(', ')})` : 'it'} by shape, and the source records no model order (sorted keys): refusing to guess`);
      } else if (ambiguous.has(d)) dstReason.set(d, `ambiguous pairing refused: ${ambiguous.get(d)}`);
      else dstReason.set(d, `no source layer with shapes ${d.variables.map((v) => shapeStr(v.shape)).join(' ')}`);
    }
  } else {
    // longest common subsequence of layers with equal shape lists
    const a = src.layers;
    const b = dst.layers;
    const ambiguous = new Map<LayerSpec, string>();
    const memo = new Map<string, ReturnType<typeof alignVariables>>();
    const align = (i: number, j: number) => {
      const k = `${i},${j}`;
      if (!memo.has(k)) memo.set(k, alignVariables(a[i]!, b[j]!, order));
      return memo.get(k)!;
    };
    const sameShapes = (x: LayerSpec, y: LayerSpec): boolean => {
      const r = align(a.indexOf(x), b.indexOf(y));
      if (r.ambiguous) ambiguous.set(y, r.ambiguous);
      return !!r.pairs;
    };
    const L = Array.from({ length: a.length + 1 }, () => new Int32Array(b.length + 1));
    for (let i = a.length - 1; i >= 0; i--) {
      for (let j = b.length - 1; j >= 0; j--) {
        L[i]![j] = sameShapes(a[i]!, b[j]!) ? L[i + 1]![j + 1]! + 1 : Math.max(L[i + 1]![j]!, L[i]![j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      if (sameShapes(a[i]!, b[j]!) && L[i]![j] === L[i + 1]![j + 1]! + 1) {
        const s = a[i]!;
        const d = b[j]!;
        const namesDiffer = s.variables.some((v, k) => leafOf(v.name) !== leafOf(d.variables[k]!.name));
        pairings.push({
          source: s.scope, destination: d.scope, variables: align(i, j).pairs!.map(([x, y]) => ({ source: x.name, destination: y.name, shape: [...y.shape], dtype: y.dtype })),
          reason: `source layer ${i + 1} ↔ destination layer ${j + 1}: same shapes in order${namesDiffer ? ' (variable names differ)' : ''}${s.scope === d.scope ? '' : ` (scope ${s.scope} → ${d.scope})`}`,
        });
        usedSrc.add(s);
        pairedDst.add(d);
        i++;
        j++;
      } else if (L[i + 1]![j]! >= L[i]![j + 1]!) i++;
      else j++;
    }
    for (const d of b) if (!pairedDst.has(d) && ambiguous.has(d)) dstReason.set(d, `ambiguous pairing refused: ${ambiguous.get(d)}`);
    for (const d of b) if (!pairedDst.has(d) && !ambiguous.has(d)) dstReason.set(d, `no source layer with shapes ${d.variables.map((v) => shapeStr(v.shape)).join(' ')} left in order`);
  }
  for (const d of dst.layers) {
    if (pairedDst.has(d)) continue;
    for (const v of d.variables) leftAlone.push({ name: v.name, side: 'destination', reason: dstReason.get(d) ?? 'no matching source layer' });
  }
  for (const s of src.layers) {
    if (usedSrc.has(s)) continue;
    for (const v of s.variables) leftAlone.push({ name: v.name, side: 'source', reason: 'not used: no destination layer matched it' });
  }
  return { mode, pairings, leftAlone };
}
