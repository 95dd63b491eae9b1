/**
 * BundleHeaderProto and BundleEntryProto (tensorflow/core/protobuf/tensor_bundle.proto) with the
 * nested TensorShapeProto, TensorSliceProto and VersionDef, decoded with checks and encoded exactly
 * as C++ `SerializeAsString` (proto3: fields in number order, zero scalars omitted, `shape`
 * always present because BundleWriter sets it via mutable_shape(); docs/design/TF-SEMANTICS.md §4.4).
 *
 *   BundleHeaderProto { int32 num_shards = 1; Endianness endianness = 2; VersionDef version = 3; }
 *   BundleEntryProto  { DataType dtype = 1; TensorShapeProto shape = 2; int32 shard_id = 3;
 *                       int64 offset = 4; int64 size = 5; fixed32 crc32c = 6;
 *                       repeated TensorSliceProto slices = 7; }
 *   TensorShapeProto  { repeated Dim dim = 2 { int64 size = 1; string name = 2; } bool unknown_rank = 3; }
 *   TensorSliceProto  { repeated Extent extent = 1 { int64 start = 1; oneof { int64 length = 2; } } }
 *   VersionDef        { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
 *
 * Decoding skips unknown fields (as C++ does) and validates: dims ≥ 0 and < 2^53, at most
 * MAX_DIMS dims, no unknown rank, offset/size in [0, 2^53), shard_id ≥ 0, extents ≥ 0.
 */
import { ProtoReader, ProtoWriter, WIRE_FIXED32, WIRE_LEN, WIRE_VARINT } from '../proto/wire.js';
import { bundleError } from './errors.js';

/** TensorShape's rank limit (tensor_shape.h `MaxDimensions()` = 254). */
export const MAX_DIMS = 254;
/** kTensorBundleVersion / kTensorBundleMinProducer / kTensorBundleMinConsumer (tensor_bundle.h). */
export const TENSOR_BUNDLE_VERSION = 1;
export const TENSOR_BUNDLE_MIN_PRODUCER = 0;
export const TENSOR_BUNDLE_MIN_CONSUMER = 0;

/** BundleHeaderProto.Endianness. */
export const LITTLE = 0;
export const BIG = 1;

/** The `""` entry of a bundle index. */
export interface BundleHeader {
  numShards: number;
  endianness: number;
  version: { producer: number; minConsumer: number; badConsumers: number[] };
}

/** One dimension range of a saved slice; `length` undefined = the full extent. */
export interface SliceExtent {
  start: number;
  length?: number;
}

/** A tensor's entry in the index. `crc32c` is the masked value as stored. */
export interface BundleEntry {
  dtype: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
  slices: SliceExtent[][];
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function safeNonNegative(v: bigint, file: string, field: string, code: 'bad_entry' | 'bad_shape' | 'bad_slice'): number {
  if (v < 0n || v > MAX_SAFE) {
    throw bundleError(code, file, `${field} = ${v} is outside [0, 2^53)`, { details: { field, found: String(v) } });
  }
  return Number(v);
}

/** Decode the header entry. Missing fields take proto3 defaults (num_shards 0 → caller rejects). */
export function decodeBundleHeader(value: Uint8Array, file: string): BundleHeader {
  const r = new ProtoReader(value, `${file}: BundleHeaderProto`);
  const h: BundleHeader = { numShards: 0, endianness: LITTLE, version: { producer: 0, minConsumer: 0, badConsumers: [] } };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_VARINT) h.numShards = r.int32();
    else if (field === 2 && wireType === WIRE_VARINT) h.endianness = r.int32();
    else if (field === 3 && wireType === WIRE_LEN) {
      const v = r.message('version');
      while (!v.done) {
        const k = v.key();
        if (k.field === 1 && k.wireType === WIRE_VARINT) h.version.producer = v.int32();
        else if (k.field === 2 && k.wireType === WIRE_VARINT) h.version.minConsumer = v.int32();
        else if (k.field === 3 && k.wireType === WIRE_VARINT) h.version.badConsumers.push(v.int32());
        else if (k.field === 3 && k.wireType === WIRE_LEN) {
          const p = v.message('bad_consumers');
          while (!p.done) h.version.badConsumers.push(p.int32());
        } else v.skip(k.wireType);
      }
    } else r.skip(wireType);
  }
  return h;
}

/** Encode the header exactly as BundleWriter::Finish does. */
export function encodeBundleHeader(h: BundleHeader): Uint8Array {
  const w = new ProtoWriter();
  if (h.numShards !== 0) w.key(1, WIRE_VARINT).varint(BigInt(h.numShards));
  if (h.endianness !== 0) w.key(2, WIRE_VARINT).varint(h.endianness);
  const v = new ProtoWriter();
  if (h.version.producer !== 0) v.key(1, WIRE_VARINT).varint(BigInt(h.version.producer));
  if (h.version.minConsumer !== 0) v.key(2, WIRE_VARINT).varint(BigInt(h.version.minConsumer));
  for (const b of h.version.badConsumers) v.key(3, WIRE_VARINT).varint(BigInt(b));
  w.bytesField(3, v.finish());
  return w.finish();
}

