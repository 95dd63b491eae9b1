// safetensors reader and writer on real files: the HuggingFace samples (old unpadded writer),
// a PEFT adapter written by safetensors.torch, and candle's int64 codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors, writeSafetensors } from '../../../src/formats/safetensors/index.js';
import { decodeValues } from '../../../src/formats/stats.js';
import type { TensorValue } from '../../../src/formats/types.js';

const root = new URL('../../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures/safetensors', p);
const SAMPLES = fx('hf-safetensors-samples');

test('overall.safetensors: nine dtypes hold numpy range(-3, 3) cast to each', async () => {
  const r = await openSafetensors(join(SAMPLES, 'overall.safetensors'));
  try {
    assert.deepEqual(r.metadata, { test: 'a' });
    assert.deepEqual(r.list().map((t) => `${t.name}:${t.dtype}:${t.shape.join('x')}:${t.bytes}`), [
      'B:uint8:6:6', 'H:uint16:6:12', 'I:uint32:6:24', 'b:int8:6:6', 'd:float64:6:48', 'e:float16:6:12', 'f:float32:6:24', 'h:int16:6:12', 'i:int32:6:24',
    ]);
    const vals = async (n: string) => Array.from(decodeValues(await r.read(n)) as ArrayLike<number>);
    for (const n of ['b', 'd', 'e', 'f', 'h', 'i']) assert.deepEqual(await vals(n), [-3, -2, -1, 0, 1, 2], n);
    assert.deepEqual(await vals('B'), [253, 254, 255, 0, 1, 2]);
    assert.deepEqual(await vals('H'), [65533, 65534, 65535, 0, 1, 2]);
    assert.deepEqual(await vals('I'), [4294967293, 4294967294, 4294967295, 0, 1, 2]);
    assert.ok(r.has('f:0'), 'a trailing :0 is ignored');
    await assert.rejects(r.read('nope'), { code: 'tensor_not_found' });
  } finally {
    await r.close();
  }
});

test('every single-tensor sample reads the same values as overall.safetensors', async () => {
  const all = await openSafetensors(join(SAMPLES, 'overall.safetensors'));
  for (const n of ['B', 'H', 'I', 'b', 'd', 'e', 'f', 'h', 'i']) {
    const one = await openSafetensors(join(SAMPLES, `${n}.safetensors`));
    assert.deepEqual(one.list().map((t) => t.name), [n]);
    assert.deepEqual((await one.read(n)).data, (await all.read(n)).data);
    await one.close();
  }
  await all.close();
});

test('candle jfk-codes: int64 [1,2,828] in the 0..1023 codebook range', async () => {
  const r = await openSafetensors(fx('candle-encodec-jfk-codes-i64/jfk-codes.safetensors'));
  const v = decodeValues(await r.read('codes')) as BigInt64Array;
  assert.equal(v.length, 1656);
  assert.equal(v[0], 865n);
  assert.ok([...v].every((x) => x >= 0n && x < 1024n));
  await r.close();
});

/** Count bytes read through FileHandle.read while `fn` runs. */
async function countReads(fn: () => Promise<void>): Promise<number> {
  const probe = await open(fx('candle-encodec-jfk-codes-i64/jfk-codes.safetensors'), 'r');
  const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const orig = proto.read;
  let total = 0;
  proto.read = async function (this: unknown, ...a: unknown[]) {
    const r = await orig.apply(this, a);
    total += r.bytesRead;
    return r;
  };
  try {
    await fn();
  } finally {
    proto.read = orig;
  }
  return total;
}

test('reads are lazy: opening reads the header only, read() reads only that tensor', async () => {
  const path = fx('peft-gpt2-lora-adapter/adapter_model.safetensors');
  const name = 'base_model.model.score.weight';
  let headerBytes = 0;
  const openBytes = await countReads(async () => {
    const r = await openSafetensors(path);
    headerBytes = 8 + 3120;
    await r.close();
  });
  assert.equal(openBytes, headerBytes);
  const oneBytes = await countReads(async () => {
    const r = await openSafetensors(path);
    await r.read(name);
    await r.close();
  });
  assert.equal(oneBytes, headerBytes + 6 * 768 * 4);
});

