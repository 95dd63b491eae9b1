/**
 * Write Keras 3 weights the way Keras 3 (≥ 3.6) `saving_lib` writes them, so
 * `model.load_weights("m.weights.h5")` and `keras.saving.load_model("m.keras")` read them:
 *
 *   m.weights.h5   /vars/ (attr name = model name)
 *                  /layers/<path>/vars/ (attr name = layer name) for every layer of the model,
 *                  datasets "0", "1", … in the layer's variable order (keras3-names.ts)
 *   m.keras        zip, members stored (ZIP_STORED) in Keras' order: metadata.json,
 *                  config.json, model.weights.h5
 *
 * Datasets are contiguous and uncompressed, as h5py writes `group[key] = array`. Which tensor
 * goes where comes from a Keras 3 model config: tensors named by TF-Keras / tfjs names
 * (`dense/kernel`, `lstm/lstm_cell/kernel` or tfjs's `lstm/kernel`) are placed by
 * {@link keras3ConfigLayers} + {@link KERAS3_VARIABLE_ORDER}; tensors already named by Keras 3
 * paths (`dense/vars/0`, a Keras 3 file converted) are written at those paths. A tfjs / Keras 2
 * topology is translated to Keras 3 config first (keras3-config.ts). Every tensor must find a
 * place and every weighted layer its tensors: otherwise a typed error, nothing written.
 *
 * Both files are committed atomically (temporary sibling, fsync, rename).
 */
import { mkdtemp, readFile, rename, rm, open } from '../../io/fs.js';
import { tmpdir } from '../../io/fs.js';
import { dirname, join, resolve } from '../../io/path.js';
import { zipSync } from 'fflate';
import { InvalidArgumentError } from '../../errors.js';
import { atomicWriteFile, fsyncDir, tempSibling } from '../atomic.js';
import type { DType, TensorValue } from '../types.js';
import { loadH5, type H5Group } from './reader.js';
import { KERAS3_VARIABLE_ORDER, keras3ConfigLayers, keras3SnakeCase } from './keras3-names.js';
import { toKeras3Config } from './keras3-config.js';
import { KERAS_CONFIG_FILENAME, KERAS_METADATA_FILENAME, KERAS_WEIGHTS_FILENAME } from './keras-zip.js';

/** The Keras release whose layout this writer reproduces (metadata.json `keras_version`). */
export const KERAS3_LAYOUT_VERSION = '3.10.0';

/** Options of the Keras 3 writers. */
export interface Keras3WriteOptions {
  /** Model config: Keras 3 (`config.json`), or a tfjs `modelTopology` / Keras 2 `model_config`. */
  config?: unknown;
  /** fsync files and directory (default true). */
  fsync?: boolean;
}

const H5_DTYPE: Partial<Record<DType, string>> = {
  float16: '<e', float32: '<f', float64: '<d', int8: '<b', uint8: '<B', int16: '<h', uint16: '<H',
  int32: '<i', uint32: '<I', int64: '<q', uint64: '<Q', bool: '<b',
};

/** One dataset to write: its HDF5 path and the tensor. */
interface Placed { datasetPath: string; tensor: TensorValue }

/** The groups Keras creates (with their `name` attrs) and where every tensor goes. */
export interface Keras3Plan {
  groups: { path: string; name?: string }[];
  datasets: { datasetPath: string; name: string }[];
}

const KERAS3_PATH = /^(?:.*\/)?vars\/\d+$/;

/**
 * Plan where each tensor goes in a Keras 3 weights file (pure; see the module comment).
 * @throws InvalidArgumentError `keras3_config_required`, `keras3_missing_weight`,
 *   `keras3_unplaced_tensor`.
 */
