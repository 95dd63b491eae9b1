/**
 * safetensors header, in the spec's order (huggingface/safetensors README "Format";
 * safetensors/src/tensor.rs `read_metadata`, `Metadata::validate`, `prepare`):
 *
 *   bytes [0, 8)        N, u64 little-endian: size of the JSON header
 *   bytes [8, 8+N)      UTF-8 JSON object: {"__metadata__": {str: str}?,
 *                         NAME: {"dtype": "F32", "shape": [d0, …], "data_offsets": [begin, end]}, …}
 *   bytes [8+N, EOF)    the byte buffer; a tensor's bytes are buffer[begin, end)
 *
 * Invariants checked on read (each with its own error code, as tensor.rs has one variant each):
 * N ≤ 100,000,000 (MAX_HEADER_SIZE: the reference reader's cap, so a header field cannot make us
 * allocate more), 8+N ≤ file size, UTF-8, a JSON object, `__metadata__` a string→string map,
 * every entry well-typed, the entries sorted by offsets tile the buffer from 0 with no gap or
 * overlap, end − begin = ∏shape × dtype bits / 8 (overflow-checked, whole bytes), and the last
 * end is exactly the buffer size.
 *
 * Dtypes (tensor.rs `enum Dtype`, newest spec): BOOL U8 I8 I16 U16 I32 U32 I64 U64 F16 BF16 F32
 * F64 C64 F8_E4M3 F8_E5M2 are read (F8 as float8_e4m3fn / float8_e5m2, decoded exactly by
 * ../float8.ts). F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ, F4 (4 bits) and F6_E2M3 / F6_E3M2 (6 bits),
 * and any dtype word the spec does not list, are kept as *unsupported entries*: their offsets and
 * (for spec dtypes) sizes are validated like the others, they are listed with their dtype word,
 * and only reading them is refused — one such tensor leaves the rest of the file readable. Writers (tensor.rs `prepare`) sort tensors by dtype alignment,
 * largest first, then by name, and pad the header with spaces to a multiple of 8 bytes.
 */
import { FormatError, InvalidArgumentError } from '../../errors.js';
import { DTYPE_SIZE, type DType } from '../types.js';

/** The reference reader's header size cap (tensor.rs `MAX_HEADER_SIZE`). */
export const MAX_HEADER_SIZE = 100_000_000;
/** Bytes of the little-endian u64 header length (tensor.rs `N_LEN`). */
export const N_LEN = 8;
/** The header key that holds free-form string metadata. */
export const METADATA_KEY = '__metadata__';

/** safetensors dtype word → Graft dtype word, for the dtypes Graft reads. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, DType>> = {
  BOOL: 'bool', U8: 'uint8', I8: 'int8', I16: 'int16', U16: 'uint16', F16: 'float16',
  BF16: 'bfloat16', I32: 'int32', U32: 'uint32', F32: 'float32', F64: 'float64', I64: 'int64',
  U64: 'uint64', C64: 'complex64', F8_E4M3: 'float8_e4m3fn', F8_E5M2: 'float8_e5m2',
};

/**
 * Spec dtypes Graft does not decode, with their size in bits (tensor.rs `Dtype::bitsize`) and
 * why: these tensors are listed and refused one by one.
 */
export const UNSUPPORTED_SAFETENSORS_DTYPES: Readonly<Record<string, { bits: number; what: string }>> = {
  F8_E8M0: { bits: 8, what: 'an OCP microscaling scale (8-bit exponent, no mantissa)' },
  F8_E4M3FNUZ: { bits: 8, what: 'a float8 E4M3 "FNUZ" (bias 8, no negative zero)' },
  F8_E5M2FNUZ: { bits: 8, what: 'a float8 E5M2 "FNUZ" (bias 16, no negative zero)' },
  F4: { bits: 4, what: 'a packed 4-bit MXFP4 value (two per byte)' },
  F6_E2M3: { bits: 6, what: 'a packed 6-bit MXFP6 value' },
  F6_E3M2: { bits: 6, what: 'a packed 6-bit MXFP6 value' },
};

