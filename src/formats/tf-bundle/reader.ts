/**
 * Reading a TensorFlow tensor bundle (`prefix.index` + `prefix.data-0000K-of-0000N`), as
 * TensorFlow's BundleReader does (tensorflow/core/util/tensor_bundle/tensor_bundle.cc;
 * docs/design/TF-SEMANTICS.md §4):
 *
 * 1. read `.index` (an SSTable, table.ts), entry `""` = BundleHeaderProto: num_shards ≥ 1,
 *    endianness, VersionDef checked against kTensorBundleVersion = 1;
 * 2. every other entry = BundleEntryProto (bundle-proto.ts); keys starting with byte 0x00 are
 *    slices of partitioned tensors (slice-key.ts) and are not listed;
 * 3. a tensor's bytes are `size` bytes at `offset` of shard `shard_id`, CRC32C-checked on every
 *    read; numeric size must equal elements × dtype width; strings use TF's layout
 *    (string-tensor.ts); partitioned tensors are assembled from their slices.
 *
 * Lazy: open reads the index (and, for TF2 files, the small object-graph string); each read
 * reads only that tensor's bytes with one positioned read. Every number taken from a file is
 * checked before it sizes an allocation or a read. Opening (steps 1 and the header checks) is in
 * open-bundle.ts; this file holds the open reader.
 */
import { GraftError, InvalidArgumentError } from '../../errors.js';
import { openSource } from '../../io/source.js';
import { identityOf, type ByteSource } from '../../io/byte-source.js';
import { crc32c, unmaskCrc } from '../crc32c.js';
import { DTYPE_SIZE, type DType, type TensorInfo, type TensorValue } from '../types.js';
import { boxesOverlap, byteSwap, copyBox, sliceBox } from './assemble.js';
import { BIG, decodeBundleEntry, type BundleEntry, type BundleHeader } from './bundle-proto.js';
import { dtypeFromEnum, tfDtypeName } from './dtypes.js';
import { bundleError } from './errors.js';
import { dataFilename } from './naming.js';
import { OBJECT_GRAPH_PROTO_KEY, objectGraphPaths } from './object-graph.js';
import { encodeTensorNameSlice } from './slice-key.js';
import { decodeStringTensor } from './string-tensor.js';
import { latin1 } from './table.js';
import type { BundleReader } from './types.js';

/** Most slices accepted for one partitioned tensor (pairwise overlap check is quadratic). */
const MAX_SLICES = 4096;

