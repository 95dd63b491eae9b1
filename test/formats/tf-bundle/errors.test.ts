/**
 * One test per way a bundle can be wrong, each from a small hand-made byte array: the error is a
 * FormatError with its own code and a message naming the file and the offending field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointNotFoundError, FormatError } from '../../../src/errors.js';
import { openBundle, encodeBundleEntry, encodeBundleHeader, encodeTensorNameSlice, TableBuilder } from '../../../src/formats/tf-bundle/index.js';
import { encodeStringTensor } from '../../../src/formats/tf-bundle/string-tensor.js';
import { maskCrc } from '../../../src/formats/crc32c.js';
import { blockContents, hex, rawTable, u8 } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-err-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** The TF-SEMANTICS §4.7 bundle: v = float32 [1, 2]. */
const DATA = hex('0000803f 00000040');
const INDEX = hex(`000006 0801 1a02 0801 00010f 76 0801 1204 1202 0802 2808 35593ce535 00000000 01000000 00 30559358
  00000000 01000000 00 c0f2a1b0 000102 77 0024 00000000 01000000 00 9460b2cd 2908 360e ${'00'.repeat(36)} 57fb808b247547db`);
const HEADER = encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
const V_ENTRY = hex('0801 1204 1202 0802 2808 35593ce535');

/** An index built with TF's table layout from raw key/value pairs. */
function table(entries: [string | Uint8Array, Uint8Array][]): Uint8Array {
  const tb = new TableBuilder();
  for (const [k, v] of entries) tb.add(typeof k === 'string' ? u8(k) : k, v);
  return tb.finish();
}

/** Write a bundle into a fresh directory and return its prefix. */
function files(index: Uint8Array | null, data: Uint8Array | null = DATA): string {
  const dir = join(tmp, String(n++));
  const prefix = join(dir, 'model.ckpt');
  mkdir(dir);
  if (index !== null) writeFileSync(`${prefix}.index`, index);
  if (data !== null) writeFileSync(`${prefix}.data-00000-of-00001`, data);
  return prefix;
}
function mkdir(d: string): void {
  mkdirSync(d, { recursive: true });
}

async function expectError(prefix: string, code: string, message: RegExp, read?: string): Promise<FormatError> {
  let err: unknown;
  try {
    await using r = await openBundle(prefix);
    if (read !== undefined) await r.read(read);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof FormatError, `expected FormatError ${code}, got ${String(err)}`);
  assert.equal(err.code, code, err.message);
  assert.match(err.message, message);
  assert.ok(err.hint !== undefined && err.hint.length > 0);
  return err;
}

test('the hand-made §4.7 bundle itself is valid', async () => {
  await using r = await openBundle(files(INDEX));
  assert.deepEqual([...new Float32Array((await r.read('v')).data.buffer)], [1, 2]);
});