function decodeShape(r: ProtoReader, file: string, key: string): number[] {
  const dims: number[] = [];
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 2 && wireType === WIRE_LEN) {
      const d = r.message('dim');
      let size = 0n;
      while (!d.done) {
        const k = d.key();
        if (k.field === 1 && k.wireType === WIRE_VARINT) size = d.int64();
        else d.skip(k.wireType);
      }
      if (dims.length >= MAX_DIMS) {
        throw bundleError('bad_shape', file, `entry ${JSON.stringify(key)}: shape has more than ${MAX_DIMS} dimensions`, { details: { field: 'shape.dim', key } });
      }
      dims.push(safeNonNegative(size, file, `entry ${JSON.stringify(key)} shape.dim[${dims.length}].size`, 'bad_shape'));
    } else if (field === 3 && wireType === WIRE_VARINT) {
      if (r.bool()) {
        throw bundleError('bad_shape', file, `entry ${JSON.stringify(key)}: shape has unknown rank`, { details: { field: 'shape.unknown_rank', key } });
      }
    } else r.skip(wireType);
  }
  return dims;
}

function decodeSlice(r: ProtoReader, file: string, key: string): SliceExtent[] {
  const extents: SliceExtent[] = [];
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_LEN) {
      const e = r.message('extent');
      const ext: SliceExtent = { start: 0 };
      while (!e.done) {
        const k = e.key();
        if (k.field === 1 && k.wireType === WIRE_VARINT) ext.start = safeNonNegative(e.int64(), file, `entry ${JSON.stringify(key)} slices.extent.start`, 'bad_slice');
        else if (k.field === 2 && k.wireType === WIRE_VARINT) ext.length = safeNonNegative(e.int64(), file, `entry ${JSON.stringify(key)} slices.extent.length`, 'bad_slice');
        else e.skip(k.wireType);
      }
      if (extents.length >= MAX_DIMS) throw bundleError('bad_slice', file, `entry ${JSON.stringify(key)}: slice has more than ${MAX_DIMS} extents`, { details: { key } });
      extents.push(ext);
    } else r.skip(wireType);
  }
  return extents;
}

/** Decode one tensor's entry; `key` is only for messages. */
export function decodeBundleEntry(value: Uint8Array, file: string, key: string): BundleEntry {
  const r = new ProtoReader(value, `${file}: BundleEntryProto of ${JSON.stringify(key)}`);
  const e: BundleEntry = { dtype: 0, shape: [], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [] };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_VARINT) e.dtype = r.int32();
    else if (field === 2 && wireType === WIRE_LEN) e.shape = decodeShape(r.message('shape'), file, key);
    else if (field === 3 && wireType === WIRE_VARINT) {
      e.shardId = r.int32();
      if (e.shardId < 0) throw bundleError('bad_entry', file, `entry ${JSON.stringify(key)}: shard_id ${e.shardId} is negative`, { details: { field: 'shard_id', key } });
    } else if (field === 4 && wireType === WIRE_VARINT) e.offset = safeNonNegative(r.int64(), file, `entry ${JSON.stringify(key)} offset`, 'bad_entry');
    else if (field === 5 && wireType === WIRE_VARINT) e.size = safeNonNegative(r.int64(), file, `entry ${JSON.stringify(key)} size`, 'bad_entry');
    else if (field === 6 && wireType === WIRE_FIXED32) e.crc32c = r.fixed32();
    else if (field === 7 && wireType === WIRE_LEN) e.slices.push(decodeSlice(r.message('slices'), file, key));
    else r.skip(wireType);
  }
  return e;
}

function encodeShape(shape: readonly number[]): Uint8Array {
  const w = new ProtoWriter();
  for (const d of shape) {
    const dim = new ProtoWriter();
    if (d !== 0) dim.key(1, WIRE_VARINT).varint(d);
    w.bytesField(2, dim.finish());
  }
  return w.finish();
}

/** Encode an entry exactly as C++ SerializeAsString does for BundleWriter's entries. */
export function encodeBundleEntry(e: BundleEntry): Uint8Array {
  const w = new ProtoWriter();
  if (e.dtype !== 0) w.key(1, WIRE_VARINT).varint(e.dtype);
  w.bytesField(2, encodeShape(e.shape));
  if (e.shardId !== 0) w.key(3, WIRE_VARINT).varint(e.shardId);
  if (e.offset !== 0) w.key(4, WIRE_VARINT).varint(e.offset);
  if (e.size !== 0) w.key(5, WIRE_VARINT).varint(e.size);
  if (e.crc32c !== 0) w.key(6, WIRE_FIXED32).fixed32(e.crc32c);
  for (const slice of e.slices) {
    const s = new ProtoWriter();
    for (const ext of slice) {
      const x = new ProtoWriter();
      if (ext.start !== 0) x.key(1, WIRE_VARINT).varint(ext.start);
      if (ext.length !== undefined) x.key(2, WIRE_VARINT).varint(ext.length);
      s.bytesField(1, x.finish());
    }
    w.bytesField(7, s.finish());
  }
  return w.finish();
}
