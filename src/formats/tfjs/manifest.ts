/**
 * TensorFlow.js weights manifest (tfjs-core `src/io/types.ts` WeightsManifestConfig; bytes as
 * `io_utils.ts` decodeWeights reads them; shards as tfjs-converter `write_weights.py` writes them):
 *
 *   model.json            {"format", "generatedBy", "convertedBy", "modelTopology",
 *                          "weightsManifest": [group, …]}      (weights_manifest.json: the array)
 *   group                 {"paths": ["group1-shard1of2.bin", …], "weights": [entry, …]}
 *   entry                 {"name", "shape": [d…], "dtype": "float32"|"int32"|"bool"|"string"|
 *                          "complex64", "quantization"?: {"dtype": "uint8"|"uint16"|"float16",
 *                          "scale"?, "min"?}, "group"?: "model"|"optimizer"}
 *
 * A group's weights are concatenated in entry order into one byte stream, which is cut into the
 * files of `paths` in order. Numeric values are little-endian (bool one byte); a string tensor is
 * per element a uint32 LE byte length then the bytes. A quantized weight stores
 * `numElements × sizeof(quantization.dtype)` bytes and is dequantized on read exactly as tfjs
 * does: uint8/uint16 → `v*scale + min` (float32; int32 rounds), float16 → float32.
 *
 * Graft extension `"graftDtype"` (ignored by tfjs): the dtype Graft wrote when tfjs has no such
 * dtype; the stored dtype is a lossless carrier (int8…uint32, int64, uint64 → int32 in range;
 * bfloat16, float64 → float32 when exact; float8_e4m3fn, float8_e5m2 → float32 (always exact); float16 → float16-quantized float32; complex128 →
 * complex64 when exact), and Graft restores the original bytes on read.
 *
 * Checked on read: JSON shape of every field, shard paths relative and inside the model folder,
 * every byte count against the sum of the group's shard sizes (so no allocation is sized by an
 * unchecked field), string lengths inside the group.
 */
import { FormatError } from '../../errors.js';
import type { DType } from '../types.js';

/** Dtypes a tfjs manifest entry may carry. */
export const TFJS_DTYPES = ['float32', 'int32', 'bool', 'string', 'complex64'] as const;
/** A tfjs manifest dtype. */
export type TfjsDType = (typeof TFJS_DTYPES)[number];
/** Bytes per value of tfjs dtypes and quantization dtypes (tfjs `DTYPE_VALUE_SIZE_MAP`). */
export const TFJS_VALUE_SIZE: Readonly<Record<string, number>> = {
  float32: 4, float16: 2, int32: 4, uint16: 2, uint8: 1, bool: 1, complex64: 8,
};
/** For each Graft dtype without a tfjs dtype: the tfjs dtype that carries it. */
export const GRAFT_DTYPE_CARRIER: Readonly<Partial<Record<DType, TfjsDType>>> = {
  int8: 'int32', uint8: 'int32', int16: 'int32', uint16: 'int32', uint32: 'int32',
  int64: 'int32', uint64: 'int32', float16: 'float32', bfloat16: 'float32', float64: 'float32',
  complex128: 'complex64', float8_e4m3fn: 'float32', float8_e5m2: 'float32',
};

/** One manifest entry, validated. */
export interface ManifestWeight {
  name: string;
  shape: number[];
  /** The dtype as tfjs would decode it. */
  tfjsDtype: TfjsDType;
  /** The dtype Graft reports: graftDtype, else tfjsDtype. */
  dtype: DType;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale: number; min: number };
  /** Weight group ('model', 'optimizer'), when the manifest says. */
  group?: string;
  /** Index of the manifest group that stores it. */
  groupIndex: number;
}

/** One manifest group. */
export interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/** The parsed model.json / weights_manifest.json. */
export interface TfjsManifest {
  groups: ManifestGroup[];
  /** format, generatedBy, convertedBy as strings (absent ones omitted). */
  metadata: Record<string, string>;
  /** modelTopology as found (undefined when absent). */
  modelTopology?: unknown;
}

