/**
 * The names a checkpoint's weights go by when they are matched against a model, and the order of
 * its layers, for the formats whose keys are not the variable names or whose listing is sorted:
 * - Keras 3 (`.weights.h5`, `.keras`): `dense_1/vars/0` → `dense_1/kernel`, the reader's own
 *   mapping (formats/keras-h5/keras3-names.ts: from the file's config, else by layer class and
 *   variable count); unmapped paths keep their name; layers in the config's order when there is
 *   one (a `.keras`), weights in `vars/<i>` order (Keras' creation order);
 * - TF2 object-based checkpoints: `layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE` →
 *   the variable path the object graph records (`conv2d/kernel`), layers in `layer_with_weights-N`
 *   order (the model's);
 * - Keras 1/2 `.h5`: the `layer_names` order the file records (the model's), weights in their
 *   `weight_names` order;
 * - everything else: the names as they are, in the reader's (sorted) order.
 * Matching then works on these names and restores read the file's own keys.
 */
import type { CheckpointReader } from '../formats/types.js';
import { keras3NameMap, type KerasH5Reader } from '../formats/keras-h5/reader.js';
import { keras3ConfigLayers } from '../formats/keras-h5/keras3-names.js';
import { objectGraphAliases } from './reader.js';

/** One checkpoint weight under the name it is matched by. */
export interface SourceName {
  /** The key in the file. */
  key: string;
  /** The name used for matching (TF-Keras name where the format maps one). */
  name: string;
  dtype: string;
  shape: number[];
}

/** What {@link sourceNames} found. */
export interface SourceNames {
  /** In the model's order when the file records one, else the reader's. */
  entries: SourceName[];
  /** `model`: the file records its model's layer order; `sorted`: only sorted keys. */
  order: 'model' | 'sorted';
  /** What was mapped, for reports. */
  notes: string[];
}

const TF2_SUFFIX = '/.ATTRIBUTES/VARIABLE_VALUE';

/** The checkpoint's weights under their matching names (see the file comment). */
export function sourceNames(reader: CheckpointReader): SourceNames {
  const listed = reader.list();
  const notes: string[] = [];
  const k3 = keras3NameMap(reader);
  if (k3) {
    const n = Object.keys(k3).length;
    if (n > 0) notes.push(`Keras 3 paths read as TF-Keras names (${n} of ${listed.length} weights, e.g. ${Object.entries(k3)[0]!.join(' → ')})`);
    const entries = listed.map((t) => ({ key: t.name, name: k3[t.name] ?? t.name, dtype: t.dtype, shape: [...t.shape] }));
    // with a config (a .keras, or one given at open) the model's layer order is the config's
    const info = (reader as Partial<KerasH5Reader>).keras3!;
    const layers = info.config !== undefined ? keras3ConfigLayers(info.config) : [];
    if (layers.length === 0) return { entries, order: 'sorted', notes };
    const rank = new Map(layers.map((l, i) => [l.varsPath, i] as const));
    const pathOf = new Map(info.names.map((n) => [n.name, n.path.replace(/\/vars\/\d+$/, '')] as const));
    const r = (key: string) => rank.get(pathOf.get(key) ?? '') ?? Number.MAX_SAFE_INTEGER;
    const vi = (key: string) => Number(/\/vars\/(\d+)$/.exec(key)?.[1] ?? 0);
    return { entries: entries.map((e, i) => ({ e, i })).sort((a, b) => r(a.e.key) - r(b.e.key) || vi(a.e.key) - vi(b.e.key) || a.i - b.i).map((x) => x.e), order: 'model', notes };
  }
  const aliases = objectGraphAliases(reader);
  const graph = listed.filter((t) => t.name.endsWith(TF2_SUFFIX) && aliases.has(t.name));
  if (graph.length > 0) {
    const plain = new Set<string>();
    const dup = new Set<string>();
    for (const t of graph) {
      const p = aliases.get(t.name)!;
      if (plain.has(p)) dup.add(p);
      plain.add(p);
    }
    const layerIndex = (key: string) => {
      const m = /^layer_with_weights-(\d+)\//.exec(key) ?? /^layer-(\d+)\//.exec(key);
      return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
    };
    const entries = listed.map((t) => {
      const p = aliases.get(t.name);
      return { key: t.name, name: p !== undefined && !dup.has(p) && t.name.endsWith(TF2_SUFFIX) ? p : t.name, dtype: t.dtype, shape: [...t.shape] };
    });
    // only the model's variables take their layer's place; slots, counters and the graph go last
    const ordered = entries.map((e, i) => ({ e, i, l: e.name !== e.key && !e.key.includes('/.OPTIMIZER_SLOT/') ? layerIndex(e.key) : Number.MAX_SAFE_INTEGER })).sort((a, b) => a.l - b.l || a.i - b.i).map((x) => x.e);
    notes.push(`TF2 object-graph keys read as their variable paths (${graph.length - dup.size} weights), layers in layer_with_weights-N order`);
    return { entries: ordered, order: graph.some((t) => layerIndex(t.name) !== Number.MAX_SAFE_INTEGER) ? 'model' : 'sorted', notes };
  }
  const layerOrder = (reader as { layerOrder?: readonly string[] }).layerOrder;
  const entries = listed.map((t) => ({ key: t.name, name: t.name, dtype: t.dtype, shape: [...t.shape] }));
  if (layerOrder && layerOrder.length > 0) {
    const rank = new Map(layerOrder.map((n, i) => [n, i] as const));
    return { entries: entries.map((e, i) => ({ e, i, r: rank.get(e.key) ?? Number.MAX_SAFE_INTEGER })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.e), order: 'model', notes };
  }
  return { entries, order: 'sorted', notes };
}
