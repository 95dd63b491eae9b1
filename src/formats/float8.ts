/**
 * 8-bit floats, decoded exactly to float32 through a 256-entry table per format (every float8
 * value is a float32, so the decode is exact; NaN codes keep their sign and payload bits).
 *
 *   float8_e4m3fn  sign·4 exponent·3 mantissa, bias 7, no infinities; S.1111.111 is NaN (0x7f,
 *                  0xff); max ±448; subnormals m/8 · 2^-6. OCP 8-bit floating point spec "E4M3",
 *                  PyTorch `torch.float8_e4m3fn`, TF `DT_FLOAT8_E4M3FN`, safetensors `F8_E4M3`.
 *   float8_e5m2    sign·5 exponent·2 mantissa, bias 15, IEEE 754 rules: exponent 11111 with
 *                  mantissa 0 is ±inf, otherwise NaN; max ±57344; the code is the upper byte of a
 *                  float16. PyTorch `torch.float8_e5m2`, TF `DT_FLOAT8_E5M2`, safetensors `F8_E5M2`.
 *
 * Source of truth for the tables: PyTorch `c10/util/Float8_e4m3fn.h` and `Float8_e5m2.h` (newer:
 * `torch/headeronly/util/`), `detail::fp8e4m3fn_to_fp32_value` / `fp8e5m2_to_fp32_value`;
 * test/fixtures/float8/ holds every code's value as torch 2.13 computed it, and the test compares
 * all 256 codes of both formats (NaN codes: NaN of the same sign; Graft keeps the code's mantissa
 * as the payload so each code has distinct float32 bits, where torch maps E5M2 0x7d and 0x7f alike).
 */
import type { DType } from './types.js';

/** The float8 dtypes Graft decodes. */
export type Float8DType = 'float8_e4m3fn' | 'float8_e5m2';

/** Whether a dtype is one of the float8 formats. */
export function isFloat8(dtype: DType): dtype is Float8DType {
  return dtype === 'float8_e4m3fn' || dtype === 'float8_e5m2';
}

/** float32 bit pattern of one code, for a format with `e` exponent and `m` mantissa bits. */
function bitsOf(code: number, e: number, m: number, finiteOnly: boolean): number {
  const sign = (code & 0x80) << 24;
  const exp = (code >> m) & ((1 << e) - 1);
  const man = code & ((1 << m) - 1);
  const bias = (1 << (e - 1)) - 1;
  const top = (1 << e) - 1;
  if (finiteOnly ? exp === top && man === (1 << m) - 1 : exp === top) {
    // inf (IEEE, mantissa 0) or NaN; a NaN keeps its mantissa bits as the payload (upper
    // mantissa bits, as widening float16 → float32 does), so every code has its own bits.
    if (!finiteOnly && man === 0) return (sign | 0x7f800000) >>> 0;
    return (sign | 0x7f800000 | (man << (23 - m))) >>> 0;
  }
  if (exp === 0) {
    if (man === 0) return sign >>> 0;
    // Subnormal: man · 2^(1 − bias − m), normalised into float32 (always a float32 normal).
    let s = 0;
    while ((man << s & (1 << m)) === 0) s++;
    const e32 = 1 - bias - s + 127;
    return (sign | (e32 << 23) | (((man << s) & ((1 << m) - 1)) << (23 - m))) >>> 0;
  }
  return (sign | ((exp - bias + 127) << 23) | (man << (23 - m))) >>> 0;
}

function table(e: number, m: number, finiteOnly: boolean): Float32Array {
  const bits = new Uint32Array(256);
  for (let c = 0; c < 256; c++) bits[c] = bitsOf(c, e, m, finiteOnly);
  return new Float32Array(bits.buffer);
}

/** Each code's float32 value, indexed by code (E4M3FN: 4 exponent bits, finite only). */
export const FLOAT8_E4M3FN_TABLE: Float32Array = table(4, 3, true);
/** Each code's float32 value, indexed by code (E5M2: IEEE-like, with inf and NaN). */
export const FLOAT8_E5M2_TABLE: Float32Array = table(5, 2, false);

/** The decode table of a float8 dtype. */
export function float8Table(dtype: Float8DType): Float32Array {
  return dtype === 'float8_e4m3fn' ? FLOAT8_E4M3FN_TABLE : FLOAT8_E5M2_TABLE;
}

/** Decode float8 codes to float32 (exact, one table lookup per element). */
export function float8ToFloat32(codes: Uint8Array, dtype: Float8DType): Float32Array {
  const t = new Uint32Array(float8Table(dtype).buffer);
  const out = new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = t[codes[i]!]!;
  return new Float32Array(out.buffer);
}

const REVERSE = new Map<Float8DType, Map<number, number>>();

/**
 * The float8 code whose table value has exactly these float32 bits, or undefined (the value is
 * not a float8 of that format, so storing it as one would round). Used by carriers that store
 * float8 as float32 and must restore the original bytes.
 */
export function float8CodeOf(f32bits: number, dtype: Float8DType): number | undefined {
  let m = REVERSE.get(dtype);
  if (!m) {
    const t = new Uint32Array(float8Table(dtype).buffer);
    m = new Map();
    for (let c = 0; c < 256; c++) m.set(t[c]!, c);
    REVERSE.set(dtype, m);
  }
  return m.get(f32bits >>> 0);
}
