/**
 * Writer of the `.index` SSTable, byte-for-byte as TensorFlow's TableBuilder / BlockBuilder
 * (tensorflow/core/lib/io/{table_builder.cc,block_builder.cc,format.cc}; TF-SEMANTICS.md §4.3):
 *
 * - options used by BundleWriter: block_size 262144, block_restart_interval 16, no compression;
 *   the index block uses restart interval 1;
 * - Add(key, value): if a data block was just flushed, first add the pending index entry keyed by
 *   FindShortestSeparator(last_key, key); append; flush the data block when
 *   CurrentSizeEstimate() = buffer + 4·restarts + 4 reaches block_size;
 * - Finish: flush, write an empty metaindex block, add the last index entry keyed by
 *   FindShortSuccessor(last_key), write the index block, then the 48-byte footer.
 *
 * - compression 'snappy' (TF 1.1's default `table::Options`): each block is snappy-compressed and
 *   kept compressed (type 1) only if that saves at least 1/8 (table_builder.cc `WriteBlock`);
 *   the CRC covers the stored bytes plus the type byte.
 *
 * The table is built in memory: an index holds one small entry per tensor, never tensor data.
 */
import { crc32c, maskCrc } from '../crc32c.js';
import { ProtoWriter } from '../proto/wire.js';
import { BLOCK_TRAILER_SIZE, FOOTER_SIZE, NO_COMPRESSION, TABLE_MAGIC_NUMBER, compareBytes, type BlockHandle } from './table.js';
import { maybeCompressSnappy } from './snappy.js';

/** Block compression of a table: TF ≥ 1.2 writes 'none'; TF 1.1 wrote 'snappy'. */
export type TableCompression = 'none' | 'snappy';

/** TF's `table::Options::block_size` default. */
export const TABLE_BLOCK_SIZE = 262144;
/** TF's `table::Options::block_restart_interval` default. */
export const TABLE_RESTART_INTERVAL = 16;

class BlockBuilder {
  private buffer = new ProtoWriter();
  private size = 0;
  private restarts: number[] = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  empty = true;

  constructor(private readonly restartInterval: number) {}

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const min = Math.min(this.lastKey.length, key.length);
      while (shared < min && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.size);
      this.counter = 0;
    }
    const before = new ProtoWriter().varint(shared).varint(key.length - shared).varint(value.length).finish();
    this.buffer.raw(before).raw(key.subarray(shared)).raw(value);
    this.size += before.length + key.length - shared + value.length;
    this.lastKey = key;
    this.counter++;
    this.empty = false;
  }

  estimate(): number {
    return this.size + this.restarts.length * 4 + 4;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) this.buffer.fixed32(r);
    this.buffer.fixed32(this.restarts.length);
    return this.buffer.finish();
  }
}

/** LevelDB BytewiseComparator::FindShortestSeparator. */
export function findShortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const min = Math.min(start.length, limit.length);
  let d = 0;
  while (d < min && start[d] === limit[d]) d++;
  if (d >= min) return start;
  const b = start[d]!;
  if (b < 0xff && b + 1 < limit[d]!) {
    const out = start.slice(0, d + 1);
    out[d] = b + 1;
    return out;
  }
  return start;
}

/** LevelDB BytewiseComparator::FindShortSuccessor. */
export function findShortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = key[i]! + 1;
      return out;
    }
  }
  return key;
}

/** Builds an SSTable in memory; keys must be added in strictly increasing bytewise order. */
export class TableBuilder {
  private readonly out = new ProtoWriter();
  private offset = 0;
  private data = new BlockBuilder(TABLE_RESTART_INTERVAL);
  private readonly index = new BlockBuilder(1);
  private lastKey: Uint8Array | undefined;
  private pending: BlockHandle | undefined;

  /**
   * @param blockSize  flush a data block when its size estimate reaches this (TF: 262144)
   * @param compression  'none' (default, TF ≥ 1.2) or 'snappy' (TF 1.1)
   */
  constructor(
    private readonly blockSize = TABLE_BLOCK_SIZE,
    private readonly compression: TableCompression = 'none',
  ) {}

  /** Append one key/value pair. */
  add(key: Uint8Array, value: Uint8Array): void {
    if (this.lastKey !== undefined && compareBytes(this.lastKey, key) >= 0) {
      throw new RangeError('TableBuilder.add: keys must be strictly increasing');
    }
    if (this.pending !== undefined) {
      this.index.add(findShortestSeparator(this.lastKey!, key), encodeHandle(this.pending));
      this.pending = undefined;
    }
    this.lastKey = key;
    this.data.add(key, value);
    if (this.data.estimate() >= this.blockSize) this.flush();
  }

  private flush(): void {
    if (this.data.empty) return;
    this.pending = this.writeBlock(this.data.finish());
    this.data = new BlockBuilder(TABLE_RESTART_INTERVAL);
  }

  private writeBlock(raw: Uint8Array): BlockHandle {
    const { contents, type } = this.compression === 'snappy' ? maybeCompressSnappy(raw) : { contents: raw, type: NO_COMPRESSION };
    const handle = { offset: this.offset, size: contents.length };
    const trailer = new Uint8Array([type]);
    const crc = crc32c(trailer, crc32c(contents));
    this.out.raw(contents).raw(trailer).fixed32(maskCrc(crc));
    this.offset += contents.length + BLOCK_TRAILER_SIZE;
    return handle;
  }

  /** Finish the table and return the whole file. */
  finish(): Uint8Array {
    this.flush();
    const metaindex = this.writeBlock(new BlockBuilder(TABLE_RESTART_INTERVAL).finish());
    if (this.pending !== undefined) {
      this.index.add(findShortSuccessor(this.lastKey!), encodeHandle(this.pending));
      this.pending = undefined;
    }
    const index = this.writeBlock(this.index.finish());
    const footer = new ProtoWriter().raw(encodeHandle(metaindex)).raw(encodeHandle(index)).finish();
    const padded = new Uint8Array(FOOTER_SIZE);
    padded.set(footer, 0);
    new DataView(padded.buffer).setBigUint64(FOOTER_SIZE - 8, TABLE_MAGIC_NUMBER, true);
    this.out.raw(padded);
    return this.out.finish();
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  return new ProtoWriter().varint(h.offset).varint(h.size).finish();
}