test('rewriting files from the current writer is byte-identical (PEFT adapter, candle codes)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-'));
  try {
    for (const p of ['peft-gpt2-lora-adapter/adapter_model.safetensors', 'candle-encodec-jfk-codes-i64/jfk-codes.safetensors']) {
      const r = await openSafetensors(fx(p));
      const tensors: TensorValue[] = [];
      for (const t of r.list()) tensors.push(await r.read(t.name));
      const out = join(dir, 'out.safetensors');
      await writeSafetensors(out, tensors, { metadata: r.metadata });
      await r.close();
      assert.deepEqual(await readFile(out), await readFile(fx(p)), p);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the unpadded 2022 samples rewrite with a padded header and identical tensors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-'));
  try {
    const r = await openSafetensors(join(SAMPLES, 'overall.safetensors'));
    const tensors: TensorValue[] = [];
    for (const t of r.list()) tensors.push(await r.read(t.name));
    const out = join(dir, 'o.safetensors');
    await writeSafetensors(out, tensors, { metadata: r.metadata });
    const bytes = await readFile(out);
    assert.equal(Number(bytes.readBigUInt64LE(0)) % 8, 0);
    const back = await openSafetensors(out);
    for (const t of tensors) assert.deepEqual((await back.read(t.name)).data, t.data);
    // reference order: 8-byte dtypes first (d), then 4 (f, i, I), 2 (e, h, H), 1 (b, B)
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    assert.deepEqual(Object.keys(header), ['__metadata__', 'd', 'f', 'I', 'i', 'e', 'H', 'h', 'b', 'B']);
    await back.close();
    await r.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every dtype safetensors has round-trips bit for bit (bf16, u64, bool included)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-'));
  try {
    const mk = (name: string, dtype: TensorValue['dtype'], bytes: number[], shape: number[]): TensorValue => ({ name, dtype, shape, data: new Uint8Array(bytes) });
    const tensors = [
      mk('bf', 'bfloat16', [0x80, 0x3f, 0xc0, 0x7f], [2]), mk('u64', 'uint64', [255, 255, 255, 255, 255, 255, 255, 255], [1]),
      mk('flag', 'bool', [1, 0, 1], [3]), mk('empty', 'float32', [], [0, 4]), mk('scalar', 'float64', [0, 0, 0, 0, 0, 0, 0xf8, 0x7f], []),
      mk('i16', 'int16', [0xff, 0x7f], [1]), mk('u32', 'uint32', [1, 2, 3, 4], [1]), mk('half', 'float16', [0x00, 0x7c], [1]),
    ];
    const out = join(dir, 'all.safetensors');
    await writeSafetensors(out, tensors);
    const r = await openSafetensors(out);
    for (const t of tensors) {
      const v = await r.read(t.name);
      assert.equal(v.dtype, t.dtype);
      assert.deepEqual(v.shape, t.shape);
      assert.deepEqual(v.data, t.data);
    }
    await r.close();
    await assert.rejects(writeSafetensors(join(dir, 'bad.safetensors'), [mk('x', 'float32', [1, 2], [1])]), { code: 'bad_tensor_bytes' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing file is checkpoint_not_found; a truncated one is a typed error naming the file', async () => {
  await assert.rejects(openSafetensors('/nonexistent/x.safetensors'), { code: 'checkpoint_not_found' });
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-'));
  try {
    const bytes = await readFile(join(SAMPLES, 'f.safetensors'));
    const p = join(dir, 'cut.safetensors');
    await writeFile(p, bytes.subarray(0, bytes.length - 3));
    await assert.rejects(openSafetensors(p), (e: Error & { code?: string }) => e.code === 'metadata_incomplete_buffer' && e.message.startsWith(p));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readInto fills a caller buffer of exactly the tensor size; a closed reader refuses reads', async () => {
  const r = await openSafetensors(join(SAMPLES, 'f.safetensors'));
  const target = new Uint8Array(24);
  await r.readInto('f', target);
  assert.deepEqual(Array.from(new Float32Array(target.buffer)), [-3, -2, -1, 0, 1, 2]);
  await assert.rejects(r.readInto('f', new Uint8Array(20)), { code: 'buffer_size_mismatch' });
  await r.close();
  await assert.rejects(r.read('f'), { code: 'reader_closed' });
});

test('streaming with a layout writes the same bytes; tensors out of writer order are refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-'));
  try {
    const r = await openSafetensors(join(SAMPLES, 'overall.safetensors'));
    const tensors: TensorValue[] = [];
    for (const t of r.list()) tensors.push(await r.read(t.name));
    await r.close();
    await writeSafetensors(join(dir, 'a.safetensors'), tensors, { metadata: { test: 'a' } });
    const order = ['d', 'f', 'I', 'i', 'e', 'H', 'h', 'b', 'B'];
    const byName = new Map(tensors.map((t) => [t.name, t]));
    async function* inOrder() { for (const n of order) yield byName.get(n)!; }
    await writeSafetensors(join(dir, 'b.safetensors'), inOrder(), { metadata: { test: 'a' }, layout: tensors });
    assert.deepEqual(await readFile(join(dir, 'b.safetensors')), await readFile(join(dir, 'a.safetensors')));
    await assert.rejects(writeSafetensors(join(dir, 'c.safetensors'), tensors, { layout: tensors }), { code: 'layout_mismatch' });
    await assert.rejects(writeSafetensors(join(dir, 'c.safetensors'), [byName.get('d')!], { layout: tensors }), /9 tensors in the layout but 1 arrived/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
