/**
 * Reader of the `.index` file: a LevelDB-format SSTable as TensorFlow writes it
 * (tensorflow/core/lib/io/{format.cc,block.cc,table.cc}, later tsl/lib/io/; TF-SEMANTICS.md §4.3).
 *
 *   file   = data block… | metaindex block | index block | footer (48 bytes)
 *   block  = stored | type (1 byte: 0 = none, 1 = snappy) | fixed32 Mask(crc32c(stored ‖ type))
 *            (stored = the contents, or their snappy compression for type 1: snappy.ts)
 *   footer = BlockHandle metaindex | BlockHandle index | zero padding to 40 bytes
 *            | fixed64 magic 0xdb4775248b80fb57 (little-endian)
 *   BlockHandle = varint64 offset | varint64 size   (size excludes the 5-byte trailer)
 *   contents = entry… | fixed32 restarts[num_restarts] | fixed32 num_restarts
 *   entry  = varint32 shared | varint32 non_shared | varint32 value_len | key[shared:] | value
 *   index block: key = separator ≥ last key of the data block, value = BlockHandle of that block.
 *
 * Checked: magic; every handle inside the file; every block CRC (over the stored, i.e. compressed,
 * bytes plus the type byte, as TF's ReadBlock); type byte 0 or 1; restart array inside
 * the block and restart offsets inside the entry area with shared = 0 there; shared ≤ previous
 * key length; every length inside the block; keys strictly increasing across the whole table.
 */
import { crc32c, unmaskCrc } from '../crc32c.js';
import { ProtoReader } from '../proto/wire.js';
import { bundleError } from './errors.js';
import { NO_COMPRESSION, SNAPPY_COMPRESSION, uncompressSnappyBlock } from './snappy.js';

export { NO_COMPRESSION, SNAPPY_COMPRESSION };

/** SSTable footer magic (table/format.h `kTableMagicNumber`). */
export const TABLE_MAGIC_NUMBER = 0xdb4775248b80fb57n;
/** Footer length: two max-size handles (2 × 20) + 8-byte magic. */
export const FOOTER_SIZE = 48;
/** Block trailer: 1 type byte + 4 CRC bytes. */
export const BLOCK_TRAILER_SIZE = 5;

/** Where a block lives in the file. */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** One key/value pair of the table (views into the file buffer). */
export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Decode a BlockHandle and check it lies inside `limit` bytes (data area before the footer). */
function readHandle(r: ProtoReader, file: string, what: string, limit: number): BlockHandle {
  const offset = r.varintBig();
  const size = r.varintBig();
  const lim = BigInt(limit);
  if (offset + size + BigInt(BLOCK_TRAILER_SIZE) > lim) {
    throw bundleError('truncated', file, `${what} handle (offset ${offset}, size ${size}) points past the ${limit} bytes before the footer`, {
      details: { field: what, offset: String(offset), size: String(size), limit },
    });
  }
  return { offset: Number(offset), size: Number(size) };
}

/** Parse the 48-byte footer: returns the metaindex and index block handles. */
export function readFooter(data: Uint8Array, file: string): { metaindex: BlockHandle; index: BlockHandle } {
  if (data.length < FOOTER_SIZE) {
    throw bundleError('truncated', file, `file has ${data.length} bytes, fewer than the ${FOOTER_SIZE}-byte SSTable footer`, {
      details: { field: 'footer', size: data.length },
    });
  }
  const footerStart = data.length - FOOTER_SIZE;
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const magic = dv.getBigUint64(data.length - 8, true);
  if (magic !== TABLE_MAGIC_NUMBER) {
    throw bundleError('bad_magic', file, `not an sstable (bad magic number 0x${magic.toString(16)} in the last 8 bytes, expected 0xdb4775248b80fb57)`, {
      hint: 'this is not a TensorFlow checkpoint .index file (or it is truncated); pass the checkpoint prefix of a TF checkpoint',
      details: { field: 'footer.magic', found: `0x${magic.toString(16)}` },
    });
  }
  const r = new ProtoReader(data, `${file}: footer`, footerStart, data.length - 8);
  const metaindex = readHandle(r, file, 'footer metaindex', footerStart);
  const index = readHandle(r, file, 'footer index', footerStart);
  return { metaindex, index };
}

/** Read one block's contents, checking its masked CRC and type byte, decompressing snappy blocks. */
export function readBlock(data: Uint8Array, handle: BlockHandle, file: string, what: string): Uint8Array {
  const end = handle.offset + handle.size;
  if (end + BLOCK_TRAILER_SIZE > data.length) {
    throw bundleError('truncated', file, `${what} at offset ${handle.offset} (size ${handle.size}) runs past the end of the ${data.length}-byte file`, {
      details: { field: what, offset: handle.offset, size: handle.size },
    });
  }
  const withType = data.subarray(handle.offset, end + 1);
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const storedCrc = dv.getUint32(end + 1, true);
  const actual = crc32c(withType);
  if (unmaskCrc(storedCrc) !== actual) {
    throw bundleError('block_checksum_mismatch', file, `block checksum mismatch in ${what} at offset ${handle.offset} (size ${handle.size}): stored 0x${unmaskCrc(storedCrc).toString(16)}, computed 0x${actual.toString(16)}`, {
      details: { field: what, offset: handle.offset, stored: unmaskCrc(storedCrc), computed: actual },
    });
  }
  const type = data[end]!;
  const stored = data.subarray(handle.offset, end);
  if (type === NO_COMPRESSION) return stored;
  if (type === SNAPPY_COMPRESSION) return uncompressSnappyBlock(stored, file, what, handle.offset);
  // TF's ReadBlock: any other type is DataLoss "bad block type".
  throw bundleError('unsupported_compression', file, `${what} at offset ${handle.offset} has block type ${type} (bad block type): TensorFlow's table reader accepts only 0 (no compression) and 1 (snappy)`, {
    hint: 'this SSTable was not written by TensorFlow (or its type byte is damaged although its CRC matches); re-save the checkpoint with TensorFlow',
    details: { field: what, type },
  });
}