/** Graft dtype word → safetensors dtype word (string and complex have none). */
export const DTYPE_TO_SAFETENSORS: Readonly<Partial<Record<DType, string>>> = Object.fromEntries(
  Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k]),
);

/** The reference writer's dtype order (tensor.rs `enum Dtype` declaration order). */
const DTYPE_ORDER = ['BOOL', 'F4', 'F6_E2M3', 'F6_E3M2', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ',
  'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'C64', 'F64', 'I64', 'U64'];

/** One tensor entry of a parsed header; offsets relative to the start of the byte buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

/** An entry of a dtype Graft does not decode (offsets validated, bytes never read). */
export interface UnsupportedEntry {
  name: string;
  /** The dtype word as the file spells it (at most 40 characters kept). */
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
  /** Why it is not read. */
  reason: string;
}

/** A validated header. */
export interface SafetensorsHeader {
  /** N: the JSON header's size in bytes (padding included). */
  headerSize: number;
  /** File offset of the byte buffer (8 + N). */
  dataStart: number;
  /** Readable entries in offset order. */
  entries: SafetensorsEntry[];
  /** Entries of dtypes Graft does not decode, in offset order. */
  unsupported: UnsupportedEntry[];
  /** `__metadata__`, or `{}` when absent. */
  metadata: Record<string, string>;
}

function fail(code: string, path: string, message: string, hint: string, details: Record<string, unknown> = {}): never {
  throw new FormatError(code, `${path}: ${message}`, { hint, details: { path, ...details } });
}

const NOT_SAFETENSORS = 'the file is truncated, corrupted or not safetensors; re-download or re-export it';

/**
 * Read N from the first 8 bytes and check it against the cap and the file size.
 * @throws FormatError `header_too_small`, `header_too_large`, `invalid_header_length`.
 */
export function readHeaderSize(first: Uint8Array, fileSize: number, path: string): number {
  if (fileSize < N_LEN || first.length < N_LEN) {
    fail('header_too_small', path, `file has ${fileSize} bytes; a safetensors file starts with an 8-byte header length`, NOT_SAFETENSORS, { field: 'header length', fileSize });
  }
  const n = new DataView(first.buffer, first.byteOffset, N_LEN).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE)) {
    fail('header_too_large', path, `header length field says ${n} bytes; the limit is ${MAX_HEADER_SIZE.toLocaleString('en-US')}`, NOT_SAFETENSORS, { field: 'header length', found: n.toString(), limit: MAX_HEADER_SIZE });
  }
  const size = Number(n);
  if (N_LEN + size > fileSize) {
    fail('invalid_header_length', path, `header length field says ${size} bytes but the file has only ${fileSize - N_LEN} bytes after it`, NOT_SAFETENSORS, { field: 'header length', found: size, fileSize });
  }
  return size;
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parse and validate the JSON header (`json` = bytes [8, 8+N)) against the file size.
 * @throws FormatError `invalid_header_utf8`, `invalid_header_json`, `invalid_metadata`,
 *   `invalid_tensor_info`, `invalid_offset`, `validation_overflow`, `misaligned_slice`,
 *   `tensor_size_mismatch`, `metadata_incomplete_buffer` (an unsupported dtype is not an
 *   error here: the entry goes to `unsupported`).
 */
