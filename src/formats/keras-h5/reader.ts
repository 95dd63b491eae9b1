/**
 * Keras HDF5 weights (`model.save('m.h5')` / `save_weights('w.h5')`, TF-Keras `hdf5_format.py`
 * `save_weights_to_hdf5_group` / `load_weights_from_hdf5_group`), read through h5wasm (the HDF5
 * C library compiled to wasm; no hand-written HDF5 parsing):
 *
 *   /                       weights-only file: attrs layer_names, backend, keras_version
 *   /model_weights          full-model file: the same group one level down (+ /optimizer_weights)
 *   <layer>                 attr weight_names = ["dense/kernel:0", "dense/bias:0"] (in order)
 *   <layer>/<weight name>   the dataset, e.g. /dense/dense/kernel:0
 *   /optimizer_weights      attr weight_names = ["Adam/iter:0", "Adam/dense/kernel/m:0", …]
 *
 * Names are the weight names without `:0` (`dense/kernel`, as TF-Keras names the variables);
 * a weight name without `/` is prefixed with its layer. Optimizer weights are listed as
 * `optimizer_weights/<name>`. Keras 1 weight names (`dense_1_W`, no `/`) become
 * `<layer>/<weight>` with the layer prefix taken off (`dense_1/W`), see docs/formats.md.
 *
 * Keras 3 `.weights.h5` (no `layer_names`; groups `layers/<path>/vars/<i>`, `optimizer/vars/<i>`,
 * `vars/` of the model itself) is read by `keras3-layout.ts`; names are the Keras 3 paths with
 * the leading `layers/` taken off (`dense/vars/0`), and `reader.keras3` maps them to TF-Keras
 * names (`keras3-names.ts`). A `.keras` zip is opened by `keras-zip.ts`, which hands its
 * `model.weights.h5` and `config.json` here.
 *
 * Before h5wasm reads a dataset its byte count is checked against the file size (Keras writes
 * contiguous, uncompressed datasets), so a corrupted dataspace cannot size an allocation.
 */
import { openRegularFile } from '../../io/open-file.js';
import { resolve } from 'node:path';
import { CheckpointNotFoundError, FormatError, GraftError } from '../../errors.js';
import { numberToFloat16 } from '../stats.js';
import { DTYPE_SIZE, type CheckpointReader, type DType, type TensorInfo, type TensorValue } from '../types.js';
import { mapKeras3Names, type Keras3NameEntry } from './keras3-names.js';
import { isKeras3Layout, walkKeras3 } from './keras3-layout.js';

/** HDF5 format signature (the superblock starts at 0, 512, 1024, 2048, … bytes). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Compressed datasets may hold more than the file size; cap what one of them may allocate. */
const MAX_FILTERED_DATASET_BYTES = 1 << 30;

export type H5 = typeof import('h5wasm/node');
type H5File = InstanceType<H5['File']>;
export type H5Group = InstanceType<H5['Group']>;
type H5Dataset = InstanceType<H5['Dataset']>;

let h5Promise: Promise<H5['default']> | undefined;

/** Load h5wasm once, with HDF5's error stack turned into thrown errors (not stderr noise). */
export async function loadH5(): Promise<H5['default']> {
  h5Promise ??= (async () => {
    const mod = await import('h5wasm/node');
    const h5 = mod.default;
    const Module = await h5.ready;
    Module.activate_throwing_error_handler();
    return h5;
  })();
  return h5Promise;
}

/** Whether the bytes at the start of a file (≥ 2056 bytes if available) hold the HDF5 signature. */
export function hasHdf5Signature(head: Uint8Array): boolean {
  for (let base = 0; base + 8 <= head.length; base = base === 0 ? 512 : base * 2) {
    if (HDF5_SIGNATURE.every((b, i) => head[base + i] === b)) return true;
  }
  return false;
}

function h5Error(path: string, what: string, e: unknown): FormatError {
  const raw = e instanceof Error ? e.message : String(e);
  const line = raw.split('\n').map((s) => s.trim()).filter((s) => s.length > 0 && !s.startsWith('HDF5-DIAG') && !s.startsWith('#') && !s.startsWith('major') && !s.startsWith('minor')).slice(0, 1)[0]
    ?? raw.split('\n').find((s) => s.includes('(): '))?.trim() ?? raw.slice(0, 200);
  return new FormatError('hdf5_error', `${path}: HDF5 could not read ${what}: ${line.slice(0, 300)}`, {
    hint: 'the file is damaged or not a Keras .h5 file; re-save it with model.save_weights("w.h5")',
    details: { path, field: what }, cause: e,
  });
}