interface Tensor {
  info: TensorInfo;
  dtype: DType;
  entry: BundleEntry;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function stripColonZero(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

/** Number of elements, or undefined if it exceeds 2^53. */
function elementCount(shape: readonly number[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return undefined;
  }
  return n;
}

/** The BundleReader implementation; construct through openBundle. */
export class TfBundleReader implements BundleReader {
  readonly format = 'tf-bundle' as const;
  readonly metadata: Record<string, string> = {};
  readonly objectGraphPaths = new Map<string, string>();
  /** Entries Graft cannot decode (DT_VARIANT, DT_RESOURCE, quantized): listed here, not in list(). */
  readonly unsupported: { name: string; dtype: string }[] = [];
  /** Notes about how the path was interpreted (e.g. `.index` given instead of the prefix). */
  readonly notes: string[] = [];
  /** Bytes read from disk so far (index + tensor data). */
  bytesRead = 0;
  /** Files opened so far with their identity (publish.ts `checkSnapshot`). */
  readonly openedFiles: { path: string; dev: number; ino: number }[] = [];
  private readonly tensors = new Map<string, Tensor>();
  private readonly slices = new Map<string, BundleEntry>();
  private readonly shardSizes = new Map<number, number>();
  private readonly handles = new Map<number, Promise<ByteSource>>();
  private closed = false;

  constructor(
    readonly path: string,
    readonly header: BundleHeader,
    readonly indexFile: string,
  ) {
    this.metadata.num_shards = String(header.numShards);
    if (header.endianness === BIG) this.metadata.endianness = 'big';
  }

  get numShards(): number {
    return this.header.numShards;
  }

  shardFile(id: number): string {
    return dataFilename(this.path, id, this.header.numShards);
  }

  /** Load the entries of an index (called once by openBundle). */
  async load(entries: { key: Uint8Array; value: Uint8Array }[]): Promise<void> {
    const file = this.indexFile;
    const referenced = new Set<number>();
    const pending: Tensor[] = [];
    for (let i = 1; i < entries.length; i++) {
      const { key, value } = entries[i]!;
      const isSlice = key[0] === 0x00;
      const name = isSlice ? latin1(key) : utf8.decode(key);
      const entry = decodeBundleEntry(value, file, isSlice ? `slice key ${i}` : name);
      if (entry.shardId >= this.header.numShards) {
        throw bundleError('bad_entry', file, `entry ${JSON.stringify(name)}: shard_id ${entry.shardId} but the header says num_shards = ${this.header.numShards}`, {
          details: { field: 'shard_id', key: name, found: entry.shardId, numShards: this.header.numShards },
        });
      }
      if (isSlice) {
        this.slices.set(name, entry);
        referenced.add(entry.shardId);
        continue;
      }
      const dtype = dtypeFromEnum(entry.dtype);
      if (dtype === undefined) {
        this.unsupported.push({ name, dtype: tfDtypeName(entry.dtype) });
        continue;
      }
      const n = elementCount(entry.shape);
      if (n === undefined) {
        throw bundleError('bad_shape', file, `entry ${JSON.stringify(name)}: shape [${entry.shape.join(',')}] has more than 2^53 elements`, { details: { field: 'shape', key: name } });
      }
      let bytes = entry.size;
      if (entry.slices.length > 0) {
        this.checkSlices(name, dtype, entry, n);
        bytes = n * DTYPE_SIZE[dtype as Exclude<DType, 'string'>];
      } else if (dtype !== 'string') {
        const expected = n * DTYPE_SIZE[dtype];
        if (expected !== entry.size) {
          throw bundleError('size_mismatch', file, `Invalid size in bundle entry: key ${name}; stored size ${entry.size}; expected size ${expected} (${dtype} [${entry.shape.join(',')}])`, {
            details: { field: 'size', key: name, expected, found: entry.size },
          });
        }
        referenced.add(entry.shardId);
      } else {
        referenced.add(entry.shardId);
      }
      pending.push({ info: { name, dtype, shape: entry.shape, bytes }, dtype, entry });
    }
    for (const id of referenced) {
      const f = this.shardFile(id);
      // Opened now (not on first read): sizes come from fstat, FIFOs/devices are refused, and the
      // set of open files is one snapshot of the bundle (open-bundle.ts checks it).
      let s: ByteSource;
      try {
        s = await openSource(f, { what: 'checkpoint data file' });
      } catch (e) {
        if (e instanceof GraftError && (e.code === 'file_not_found' || e.code === 'is_a_directory')) {
          throw bundleError('shard_missing', f, `data file of shard ${id} of ${this.header.numShards} is missing (needed by ${this.indexFile})`, {
            hint: 'copy every .data-NNNNN-of-NNNNN file of the checkpoint next to its .index file',
            details: { shard: id, numShards: this.header.numShards }, cause: e,
          });
        }
        throw e;
      }
      this.handles.set(id, Promise.resolve(s));
      this.openedFiles.push({ path: f, ...identityOf(s) });
      this.shardSizes.set(id, s.size);
    }
    const checkRange = (name: string, e: BundleEntry): void => {
      const size = this.shardSizes.get(e.shardId)!;
      if (e.offset + e.size > size) {
        throw bundleError('truncated', this.shardFile(e.shardId), `tensor ${JSON.stringify(name)} occupies bytes ${e.offset}..${e.offset + e.size} but the data file has ${size} bytes`, {
          details: { key: name, offset: e.offset, size: e.size, fileSize: size },
        });
      }
    };
    for (const [k, e] of this.slices) checkRange(JSON.stringify(k), e);
    for (const t of pending) {
      if (t.entry.slices.length === 0) checkRange(t.info.name, t.entry);
      this.tensors.set(t.info.name, t);
    }
    const graph = this.tensors.get(OBJECT_GRAPH_PROTO_KEY);
    if (graph !== undefined && graph.dtype === 'string') {
      const v = await this.read(OBJECT_GRAPH_PROTO_KEY);
      const s = v.strings?.[0];
      if (s !== undefined) {
        try {
          for (const [k, p] of objectGraphPaths(s, `${this.indexFile} (${OBJECT_GRAPH_PROTO_KEY})`)) this.objectGraphPaths.set(k, p);
        } catch (e) {
          throw bundleError('bad_object_graph', this.shardFile(graph.entry.shardId), `${OBJECT_GRAPH_PROTO_KEY} does not parse as a TrackableObjectGraph`, { cause: e });
        }
      }
    }
  }

  private checkSlices(name: string, dtype: DType, entry: BundleEntry, total: number): void {
    const file = this.indexFile;
    const bad = (what: string): never => {
      throw bundleError('bad_slice', file, `partitioned tensor ${JSON.stringify(name)}: ${what}`, { details: { key: name } });
    };
    if (dtype === 'string') bad('string tensors saved in slices are not supported');
    if (entry.slices.length > MAX_SLICES) bad(`${entry.slices.length} slices (more than ${MAX_SLICES})`);
    const boxes = entry.slices.map((sl, i) => {
      if (sl.length !== entry.shape.length) bad(`slice ${i} has ${sl.length} extents for a rank-${entry.shape.length} tensor`);
      sl.forEach((e, d) => {
        if (e.length !== undefined && e.start + e.length > entry.shape[d]!) bad(`slice ${i} extent ${d} [${e.start}, +${e.length}) exceeds dimension ${entry.shape[d]}`);
      });
      return sliceBox(entry.shape, sl);
    });
    let covered = 0;
    for (const b of boxes) covered += b.lengths.reduce((a, l) => a * l, 1);
    if (covered !== total) bad(`slices cover ${covered} of ${total} elements`);
    // Every slice must have its own entry of exactly its size, so the full tensor's byte count is
    // bounded by bytes that exist in the data files (checked against the file sizes below).
    const width = DTYPE_SIZE[dtype as Exclude<DType, 'string'>];
    const nameBytes = utf8Encoder.encode(name);
    entry.slices.forEach((sl, i) => {
      const se = this.slices.get(latin1(encodeTensorNameSlice(nameBytes, sl)));
      const n = boxes[i]!.lengths.reduce((a, l) => a * l, 1);
      if (se === undefined) bad(`slice ${i} has no entry in the index`);
      else if (se.dtype !== entry.dtype || se.size !== n * width) {
        throw bundleError('size_mismatch', file, `Invalid size in bundle entry: key ${JSON.stringify(name)} slice ${i}; stored size ${se.size}; expected size ${n * width}`, {
          details: { key: name, expected: n * width, found: se.size },
        });
      }
    });
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) if (boxesOverlap(boxes[i]!, boxes[j]!)) bad(`slices ${i} and ${j} overlap`);
    }
  }

