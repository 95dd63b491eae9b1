/**
 * Partitioned variables written as TensorFlow writes them (tensor_bundle.cc
 * `BundleWriter::AddSlice`; TF1 Saver of a `PartitionedVariable` whose parts carry
 * `save_slice_info` = full_name, full_shape, var_offset, var_shape; TF-SEMANTICS.md §4.6):
 *
 * - a part covering the whole tensor is written as a plain tensor under the full name
 *   (AddSlice's `IsFullSlice` → `Add`);
 * - otherwise each part is a normal entry (data, offset, size, crc) under the key
 *   `EncodeTensorNameSlice(full_name, slice)` (slice-key.ts), and the full name gets one entry
 *   {dtype, full shape, slices: [one TensorSliceProto per part, in AddSlice order]} with no data.
 *
 * The slice of a part is written with an explicit start and length in every dimension, as
 * `TensorSlice::Parse` leaves the spec "o0,l0:o1,l1" that `SaveSliceInfo.spec` builds from
 * var_offset / var_shape (variables.py), so `AsProto` stores both numbers for every extent.
 */
import { InvalidArgumentError } from '../../errors.js';
import { DTYPE_SIZE, type DType, type TensorValue } from '../types.js';
import { TF_DTYPE_ENUM } from './dtypes.js';
import type { BundleEntry, SliceExtent } from './bundle-proto.js';
import { encodeTensorNameSlice } from './slice-key.js';

/**
 * Input of a partitioned variable (what TF's `PartitionedVariable` saves):
 * `name` = save_slice_info.full_name, `fullShape` = full_shape, and per part (part_0, part_1, …
 * in that order) `offset` = var_offset, `shape` = var_shape, `data` = the part's row-major
 * little-endian bytes (`elements(shape) × width(dtype)`). Parts must not overlap and must
 * cover the full shape. String tensors cannot be partitioned (TF's reader refuses them too).
 */
export interface PartitionedTensor {
  name: string;
  dtype: Exclude<DType, 'string'>;
  fullShape: number[];
  parts: { offset: number[]; shape: number[]; data: Uint8Array }[];
}

/** One key of the bundle to write: its index key, a printable label, and its value. */
export interface SliceItem {
  key: Uint8Array;
  /** Full variable name (for sorting and messages). */
  fullName: string;
  /** The part as a plain tensor value (name = label). */
  tensor: TensorValue;
  /** The slice as stored in the full entry's `slices`. */
  extents: SliceExtent[];
}

const utf8 = new TextEncoder();

function bad(name: string, what: string): InvalidArgumentError {
  return new InvalidArgumentError('bad_slice', `partitioned tensor ${JSON.stringify(name)}: ${what}`, {
    hint: 'give parts as {offset, shape, data} that tile fullShape without overlap (TF SaveSliceInfo var_offset / var_shape)',
    details: { name },
  });
}

/**
 * Check a partitioned tensor and return its slice items (in part order), or `full` when one
 * part covers the whole tensor (then it is written as a plain tensor).
 */
export function planPartitioned(p: PartitionedTensor): { items: SliceItem[]; full?: TensorValue } {
  const rank = p.fullShape.length;
  if (typeof p.name !== 'string' || p.name.length === 0) throw bad(String(p.name), 'the name is empty');
  if (!(p.dtype in DTYPE_SIZE) || (p.dtype as string) === 'string') throw bad(p.name, `dtype ${JSON.stringify(p.dtype)} cannot be partitioned`);
  if (p.parts.length === 0) throw bad(p.name, 'no parts');
  const width = DTYPE_SIZE[p.dtype];
  let total = 1;
  for (const d of p.fullShape) {
    if (!Number.isSafeInteger(d) || d < 0) throw bad(p.name, `full shape [${p.fullShape.join(',')}] is not a list of non-negative integers`);
    total *= d;
  }
  let covered = 0;
  const items: SliceItem[] = [];
  const boxes: { o: number[]; s: number[] }[] = [];
  p.parts.forEach((part, i) => {
    if (part.offset.length !== rank || part.shape.length !== rank) throw bad(p.name, `part ${i} has offset/shape of rank ${part.offset.length}/${part.shape.length}, full shape has rank ${rank}`);
    let n = 1;
    for (let d = 0; d < rank; d++) {
      const o = part.offset[d]!;
      const s = part.shape[d]!;
      if (!Number.isSafeInteger(o) || !Number.isSafeInteger(s) || o < 0 || s < 0 || o + s > p.fullShape[d]!) {
        throw bad(p.name, `part ${i} [${part.offset.join(',')}] + [${part.shape.join(',')}] is outside the full shape [${p.fullShape.join(',')}]`);
      }
      n *= s;
    }
    if (part.data.length !== n * width) throw bad(p.name, `part ${i} needs ${n * width} bytes (${p.dtype} [${part.shape.join(',')}]), data has ${part.data.length}`);
    for (const [j, b] of boxes.entries()) {
      const overlap = part.shape.every((s, d) => s > 0 && b.s[d]! > 0 && part.offset[d]! < b.o[d]! + b.s[d]! && b.o[d]! < part.offset[d]! + s);
      if (overlap) throw bad(p.name, `parts ${j} and ${i} overlap`);
    }
    boxes.push({ o: part.offset, s: part.shape });
    covered += n;
    const extents: SliceExtent[] = part.shape.map((s, d) => ({ start: part.offset[d]!, length: s }));
    const key = encodeTensorNameSlice(utf8.encode(p.name), extents);
    const label = `${p.name}/slice[${part.offset.map((o, d) => `${o}:${o + part.shape[d]!}`).join(',')}]`;
    items.push({ key, fullName: p.name, extents, tensor: { name: label, dtype: p.dtype, shape: [...part.shape], data: part.data } });
  });
  if (covered !== total) throw bad(p.name, `parts cover ${covered} of ${total} elements`);
  if (p.parts.length === 1) {
    // IsFullSlice: a single part that is the whole tensor is a plain Add under the full name.
    return { items: [], full: { name: p.name, dtype: p.dtype, shape: [...p.fullShape], data: p.parts[0]!.data } };
  }
  return { items };
}

/** The full-name entry of a partitioned tensor: dtype, full shape, slices; no data. */
export function fullSliceEntry(p: PartitionedTensor, items: readonly SliceItem[]): BundleEntry {
  return { dtype: TF_DTYPE_ENUM[p.dtype], shape: [...p.fullShape], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: items.map((it) => it.extents) };
}