function dtypeOf(meta: { type: number; size: number; signed: boolean; enum_type?: unknown }): DType | undefined {
  if (meta.type === 1) return ({ 2: 'float16', 4: 'float32', 8: 'float64' } as Record<number, DType>)[meta.size];
  if (meta.type === 0) {
    const ints: Record<number, DType> = meta.signed ? { 1: 'int8', 2: 'int16', 4: 'int32', 8: 'int64' } : { 1: 'uint8', 2: 'uint16', 4: 'uint32', 8: 'uint64' };
    return ints[meta.size];
  }
  if (meta.type === 8 && meta.size === 1) return 'bool'; // h5py stores numpy bool as an int8 enum
  return undefined;
}

export function strAttr(obj: H5Group, name: string): string[] | undefined {
  if (!obj.attrs || !(name in obj.attrs)) return undefined;
  const v = obj.attrs[name]!.value as unknown;
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? v : v && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' && !(v instanceof Uint8Array) ? [...(v as Iterable<unknown>)] : [];
  return list.map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
}

/** The little-endian bytes of one scalar value of `dtype`. */
function scalarBytes(dtype: DType, v: number | bigint | boolean): Uint8Array {
  const out = new Uint8Array(dtype === 'bool' ? 1 : DTYPE_SIZE[dtype as Exclude<DType, 'string'>]);
  const dv = new DataView(out.buffer);
  const n = Number(v);
  switch (dtype) {
    case 'float16': dv.setUint16(0, numberToFloat16(n), true); break;
    case 'float32': dv.setFloat32(0, n, true); break;
    case 'float64': dv.setFloat64(0, n, true); break;
    case 'int8': dv.setInt8(0, n); break;
    case 'uint8': case 'bool': dv.setUint8(0, n); break;
    case 'int16': dv.setInt16(0, n, true); break;
    case 'uint16': dv.setUint16(0, n, true); break;
    case 'int32': dv.setInt32(0, n, true); break;
    case 'uint32': dv.setUint32(0, n, true); break;
    case 'int64': dv.setBigInt64(0, BigInt(v), true); break;
    case 'uint64': dv.setBigUint64(0, BigInt(v), true); break;
    default: break;
  }
  return out;
}

interface Entry {
  info: TensorInfo;
  datasetPath: string;
  littleEndian: boolean;
}