export function parseHeader(json: Uint8Array, fileSize: number, path: string): SafetensorsHeader {
  const headerSize = json.length;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
  } catch (e) {
    fail('invalid_header_utf8', path, `the ${headerSize}-byte JSON header is not valid UTF-8`, NOT_SAFETENSORS, { field: 'header' });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail('invalid_header_json', path, `the JSON header does not parse: ${(e as Error).message}`, NOT_SAFETENSORS, { field: 'header' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    fail('invalid_header_json', path, `the JSON header is ${Array.isArray(doc) ? 'an array' : String(doc === null ? 'null' : typeof doc)}, not an object`, NOT_SAFETENSORS, { field: 'header' });
  }
  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  const unsupported: UnsupportedEntry[] = [];
  const all: { name: string; shape: number[]; begin: number; end: number; bits: number | undefined; dtype: string }[] = [];
  for (const [name, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null) continue;
      if (typeof raw !== 'object' || Array.isArray(raw)) {
        fail('invalid_metadata', path, `"${METADATA_KEY}" must be an object of strings, found ${Array.isArray(raw) ? 'an array' : typeof raw}`, NOT_SAFETENSORS, { field: METADATA_KEY });
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail('invalid_metadata', path, `"${METADATA_KEY}"."${k}" must be a string, found ${typeof v}`, NOT_SAFETENSORS, { field: `${METADATA_KEY}.${k}` });
        metadata[k] = v;
      }
      continue;
    }
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      fail('invalid_tensor_info', path, `tensor "${name}": entry must be an object with dtype, shape, data_offsets`, NOT_SAFETENSORS, { name, field: name });
    }
    if (typeof info.dtype !== 'string') fail('invalid_tensor_info', path, `tensor "${name}": "dtype" must be a string`, NOT_SAFETENSORS, { name, field: 'dtype' });
    if (!Array.isArray(info.shape) || !info.shape.every(isNonNegInt)) {
      fail('invalid_tensor_info', path, `tensor "${name}": "shape" must be an array of non-negative integers, found ${JSON.stringify(info.shape)?.slice(0, 80)}`, NOT_SAFETENSORS, { name, field: 'shape' });
    }
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isNonNegInt)) {
      fail('invalid_tensor_info', path, `tensor "${name}": "data_offsets" must be [begin, end] non-negative integers, found ${JSON.stringify(off)?.slice(0, 80)}`, NOT_SAFETENSORS, { name, field: 'data_offsets' });
    }
    const shape = info.shape as number[];
    const [begin, end] = off as [number, number];
    const dtype = Object.hasOwn(SAFETENSORS_DTYPES, info.dtype) ? SAFETENSORS_DTYPES[info.dtype] : undefined;
    if (dtype !== undefined) {
      entries.push({ name, dtype, shape, begin, end });
      all.push({ name, shape, begin, end, bits: DTYPE_SIZE[dtype as Exclude<DType, 'string'>] * 8, dtype: info.dtype });
      continue;
    }
    const word = info.dtype.slice(0, 40);
    const known = Object.hasOwn(UNSUPPORTED_SAFETENSORS_DTYPES, info.dtype) ? UNSUPPORTED_SAFETENSORS_DTYPES[info.dtype] : undefined;
    const reason = known
      ? `dtype ${word} is ${known.what}, which Graft does not decode`
      : `dtype ${JSON.stringify(word)} is not a safetensors dtype Graft knows`;
    unsupported.push({ name, dtype: word, shape, begin, end, reason });
    all.push({ name, shape, begin, end, bits: known?.bits, dtype: word });
  }
  all.sort((a, b) => a.begin - b.begin || a.end - b.end);
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  unsupported.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let start = 0;
  for (const e of all) {
    if (e.begin !== start || e.end < e.begin) {
      fail('invalid_offset', path, `tensor "${e.name}": data_offsets [${e.begin}, ${e.end}] ${e.end < e.begin ? 'end before begin' : `should begin at ${start} (tensors must tile the byte buffer with no gap or overlap)`}`, NOT_SAFETENSORS, { name: e.name, field: 'data_offsets', expected: start, found: [e.begin, e.end] });
    }
    start = e.end;
    if (e.bits === undefined) continue; // a dtype word of no known size: only its offsets can be checked
    let n = e.bits;
    for (const d of e.shape) {
      n *= d;
      if (!Number.isSafeInteger(n)) fail('validation_overflow', path, `tensor "${e.name}": shape [${e.shape.join(',')}] overflows the byte count`, NOT_SAFETENSORS, { name: e.name, field: 'shape' });
    }
    if (n % 8 !== 0) {
      fail('misaligned_slice', path, `tensor "${e.name}": ${e.dtype} [${e.shape.join(',')}] is ${n} bits, not a whole number of bytes`, NOT_SAFETENSORS, { name: e.name, field: 'shape', found: n });
    }
    n /= 8;
    if (e.end - e.begin !== n) {
      fail('tensor_size_mismatch', path, `tensor "${e.name}": ${e.dtype} [${e.shape.join(',')}] needs ${n} bytes but data_offsets [${e.begin}, ${e.end}] span ${e.end - e.begin}`, NOT_SAFETENSORS, { name: e.name, field: 'data_offsets', expected: n, found: e.end - e.begin });
    }
  }
  const dataStart = N_LEN + headerSize;
  if (dataStart + start !== fileSize) {
    fail('metadata_incomplete_buffer', path, `header says the tensors end at byte ${start} of the data section but the data section has ${fileSize - dataStart} bytes`, NOT_SAFETENSORS, { field: 'data_offsets', expected: fileSize - dataStart, found: start });
  }
  return { headerSize, dataStart, entries, unsupported, metadata };
}

