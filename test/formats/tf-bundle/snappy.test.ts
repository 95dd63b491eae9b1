/**
 * Snappy-compressed index blocks (block type 1), as TF 1.1 wrote them and TF's table reader
 * reads them: decompression, CRC over the stored (compressed) bytes plus the type byte, the
 * uncompressed-length cap, malformed streams; and TF 1.1's layout of every real fixture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { compress } from 'snappyjs';
import { FormatError } from '../../../src/errors.js';
import { openBundle, writeBundle, readTable, TableBuilder, MAX_UNCOMPRESSED_BLOCK, encodeBundleHeader } from '../../../src/formats/tf-bundle/index.js';
import { readBlock, readFooter, decodeBlock } from '../../../src/formats/tf-bundle/table.js';
import { checkSnappyStream } from '../../../src/formats/tf-bundle/snappy.js';
import { ProtoReader, ProtoWriter } from '../../../src/formats/proto/wire.js';
import type { TensorValue } from '../../../src/formats/types.js';
import { BUNDLE_FIXTURES, FIXTURES, blockContents, rawTable, rng, u8 } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-snappy-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** Type byte of every data block of an index file (via the index block's handles). */
function dataBlockTypes(index: Uint8Array): number[] {
  const { index: ih } = readFooter(index, 'x');
  const types: number[] = [];
  for (const e of decodeBlock(readBlock(index, ih, 'x', 'index block'), 'x', 'index block')) {
    const r = new ProtoReader(e.value, 'handle');
    const off = Number(r.varintBig());
    const size = Number(r.varintBig());
    types.push(index[off + size]!);
  }
  return types;
}

async function expectFormatError(prefix: string, code: string, message: RegExp): Promise<void> {
  await assert.rejects(async () => {
    await using r = await openBundle(prefix);
    void r;
  }, (e: unknown) => e instanceof FormatError && e.code === code && message.test(e.message) && (e.hint ?? '').length > 0);
}

