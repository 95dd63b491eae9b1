/**
 * Decoding a tensor's raw little-endian bytes into typed arrays, and summary statistics over any
 * dtype (min, max, mean, population std, NaN count) as `graft inspect --stats` prints them.
 *
 * float16, bfloat16, float8_e4m3fn and float8_e5m2 decode exactly to float32 (every half and bfloat16 value is a float32);
 * int64/uint64 decode to BigInt64Array/BigUint64Array; bool to Uint8Array (0/1); complex to the
 * interleaved re,im float array; string to one Uint8Array per element.
 */
import { InvalidArgumentError } from '../errors.js';
import { DTYPE_SIZE, numElements, type DType, type TensorValue } from './types.js';
import { float8ToFloat32 } from './float8.js';

/** The decoded values of one tensor, flat in row-major order. */
export type DecodedValues =
  | Float32Array | Float64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Uint8Array[];

/** Convert one IEEE 754 half (as its 16 bits) to a number (exact). */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Convert a number to the bits of the nearest IEEE 754 half (round to nearest even). */
export function numberToFloat16(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rest > mid || (rest === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++; // a carry into the exponent is right
  return sign | half;
}

/** The bytes of `data` as a view of type T, copying only when the offset is misaligned. */
function view<T>(data: Uint8Array, size: number, make: (b: ArrayBufferLike, o: number, n: number) => T): T {
  if (data.byteOffset % size === 0) return make(data.buffer, data.byteOffset, data.byteLength / size);
  const copy = data.slice();
  return make(copy.buffer, 0, copy.byteLength / size);
}

/**
 * Decode a tensor's bytes into a flat typed array (see the module comment for each dtype).
 * @throws InvalidArgumentError `bad_tensor_bytes` when `data` does not hold shape × dtype bytes.
 */
export function decodeValues(t: TensorValue): DecodedValues {
  if (t.dtype === 'string') return t.strings ?? [];
  const n = numElements(t.shape);
  const size = DTYPE_SIZE[t.dtype];
  if (t.data.byteLength !== n * size) {
    throw new InvalidArgumentError('bad_tensor_bytes', `tensor "${t.name}" (${t.dtype} [${t.shape.join(',')}]) has ${t.data.byteLength} bytes; shape × dtype needs ${n * size}`, {
      hint: 'the tensor value was built wrongly; pass exactly the row-major little-endian bytes',
      details: { name: t.name, expected: n * size, found: t.data.byteLength },
    });
  }
  const d = t.data;
  switch (t.dtype) {
    case 'float32': return view(d, 4, (b, o, k) => new Float32Array(b, o, k));
    case 'float64': return view(d, 8, (b, o, k) => new Float64Array(b, o, k));
    case 'complex64': return view(d, 4, (b, o, k) => new Float32Array(b, o, k));
    case 'complex128': return view(d, 8, (b, o, k) => new Float64Array(b, o, k));
    case 'int8': return new Int8Array(d.buffer, d.byteOffset, d.byteLength);
    case 'uint8': return d;
    case 'bool': return d;
    case 'int16': return view(d, 2, (b, o, k) => new Int16Array(b, o, k));
    case 'uint16': return view(d, 2, (b, o, k) => new Uint16Array(b, o, k));
    case 'int32': return view(d, 4, (b, o, k) => new Int32Array(b, o, k));
    case 'uint32': return view(d, 4, (b, o, k) => new Uint32Array(b, o, k));
    case 'int64': return view(d, 8, (b, o, k) => new BigInt64Array(b, o, k));
    case 'uint64': return view(d, 8, (b, o, k) => new BigUint64Array(b, o, k));
    case 'float16': {
      const bits = view(d, 2, (b, o, k) => new Uint16Array(b, o, k));
      const out = new Float32Array(bits.length);
      for (let i = 0; i < bits.length; i++) out[i] = float16ToNumber(bits[i]!);
      return out;
    }
    case 'bfloat16': {
      const bits = view(d, 2, (b, o, k) => new Uint16Array(b, o, k));
      const wide = new Uint32Array(bits.length);
      for (let i = 0; i < bits.length; i++) wide[i] = bits[i]! << 16;
      return new Float32Array(wide.buffer);
    }
    case 'float8_e4m3fn': case 'float8_e5m2': return float8ToFloat32(d, t.dtype);
  }
}

/** Whether a dtype is a floating-point type (NaN is possible). */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float32' || dtype === 'float64'
    || dtype === 'complex64' || dtype === 'complex128' || dtype === 'float8_e4m3fn' || dtype === 'float8_e5m2';
}

/** Summary statistics of one tensor; `null` where undefined (no finite-comparable values). */
export interface TensorStats {
  /** Smallest non-NaN value (complex: over the re and im parts). */
  min: number | null;
  /** Largest non-NaN value. */
  max: number | null;
  /** Mean of the non-NaN values, computed in float64. */
  mean: number | null;
  /** Population standard deviation (numpy's default, ddof=0) of the non-NaN values. */
  std: number | null;
  /** Number of NaN values. */
  nan: number;
  /** Number of values considered (elements; complex counts re and im). */
  count: number;
}

/**
 * min/max/mean/std/NaN count over any numeric or bool dtype (int64 values are converted to
 * float64 for the sums, so huge values lose precision in mean/std; min/max are compared exactly
 * then converted).
 * @throws InvalidArgumentError `stats_not_numeric` for string tensors.
 */
export function tensorStats(t: TensorValue): TensorStats {
  if (t.dtype === 'string') {
    throw new InvalidArgumentError('stats_not_numeric', `tensor "${t.name}" is a string tensor; it has no numeric statistics`, {
      hint: 'ask for its values instead (graft inspect --tensor NAME)',
      details: { name: t.name, dtype: t.dtype },
    });
  }
  const v = decodeValues(t) as Exclude<DecodedValues, Uint8Array[]>;
  const count = v.length;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    if (count === 0) return { min: null, max: null, mean: null, std: null, nan: 0, count };
    let lo = v[0]!, hi = v[0]!;
    let sum = 0;
    for (let i = 0; i < count; i++) {
      const x = v[i]!;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      sum += Number(x);
    }
    const mean = sum / count;
    let sq = 0;
    for (let i = 0; i < count; i++) { const dx = Number(v[i]!) - mean; sq += dx * dx; }
    return { min: Number(lo), max: Number(hi), mean, std: Math.sqrt(sq / count), nan: 0, count };
  }
  let nan = 0, k = 0, sum = 0;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < count; i++) {
    const x = v[i]!;
    if (x !== x) { nan++; continue; }
    k++;
    sum += x;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (k === 0) return { min: null, max: null, mean: null, std: null, nan, count };
  const mean = sum / k;
  let sq = 0;
  for (let i = 0; i < count; i++) {
    const x = v[i]!;
    if (x === x) { const dx = x - mean; sq += dx * dx; }
  }
  return { min: lo, max: hi, mean, std: Math.sqrt(sq / k), nan, count };
}