/** What the writer needs to know of each tensor. */
export interface HeaderInput {
  name: string;
  dtype: DType;
  shape: number[];
}

const utf8Enc = new TextEncoder();

/** Compare two strings by their UTF-8 bytes (Rust's `String` order, which the reference writer sorts by). */
function bytewise(a: string, b: string): number {
  const x = utf8Enc.encode(a);
  const y = utf8Enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * Order tensors as the reference writer does: by dtype alignment, largest first, then by name.
 * @throws InvalidArgumentError `dtype_not_supported` for string/complex tensors.
 */
export function writerOrder<T extends HeaderInput>(tensors: T[], path: string): T[] {
  for (const t of tensors) {
    if (DTYPE_TO_SAFETENSORS[t.dtype] === undefined) {
      throw new InvalidArgumentError('dtype_not_supported', `${path}: tensor "${t.name}" is ${t.dtype}; safetensors has no ${t.dtype} dtype`, {
        hint: `leave it out (CLI --exclude ${t.name}) or write a TF bundle instead`,
        details: { path, name: t.name, dtype: t.dtype },
      });
    }
  }
  const rank = (t: HeaderInput) => DTYPE_ORDER.indexOf(DTYPE_TO_SAFETENSORS[t.dtype]!);
  return [...tensors].sort((a, b) => rank(b) - rank(a) || bytewise(a.name, b.name));
}

/**
 * Encode `[N][JSON padded with spaces to a multiple of 8]` for tensors already in writer order.
 * Keys: `__metadata__` first (when given), then tensors in data order, as tensor.rs serialises.
 */
export function encodeHeader(ordered: HeaderInput[], metadata?: Record<string, string>): Uint8Array {
  // Built by hand, not as an object, so a tensor named "__proto__" stays an ordinary key.
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  const names = new Set<string>();
  for (const t of ordered) {
    if (t.name === METADATA_KEY || names.has(t.name)) {
      throw new InvalidArgumentError('duplicate_tensor_name', `tensor name "${t.name}" ${t.name === METADATA_KEY ? 'is reserved by safetensors' : 'appears twice'}`, {
        hint: 'rename the tensor (CLI --rename FROM=TO)', details: { name: t.name },
      });
    }
    names.add(t.name);
    const n = t.shape.reduce((a, d) => a * d, DTYPE_SIZE[t.dtype as Exclude<DType, 'string'>]);
    const info = { dtype: DTYPE_TO_SAFETENSORS[t.dtype], shape: t.shape, data_offsets: [offset, offset + n] };
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify(info)}`);
    offset += n;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(N_LEN + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, N_LEN);
  out.fill(0x20, N_LEN + json.length);
  return out;
}
