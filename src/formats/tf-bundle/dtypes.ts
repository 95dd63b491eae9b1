/**
 * TensorFlow `DataType` enum numbers (tensorflow/core/framework/types.proto) ↔ Graft dtype words.
 * Only the dtypes a bundle stores as plain bytes (or TF's string layout) are mapped; quantized,
 * resource, variant and `*_REF` types are reported as unsupported.
 */
import type { DType } from '../types.js';

/** DataType numbers for the dtypes Graft reads and writes. */
export const TF_DTYPE_ENUM: Readonly<Record<DType, number>> = {
  float32: 1, // DT_FLOAT
  float64: 2, // DT_DOUBLE
  int32: 3, // DT_INT32
  uint8: 4, // DT_UINT8
  int16: 5, // DT_INT16
  int8: 6, // DT_INT8
  string: 7, // DT_STRING
  complex64: 8, // DT_COMPLEX64
  int64: 9, // DT_INT64
  bool: 10, // DT_BOOL
  bfloat16: 14, // DT_BFLOAT16
  uint16: 17, // DT_UINT16
  complex128: 18, // DT_COMPLEX128
  float16: 19, // DT_HALF
  uint32: 22, // DT_UINT32
  uint64: 23, // DT_UINT64
  float8_e5m2: 24, // DT_FLOAT8_E5M2
  float8_e4m3fn: 25, // DT_FLOAT8_E4M3FN
};

const BY_ENUM = new Map<number, DType>(Object.entries(TF_DTYPE_ENUM).map(([k, v]) => [v, k as DType]));

/** TensorFlow's names of the enum values Graft does not read (for messages). */
const OTHER_NAMES: Readonly<Record<number, string>> = {
  0: 'DT_INVALID', 11: 'DT_QINT8', 12: 'DT_QUINT8', 13: 'DT_QINT32', 15: 'DT_QINT16', 16: 'DT_QUINT16',
  20: 'DT_RESOURCE', 21: 'DT_VARIANT',
  // newer enum values (docs/design/TF-SEMANTICS.md §4.4, from TensorBoard's synced types.proto)
  26: 'DT_FLOAT8_E4M3FNUZ', 27: 'DT_FLOAT8_E4M3B11FNUZ', 28: 'DT_FLOAT8_E5M2FNUZ', 29: 'DT_INT4',
  30: 'DT_UINT4', 31: 'DT_INT2', 32: 'DT_UINT2', 33: 'DT_FLOAT4_E2M1FN',
};

/** Graft dtype for a DataType number, or undefined when Graft cannot read it. */
export function dtypeFromEnum(n: number): DType | undefined {
  return BY_ENUM.get(n);
}

/** TF's name for a DataType number (`DT_VARIANT`, `DT_FLOAT_REF`, `DataType(77)`). */
export function tfDtypeName(n: number): string {
  if (n > 100 && n < 200) return `${tfDtypeName(n - 100)}_REF`;
  const d = BY_ENUM.get(n);
  if (d !== undefined) {
    const special: Partial<Record<DType, string>> = { float32: 'DT_FLOAT', float64: 'DT_DOUBLE', float16: 'DT_HALF' };
    return special[d] ?? `DT_${d.toUpperCase()}`;
  }
  return OTHER_NAMES[n] ?? `DataType(${n})`;
}
