/**
 * Writing: byte identity with TensorFlow's own files, every dtype, TF's proto quirks, the
 * TF-SEMANTICS §4.7 worked example, multi-block indexes, partitioned (sliced) tensors, big-endian.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBundle, writeBundle, readTable, decodeBundleEntry, encodeBundleEntry, encodeBundleHeader, TableBuilder, encodeTensorNameSlice } from '../../../src/formats/tf-bundle/index.js';
import { decodeBlock, readBlock, readFooter } from '../../../src/formats/tf-bundle/table.js';
import { writeSignedNumIncreasing } from '../../../src/formats/tf-bundle/slice-key.js';
import { crc32c, maskCrc } from '../../../src/formats/crc32c.js';
import { DTYPES, DTYPE_SIZE, type TensorValue } from '../../../src/formats/types.js';
import { BUNDLE_FIXTURES, FIXTURES, hex, rng, u8 } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-rt-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const same = (a: string, b: string): boolean => Buffer.compare(readFileSync(a), readFileSync(b)) === 0;

async function readAll(prefix: string, order: 'sorted' | 'offset'): Promise<TensorValue[]> {
  await using r = await openBundle(prefix);
  const names = r.list().map((t) => t.name);
  if (order === 'offset') {
    const idx = readTable(new Uint8Array(readFileSync(`${prefix}.index`)), prefix).slice(1);
    const off = new Map(idx.map((e) => {
      const name = new TextDecoder().decode(e.key);
      const d = decodeBundleEntry(e.value, prefix, name);
      return [name, d.shardId * 2 ** 40 + d.offset] as const;
    }));
    names.sort((a, b) => off.get(a)! - off.get(b)!);
  }
  const out: TensorValue[] = [];
  for (const n of names) out.push(await r.read(n));
  return out;
}

for (const prefix of BUNDLE_FIXTURES.filter((p) => p.startsWith('tf1-'))) {
  test(`round trip ${prefix}: .index and .data byte-identical to TensorFlow's (TF1 Saver: sorted layout)`, async () => {
    const tensors = await readAll(FIXTURES + prefix, 'sorted');
    const out = join(tmp, prefix.replace(/\//g, '_'));
    const rep = await writeBundle(out, tensors, { fsync: false });
    assert.equal(rep.tensors, tensors.length);
    assert.ok(same(`${FIXTURES}${prefix}.index`, `${out}.index`), 'index differs');
    assert.ok(same(`${FIXTURES}${prefix}.data-00000-of-00001`, `${out}.data-00000-of-00001`), 'data differs');
  });
}

for (const prefix of ['tf2-bundle/charity-keras-save-weights-adam/cp.ckpt', 'savedmodel/mnist-keras-cnn-bn/variables/variables']) {
  test(`round trip ${prefix}: byte-identical when tensors are streamed in TF2's (object-graph) order`, async () => {
    // TF2's checkpoint writer adds tensors in object-graph order, not sorted; given that order as a
    // stream, Graft's writer reproduces both files exactly (an Array would be sorted like TF1's Saver).
    const tensors = await readAll(FIXTURES + prefix, 'offset');
    async function* stream(): AsyncIterable<TensorValue> { yield* tensors; }
    const out = join(tmp, prefix.replace(/\//g, '_'));
    await writeBundle(out, stream(), { fsync: false });
    assert.ok(same(`${FIXTURES}${prefix}.index`, `${out}.index`), 'index differs');
    assert.ok(same(`${FIXTURES}${prefix}.data-00000-of-00001`, `${out}.data-00000-of-00001`), 'data differs');
  });
}

test('2-shard TF2 checkpoint (MergeV2Checkpoints output) rewritten with numShards 2: .index and both .data files byte-identical', async () => {
  // TF wrote it with one BundleWriter per device then MergeBundles: the string object graph on
  // CPU in shard 0, the variables in shard 1, each data file in Add order. Given the same shard
  // of each tensor and the same order, Graft's sharded writer reproduces every byte.
  const src = `${FIXTURES}tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt`;
  const tensors = await readAll(src, 'offset');
  const idx = readTable(new Uint8Array(readFileSync(`${src}.index`)), src).slice(1);
  const shardOf = new Map(idx.map((e) => {
    const name = new TextDecoder().decode(e.key);
    return [name, decodeBundleEntry(e.value, src, name).shardId] as const;
  }));
  assert.deepEqual(new Set(shardOf.values()), new Set([0, 1]));
  const out = join(tmp, 'two-shards');
  async function* stream(): AsyncIterable<TensorValue> {
    yield* tensors;
  }
  const rep = await writeBundle(out, stream(), { fsync: false, numShards: 2, shardOf: (n) => shardOf.get(n)! });
  assert.equal(rep.shards, 2);
  assert.ok(same(`${src}.index`, `${out}.index`), 'index differs');
  for (const f of ['data-00000-of-00002', 'data-00001-of-00002']) assert.ok(same(`${src}.${f}`, `${out}.${f}`), `${f} differs`);
  await using r = await openBundle(out);
  assert.equal(r.numShards, 2);
  for (const t of tensors) assert.deepEqual(await r.read(t.name), t);
});

test('TF-SEMANTICS §4.7 worked example: writer output equals the spec bytes; real TF index has the same framing', async () => {
  const out = join(tmp, 'worked');
  await writeBundle(out, [{ name: 'v', dtype: 'float32', shape: [2], data: new Uint8Array(new Float32Array([1, 2]).buffer) }], { fsync: false });
  assert.deepEqual(new Uint8Array(readFileSync(`${out}.data-00000-of-00001`)), hex('0000803f 00000040'));
  const spec = hex(`
    000006 0801 1a02 0801
    00010f 76 0801 1204 1202 0802 2808 35593ce535
    00000000 01000000
    00 30559358
    00000000 01000000 00 c0f2a1b0
    000102 77 0024 00000000 01000000 00 9460b2cd
    2908 360e ${'00'.repeat(36)} 57fb808b247547db`);
  assert.equal(spec.length, 121);
  assert.deepEqual(new Uint8Array(readFileSync(`${out}.index`)), spec);
  // A TF 1.0 file of two float32[1] tensors v1, v2: same header entry, same empty metaindex block,
  // index separator "w" (= FindShortSuccessor("v2")), same magic.
  const tf = new Uint8Array(readFileSync(`${FIXTURES}tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt.index`));
  assert.deepEqual(tf.subarray(0, 9), hex('000006 0801 1a02 0801'));
  const f = readFooter(tf, 'tf');
  assert.deepEqual(tf.subarray(f.metaindex.offset, f.metaindex.offset + 13), hex('00000000 01000000 00 c0f2a1b0'));
  assert.deepEqual(tf.subarray(f.index.offset, f.index.offset + 4), hex('000102 77'));
  assert.deepEqual(tf.subarray(tf.length - 8), hex('57fb808b247547db'));
});

function randomTensor(name: string, dtype: (typeof DTYPES)[number], shape: number[], r: () => number): TensorValue {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'string') {
    const strings = Array.from({ length: n }, (_, i) => Uint8Array.from({ length: Math.floor(r() * 40) + (i % 3 === 0 ? 0 : 1) }, () => Math.floor(r() * 256)));
    return { name, dtype, shape, data: new Uint8Array(0), strings };
  }
  const data = Uint8Array.from({ length: n * DTYPE_SIZE[dtype] }, () => Math.floor(r() * 256));
  if (dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = data[i]! & 1;
  return { name, dtype, shape, data };
}

test('every dtype (numeric, bool, complex, string) and edge shapes round-trip bit-exactly', async () => {
  const r = rng(7);
  const tensors: TensorValue[] = [];
  for (const dtype of DTYPES) {
    tensors.push(randomTensor(`${dtype}/matrix`, dtype, [3, 5], r));
    tensors.push(randomTensor(`${dtype}/scalar`, dtype, [], r));
    tensors.push(randomTensor(`${dtype}/empty`, dtype, [0, 4], r));
  }
  tensors.push({ name: 'unicode/ключ/名前', dtype: 'float32', shape: [1], data: new Uint8Array(4) });
  const out = join(tmp, 'dtypes');
  await writeBundle(out, tensors, { fsync: false });
  await using b = await openBundle(out);
  assert.equal(b.list().length, tensors.length);
  for (const t of tensors) assert.deepEqual(await b.read(t.name), t, t.name);
  // Strings: TF's layout, entry size = varints + 4 + bytes.
  const s = tensors.find((t) => t.name === 'string/matrix')!;
  assert.equal(b.info('string/matrix').bytes, s.strings!.length + 4 + s.strings!.reduce((a, x) => a + x.length, 0));
});

test('entries serialize as C++ SerializeAsString: scalar shape 12 00, zero dim as empty Dim, zero fields omitted', () => {
  assert.deepEqual(encodeBundleEntry({ dtype: 1, shape: [], shardId: 0, offset: 0, size: 4, crc32c: 0x01020304, slices: [] }), hex('0801 1200 2804 3504030201'));
  assert.deepEqual(encodeBundleEntry({ dtype: 9, shape: [0, 3], shardId: 0, offset: 0, size: 0, crc32c: maskCrc(0), slices: [] }), hex('0809 1206 1200 12020803 35d8ea82a2'));
  assert.deepEqual(encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } }), hex('0801 1a02 0801'));
});

test('Array input is laid out in sorted-key order (TF1 Saver); a stream in arrival order (BundleWriter.Add)', async () => {
  const t = (name: string, v: number): TensorValue => ({ name, dtype: 'float32', shape: [], data: new Uint8Array(new Float32Array([v]).buffer) });
  const a = join(tmp, 'order-array');
  await writeBundle(a, [t('b', 2), t('a', 1), t('B', 3)], { fsync: false });
  assert.deepEqual([...new Float32Array(new Uint8Array(readFileSync(`${a}.data-00000-of-00001`)).buffer)], [3, 1, 2]);
  const s = join(tmp, 'order-stream');
  await writeBundle(s, (function* () { yield t('b', 2); yield t('a', 1); yield t('B', 3); })(), { fsync: false });
  assert.deepEqual([...new Float32Array(new Uint8Array(readFileSync(`${s}.data-00000-of-00001`)).buffer)], [2, 1, 3]);
  await using r = await openBundle(s);
  assert.deepEqual(r.list().map((x) => x.name), ['B', 'a', 'b']);
});

test('an index larger than one 256 KiB block is split into several data blocks and read back', async () => {
  const tensors: TensorValue[] = [];
  for (let i = 0; i < 2500; i++) {
    tensors.push({ name: `tower_${String(i).padStart(4, '0')}/${'very_long_scope_name/'.repeat(4)}weights`, dtype: 'int32', shape: [1], data: new Uint8Array(new Int32Array([i]).buffer) });
  }
  const out = join(tmp, 'multiblock');
  await writeBundle(out, tensors, { fsync: false });
  const index = new Uint8Array(readFileSync(`${out}.index`));
  const footer = readFooter(index, 'x');
  const blocks = decodeBlock(readBlock(index, footer.index, 'x', 'index block'), 'x', 'index block');
  assert.ok(blocks.length >= 2, `expected several data blocks, got ${blocks.length}`);
  await using r = await openBundle(out);
  assert.equal(r.list().length, 2500);
  const v = await r.read(tensors[1777]!.name);
  assert.equal(new Int32Array(v.data.buffer.slice(0))[0], 1777);
});

test('OrderedCode signed numbers match the examples in ordered_code.cc', () => {
  const enc = (v: bigint): Uint8Array => { const o: number[] = []; writeSignedNumIncreasing(o, v); return Uint8Array.from(o); };
  assert.deepEqual(enc(0x424242n), hex('f0424242'));
  assert.deepEqual(enc(-0x800n), hex('3800'));
  assert.deepEqual(enc(0n), hex('80'));
  assert.deepEqual(enc(-1n), hex('7f'));
  assert.deepEqual(enc(63n), hex('bf'));
  assert.deepEqual(enc(64n), hex('c040'));
  // Key layout: 00 | name 00 01 | rank | start/len pairs; a full extent is (0, -1).
  assert.deepEqual(encodeTensorNameSlice(u8('w'), [{ start: 2, length: 2 }, { start: 0 }]), hex('00 77 0001 0102 82 82 80 7f'));
});

/** Build a bundle with a partitioned tensor by hand, as TF's BundleWriter::AddSlice would. */
function writeSliced(prefix: string, shape: number[], slices: { start: number; length?: number }[][], full: Float32Array, bigEndian = false): void {
  const data: Uint8Array[] = [];
  const entries: [Uint8Array, Uint8Array][] = [];
  let offset = 0;
  for (const sl of slices) {
    const starts = sl.map((e) => (e.length === undefined ? 0 : e.start));
    const lens = sl.map((e, d) => e.length ?? shape[d]!);
    const vals: number[] = [];
    const walk = (d: number, idx: number[]): void => {
      if (d === shape.length) {
        let flat = 0;
        for (let k = 0; k < shape.length; k++) flat = flat * shape[k]! + idx[k]!;
        vals.push(full[flat]!);
        return;
      }
      for (let i = starts[d]!; i < starts[d]! + lens[d]!; i++) walk(d + 1, [...idx, i]);
    };
    walk(0, []);
    const bytes = new Uint8Array(new Float32Array(vals).buffer);
    if (bigEndian) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    entries.push([encodeTensorNameSlice(u8('part'), sl), encodeBundleEntry({ dtype: 1, shape: lens, shardId: 0, offset, size: bytes.length, crc32c: maskCrc(crc32c(bytes)), slices: [] })]);
    data.push(bytes);
    offset += bytes.length;
  }
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  const tb = new TableBuilder();
  tb.add(new Uint8Array(0), encodeBundleHeader({ numShards: 1, endianness: bigEndian ? 1 : 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } }));
  for (const [k, v] of entries) tb.add(k, v);
  tb.add(u8('part'), encodeBundleEntry({ dtype: 1, shape, shardId: 0, offset: 0, size: 0, crc32c: 0, slices }));
  writeFileSync(`${prefix}.index`, tb.finish());
  writeFileSync(`${prefix}.data-00000-of-00001`, Buffer.concat(data));
}

