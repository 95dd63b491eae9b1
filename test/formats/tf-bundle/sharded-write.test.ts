/**
 * Sharded writes (numShards) and partitioned variables written as slices: files named as TF
 * names them, the merged index as MergeBundles writes it, slices as BundleWriter::AddSlice
 * writes them, all read back by Graft's reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '../../../src/errors.js';
import { openBundle, writeBundle, readTable, decodeBundleEntry, decodeBundleHeader, encodeTensorNameSlice, type PartitionedTensor } from '../../../src/formats/tf-bundle/index.js';
import { crc32c, maskCrc } from '../../../src/formats/crc32c.js';
import type { TensorValue } from '../../../src/formats/types.js';
import { rng, u8 } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-shard-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

function randomTensors(count: number, seed: number): TensorValue[] {
  const r = rng(seed);
  const out: TensorValue[] = [];
  for (let i = 0; i < count; i++) {
    const shape = [1 + Math.floor(r() * 7), 1 + Math.floor(r() * 5)];
    const data = new Uint8Array(shape[0]! * shape[1]! * 4);
    for (let j = 0; j < data.length; j++) data[j] = Math.floor(r() * 256);
    out.push({ name: `layer_${i}/kernel`, dtype: 'float32', shape, data });
  }
  out.push({ name: 'global_step', dtype: 'int64', shape: [], data: new Uint8Array(8).fill(3) });
  out.push({ name: 'vocab', dtype: 'string', shape: [2], data: new Uint8Array(0), strings: [u8('a'), u8('bc')] });
  return out;
}

function indexEntries(prefix: string): { key: Uint8Array; name: string; entry: ReturnType<typeof decodeBundleEntry> }[] {
  const t = readTable(new Uint8Array(readFileSync(`${prefix}.index`)), prefix);
  return t.slice(1).map((e) => {
    const name = e.key[0] === 0 ? 'slice' : new TextDecoder().decode(e.key);
    return { key: e.key, name, entry: decodeBundleEntry(e.value, prefix, name) };
  });
}

test('4-shard write: prefix.data-0000i-of-00004, merged index (num_shards 4, shard_id per entry), every data file exactly its tensors in order, read back bit-exactly', async () => {
  const tensors = randomTensors(40, 3);
  const prefix = join(tmp, 'four', 'model.ckpt-10');
  const rep = await writeBundle(prefix, tensors, { fsync: false, numShards: 4 });
  assert.equal(rep.shards, 4);
  assert.deepEqual(readdirSync(join(tmp, 'four')).sort(), ['model.ckpt-10.data-00000-of-00004', 'model.ckpt-10.data-00001-of-00004', 'model.ckpt-10.data-00002-of-00004', 'model.ckpt-10.data-00003-of-00004', 'model.ckpt-10.index']);
  const table = readTable(new Uint8Array(readFileSync(`${prefix}.index`)), prefix);
  assert.deepEqual(decodeBundleHeader(table[0]!.value, prefix), { numShards: 4, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
  const entries = indexEntries(prefix);
  const byShard = new Map<number, typeof entries>();
  for (const e of entries) byShard.set(e.entry.shardId, [...(byShard.get(e.entry.shardId) ?? []), e]);
  assert.deepEqual([...byShard.keys()].sort(), [0, 1, 2, 3]);
  const sortedNames = tensors.map((t) => t.name).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let prevLast = -1;
  for (let s = 0; s < 4; s++) {
    // Each shard holds a contiguous run of the sorted names, laid out back to back from offset 0.
    const run = byShard.get(s)!.sort((a, b) => a.entry.offset - b.entry.offset);
    const data = readFileSync(`${prefix}.data-0000${s}-of-00004`);
    let off = 0;
    for (const e of run) {
      assert.equal(e.entry.offset, off);
      // (string tensors' CRC covers lengths as fixed-width words, not the varints: string-tensor.ts)
      if (e.entry.dtype !== 7) assert.equal(maskCrc(crc32c(data.subarray(off, off + e.entry.size))), e.entry.crc32c);
      off += e.entry.size;
      const at = sortedNames.indexOf(e.name);
      assert.equal(at, prevLast + 1, `${e.name} out of the sorted run`);
      prevLast = at;
    }
    assert.equal(off, data.length);
  }
  await using r = await openBundle(prefix);
  assert.equal(r.numShards, 4);
  for (const t of tensors) assert.deepEqual(await r.read(t.name), t);
});

test('4-shard write from a stream: each tensor to the least-filled shard; snappy index; read back', async () => {
  const tensors = randomTensors(25, 5);
  const prefix = join(tmp, 'stream', 'ckpt-1');
  async function* gen(): AsyncIterable<TensorValue> {
    yield* tensors;
  }
  await writeBundle(prefix, gen(), { fsync: false, numShards: 4, compression: 'snappy' });
  const sizes = [0, 1, 2, 3].map((s) => readFileSync(`${prefix}.data-0000${s}-of-00004`).length);
  const total = sizes.reduce((a, b) => a + b, 0);
  for (const s of sizes) assert.ok(s > total / 8, `unbalanced shards ${sizes.join(',')}`);
  await using r = await openBundle(prefix);
  for (const t of tensors) assert.deepEqual(await r.read(t.name), t);
});

test('bad shard counts and empty shards are refused before anything is left on disk', async () => {
  const tensors = randomTensors(2, 1); // 4 tensors
  for (const numShards of [0, -1, 1.5, 5000]) {
    await assert.rejects(writeBundle(join(tmp, 'bad', `n${numShards}`), tensors, { fsync: false, numShards }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'bad_num_shards');
  }
  const prefix = join(tmp, 'bad', 'empty');
  await assert.rejects(writeBundle(prefix, tensors, { fsync: false, numShards: 5 }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'empty_shard');
  await assert.rejects(writeBundle(prefix, tensors, { fsync: false, numShards: 2, shardOf: () => 7 }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'bad_shard');
  assert.deepEqual(existsSync(join(tmp, 'bad')) ? readdirSync(join(tmp, 'bad')) : [], []);
});

/** A [rows, cols] float32 tensor with values i (row-major) and its rows split as TF's fixed_size_partitioner splits them. */
function rowPartitioned(name: string, rows: number, cols: number, parts: number): { p: PartitionedTensor; full: Float32Array } {
  const full = Float32Array.from({ length: rows * cols }, (_, i) => i + 0.5);
  const out: PartitionedTensor['parts'] = [];
  let start = 0;
  for (let k = 0; k < parts; k++) {
    // variables.py _iter_slices: the first rows % parts partitions get one extra row.
    const n = Math.floor(rows / parts) + (k < rows % parts ? 1 : 0);
    out.push({ offset: [start, 0], shape: [n, cols], data: new Uint8Array(full.slice(start * cols, (start + n) * cols).buffer) });
    start += n;
  }
  return { p: { name, dtype: 'float32', fullShape: [rows, cols], parts: out }, full };
}