function stripZero(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

/** What a Keras 3 file adds to the reader: its config and the Keras 3 → TF-Keras name mapping. */
export interface Keras3Info {
  /** `keras_version` from metadata.json (`.keras` only). */
  kerasVersion?: string;
  /** The model config (config.json of a `.keras`, or the one passed to open), if any. */
  config?: unknown;
  /** One entry per weight, in the order of `list()`; `name` is the name the reader reports. */
  names: (Keras3NameEntry & { name: string })[];
}

/** A Keras `.h5` / `.weights.h5` / `.keras` reader; `keras3` is set for Keras 3 files. */
export interface KerasH5Reader extends CheckpointReader {
  readonly keras3?: Keras3Info;
  /** Keras 1/2 files with a `layer_names` attribute: every weight name in the model's order (layers as listed, weights in `weight_names` order). */
  readonly layerOrder?: readonly string[];
  /** Keras 1/2 full-model files (`model.save('m.h5')`): the `model_config` root attribute, parsed. */
  readonly modelConfig?: unknown;
}

class H5Reader implements KerasH5Reader {
  readonly format = 'keras-h5' as const;
  constructor(
    readonly path: string, readonly metadata: Record<string, string>, private readonly file: H5File,
    private readonly entries: Map<string, Entry>, private readonly aliases: Map<string, string>,
    readonly keras3: Keras3Info | undefined, private readonly onClose: () => Promise<void>,
    private readonly modelOrdered = false,
    readonly modelConfig: unknown = undefined,
  ) {}

  get layerOrder(): readonly string[] | undefined {
    return this.modelOrdered ? [...this.entries.keys()].filter((n) => !n.startsWith('optimizer_weights/')) : undefined;
  }

  list(): TensorInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info, shape: [...e.info.shape] })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  private lookup(name: string): Entry | undefined {
    const n = stripZero(name);
    return this.entries.get(name) ?? this.entries.get(n) ?? this.entries.get(this.aliases.get(n) ?? '');
  }
  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }
  private get(name: string): Entry {
    const e = this.lookup(name);
    if (!e) {
      throw new FormatError('tensor_not_found', `${this.path}: no weight named "${name}" (the file has ${this.entries.size})`, {
        hint: `list the names with: graft inspect ${this.path}`, details: { path: this.path, name },
      });
    }
    return e;
  }
  info(name: string): TensorInfo {
    const e = this.get(name);
    return { ...e.info, shape: [...e.info.shape] };
  }
  async read(name: string): Promise<TensorValue> {
    const e = this.get(name);
    let bytes: Uint8Array;
    try {
      const ds = this.file.get(e.datasetPath) as H5Dataset;
      const v = ds.value as unknown;
      if (e.info.shape.length === 0 && (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')) {
        bytes = scalarBytes(e.info.dtype, v); // h5wasm hands a 0-d dataset back as a JS scalar
      } else {
        if (!ArrayBuffer.isView(v) || v.byteLength !== e.info.bytes) throw new Error(`dataset returned ${ArrayBuffer.isView(v) ? v.byteLength + ' bytes' : typeof v}, expected ${e.info.bytes} bytes`);
        bytes = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
      }
    } catch (err) {
      throw err instanceof FormatError ? err : h5Error(this.path, `dataset ${e.datasetPath}`, err);
    }
    const size = e.info.dtype === 'bool' ? 1 : DTYPE_SIZE[e.info.dtype as Exclude<DType, 'string'>];
    if (!e.littleEndian && size > 1) for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
    return { name: e.info.name, dtype: e.info.dtype, shape: [...e.info.shape], data: bytes };
  }
  async close(): Promise<void> {
    try { this.file.close(); } catch { /* already closed by HDF5 after an error */ }
    await this.onClose();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Keras 3 name → TF-Keras / tfjs name for every weight of a Keras 3 reader that maps (see
 * keras3-names.ts); undefined for other readers. Usable as `convert --rename` rules.
 * @example
 *   keras3NameMap(await openCheckpoint('m.keras'))   // { 'dense/vars/0': 'dense/kernel', … }
 */
export function keras3NameMap(reader: CheckpointReader): Record<string, string> | undefined {
  const k = (reader as Partial<KerasH5Reader>).keras3;
  if (!k) return undefined;
  const out: Record<string, string> = {};
  for (const e of k.names) if (e.tfName !== undefined) out[e.name] = e.tfName;
  return out;
}

/** Options of {@link openKerasH5}. */
export interface OpenKerasH5Options {
  /** Keras 3 model config used for the name mapping of a bare `.weights.h5` (a `.keras` has its own). */
  config?: unknown;
}

/** @internal What `keras-zip.ts` passes for the `model.weights.h5` it extracted. */
export interface H5Source {
  /** The path the user named (used in messages and as `reader.path`). */
  label: string;
  /** Size of the HDF5 bytes (caps dataset sizes). */
  fileSize: number;
  config?: unknown;
  metadata?: Record<string, string>;
  kerasVersion?: string;
  /** Called after the HDF5 file is closed (removes an extracted copy). */
  onClose?: () => Promise<void>;
}

/**
 * Open a Keras `.h5` file (Keras 1/2 weights-only or full model, Keras 3 `.weights.h5`) or a
 * Keras 3 `.keras` archive, and list its weights; values are read on demand.
 * @example
 *   await using r = await openKerasH5('model.h5');
 *   const k = await r.read('dense_2/kernel');
 *   await using k3 = await openKerasH5('model.keras');   // names dense/vars/0 …
 *   k3.keras3?.names.find((n) => n.name === 'dense/vars/0')?.tfName;   // 'dense/kernel'
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError `not_hdf5`,
 *   `hdf5_error`, `missing_dataset`, `unsupported_dtype`, `dataset_too_large`, `not_keras_h5`,
 *   and for `.keras` the codes of `openKerasArchive`.
 */
export async function openKerasH5(path: string, options: OpenKerasH5Options = {}): Promise<KerasH5Reader> {
  let fileSize: number;
  const head = new Uint8Array(2056);
  try {
    // A regular file only (a FIFO or device is refused before h5wasm sees the path).
    const f = await openRegularFile(path, { what: 'Keras .h5 file' });
    try { fileSize = f.size; await f.handle.read(head, 0, head.length, 0); } finally { await f.close(); }
  } catch (e) {
    if (e instanceof GraftError && e.code !== 'file_not_found') throw e;
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such file`, { hint: 'check the path', details: { path }, cause: e });
  }
  if (hasZipSignature(head)) return (await import('./keras-zip.js')).openKerasArchive(path);
  if (!hasHdf5Signature(head.subarray(0, Math.min(fileSize, head.length)))) {
    throw new FormatError('not_hdf5', `${path}: no HDF5 signature at byte 0, 512, 1024 or 2048`, {
      hint: 'this is not an HDF5 file; Keras writes .h5 / .weights.h5 files with model.save_weights(…) and .keras archives with model.save("m.keras")', details: { path, field: 'signature' },
    });
  }
  return openH5(path, { label: path, fileSize, config: options.config });
}

/** Whether bytes start like a zip archive (local file header `PK\x03\x04`). */
export function hasZipSignature(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** @internal Open HDF5 bytes at `h5Path` as Keras weights (both layouts). */
export async function openH5(h5Path: string, src: H5Source): Promise<KerasH5Reader> {
  const path = src.label;
  const fileSize = src.fileSize;
  const h5 = await loadH5();
  let file: H5File;
  try {
    file = new h5.File(resolve(h5Path), 'r');
  } catch (e) {
    await src.onClose?.();
    throw h5Error(path, 'the file', e);
  }
  try {
    const metadata: Record<string, string> = { ...src.metadata };
    const entries = new Map<string, Entry>();
    const aliases = new Map<string, string>();
    const add = (name: string, datasetPath: string) => {
      let ds: unknown;
      try { ds = file.get(datasetPath); } catch (e) { throw h5Error(path, `dataset ${datasetPath}`, e); }
      if (!(ds instanceof h5.Dataset)) {
        throw new FormatError('missing_dataset', `${path}: weight "${name}" is listed in weight_names but ${datasetPath} is not a dataset`, {
          hint: 'the file is damaged; re-save it from Keras', details: { path, name, field: datasetPath },
        });
      }
      let meta;
      try { meta = ds.metadata; } catch (e) { throw h5Error(path, `dataset ${datasetPath}`, e); }
      // Keras 3 H5IOStore marks bfloat16 datasets with attr dtype="bfloat16" (2-byte payload).
      const bf16 = meta.size === 2 && strAttr(ds as unknown as H5Group, 'dtype')?.[0] === 'bfloat16';
      const dtype = bf16 ? 'bfloat16' : dtypeOf(meta);
      if (dtype === undefined) {
        throw new FormatError('unsupported_dtype', `${path}: dataset ${datasetPath} has HDF5 type class ${meta.type} of ${meta.size} bytes, not a numeric weight`, {
          hint: 'only numeric weights can be read', details: { path, name, field: 'dtype' },
        });
      }
      const shape = (meta.shape ?? []).map(Number);
      let bytes = meta.size;
      for (const d of shape) bytes *= d;
      const filters = (() => { try { return ds.filters.length; } catch { return 0; } })();
      if (!Number.isSafeInteger(bytes) || bytes > (filters > 0 ? MAX_FILTERED_DATASET_BYTES : fileSize)) {
        throw new FormatError('dataset_too_large', `${path}: dataset ${datasetPath} claims shape [${shape.join(',')}] (${bytes} bytes) in a ${fileSize}-byte file`, {
          hint: 'the file is damaged; re-save it from Keras', details: { path, name, field: 'shape', found: shape },
        });
      }
      if (entries.has(name)) {
        throw new FormatError('duplicate_weight', `${path}: two datasets are named "${name}" (${entries.get(name)!.datasetPath} and ${datasetPath})`, {
          hint: 'the file is damaged or not written by Keras; re-save it from Keras', details: { path, name },
        });
      }
      entries.set(name, { info: { name, dtype, shape, bytes }, datasetPath, littleEndian: meta.littleEndian !== false });
    };
    let keras3: Keras3Info | undefined;
    let modelOrdered = false;
    let modelConfig: unknown;
    try {
      for (const k of ['keras_version', 'backend']) { const v = strAttr(file, k); if (v?.[0]) metadata[k] = v[0]; }
      const top = file.keys();
      const hasModelWeights = top.includes('model_weights');
      const root: H5Group = hasModelWeights ? file.get('model_weights') as H5Group : file;
      const layerNames = strAttr(root, 'layer_names');
      if (layerNames === undefined && !hasModelWeights) {
        if (!isKeras3Layout(top)) {
          throw new FormatError('not_keras_h5', `${path}: HDF5 file without Keras "layer_names" attribute (Keras 1/2) or layers/, vars/ groups (Keras 3) at the root`, {
            hint: `this HDF5 file was not written by Keras save_weights / model.save; its top-level entries are ${top.slice(0, 8).join(', ') || 'none'}`, details: { path, field: 'layer_names', found: top.slice(0, 32) },
          });
        }
        const layout = walkKeras3(file, h5, path);
        for (const v of layout.variables) add(v.name, `/${v.datasetPath}`);
        const mapped = mapKeras3Names(layout.variables.map((v) => ({ path: v.path, shape: entries.get(v.name)!.info.shape })), { config: src.config, groupNames: layout.groupNames });
        keras3 = {
          ...(src.kerasVersion ? { kerasVersion: src.kerasVersion } : {}),
          ...(src.config !== undefined ? { config: src.config } : {}),
          names: mapped.map((m, i) => ({ name: layout.variables[i]!.name, ...m })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
        };
        metadata.layout ??= 'keras 3 weights (layers/<path>/vars/<i>)';
        if (src.kerasVersion) metadata.keras_version = src.kerasVersion;
        const n = keras3.names.filter((e) => e.tfName !== undefined).length;
        metadata.keras3_names = `${n} of ${keras3.names.length} weights map to TF-Keras names${src.config === undefined ? ' (no config: by layer class and variable count)' : ' (from the config)'}`;
      } else {
        if (hasModelWeights) metadata.layout = 'full model (model_weights/)';
        modelOrdered = layerNames !== undefined;
        const mc = strAttr(file, 'model_config')?.[0];
        if (mc !== undefined) {
          try { modelConfig = JSON.parse(mc); } catch { metadata.model_config = 'present but not JSON'; }
        }
        const rootPath = hasModelWeights ? '/model_weights' : '';
        for (const layer of layerNames ?? root.keys()) {
          const g = root.get(layer);
          if (!(g instanceof h5.Group)) continue;
          for (const w of strAttr(g, 'weight_names') ?? []) {
            const { name, alias } = kerasWeightName(layer, stripZero(w));
            add(name, `${rootPath}/${layer}/${w}`);
            if (alias) aliases.set(alias, name);
          }
        }
        if (top.includes('optimizer_weights')) {
          const og = file.get('optimizer_weights') as H5Group;
          for (const w of strAttr(og, 'weight_names') ?? []) add(`optimizer_weights/${stripZero(w)}`, `/optimizer_weights/${w}`);
        }
      }
    } catch (e) {
      throw e instanceof FormatError ? e : h5Error(path, 'the weight groups', e);
    }
    return new H5Reader(path, metadata, file, entries, aliases, keras3, src.onClose ?? (async () => undefined), modelOrdered, modelConfig);
  } catch (e) {
    try { file.close(); } catch { /* ignore */ }
    await src.onClose?.();
    throw e;
  }
}

/**
 * The name of a Keras 1/2 weight: TF-Keras names (`dense/kernel`) as they are; a name without
 * `/` (Keras 1 `dense_1_W`, Theano-backend Keras 2 `kernel`) goes under its layer, with a
 * repeated layer prefix taken off: `dense_1/W`, `dense_1/kernel`. Keras 1's own name
 * (`dense_1_W`) stays accepted as an alias by has/info/read.
 */
export function kerasWeightName(layer: string, weight: string): { name: string; alias?: string } {
  if (weight.includes('/')) return { name: weight };
  if (weight.startsWith(`${layer}_`) && weight.length > layer.length + 1) return { name: `${layer}/${weight.slice(layer.length + 1)}`, alias: weight };
  return { name: `${layer}/${weight}` };
}