/** Decode every entry of a block's contents (restart points validated). */
export function decodeBlock(contents: Uint8Array, file: string, what: string): TableEntry[] {
  const bad = (msg: string, offset: number): never => {
    throw bundleError('bad_block', file, `${what}: ${msg}`, { details: { field: what, offset } });
  };
  if (contents.length < 4) bad(`block of ${contents.length} bytes has no room for its restart count`, 0);
  const dv = new DataView(contents.buffer, contents.byteOffset, contents.length);
  const numRestarts = dv.getUint32(contents.length - 4, true);
  // (numRestarts + 1) * 4 must fit in the block; compare without overflow.
  if (numRestarts > (contents.length - 4) / 4) bad(`restart count ${numRestarts} does not fit in a ${contents.length}-byte block`, contents.length - 4);
  const restartsStart = contents.length - 4 - numRestarts * 4;
  if (numRestarts === 0 && restartsStart > 0) bad('entries present but no restart points', 0);
  const restarts = new Set<number>();
  let prevRestart = -1;
  for (let i = 0; i < numRestarts; i++) {
    const off = dv.getUint32(restartsStart + i * 4, true);
    if (off >= restartsStart || off <= prevRestart) bad(`restart point ${i} = ${off} is out of order or outside the ${restartsStart}-byte entry area`, restartsStart + i * 4);
    if (i === 0 && off !== 0) bad(`first restart point is ${off}, must be 0`, restartsStart);
    restarts.add(off);
    prevRestart = off;
  }
  const out: TableEntry[] = [];
  const r = new ProtoReader(contents, `${file}: ${what}`, 0, restartsStart);
  let prevKey: Uint8Array = new Uint8Array(0);
  while (!r.done) {
    const at = r.pos;
    const shared = r.varint();
    const nonShared = r.varint();
    const valueLen = r.varint();
    if (restarts.has(at) && shared !== 0) bad(`entry at restart point ${at} shares ${shared} key bytes (must be 0)`, at);
    if (shared > prevKey.length) bad(`entry at ${at} shares ${shared} bytes with a ${prevKey.length}-byte previous key`, at);
    if (nonShared + valueLen > restartsStart - r.pos) bad(`entry at ${at} (key ${nonShared} + value ${valueLen} bytes) runs past the entry area`, at);
    const key = new Uint8Array(shared + nonShared);
    key.set(prevKey.subarray(0, shared), 0);
    key.set(contents.subarray(r.pos, r.pos + nonShared), shared);
    r.pos += nonShared;
    const value = contents.subarray(r.pos, r.pos + valueLen);
    r.pos += valueLen;
    out.push({ key, value });
    prevKey = key;
  }
  return out;
}

/** Bytewise comparison (LevelDB's default BytewiseComparator). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Read every entry of an SSTable held in memory, in key order, with all checks above. */
export function readTable(data: Uint8Array, file: string): TableEntry[] {
  const { index } = readFooter(data, file);
  const indexEntries = decodeBlock(readBlock(data, index, file, 'index block'), file, 'index block');
  const limit = data.length - FOOTER_SIZE;
  const out: TableEntry[] = [];
  let prev: Uint8Array | undefined;
  for (let i = 0; i < indexEntries.length; i++) {
    const ie = indexEntries[i]!;
    const r = new ProtoReader(ie.value, `${file}: index entry ${i}`);
    const handle = readHandle(r, file, `index entry ${i}`, limit);
    const what = `data block ${i} (offset ${handle.offset})`;
    for (const e of decodeBlock(readBlock(data, handle, file, what), file, what)) {
      if (prev !== undefined && compareBytes(prev, e.key) >= 0) {
        throw bundleError('unsorted_keys', file, `keys out of order in ${what}: ${JSON.stringify(latin1(e.key))} follows ${JSON.stringify(latin1(prev))}`, {
          details: { field: 'key', key: latin1(e.key) },
        });
      }
      if (compareBytes(e.key, ie.key) > 0) {
        throw bundleError('unsorted_keys', file, `key ${JSON.stringify(latin1(e.key))} in ${what} is above its index separator ${JSON.stringify(latin1(ie.key))}`, {
          details: { field: 'key', key: latin1(e.key) },
        });
      }
      out.push(e);
      prev = e.key;
    }
  }
  return out;
}

/** Bytes as a latin1 string (one char per byte): a lossless map key for binary keys. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return s;
}
