/**
 * Keras 3 weight paths ↔ the TF-Keras / tfjs names Graft uses elsewhere (`dense/kernel`).
 *
 * Keras 3 (`keras/src/saving/saving_lib.py`, `_save_state` / `_save_container_state`) stores a
 * layer's variables as `<path>/vars/<i>`, where `<path>` is built from the attributes that lead
 * to the layer: a Sequential/Functional model yields its `layers` list first, and inside a list
 * each saveable is addressed by `naming.to_snake_case(ClassName)`, made unique per list with a
 * counter (`dense`, `dense_1`, …) — NOT by the layer's name. Recurrent layers keep their weights
 * on the cell (`layers/lstm/cell/vars/0`). `<i>` is the position in
 * `layer._trainable_variables + layer._non_trainable_variables` (`Layer.save_own_variables`;
 * Dense/Conv/Embedding override it with the same order: kernel, then bias). Keras ≥ 3.6 also
 * writes the layer's name as attribute `name` on each `vars` group.
 *
 * This module turns those paths into `<layer name>/<weight name>` as TF-Keras names the same
 * model (`layers-adapter.ts` rules: nested models flattened, recurrent layers as
 * `lstm/lstm_cell/kernel` with the cell name made unique per model). Which index is which weight
 * comes from {@link KERAS3_VARIABLE_ORDER}: the order each layer class creates its variables in
 * Keras 3 (`build()` of `core/dense.py`, `convolutional/base_conv.py`,
 * `normalization/batch_normalization.py`, `rnn/lstm.py`, …), decided by the layer's config
 * (`use_bias`, `center`, `scale`) when the model config is known, else by the number of
 * variables in the group when only one layout of the class has that many. Anything else keeps
 * its Keras 3 path (`mapped: false`, with the reason): no guessing.
 *
 * Pure functions over plain data; no HDF5 here (the readers and the LayersModel restore use it).
 */

/** One variable as stored: its path inside the file and shape. */
export interface Keras3Variable {
  /** Full path in the HDF5 file, without the leading `/` (`layers/dense/vars/0`). */
  path: string;
  shape: number[];
}

/** Where a mapped name came from. */
export type Keras3NameSource = 'config' | 'variable_count' | 'none';

/** The mapping of one Keras 3 variable. */
export interface Keras3NameEntry {
  /** Full HDF5 path (`layers/dense_1/vars/0`). */
  path: string;
  /** TF-Keras / tfjs name (`hidden/kernel`), absent when it cannot be determined. */
  tfName?: string;
  /** Layer name used in `tfName` (config name, else the `name` attribute, else the path part). */
  layer?: string;
  /** Keras class name when known (`Dense`). */
  className?: string;
  /** Weight name (`kernel`). */
  weight?: string;
  /** `config`: from config.json; `variable_count`: from the class and the group's size; `none`. */
  source: Keras3NameSource;
  /** Why no tfName (when `source` is `none`). */
  reason?: string;
}

/** Options of {@link mapKeras3Names}. */
export interface Keras3NameOptions {
  /** The model config (`config.json` of a `.keras`, or `model.to_json()`), Keras 3 layout. */
  config?: unknown;
  /** `name` attributes of `vars` groups, by group path (`layers/dense` → `hidden`). */
  groupNames?: Record<string, string>;
}

