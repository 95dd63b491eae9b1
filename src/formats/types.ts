/**
 * The vocabulary every format speaks: tensor entries as `{name, dtype, shape}` plus raw
 * little-endian bytes. Nothing here knows TensorFlow.js (docs/design/ARCHITECTURE.md, formats/).
 */

/** Dtype words shared by the API, the CLI and JSON output (docs/design/ARCHITECTURE.md "Dtype names"). */
export type DType =
  | 'float16' | 'bfloat16' | 'float32' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128'
  | 'float8_e4m3fn' | 'float8_e5m2';

/** Every dtype word, in the order docs/design/ARCHITECTURE.md lists them. */
export const DTYPES: readonly DType[] = [
  'float16', 'bfloat16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string', 'complex64', 'complex128',
  'float8_e4m3fn', 'float8_e5m2',
];

/** Bytes per element of each fixed-size dtype (`string` has none). */
export const DTYPE_SIZE: Readonly<Record<Exclude<DType, 'string'>, number>> = {
  float16: 2, bfloat16: 2, float32: 4, float64: 8, int8: 1, int16: 2, int32: 4, int64: 8,
  uint8: 1, uint16: 2, uint32: 4, uint64: 8, bool: 1, complex64: 8, complex128: 16,
  float8_e4m3fn: 1, float8_e5m2: 1,
};

/** The formats Graft reads and writes. */
export type FormatName = 'tf-bundle' | 'safetensors' | 'tfjs' | 'keras-h5' | 'pytorch';

/** What a checkpoint holds for one tensor, without its values. */
export interface TensorInfo {
  /** Checkpoint key, without any `:0` suffix. */
  name: string;
  dtype: DType;
  /** Dimensions, outermost first; `[]` for a scalar. */
  shape: number[];
  /** Bytes of the tensor's values as stored (for `string`, the stored payload size). */
  bytes: number;
}

/**
 * A tensor a checkpoint holds but Graft cannot decode (e.g. a safetensors `F8_E8M0` or `F4`
 * tensor): listed by `CheckpointReader.unreadable()`, refused by `read`/`info` with
 * FormatError `unsupported_dtype`, and leaves the file's other tensors readable.
 */
export interface UnsupportedTensorInfo {
  name: string;
  /** The dtype word as the file spells it (`F8_E8M0`). */
  storedDtype: string;
  shape: number[];
  /** Bytes the tensor occupies in the file. */
  bytes: number;
  /** Why Graft does not read it (one sentence). */
  reason: string;
}

/**
 * One tensor's values. Numeric and bool tensors carry raw row-major little-endian bytes in
 * `data` (`bool` one byte per element, complex as re,im pairs). String tensors carry one
 * `Uint8Array` per element in `strings` and an empty `data`.
 */
export interface TensorValue {
  name: string;
  dtype: DType;
  shape: number[];
  data: Uint8Array;
  strings?: Uint8Array[];
}

/**
 * An open checkpoint of any format: the index is read at open, values on demand.
 * Obtain one with `openCheckpoint(path)`; close it (or `await using`) when done.
 */
export interface CheckpointReader {
  readonly format: FormatName;
  /** The path as resolved (a bundle prefix, a file, or a model.json). */
  readonly path: string;
  /** Format-level metadata (safetensors `__metadata__`, tfjs format/generatedBy, …). */
  readonly metadata: Record<string, string>;
  /** Every tensor, sorted by name. */
  list(): TensorInfo[];
  /** Whether a tensor of that name exists (a trailing `:0` is ignored). */
  has(name: string): boolean;
  /** Info of one tensor; throws FormatError `tensor_not_found` when absent. */
  info(name: string): TensorInfo;
  /** Read one tensor's values (checksums verified where the format has them). */
  read(name: string): Promise<TensorValue>;
  /** Tensors present but of a dtype Graft cannot decode (not in `list()`); absent = none. */
  unreadable?(): UnsupportedTensorInfo[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Number of elements of a shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