test('partitioned variable written as slices: full entry {dtype, shape, slices}, slice entries under EncodeTensorNameSlice keys, assembled on read', async () => {
  const { p, full } = rowPartitioned('dnn/input_from_feature_columns/embedding/weights', 5, 3, 2);
  const prefix = join(tmp, 'part', 'model.ckpt');
  const other: TensorValue = { name: 'global_step', dtype: 'int64', shape: [], data: new Uint8Array(8) };
  const rep = await writeBundle(prefix, [other], { fsync: false, partitioned: [p] });
  assert.equal(rep.tensors, 2);
  const table = readTable(new Uint8Array(readFileSync(`${prefix}.index`)), prefix);
  // Header, then the two slice keys (leading 0x00 sorts them first), then the full names.
  const name = u8(p.name);
  const k0 = encodeTensorNameSlice(name, [{ start: 0, length: 3 }, { start: 0, length: 3 }]);
  const k1 = encodeTensorNameSlice(name, [{ start: 3, length: 2 }, { start: 0, length: 3 }]);
  assert.deepEqual(table.map((e) => Buffer.from(e.key).toString('hex')), ['', Buffer.from(k0).toString('hex'), Buffer.from(k1).toString('hex'), Buffer.from(p.name).toString('hex'), Buffer.from('global_step').toString('hex')]);
  const fullEntry = decodeBundleEntry(table[3]!.value, prefix, p.name);
  assert.deepEqual(fullEntry, { dtype: 1, shape: [5, 3], shardId: 0, offset: 0, size: 0, crc32c: 0, slices: [[{ start: 0, length: 3 }, { start: 0, length: 3 }], [{ start: 3, length: 2 }, { start: 0, length: 3 }]] });
  const s0 = decodeBundleEntry(table[1]!.value, prefix, 's0');
  const s1 = decodeBundleEntry(table[2]!.value, prefix, 's1');
  assert.deepEqual([s0.shape, s0.offset, s0.size, s1.shape, s1.offset, s1.size], [[3, 3], 0, 36, [2, 3], 36, 24]);
  // Data file in TF1 Saver order: the partitioned variable's parts (its full name sorts before
  // global_step), part order kept, then global_step.
  const data = readFileSync(`${prefix}.data-00000-of-00001`);
  assert.equal(Buffer.compare(data.subarray(0, 60), Buffer.from(full.buffer)), 0);
  await using r = await openBundle(prefix);
  assert.deepEqual(r.list().map((t) => t.name), [p.name, 'global_step']);
  assert.deepEqual(new Float32Array((await r.read(p.name)).data.buffer.slice(0)), full);
});