  list(): TensorInfo[] {
    return [...this.tensors.values()].map((t) => ({ ...t.info, shape: [...t.info.shape] }));
  }

  has(name: string): boolean {
    return this.tensors.has(stripColonZero(name)) || this.tensors.has(name);
  }

  private get(name: string): Tensor {
    const t = this.tensors.get(name) ?? this.tensors.get(stripColonZero(name));
    if (t === undefined) {
      const u = this.unsupported.find((x) => x.name === name);
      if (u !== undefined) {
        throw bundleError('unsupported_dtype', this.indexFile, `tensor ${JSON.stringify(name)} has dtype ${u.dtype}, which Graft cannot read`, {
          hint: 'only numeric, bool, complex and string tensors can be read; skip this tensor',
          details: { key: name, dtype: u.dtype },
        });
      }
      throw bundleError('tensor_not_found', this.path, `Key ${name} not found in checkpoint`, {
        hint: 'run `graft inspect` on the checkpoint to list its tensor names',
        details: { key: name },
      });
    }
    return t;
  }

  info(name: string): TensorInfo {
    const t = this.get(name);
    return { ...t.info, shape: [...t.info.shape] };
  }

  private handle(id: number): Promise<ByteSource> {
    if (this.closed) {
      return Promise.reject(new InvalidArgumentError('reader_closed', `${this.path}: the checkpoint reader is closed`, { hint: 'open the checkpoint again' }));
    }
    let h = this.handles.get(id);
    if (h === undefined) {
      h = openSource(this.shardFile(id), { what: 'checkpoint data file' });
      this.handles.set(id, h);
    }
    return h;
  }