function bundleDir(index: Uint8Array): string {
  const dir = join(tmp, `h${n++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.ckpt.index'), index);
  writeFileSync(join(dir, 'model.ckpt.data-00000-of-00001'), new Uint8Array(0));
  return join(dir, 'model.ckpt');
}

for (const prefix of BUNDLE_FIXTURES) {
  test(`${prefix}: its index rebuilt as TF 1.1 wrote it (snappy table options) reads every tensor identically`, async () => {
    const src = FIXTURES + prefix;
    const entries = readTable(new Uint8Array(readFileSync(`${src}.index`)), src);
    const tb = new TableBuilder(undefined, 'snappy');
    for (const e of entries) tb.add(e.key, e.value);
    const index = tb.finish();
    // TF 1.1 kept a block compressed only if snappy saved at least 1/8 of it (WriteBlock).
    const original = new Uint8Array(readFileSync(`${src}.index`));
    const { index: ih } = readFooter(original, src);
    const expected = decodeBlock(readBlock(original, ih, src, 'index block'), src, 'index block').map((e) => {
      const r = new ProtoReader(e.value, 'handle');
      const raw = readBlock(original, { offset: Number(r.varintBig()), size: Number(r.varintBig()) }, src, 'data block');
      return compress(raw).length < raw.length - Math.floor(raw.length / 8) ? 1 : 0;
    });
    assert.deepEqual(dataBlockTypes(index), expected);
    if (original.length > 1000) assert.deepEqual(expected, [1], 'a real index of more than 1 KB compresses by more than 1/8');
    const dir = join(tmp, `f${n++}`);
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(dirname(src)).filter((f) => f.startsWith(`${basename(src)}.data-`))) copyFileSync(join(dirname(src), f), join(dir, f));
    writeFileSync(join(dir, `${basename(src)}.index`), index);
    await using a = await openBundle(src);
    await using b = await openBundle(join(dir, basename(src)));
    assert.deepEqual(b.list(), a.list());
    for (const t of a.list()) assert.deepEqual(await b.read(t.name), await a.read(t.name));
  });
}

test('writeBundle compression snappy: data block stored with type 1, CRC over the compressed bytes, read back bit-exactly', async () => {
  const r = rng(7);
  const tensors: TensorValue[] = [];
  for (let i = 0; i < 300; i++) {
    const data = new Uint8Array(4 * 3);
    for (let j = 0; j < data.length; j++) data[j] = Math.floor(r() * 256);
    tensors.push({ name: `dnn/hiddenlayer_${i % 10}/kernel/part_${i}/Adagrad`, dtype: 'float32', shape: [3], data });
  }
  const prefix = join(tmp, 'w', 'model.ckpt');
  await writeBundle(prefix, tensors, { fsync: false, compression: 'snappy' });
  const index = new Uint8Array(readFileSync(`${prefix}.index`));
  assert.deepEqual(dataBlockTypes(index), [1]);
  // The same tensors uncompressed: same entries, larger file.
  const plain = join(tmp, 'w', 'plain.ckpt');
  await writeBundle(plain, tensors, { fsync: false });
  const plainIndex = new Uint8Array(readFileSync(`${plain}.index`));
  assert.ok(index.length < plainIndex.length * 0.875, `${index.length} vs ${plainIndex.length}`);
  assert.deepEqual(readTable(index, 'a'), readTable(plainIndex, 'b'));
  {
    await using b = await openBundle(prefix);
    for (const t of tensors) assert.deepEqual(await b.read(t.name), t);
  }
  // One flipped compressed byte: the CRC, computed over the stored bytes, catches it.
  const bad = index.slice();
  bad[20] ^= 0x04;
  writeFileSync(`${prefix}.index`, bad);
  await expectFormatError(prefix, 'block_checksum_mismatch', /block checksum mismatch in data block 0/);
});

test('snappy with small blocks: a multi-block compressed table reads back (index block and metaindex stay raw when compression does not pay)', async () => {
  const tb = new TableBuilder(512, 'snappy');
  const header = encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
  tb.add(new Uint8Array(0), header);
  const keys: string[] = [];
  for (let i = 0; i < 200; i++) keys.push(`layer_${String(i).padStart(4, '0')}/kernel`);
  for (const k of keys) tb.add(u8(k), u8('x'.repeat(40)));
  const index = tb.finish();
  const types = dataBlockTypes(index);
  assert.ok(types.length > 5 && types.every((t) => t === 1), JSON.stringify(types));
  const entries = readTable(index, 'multi');
  assert.deepEqual(entries.slice(1).map((e) => new TextDecoder().decode(e.key)), keys);
  const { metaindex } = readFooter(index, 'multi');
  assert.equal(index[metaindex.offset + metaindex.size], 0, 'empty metaindex (8 bytes) does not compress by 1/8');
});

test('hostile snappy blocks (valid CRC): declared length over the cap, short stream, copy before the start, bad preamble → typed bad_block', async () => {
  const HEADER = encodeBundleHeader({ numShards: 1, endianness: 0, version: { producer: 1, minConsumer: 0, badConsumers: [] } });
  const raw = blockContents([[u8(''), HEADER]]);
  const good = compress(raw);
  // Sanity: the well-formed compressed block opens.
  {
    await using r = await openBundle(bundleDir(rawTable(good, { type: 1 })));
    assert.deepEqual(r.list(), []);
  }
  const huge = new ProtoWriter().varint(MAX_UNCOMPRESSED_BLOCK + 1).raw(new Uint8Array([0x00, 0x41])).finish();
  await expectFormatError(bundleDir(rawTable(huge, { type: 1 })), 'bad_block', new RegExp(`declares ${MAX_UNCOMPRESSED_BLOCK + 1} uncompressed bytes, more than the ${MAX_UNCOMPRESSED_BLOCK}`));
  const short = good.slice(0, good.length - 3);
  await expectFormatError(bundleDir(rawTable(short, { type: 1 })), 'bad_block', /corrupted compressed block contents \(snappy\)/);
  // Preamble 8, then a copy (tag 01: len 4, offset 1) with no output before it.
  const backref = new Uint8Array([8, 0x01, 0x01]);
  await expectFormatError(bundleDir(rawTable(backref, { type: 1 })), 'bad_block', /refers 1 bytes back from output position 0/);
  const badPreamble = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  await expectFormatError(bundleDir(rawTable(badPreamble, { type: 1 })), 'bad_block', /bad uncompressed-length preamble/);
  const longer = new Uint8Array([2, 0x0c, 0x61, 0x62, 0x63, 0x64]); // declares 2, literal of 4
  await expectFormatError(bundleDir(rawTable(longer, { type: 1 })), 'bad_block', /more than the 2 bytes the preamble declares/);
});

test('checkSnappyStream accepts what snappyjs compresses (random and repetitive inputs)', () => {
  const r = rng(11);
  for (let i = 0; i < 200; i++) {
    const len = Math.floor(r() * 5000);
    const data = new Uint8Array(len);
    const alphabet = 1 + Math.floor(r() * 255);
    for (let j = 0; j < len; j++) data[j] = Math.floor(r() * alphabet);
    const c = compress(data);
    let pre = 0;
    let used = 0;
    for (let s = 0; ; s += 7) {
      const b = c[used++]!;
      pre += (b & 0x7f) * 2 ** s;
      if (b < 0x80) break;
    }
    assert.equal(pre, len);
    assert.equal(checkSnappyStream(c, used, len), undefined);
  }
});

test('fuzz: 3000 mutated snappy blocks of real indexes, CRC recomputed so the decoder sees them → only typed errors, no huge allocation', () => {
  const r = rng(99);
  const corpus = BUNDLE_FIXTURES.map((p) => {
    const original = new Uint8Array(readFileSync(`${FIXTURES}${p}.index`));
    const { index: ih } = readFooter(original, p);
    const h = decodeBlock(readBlock(original, ih, p, 'index block'), p, 'index block')[0]!;
    const hr = new ProtoReader(h.value, 'handle');
    return compress(readBlock(original, { offset: Number(hr.varintBig()), size: Number(hr.varintBig()) }, p, 'data block'));
  });
  const seen = new Map<string, number>();
  const rss = process.memoryUsage().rss;
  for (let i = 0; i < 3000; i++) {
    const c = corpus[Math.floor(r() * corpus.length)]!.slice();
    const mode = Math.floor(r() * 4);
    let b: Uint8Array = c;
    if (mode === 0) for (let k = 0; k < 1 + Math.floor(r() * 4); k++) c[Math.floor(r() * c.length)] ^= 1 << Math.floor(r() * 8);
    else if (mode === 1) b = c.subarray(0, Math.floor(r() * c.length));
    else if (mode === 2) c[Math.floor(r() * Math.min(5, c.length))] = Math.floor(r() * 256); // preamble
    else b = Uint8Array.from([...c, ...Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256))]);
    try {
      readTable(rawTable(b, { type: 1 }), 'fuzz.index');
      seen.set('ok', (seen.get('ok') ?? 0) + 1);
    } catch (e) {
      assert.ok(e instanceof FormatError, `iteration ${i}: untyped error ${String(e)}`);
      seen.set(e.code, (seen.get(e.code) ?? 0) + 1);
    }
  }
  assert.ok((seen.get('bad_block') ?? 0) > 500, JSON.stringify([...seen]));
  assert.ok(process.memoryUsage().rss - rss < 200 * 1024 * 1024);
});