function bad(code: string, path: string, message: string, field: string, extra: Record<string, unknown> = {}): never {
  throw new FormatError(code, `${path}: ${message}`, {
    hint: 'the file is not a tfjs model.json / weights_manifest.json or is damaged; re-export it with tfjs-converter or model.save',
    details: { path, field, ...extra },
  });
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Whether a shard path stays inside the model folder (relative, no `..`, no drive or scheme). */
export function isSafeShardPath(p: string): boolean {
  if (p.length === 0 || p.startsWith('/') || p.startsWith('\\') || /^[a-zA-Z]+:/.test(p) || p.includes('\0')) return false;
  return !p.split(/[\\/]/).some((part) => part === '..');
}

function parseWeight(raw: unknown, where: string, groupIndex: number, path: string): ManifestWeight {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('invalid_weight_spec', path, `${where} is not an object`, where);
  const w = raw as Record<string, unknown>;
  if (typeof w.name !== 'string') bad('invalid_weight_spec', path, `${where}.name must be a string`, `${where}.name`);
  const name = w.name;
  if (!Array.isArray(w.shape) || !w.shape.every(isNonNegInt)) {
    bad('invalid_weight_spec', path, `weight "${name}": shape must be an array of non-negative integers, found ${JSON.stringify(w.shape)?.slice(0, 80)}`, `${where}.shape`, { name });
  }
  const shape = w.shape as number[];
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) bad('validation_overflow', path, `weight "${name}": shape [${shape.join(',')}] overflows the element count`, `${where}.shape`, { name });
  }
  if (typeof w.dtype !== 'string' || !(TFJS_DTYPES as readonly string[]).includes(w.dtype)) {
    bad('unsupported_dtype', path, `weight "${name}": dtype ${JSON.stringify(w.dtype)?.slice(0, 40)} is not a tfjs dtype (${TFJS_DTYPES.join(', ')})`, `${where}.dtype`, { name });
  }
  const tfjsDtype = w.dtype as TfjsDType;
  let dtype: DType = tfjsDtype;
  if (w.graftDtype !== undefined) {
    const g = w.graftDtype;
    if (typeof g !== 'string' || GRAFT_DTYPE_CARRIER[g as DType] !== tfjsDtype) {
      bad('invalid_weight_spec', path, `weight "${name}": graftDtype ${JSON.stringify(g)?.slice(0, 40)} cannot be carried by tfjs dtype ${tfjsDtype}`, `${where}.graftDtype`, { name });
    }
    dtype = g as DType;
  }
  const out: ManifestWeight = { name, shape, tfjsDtype, dtype, groupIndex };
  if (typeof w.group === 'string') out.group = w.group;
  if (w.quantization !== undefined) {
    const q = w.quantization as Record<string, unknown>;
    if (typeof q !== 'object' || q === null || (q.dtype !== 'uint8' && q.dtype !== 'uint16' && q.dtype !== 'float16')) {
      bad('invalid_quantization', path, `weight "${name}": quantization.dtype must be uint8, uint16 or float16, found ${JSON.stringify(q?.dtype)?.slice(0, 40)}`, `${where}.quantization.dtype`, { name });
    }
    const qd = q.dtype as 'uint8' | 'uint16' | 'float16';
    // tfjs decodeWeight: float16 only for float32 weights; uint8/uint16 need min and scale and
    // apply to float32 or int32 weights.
    if (qd === 'float16' ? tfjsDtype !== 'float32' : (tfjsDtype !== 'float32' && tfjsDtype !== 'int32')) {
      bad('invalid_quantization', path, `weight "${name}": ${qd} quantization does not apply to ${tfjsDtype} weights`, `${where}.quantization`, { name });
    }
    if (qd !== 'float16' && (typeof q.scale !== 'number' || typeof q.min !== 'number' || !Number.isFinite(q.scale) || !Number.isFinite(q.min))) {
      bad('invalid_quantization', path, `weight "${name}": ${qd} quantization needs finite numbers "scale" and "min"`, `${where}.quantization`, { name });
    }
    if (w.graftDtype !== undefined && !(w.graftDtype === 'float16' && qd === 'float16')) {
      bad('invalid_quantization', path, `weight "${name}": graftDtype ${String(w.graftDtype)} cannot be quantized`, `${where}.quantization`, { name });
    }
    if (w.graftDtype === undefined) dtype = tfjsDtype;
    out.quantization = { dtype: qd, scale: typeof q.scale === 'number' ? q.scale : 1, min: typeof q.min === 'number' ? q.min : 0 };
  } else if (w.graftDtype === 'float16') {
    bad('invalid_weight_spec', path, `weight "${name}": graftDtype float16 must be stored float16-quantized`, `${where}.quantization`, { name });
  }
  return out;
}