  /** Read `entry`'s stored bytes into `target` (length = entry.size) and verify the CRC. */
  private async readStored(label: string, entry: BundleEntry, target: Uint8Array, verify: boolean): Promise<void> {
    const src = await this.handle(entry.shardId);
    try {
      await src.readInto(target, entry.offset);
    } catch (e) {
      if (e instanceof GraftError && e.code === 'truncated') {
        throw bundleError('truncated', this.shardFile(entry.shardId), `tensor ${label}: data file ended before byte ${entry.offset + entry.size} that the entry needs`, {
          details: { key: label, offset: entry.offset, size: entry.size }, cause: e,
        });
      }
      throw e;
    }
    this.bytesRead += target.length;
    if (!verify) return;
    const actual = crc32c(target);
    const stored = unmaskCrc(entry.crc32c);
    if (actual !== stored) {
      throw bundleError('tensor_checksum_mismatch', this.shardFile(entry.shardId), `TensorBundle at ${this.path} shard ${entry.shardId} (${entry.size} bytes): tensor ${label}: Checksum does not match: stored ${stored} vs. calculated on the restored bytes ${actual}`, {
        details: { key: label, field: 'crc32c', stored, computed: actual },
      });
    }
  }

  async readInto(name: string, target: Uint8Array): Promise<void> {
    const t = this.get(name);
    if (t.dtype === 'string') {
      throw new InvalidArgumentError('string_tensor', `${this.path}: tensor ${JSON.stringify(t.info.name)} is a string tensor; read it with read(), not readInto()`, {
        hint: 'use reader.read(name) for string tensors',
        details: { key: t.info.name },
      });
    }
    if (target.length !== t.info.bytes) {
      throw new InvalidArgumentError('bad_target_size', `${this.path}: tensor ${JSON.stringify(t.info.name)} has ${t.info.bytes} bytes (${t.dtype} [${t.info.shape.join(',')}]) but the target buffer has ${target.length}`, {
        hint: 'allocate the target with exactly info(name).bytes bytes',
        details: { key: t.info.name, expected: t.info.bytes, found: target.length },
      });
    }
    const width = DTYPE_SIZE[t.dtype];
    if (t.entry.slices.length === 0) {
      await this.readStored(JSON.stringify(t.info.name), t.entry, target, true);
    } else {
      await this.readSlicesInto(t, target, width);
      return; // slices were swapped individually
    }
    if (this.header.endianness === BIG) byteSwap(target, t.dtype.startsWith('complex') ? width / 2 : width);
  }

  private async readSlicesInto(t: Tensor, target: Uint8Array, width: number): Promise<void> {
    const nameBytes = utf8Encoder.encode(t.info.name);
    for (const sl of t.entry.slices) {
      const key = latin1(encodeTensorNameSlice(nameBytes, sl));
      const se = this.slices.get(key);
      const box = sliceBox(t.entry.shape, sl);
      const label = `${JSON.stringify(t.info.name)} slice [${box.starts.map((s, d) => `${s}:${s + box.lengths[d]!}`).join(',')}]`;
      if (se === undefined) {
        throw bundleError('bad_slice', this.indexFile, `partitioned tensor ${label} has no entry for that slice`, { details: { key: t.info.name } });
      }
      const n = box.lengths.reduce((a, l) => a * l, 1);
      if (se.dtype !== t.entry.dtype || se.size !== n * width) {
        throw bundleError('size_mismatch', this.indexFile, `Invalid size in bundle entry: key ${label}; stored size ${se.size}; expected size ${n * width}`, {
          details: { key: t.info.name, expected: n * width, found: se.size },
        });
      }
      const buf = new Uint8Array(se.size);
      await this.readStored(label, se, buf, true);
      if (this.header.endianness === BIG) byteSwap(buf, t.dtype.startsWith('complex') ? width / 2 : width);
      copyBox(target, t.entry.shape, box, buf, width);
    }
  }

  async read(name: string): Promise<TensorValue> {
    const t = this.get(name);
    const base = { name: t.info.name, dtype: t.dtype, shape: [...t.info.shape] };
    if (t.dtype === 'string') {
      const raw = new Uint8Array(t.entry.size);
      await this.readStored(JSON.stringify(t.info.name), t.entry, raw, false);
      const n = elementCount(t.entry.shape)!;
      if (n === 0 && raw.length === 0) return { ...base, data: new Uint8Array(0), strings: [] };
      const strings = decodeStringTensor(raw, n, t.entry.crc32c, this.shardFile(t.entry.shardId), t.info.name);
      return { ...base, data: new Uint8Array(0), strings };
    }
    const data = new Uint8Array(t.info.bytes);
    await this.readInto(name, data);
    return { ...base, data };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const hs = [...this.handles.values()];
    this.handles.clear();
    for (const h of hs) await (await h.catch(() => undefined))?.close().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