test('partitioned variables: slices along rows, along columns and 2-D blocks are reassembled', async () => {
  const full = Float32Array.from({ length: 4 * 6 }, (_, i) => i * 1.5 - 3);
  const cases: { start: number; length?: number }[][][] = [
    [[{ start: 0, length: 3 }, { start: 0 }], [{ start: 3, length: 1 }, { start: 0 }]],
    [[{ start: 0 }, { start: 0, length: 2 }], [{ start: 0 }, { start: 2, length: 4 }]],
    [[{ start: 0, length: 2 }, { start: 0, length: 3 }], [{ start: 0, length: 2 }, { start: 3, length: 3 }], [{ start: 2, length: 2 }, { start: 0, length: 6 }]],
  ];
  for (const [i, slices] of cases.entries()) {
    const p = join(tmp, `sliced-${i}`);
    writeSliced(p, [4, 6], slices, full);
    await using r = await openBundle(p);
    assert.deepEqual(r.list().map((t) => [t.name, t.shape, t.bytes]), [['part', [4, 6], 96]]);
    const v = await r.read('part');
    assert.deepEqual(new Float32Array(v.data.buffer.slice(0)), full, `case ${i}`);
  }
  const big = join(tmp, 'sliced-be');
  writeSliced(big, [4, 6], cases[2]!, full, true);
  await using r = await openBundle(big);
  assert.deepEqual(new Float32Array((await r.read('part')).data.buffer.slice(0)), full);
});