test('partitioned: 2-D blocks, uneven column split, sharded across 3 files; a single full part is a plain tensor; bad parts refused', async () => {
  const full = Float32Array.from({ length: 4 * 6 }, (_, i) => i * 2);
  const block = (r0: number, nr: number, c0: number, nc: number): PartitionedTensor['parts'][number] => {
    const v = new Float32Array(nr * nc);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) v[i * nc + j] = full[(r0 + i) * 6 + c0 + j]!;
    return { offset: [r0, c0], shape: [nr, nc], data: new Uint8Array(v.buffer) };
  };
  const p: PartitionedTensor = { name: 'w', dtype: 'float32', fullShape: [4, 6], parts: [block(0, 2, 0, 4), block(0, 2, 4, 2), block(2, 2, 0, 1), block(2, 2, 1, 5)] };
  const single: PartitionedTensor = { name: 'b', dtype: 'float32', fullShape: [3], parts: [{ offset: [0], shape: [3], data: new Uint8Array(12) }] };
  const prefix = join(tmp, 'part2', 'model.ckpt');
  await writeBundle(prefix, [], { fsync: false, partitioned: [p, single], numShards: 3, shardOf: (_n, i) => i % 3 });
  const entries = indexEntries(prefix);
  assert.deepEqual(entries.find((e) => e.name === 'b')!.entry.slices, []);
  assert.equal(entries.filter((e) => e.name === 'slice').length, 4);
  await using r = await openBundle(prefix);
  assert.equal(r.numShards, 3);
  assert.deepEqual(new Float32Array((await r.read('w')).data.buffer.slice(0)), full);
  const bad = (parts: PartitionedTensor['parts']): Promise<unknown> => writeBundle(join(tmp, 'part3', 'x'), [], { fsync: false, partitioned: [{ name: 'w', dtype: 'float32', fullShape: [4, 6], parts }] });
  const isSlice = (e: unknown): boolean => e instanceof InvalidArgumentError && e.code === 'bad_slice';
  await assert.rejects(bad([block(0, 2, 0, 6), block(1, 3, 0, 6)]), isSlice); // overlap
  await assert.rejects(bad([block(0, 2, 0, 6)]), isSlice); // does not cover
  await assert.rejects(bad([block(0, 2, 0, 6), { offset: [2, 0], shape: [3, 6], data: new Uint8Array(72) }]), isSlice); // outside
  await assert.rejects(bad([block(0, 2, 0, 6), { offset: [2, 0], shape: [2, 6], data: new Uint8Array(4) }]), isSlice); // wrong bytes
  assert.equal(existsSync(join(tmp, 'part3')), false);
});