/** Keras 3 `naming.to_snake_case` (keras/src/utils/naming.py). */
export function keras3SnakeCase(name: string): string {
  let s = name.replace(/\W+/g, '');
  s = s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  return s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

type LayerConfig = Record<string, unknown>;
const on = (cfg: LayerConfig, key: string): boolean => cfg[key] !== false; // Keras defaults are true

const kernelBias = (kernel: string) => (cfg: LayerConfig): string[] => (on(cfg, 'use_bias') ? [kernel, 'bias'] : [kernel]);
const norm = (nonTrainable: string[]) => (cfg: LayerConfig): string[] =>
  [...(on(cfg, 'scale') ? ['gamma'] : []), ...(on(cfg, 'center') ? ['beta'] : []), ...nonTrainable];

const recurrent = (cfg: LayerConfig): string[] => ['kernel', 'recurrent_kernel', ...(on(cfg, 'use_bias') ? ['bias'] : [])];

/**
 * Keras 3 variable order per layer class (trainable in creation order, then non-trainable),
 * as a function of the layer config. Weight names are the TF-Keras / tfjs ones (Keras 3 calls
 * the depthwise kernel `kernel`; TF-Keras and tfjs `depthwise_kernel`).
 */
export const KERAS3_VARIABLE_ORDER: Readonly<Record<string, (cfg: LayerConfig) => string[]>> = {
  Dense: kernelBias('kernel'),
  Conv1D: kernelBias('kernel'), Conv2D: kernelBias('kernel'), Conv3D: kernelBias('kernel'),
  Conv1DTranspose: kernelBias('kernel'), Conv2DTranspose: kernelBias('kernel'), Conv3DTranspose: kernelBias('kernel'),
  DepthwiseConv1D: kernelBias('depthwise_kernel'), DepthwiseConv2D: kernelBias('depthwise_kernel'),
  SeparableConv1D: (cfg) => ['depthwise_kernel', 'pointwise_kernel', ...(on(cfg, 'use_bias') ? ['bias'] : [])],
  SeparableConv2D: (cfg) => ['depthwise_kernel', 'pointwise_kernel', ...(on(cfg, 'use_bias') ? ['bias'] : [])],
  BatchNormalization: norm(['moving_mean', 'moving_variance']),
  LayerNormalization: norm([]),
  Embedding: () => ['embeddings'],
  PReLU: () => ['alpha'],
  LSTM: recurrent, GRU: recurrent, SimpleRNN: recurrent,
};

/** Recurrent layers: their variables live on `<path>/cell`; TF-Keras names add the cell scope. */
const CELL_SCOPE: Readonly<Record<string, string>> = { LSTM: 'lstm_cell', GRU: 'gru_cell', SimpleRNN: 'simple_rnn_cell' };

/** Classes whose variable count alone tells the config flags apart (count → flags). */
const BY_COUNT: Readonly<Record<string, Record<number, LayerConfig>>> = {
  Dense: { 1: { use_bias: false }, 2: {} },
  Conv1D: { 1: { use_bias: false }, 2: {} }, Conv2D: { 1: { use_bias: false }, 2: {} }, Conv3D: { 1: { use_bias: false }, 2: {} },
  Conv1DTranspose: { 1: { use_bias: false }, 2: {} }, Conv2DTranspose: { 1: { use_bias: false }, 2: {} }, Conv3DTranspose: { 1: { use_bias: false }, 2: {} },
  DepthwiseConv1D: { 1: { use_bias: false }, 2: {} }, DepthwiseConv2D: { 1: { use_bias: false }, 2: {} },
  SeparableConv1D: { 2: { use_bias: false }, 3: {} }, SeparableConv2D: { 2: { use_bias: false }, 3: {} },
  BatchNormalization: { 2: { scale: false, center: false }, 4: {} }, // 3 is ambiguous (no gamma or no beta)
  LayerNormalization: { 2: {} },
  Embedding: { 1: {} },
  PReLU: { 1: {} },
  LSTM: { 2: { use_bias: false }, 3: {} }, GRU: { 2: { use_bias: false }, 3: {} }, SimpleRNN: { 2: { use_bias: false }, 3: {} },
};

/** Snake-case class name → class, for files without config (`batch_normalization` → BatchNormalization). */
const CLASS_BY_SNAKE: ReadonlyMap<string, string> = new Map(Object.keys(KERAS3_VARIABLE_ORDER).map((c) => [keras3SnakeCase(c), c]));

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** A layer found in the config, with the store path Keras 3 gives its variables. */
interface ConfigLayer {
  /** Group path holding `vars` (`layers/lstm/cell`, `layers/dense_1`). */
  varsPath: string;
  name: string;
  className: string;
  config: LayerConfig;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Walk a Keras 3 model config into the layers whose variables Keras 3 stores, with their paths. */
export function keras3ConfigLayers(config: unknown): ConfigLayer[] {
  const out: ConfigLayer[] = [];
  const walkModel = (model: Record<string, unknown>, prefix: string, depth: number): void => {
    const cfg = isObj(model.config) ? model.config : {};
    if (depth > 64 || !Array.isArray(cfg.layers)) return;
    // Sequential.layers leaves out the InputLayer; Functional.layers keeps it (it has no variables).
    const used = new Map<string, number>();
    for (const layer of cfg.layers) {
      if (!isObj(layer) || typeof layer.class_name !== 'string') continue;
      const className = layer.class_name;
      if (model.class_name === 'Sequential' && className === 'InputLayer') continue;
      const snake = keras3SnakeCase(className);
      const n = used.get(snake);
      used.set(snake, n === undefined ? 0 : n + 1);
      const path = `${prefix}layers/${n === undefined ? snake : `${snake}_${n + 1}`}`;
      const lcfg = isObj(layer.config) ? layer.config : {};
      const name = typeof lcfg.name === 'string' ? lcfg.name : snake;
      if (MODEL_CLASSES.has(className)) walkModel(layer, `${path}/`, depth + 1);
      else out.push({ varsPath: CELL_SCOPE[className] ? `${path}/cell` : path, name, className, config: lcfg });
    }
  };
  if (isObj(config)) walkModel(config, '', 0);
  return out;
}

/** Split `a/b/vars/3` into group `a/b` and index 3; undefined when not a `vars` entry. */
function splitVarsPath(path: string): { group: string; index: number } | undefined {
  const m = /^(?:(.*)\/)?vars\/(\d+)$/.exec(path);
  if (!m) return undefined;
  return { group: m[1] ?? '', index: Number(m[2]) };
}

/**
 * Map every Keras 3 variable to its TF-Keras / tfjs name where that can be determined (see the
 * module comment for the rules). Entries come back in the order given.
 * @example
 *   mapKeras3Names([{ path: 'layers/dense/vars/0', shape: [8, 12] }], { config })
 *   // → [{ path: 'layers/dense/vars/0', tfName: 'dense/kernel', layer: 'dense', className: 'Dense', weight: 'kernel', source: 'config' }]
 */
export function mapKeras3Names(variables: readonly Keras3Variable[], options: Keras3NameOptions = {}): Keras3NameEntry[] {
  const byGroup = new Map<string, number>();
  for (const v of variables) {
    const s = splitVarsPath(v.path);
    if (s) byGroup.set(s.group, (byGroup.get(s.group) ?? 0) + 1);
  }
  const fromConfig = new Map(keras3ConfigLayers(options.config).map((l) => [l.varsPath, l]));
  const haveConfig = fromConfig.size > 0;
  // TF-Keras gives each recurrent cell its own unique name (lstm_cell, lstm_cell_1, …), in model order.
  const cellNames = new Map<string, string>();
  const cellCount = new Map<string, number>();
  const cellName = (group: string, scope: string): string => {
    let n = cellNames.get(group);
    if (n === undefined) {
      const k = cellCount.get(scope) ?? 0;
      cellCount.set(scope, k + 1);
      n = k === 0 ? scope : `${scope}_${k}`;
      cellNames.set(group, n);
    }
    return n;
  };
  const fileGroups = [...byGroup.keys()].sort(comparePaths);
  const groupsInOrder = haveConfig ? [...fromConfig.keys(), ...fileGroups.filter((g) => !fromConfig.has(g))] : fileGroups;
  const weightsOf = new Map<string, { layer: string; className: string; weights: string[]; source: Keras3NameSource } | { reason: string }>();
  for (const group of groupsInOrder) {
    const count = byGroup.get(group) ?? 0;
    if (count === 0) continue;
    const known = fromConfig.get(group);
    let className: string | undefined, cfg: LayerConfig | undefined, layer: string | undefined, source: Keras3NameSource;
    if (known) {
      ({ className } = known); cfg = known.config; layer = known.name; source = 'config';
    } else if (haveConfig) {
      weightsOf.set(group, { reason: 'the config has no layer stored at this path' });
      continue;
    } else {
      const isCell = group.endsWith('/cell');
      const layerPath = isCell ? group.slice(0, -'/cell'.length) : group;
      const part = layerPath.split('/').pop() ?? '';
      const cls = CLASS_BY_SNAKE.get(part.replace(/_\d+$/, ''));
      if (!cls || Boolean(CELL_SCOPE[cls]) !== isCell) {
        weightsOf.set(group, { reason: `no config, and "${part}" is not a layer class whose variable order is known` });
        continue;
      }
      cfg = BY_COUNT[cls]?.[count];
      if (!cfg) {
        weightsOf.set(group, { reason: `no config, and a ${cls} with ${count} variables has more than one possible layout` });
        continue;
      }
      className = cls;
      layer = options.groupNames?.[layerPath] ?? options.groupNames?.[group] ?? part;
      source = 'variable_count';
    }
    const order = KERAS3_VARIABLE_ORDER[className];
    const weights = order?.(cfg ?? {});
    if (!weights) {
      weightsOf.set(group, { reason: `variable order of layer class ${className} is not known` });
      continue;
    }
    if (weights.length !== count) {
      weightsOf.set(group, { reason: `${className} "${layer}" should have ${weights.length} variables by its config, the file has ${count}` });
      continue;
    }
    const scope = CELL_SCOPE[className];
    weightsOf.set(group, { layer: scope ? `${layer}/${cellName(group, scope)}` : layer!, className, weights, source });
  }
  return variables.map((v): Keras3NameEntry => {
    const s = splitVarsPath(v.path);
    if (!s) return { path: v.path, source: 'none', reason: 'not a layer variable (`<path>/vars/<i>`)' };
    if (s.group === '' || s.group === 'optimizer' || s.group.startsWith('optimizer/')) {
      return { path: v.path, source: 'none', reason: s.group === '' ? 'variables of the model itself' : 'optimizer variables keep their Keras 3 paths' };
    }
    const w = weightsOf.get(s.group);
    if (!w) return { path: v.path, source: 'none', reason: 'not a layer variable' };
    if ('reason' in w) return { path: v.path, source: 'none', reason: w.reason };
    const weight = w.weights[s.index];
    if (weight === undefined) return { path: v.path, source: 'none', reason: `index ${s.index} is past the ${w.weights.length} variables of ${w.className}` };
    return { path: v.path, tfName: `${w.layer}/${weight}`, layer: w.layer.split('/')[0], className: w.className, weight, source: w.source };
  });
}

/**
 * Keras 3's creation order of container paths: part by part, `dense` < `dense_1` < `dense_2` <
 * `dense_10` (the per-list counter), so files without config map (and number cells) in layer order.
 */
function comparePaths(a: string, b: string): number {
  const pa = a.split('/'), pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const ma = /^(.*?)(?:_(\d+))?$/.exec(pa[i]!)!, mb = /^(.*?)(?:_(\d+))?$/.exec(pb[i]!)!;
    if (ma[1] !== mb[1]) return ma[1]! < mb[1]! ? -1 : 1;
    const na = Number(ma[2] ?? 0), nb = Number(mb[2] ?? 0);
    if (na !== nb) return na - nb;
  }
  return pa.length - pb.length;
}