test('readInto restores into a preallocated buffer and reads only that tensor\'s bytes', async () => {
  const p = `${FIXTURES}tf1-bundle/caicloud-mnist-ema/mnist_model-29001`;
  await using r = await openBundle(p);
  const before = r.bytesRead;
  const info = r.info('layer1/weights');
  const target = new Uint8Array(info.bytes);
  await r.readInto('layer1/weights', target);
  assert.equal(r.bytesRead - before, info.bytes);
  const v = await r.read('layer1/weights');
  assert.deepEqual(v.data, target);
  await assert.rejects(r.readInto('layer1/weights', new Uint8Array(3)), { code: 'bad_target_size' });
});

test('writeBundle leaves no temporary files and rejects bad input without creating the checkpoint', async () => {
  const dir = mkdtempSync(join(tmp, 'clean-'));
  await writeBundle(join(dir, 'ok'), [{ name: 'a', dtype: 'int8', shape: [2], data: new Uint8Array(2) }]);
  assert.deepEqual(readdirSync(dir).sort(), ['ok.data-00000-of-00001', 'ok.index']);
  const bad = [
    [{ name: 'a', dtype: 'int8', shape: [2], data: new Uint8Array(2) }, { name: 'a', dtype: 'int8', shape: [2], data: new Uint8Array(2) }],
    [{ name: 'x', dtype: 'float32', shape: [3], data: new Uint8Array(8) }],
    [{ name: '', dtype: 'float32', shape: [], data: new Uint8Array(4) }],
    [{ name: 'x', dtype: 'float32', shape: [-1], data: new Uint8Array(4) }],
  ] as TensorValue[][];
  const codes = ['duplicate_tensor', 'size_mismatch', 'invalid_name', 'bad_shape'];
  for (const [i, ts] of bad.entries()) {
    await assert.rejects(writeBundle(join(dir, `bad${i}`), (function* () { yield* ts; })()), { code: codes[i] });
  }
  assert.deepEqual(readdirSync(dir).sort(), ['ok.data-00000-of-00001', 'ok.index']);
});