export function planKeras3Weights(names: readonly string[], config: unknown, label: string): Keras3Plan {
  const k3 = config === undefined ? undefined : toKeras3Config(config);
  if (names.length > 0 && names.every((n) => KERAS3_PATH.test(n))) {
    // Already Keras 3 paths: keep them (layers/ added back, as the reader took it off).
    const datasets = names.map((n) => ({ name: n, datasetPath: /^(optimizer|vars)\//.test(n) || n.startsWith('layers/') ? n : `layers/${n}` }));
    const groups = new Map<string, string | undefined>();
    for (const l of k3 ? keras3ConfigLayers(k3) : []) groups.set(l.varsPath, l.name);
    const opt = (k3 as { compile_config?: { optimizer?: { config?: { name?: unknown } } } } | undefined)?.compile_config?.optimizer?.config?.name;
    if (typeof opt === 'string' && names.some((n) => n.startsWith('optimizer/'))) groups.set('optimizer', opt);
    for (const d of datasets) { const g = d.datasetPath.replace(/\/?vars\/\d+$/, ''); if (!groups.has(g)) groups.set(g, undefined); }
    return { groups: [...groups].map(([path, name]) => ({ path, ...(name !== undefined ? { name } : {}) })), datasets };
  }
  if (k3 === undefined) {
    throw new InvalidArgumentError('keras3_config_required', `${label}: Keras 3 stores weights by layer position (layers/dense_1/vars/0), so writing it needs the model config`, {
      hint: 'convert from a tfjs model.json that has a modelTopology, a .keras file, or pass the config (API: config option)', details: { path: label },
    });
  }
  const remaining = new Set(names);
  const datasets: Keras3Plan['datasets'] = [];
  const groups: Keras3Plan['groups'] = [];
  const layers = keras3ConfigLayers(k3);
  const cellCount = new Map<string, number>();
  for (const l of layers) {
    const isCell = l.varsPath.endsWith('/cell');
    if (isCell) groups.push({ path: l.varsPath.slice(0, -'/cell'.length), name: l.name });
    const order = KERAS3_VARIABLE_ORDER[l.className];
    let cellName: string | undefined;
    if (isCell) {
      const base = `${keras3SnakeCase(l.className)}_cell`;
      const k = cellCount.get(base) ?? 0;
      cellCount.set(base, k + 1);
      cellName = k === 0 ? base : `${base}_${k}`;
    }
    groups.push({ path: l.varsPath, name: isCell ? `${keras3SnakeCase(l.className)}_cell` : l.name });
    const mine = [...remaining].filter((n) => n.startsWith(`${l.name}/`));
    if (!order) {
      if (mine.length > 0) {
        throw new InvalidArgumentError('keras3_unknown_layer', `${label}: layer "${l.name}" is a ${l.className}, whose Keras 3 variable order Graft does not know, and it has weights (${mine.slice(0, 3).join(', ')})`, {
          hint: `write a TF bundle or safetensors instead; Graft writes Keras 3 weights for ${Object.keys(KERAS3_VARIABLE_ORDER).join(', ')}`, details: { path: label, name: l.name, found: l.className },
        });
      }
      continue;
    }
    order(l.config).forEach((w, i) => {
      const candidates = cellName ? [`${l.name}/${cellName}/${w}`, `${l.name}/${w}`] : [`${l.name}/${w}`];
      const hit = candidates.find((c) => remaining.has(c));
      if (!hit) {
        throw new InvalidArgumentError('keras3_missing_weight', `${label}: the config's ${l.className} "${l.name}" needs weight ${candidates[0]}, which the source does not have`, {
          hint: 'check that the config belongs to these weights (layer names, use_bias); list the source with graft inspect', details: { path: label, name: candidates[0] },
        });
      }
      remaining.delete(hit);
      datasets.push({ name: hit, datasetPath: `${l.varsPath}/vars/${i}` });
    });
  }
  const left = [...remaining].filter((n) => !n.startsWith('optimizer'));
  if (left.length > 0) {
    throw new InvalidArgumentError('keras3_unplaced_tensor', `${label}: ${left.length} tensor(s) have no place in the model config (${left.slice(0, 4).join(', ')}${left.length > 4 ? ', …' : ''})`, {
      hint: 'exclude them (CLI --exclude SCOPE) or use a config that has these layers', details: { path: label, found: left.slice(0, 32) },
    });
  }
  return { groups, datasets };
}

/** Write the planned HDF5 file at `h5Path` (a fresh temporary path). */
async function writeH5(h5Path: string, plan: Keras3Plan, tensors: Map<string, TensorValue>, modelName: string, label: string): Promise<void> {
  const h5 = await loadH5();
  const file = new h5.File(h5Path, 'w');
  try {
    const group = (path: string): H5Group => {
      let g: H5Group = file;
      for (const part of path.split('/')) {
        g = (g.keys().includes(part) ? g.get(part) : g.create_group(part)) as H5Group;
      }
      return g;
    };
    group('vars').create_attribute('name', modelName);
    for (const g of plan.groups) {
      const vars = group(`${g.path}/vars`);
      if (g.name !== undefined && !('name' in vars.attrs)) vars.create_attribute('name', g.name);
    }
    for (const d of plan.datasets) {
      const t = tensors.get(d.name)!;
      const dtype = H5_DTYPE[t.dtype];
      if (!dtype) {
        throw new InvalidArgumentError('dtype_not_supported', `${label}: tensor ${d.name} is ${t.dtype}, which Graft does not write into Keras HDF5`, {
          hint: 'convert it to float32 first, or write safetensors / a TF bundle', details: { path: label, name: d.name, found: t.dtype },
        });
      }
      const parent = group(d.datasetPath.slice(0, d.datasetPath.lastIndexOf('/')));
      const key = d.datasetPath.slice(d.datasetPath.lastIndexOf('/') + 1);
      const data = new Uint8Array(t.data); // a copy h5wasm may keep
      parent.create_dataset({ name: key, data: typedView(t.dtype, data), shape: t.shape, dtype });
    }
  } finally {
    file.close();
  }
}

function typedView(dtype: DType, b: Uint8Array): Float32Array | Float64Array | Uint16Array | Int16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array | Int8Array | Uint8Array {
  const buf = b.buffer, off = b.byteOffset, n = b.byteLength;
  switch (dtype) {
    case 'float32': return new Float32Array(buf, off, n / 4);
    case 'float64': return new Float64Array(buf, off, n / 8);
    case 'float16': case 'uint16': return new Uint16Array(buf, off, n / 2);
    case 'int16': return new Int16Array(buf, off, n / 2);
    case 'int32': return new Int32Array(buf, off, n / 4);
    case 'uint32': return new Uint32Array(buf, off, n / 4);
    case 'int64': return new BigInt64Array(buf, off, n / 8);
    case 'uint64': return new BigUint64Array(buf, off, n / 8);
    case 'int8': case 'bool': return new Int8Array(buf, off, n);
    default: return b;
  }
}

async function gather(tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>): Promise<Map<string, TensorValue>> {
  const out = new Map<string, TensorValue>();
  for await (const t of tensors) out.set(t.name, t);
  return out;
}

function modelNameOf(config: unknown): string {
  const c = (config as { config?: { name?: unknown } } | undefined)?.config;
  return typeof c?.name === 'string' ? c.name : 'sequential';
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}

/**
 * Write tensors as a Keras 3 `.weights.h5` (for `model.load_weights`).
 * @example
 *   await writeKeras3Weights('out/model.weights.h5', tensors, { config: modelTopology });
 * @throws InvalidArgumentError of {@link planKeras3Weights}, `dtype_not_supported`.
 */
export async function writeKeras3Weights(path: string, tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>, options: Keras3WriteOptions = {}): Promise<void> {
  const all = await gather(tensors);
  const plan = planKeras3Weights([...all.keys()], options.config, path);
  const tmp = tempSibling(path);
  try {
    await writeH5(resolve(tmp), plan, all, modelNameOf(options.config === undefined ? undefined : toKeras3Config(options.config)), path);
    if (options.fsync ?? true) await fsyncFile(tmp);
    await rename(tmp, path);
    if (options.fsync ?? true) fsyncDir(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/**
 * Write tensors and a model config as a Keras 3 `.keras` archive (for
 * `keras.saving.load_model`).
 * @throws InvalidArgumentError `keras3_config_required` (a `.keras` always needs a config), and
 *   those of {@link writeKeras3Weights}.
 */
export async function writeKerasArchive(path: string, tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>, options: Keras3WriteOptions = {}): Promise<void> {
  if (options.config === undefined) {
    throw new InvalidArgumentError('keras3_config_required', `${path}: a .keras archive holds the model config (config.json) and Graft has none for these weights`, {
      hint: 'convert from a tfjs model.json with a modelTopology or from a .keras file; or write model.weights.h5 with a config', details: { path },
    });
  }
  const config = toKeras3Config(options.config);
  const all = await gather(tensors);
  const plan = planKeras3Weights([...all.keys()], config, path);
  const dir = await mkdtemp(join(tmpdir(), 'graft-keras-w-'));
  try {
    const h5Path = join(dir, KERAS_WEIGHTS_FILENAME);
    await writeH5(h5Path, plan, all, modelNameOf(config), path);
    const weights = new Uint8Array(await readFile(h5Path));
    const now = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const metadata = { keras_version: KERAS3_LAYOUT_VERSION, date_saved: `${now.getFullYear()}-${p2(now.getMonth() + 1)}-${p2(now.getDate())}@${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}` };
    const enc = new TextEncoder();
    const zip = zipSync({
      [KERAS_METADATA_FILENAME]: [enc.encode(JSON.stringify(metadata)), { level: 0 }],
      [KERAS_CONFIG_FILENAME]: [enc.encode(JSON.stringify(config)), { level: 0 }],
      [KERAS_WEIGHTS_FILENAME]: [weights, { level: 0 }],
    });
    await atomicWriteFile(path, zip);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