test('bad_magic: last footer byte changed', async () => {
  const b = INDEX.slice();
  b[b.length - 1] = 0xdc;
  await expectError(files(b), 'bad_magic', /model\.ckpt\.index: not an sstable \(bad magic number 0xdc4775248b80fb57/);
});

test('truncated: index shorter than the footer; footer handle past the end; data file too short', async () => {
  await expectError(files(INDEX.subarray(0, 20)), 'truncated', /model\.ckpt\.index: file has 20 bytes, fewer than the 48-byte SSTable footer/);
  const b = INDEX.slice();
  b[INDEX.length - 46] = 0x7f; // footer index handle offset 54 → 127
  await expectError(files(b), 'truncated', /footer index handle \(offset 127, size 14\) points past the 73 bytes/);
  await expectError(files(INDEX, DATA.subarray(0, 4)), 'truncated', /model\.ckpt\.data-00000-of-00001: tensor "v" occupies bytes 0\.\.8 but the data file has 4 bytes/);
});

test('block_checksum_mismatch: a byte of the data block flipped', async () => {
  const b = INDEX.slice();
  b[12] ^= 0x01; // inside the key "v" entry
  await expectError(files(b), 'block_checksum_mismatch', /model\.ckpt\.index: block checksum mismatch in data block 0 \(offset 0\)/);
});

test('unsupported_compression: block type 2 with a valid CRC is TF\'s "bad block type"', async () => {
  await expectError(files(rawTable(blockContents([[u8(''), HEADER]]), { type: 2 })), 'unsupported_compression', /block type 2 \(bad block type\)/);
});

test('bad_block: block type 1 (snappy) whose stored bytes are not a snappy stream', async () => {
  // Raw contents labelled snappy: the preamble reads 0 uncompressed bytes but elements follow.
  await expectError(files(rawTable(blockContents([[u8(''), HEADER]]), { type: 1 })), 'bad_block', /corrupted compressed block contents \(snappy\)/);
});

test('bad_block: restart count larger than the block; restart point not at 0', async () => {
  const c = blockContents([[u8(''), HEADER]]);
  const dv = new DataView(c.buffer);
  dv.setUint32(c.length - 4, 1000, true);
  await expectError(files(rawTable(c)), 'bad_block', /data block 0 \(offset 0\): restart count 1000 does not fit in a 17-byte block/);
  await expectError(files(rawTable(blockContents([[u8(''), HEADER]], [3]))), 'bad_block', /data block 0 \(offset 0\): first restart point is 3, must be 0/);
});

test('unsorted_keys: "b" before "a" in a block', async () => {
  await expectError(files(rawTable(blockContents([[u8(''), HEADER], [u8('b'), V_ENTRY], [u8('a'), V_ENTRY]]))), 'unsorted_keys', /keys out of order in data block 0 \(offset 0\): "a" follows "b"/);
});

test('bad_varint: an 11-byte varint in an entry', async () => {
  await expectError(files(table([['', HEADER], ['v', hex('08 ffffffffffffffffff ff01')]])), 'bad_varint', /BundleEntryProto of "v": varint (longer than 10 bytes|overflows 64 bits)/);
});

test('bad_proto: a length-delimited field longer than the entry', async () => {
  await expectError(files(table([['', HEADER], ['v', hex('0801 1205 00')]])), 'bad_proto', /model\.ckpt\.index: BundleEntryProto of "v": length 5 runs past the end of the message/);
});

test('bad_header: no "" entry; num_shards 0; bad endianness', async () => {
  await expectError(files(table([['v', V_ENTRY]])), 'bad_header', /the header entry \(key ""\) is missing/);
  await expectError(files(table([['', hex('1a02 0801')], ['v', V_ENTRY]])), 'bad_header', /BundleHeaderProto\.num_shards is 0/);
  await expectError(files(table([['', hex('0801 1007 1a02 0801')], ['v', V_ENTRY]])), 'bad_header', /BundleHeaderProto\.endianness is 7/);
});

test('unsupported_version: min_consumer above the reader version; reader listed as bad consumer', async () => {
  await expectError(files(table([['', hex('0801 1a04 0801 1002')], ['v', V_ENTRY]])), 'unsupported_version', /min_consumer 2/);
  await expectError(files(table([['', hex('0801 1a04 0801 1801')], ['v', V_ENTRY]])), 'unsupported_version', /bad_consumers \[1\]/);
});

test('bad_entry: shard_id beyond num_shards; negative offset', async () => {
  await expectError(files(table([['', HEADER], ['v', hex('0801 1204 1202 0802 1803 2808 35593ce535')]])), 'bad_entry', /entry "v": shard_id 3 but the header says num_shards = 1/);
  await expectError(files(table([['', HEADER], ['v', hex('0801 1204 1202 0802 20 ffffffffffffffffff01 2808 35593ce535')]])), 'bad_entry', /entry "v" offset = -1 is outside \[0, 2\^53\)/);
});

test('bad_shape: a dimension of -1; unknown rank; more than 2^53 elements', async () => {
  await expectError(files(table([['', HEADER], ['v', hex('0801 120d 120b 08ffffffffffffffffff01 2808 35593ce535')]])), 'bad_shape', /entry "v" shape\.dim\[0\]\.size = -1/);
  await expectError(files(table([['', HEADER], ['v', hex('0801 1202 1801 2808 35593ce535')]])), 'bad_shape', /entry "v": shape has unknown rank/);
  const huge = hex('0801 1216 1209 08 8080808080808001 1209 08 8080808080808001 2808 35593ce535');
  await expectError(files(table([['', HEADER], ['v', huge]])), 'bad_shape', /more than 2\^53 elements/);
});

test('unsupported_dtype: a DT_VARIANT entry is listed as unsupported and refused on read', async () => {
  const p = files(table([['', HEADER], ['it', hex('0815 1200 35d8ea82a2')], ['v', V_ENTRY]]));
  await using r = await openBundle(p);
  assert.deepEqual(r.unsupported, [{ name: 'it', dtype: 'DT_VARIANT' }]);
  assert.deepEqual(r.list().map((t) => t.name), ['v']);
  await assert.rejects(r.read('it'), (e: FormatError) => e.code === 'unsupported_dtype' && /tensor "it" has dtype DT_VARIANT/.test(e.message));
});

test('shard_missing: the data file is absent', async () => {
  await expectError(files(INDEX, null), 'shard_missing', /model\.ckpt\.data-00000-of-00001: data file of shard 0 of 1 is missing/);
});

test('size_mismatch: float32 [2] stored with 4 bytes', async () => {
  await expectError(files(table([['', HEADER], ['v', hex('0801 1204 1202 0802 2804 35593ce535')]])), 'size_mismatch', /Invalid size in bundle entry: key v; stored size 4; expected size 8/);
});

test('tensor_checksum_mismatch: a data byte flipped', async () => {
  const d = DATA.slice();
  d[5] ^= 0x40;
  await expectError(files(INDEX, d), 'tensor_checksum_mismatch', /model\.ckpt\.data-00000-of-00001: TensorBundle at .* shard 0 \(8 bytes\): tensor "v": Checksum does not match: stored \d+ vs\. calculated on the restored bytes \d+/, 'v');
});

test('bad_string_tensor: string lengths that do not add up to the entry size', async () => {
  const enc = encodeStringTensor([u8('ab'), u8('cde')]);
  const bad = enc.data.slice();
  bad[0] = 9; // first length 2 → 9
  const entry = encodeBundleEntry({ dtype: 7, shape: [2], shardId: 0, offset: 0, size: bad.length, crc32c: maskCrc(enc.crc), slices: [] });
  await expectError(files(table([['', HEADER], ['s', entry]]), bad), 'bad_string_tensor', /string tensor "s": lengths add up to 18 bytes but the entry size is 11/, 's');
  const ok = files(table([['', HEADER], ['s', entry]]), enc.data);
  await using r = await openBundle(ok);
  assert.deepEqual((await r.read('s')).strings, [u8('ab'), u8('cde')]);
});

test('bad_slice: slices that do not cover the tensor; a slice entry that is missing', async () => {
  const full = encodeBundleEntry({ dtype: 1, shape: [4], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [[{ start: 0, length: 2 }]] });
  await expectError(files(table([['', HEADER], ['p', full]])), 'bad_slice', /partitioned tensor "p": slices cover 2 of 4 elements/);
  const two = encodeBundleEntry({ dtype: 1, shape: [4], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [[{ start: 0, length: 2 }], [{ start: 2, length: 2 }]] });
  await expectError(files(table([['', HEADER], ['p', two]])), 'bad_slice', /partitioned tensor "p": slice 0 has no entry in the index/);
  // A huge declared shape is not allocated: the slice entry must hold all of its bytes.
  const hugeFull = encodeBundleEntry({ dtype: 1, shape: [2 ** 40], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [[{ start: 0 }]] });
  const sliceEntry = encodeBundleEntry({ dtype: 1, shape: [2 ** 40], shardId: 0, offset: 0, size: 8, crc32c: 0, slices: [] });
  await expectError(files(table([['', HEADER], [encodeTensorNameSlice(u8('p'), [{ start: 0 }]), sliceEntry], ['p', hugeFull]])), 'size_mismatch', /key "p" slice 0; stored size 8; expected size 4398046511104/);
});

test('bad_object_graph: _CHECKPOINTABLE_OBJECT_GRAPH that is not a TrackableObjectGraph', async () => {
  const enc = encodeStringTensor([hex('0a05 00')]);
  const entry = encodeBundleEntry({ dtype: 7, shape: [], shardId: 0, offset: 0, size: enc.data.length, crc32c: maskCrc(enc.crc), slices: [] });
  await expectError(files(table([['', HEADER], ['_CHECKPOINTABLE_OBJECT_GRAPH', entry]]), enc.data), 'bad_object_graph', /_CHECKPOINTABLE_OBJECT_GRAPH does not parse as a TrackableObjectGraph/);
});

test('v1_checkpoint: a single SSTable named as the prefix, sharded V1 files, SavedTensorSlices header', async () => {
  const single = files(null, null);
  writeFileSync(single, INDEX);
  const e = await expectError(single, 'v1_checkpoint', /model\.ckpt: V1 checkpoint \(TF < 1\.0 \/ write_version=V1\): .*model\.ckpt has no model\.ckpt\.index/);
  assert.match(e.hint!, /convert it with TF \(load and re-save with tf\.train\.Saver\(\), which writes V2\)/);
  const sharded = files(null, null);
  writeFileSync(`${sharded}-00000-of-00002`, INDEX);
  await expectError(sharded, 'v1_checkpoint', /model\.ckpt-00000-of-00002: V1 checkpoint/);
  await expectError(files(table([['', hex('0a00')], ['v', V_ENTRY]])), 'v1_checkpoint', /the "" entry is SavedTensorSlices metadata/);
});

test('tensor_not_found and checkpoint_not_found', async () => {
  const p = files(INDEX);
  await expectError(p, 'tensor_not_found', /model\.ckpt: Key w not found in checkpoint/, 'w');
  await assert.rejects(openBundle(join(tmp, 'nothing', 'model.ckpt')), (e: unknown) => e instanceof CheckpointNotFoundError && e.code === 'checkpoint_not_found' && /model\.ckpt\.index does not exist/.test(e.message));
});