/**
 * Parse a model.json (object with `weightsManifest`) or weights_manifest.json (the array).
 * @throws FormatError `invalid_json`, `missing_weights_manifest`, `invalid_manifest_group`,
 *   `invalid_weight_spec`, `unsupported_dtype`, `invalid_quantization`, `validation_overflow`,
 *   `unsafe_shard_path`, `duplicate_tensor_name`.
 */
export function parseManifest(text: string, path: string): TfjsManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    bad('invalid_json', path, `does not parse as JSON: ${(e as Error).message}`, 'json');
  }
  let groupsRaw: unknown;
  const metadata: Record<string, string> = {};
  let modelTopology: unknown;
  if (Array.isArray(doc)) groupsRaw = doc;
  else if (typeof doc === 'object' && doc !== null) {
    const m = doc as Record<string, unknown>;
    if (!('weightsManifest' in m)) bad('missing_weights_manifest', path, 'has no "weightsManifest"; it is not a tfjs model.json', 'weightsManifest');
    groupsRaw = m.weightsManifest;
    for (const k of ['format', 'generatedBy', 'convertedBy']) if (typeof m[k] === 'string') metadata[k] = m[k] as string;
    modelTopology = m.modelTopology;
  } else bad('invalid_json', path, `is ${doc === null ? 'null' : typeof doc}, not a model.json object`, 'json');
  if (!Array.isArray(groupsRaw)) bad('invalid_manifest_group', path, '"weightsManifest" must be an array of groups', 'weightsManifest');
  const groups: ManifestGroup[] = [];
  const seen = new Set<string>();
  groupsRaw.forEach((g: unknown, gi: number) => {
    const where = `weightsManifest[${gi}]`;
    if (typeof g !== 'object' || g === null) bad('invalid_manifest_group', path, `${where} is not an object`, where);
    const { paths, weights } = g as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) bad('invalid_manifest_group', path, `${where}.paths must be an array of strings`, `${where}.paths`);
    for (const p of paths as string[]) {
      if (!isSafeShardPath(p)) bad('unsafe_shard_path', path, `${where}.paths has "${p.slice(0, 80)}", which points outside the model folder`, `${where}.paths`, { found: p.slice(0, 200) });
    }
    if (!Array.isArray(weights)) bad('invalid_manifest_group', path, `${where}.weights must be an array`, `${where}.weights`);
    const ws = weights.map((w: unknown, wi: number) => parseWeight(w, `${where}.weights[${wi}]`, gi, path));
    for (const w of ws) {
      if (seen.has(w.name)) bad('duplicate_tensor_name', path, `weight "${w.name}" appears twice in the manifest`, `${where}.weights`, { name: w.name });
      seen.add(w.name);
    }
    groups.push({ paths: paths as string[], weights: ws });
  });
  return { groups, metadata, modelTopology };
}

/** Stored bytes per element of a weight (quantized size if quantized; not for strings). */
export function storedValueSize(w: ManifestWeight): number {
  return TFJS_VALUE_SIZE[w.quantization ? w.quantization.dtype : w.tfjsDtype]!;
}
