// tfjs weights: the two tfjs-converter fixtures, files we write checked with tfjs-core's own
// io.decodeWeights and tf.loadLayersModel, quantized weights dequantized exactly as tfjs does,
// Graft's lossless dtype carriers, and one test per manifest error code.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '../../../src/runtime/backend.js';
import { openTfjsWeights, writeTfjsWeights, parseManifest } from '../../../src/formats/tfjs/index.js';
import { decodeValues } from '../../../src/formats/stats.js';
import type { DType, TensorValue } from '../../../src/formats/types.js';

const root = new URL('../../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures/tfjs', p);

before(async () => {
  await initBackend();
});

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'graft-tfjs-'));
}

/**
 * Decode a model folder with tfjs-core itself: concatenated shards + io.decodeWeights (on the cpu
 * backend: wasm has no Complex kernel, which complex64 weights need).
 */
async function tfjsDecode(modelJson: string): Promise<Record<string, tf.Tensor>> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return await tfjsDecodeHere(modelJson);
  } finally {
    await tf.setBackend(prev);
  }
}

async function tfjsDecodeHere(modelJson: string): Promise<Record<string, tf.Tensor>> {
  const doc = JSON.parse(await readFile(modelJson, 'utf8'));
  const dir = join(modelJson, '..');
  const out: Record<string, tf.Tensor> = {};
  for (const g of doc.weightsManifest) {
    const parts = await Promise.all(g.paths.map((p: string) => readFile(join(dir, p))));
    const buf = Buffer.concat(parts);
    Object.assign(out, tf.io.decodeWeights(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length), g.weights));
  }
  return out;
}

test('celsius fixture: dense/kernel 1.8001909 and dense/bias 31.977428 (°F = 1.8·°C + 32)', async () => {
  const r = await openTfjsWeights(fx('celsius-single-dense/model.json'));
  assert.equal(r.metadata.convertedBy, 'TensorFlow.js Converter v4.20.0');
  assert.deepEqual(r.list().map((t) => [t.name, t.dtype, t.shape]), [['dense/bias', 'float32', [1]], ['dense/kernel', 'float32', [1, 1]]]);
  const k = (decodeValues(await r.read('dense/kernel')) as Float32Array)[0]!;
  const b = (decodeValues(await r.read('dense/bias')) as Float32Array)[0]!;
  assert.equal(k, Math.fround(1.8001909));
  assert.equal(b, Math.fround(31.977428));
  assert.ok(Math.abs(100 * k + b - 212) < 0.1);
});

test('digits-cnn fixture: every weight equals what tfjs io.decodeWeights gives', async () => {
  const path = fx('digits-cnn/model.json');
  const r = await openTfjsWeights(path);
  const ref = await tfjsDecode(path);
  assert.deepEqual(r.list().map((t) => t.name).sort(), Object.keys(ref).sort());
  for (const t of r.list()) {
    const mine = await r.read(t.name);
    assert.deepEqual(mine.shape, ref[t.name]!.shape);
    assert.deepEqual(mine.data, new Uint8Array((ref[t.name]!.dataSync() as Float32Array).buffer));
  }
  tf.dispose(Object.values(ref));
});

test('written weights decode with tfjs io.decodeWeights (float32, int32, bool, string, complex64; 3 shards)', async () => {
  const dir = await tmp();
  try {
    const f = new Float32Array([1.5, -2, 3.25, 0.1, 7, 8, 9, 10, 11, 12]);
    const tensors: TensorValue[] = [
      { name: 'layer/kernel', dtype: 'float32', shape: [2, 5], data: new Uint8Array(f.buffer) },
      { name: 'layer/step', dtype: 'int32', shape: [], data: new Uint8Array(new Int32Array([-7]).buffer) },
      { name: 'mask', dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
      { name: 'vocab', dtype: 'string', shape: [2], data: new Uint8Array(0), strings: [new TextEncoder().encode('héllo'), new Uint8Array([0, 255])] },
      { name: 'z', dtype: 'complex64', shape: [1], data: new Uint8Array(new Float32Array([1, -1]).buffer) },
    ];
    await writeTfjsWeights(dir, tensors, { shardBytes: 24 });
    const doc = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(doc.weightsManifest[0].paths, ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']); // 71 bytes in 24-byte shards
    const ref = await tfjsDecode(join(dir, 'model.json'));
    assert.deepEqual(Array.from(ref['layer/kernel']!.dataSync()), Array.from(f));
    assert.deepEqual(Array.from(ref['layer/step']!.dataSync()), [-7]);
    assert.deepEqual(Array.from(ref['mask']!.dataSync()), [1, 0, 1]);
    // tfjs hands string tensors back UTF-8 decoded
    assert.deepEqual(ref['vocab']!.dataSync() as unknown as string[], ['héllo', '\u0000\ufffd']);
    assert.equal(ref['z']!.dtype, 'complex64');
    tf.dispose(Object.values(ref));
    const r = await openTfjsWeights(join(dir, 'model.json'));
    for (const t of tensors) {
      const v = await r.read(t.name);
      assert.equal(v.dtype, t.dtype);
      if (t.dtype === 'string') assert.deepEqual(v.strings, t.strings);
      else assert.deepEqual(v.data, t.data);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a written model.json with the fixture topology loads in tf.loadLayersModel and predicts like the original', async () => {
  const dir = await tmp();
  try {
    const src = fx('digits-cnn/model.json');
    const doc = JSON.parse(await readFile(src, 'utf8'));
    const r = await openTfjsWeights(src);
    const order = doc.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    const tensors: TensorValue[] = [];
    for (const n of order) tensors.push(await r.read(n));
    await writeTfjsWeights(dir, tensors, { modelTopology: doc.modelTopology, shardBytes: 300_000 });
    const load = async (json: string) => {
      const d = JSON.parse(await readFile(json, 'utf8'));
      const bufs = await Promise.all(d.weightsManifest[0].paths.map((p: string) => readFile(join(json, '..', p))));
      const all = Buffer.concat(bufs);
      return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: d.modelTopology, weightSpecs: d.weightsManifest[0].weights, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.length) }));
    };
    const [a, b] = [await load(src), await load(join(dir, 'model.json'))];
    const x = tf.tidy(() => tf.linspace(0, 1, 28 * 28).reshape([1, 28, 28, 1]));
    const ya = (a.predict(x) as tf.Tensor).dataSync(), yb = (b.predict(x) as tf.Tensor).dataSync();
    assert.equal(ya.length, 10);
    assert.deepEqual(Array.from(yb), Array.from(ya));
    x.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('quantized weights (uint8, uint16, float16; float32 and int32) dequantize exactly as tfjs decodeWeights', async () => {
  const dir = await tmp();
  try {
    const u8 = new Uint8Array([0, 1, 127, 255]);
    const u16 = new Uint16Array([0, 1000, 65535]);
    const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00]);
    const i8 = new Uint8Array([0, 3, 200]);
    const weights = [
      { name: 'q8', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.0123, min: -1.5 } },
      { name: 'q16', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 1e-4, min: -3.3 } },
      { name: 'h', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } },
      { name: 'qi', shape: [3], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.5, min: -10 } },
    ];
    const bin = Buffer.concat([Buffer.from(u8), Buffer.from(u16.buffer), Buffer.from(f16.buffer), Buffer.from(i8)]);
    await writeFile(join(dir, 'w.bin'), bin);
    await writeFile(join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['w.bin'], weights }] }));
    const r = await openTfjsWeights(join(dir, 'model.json'));
    assert.match(r.metadata.quantization ?? '', /4 quantized weight/);
    const ref = await tfjsDecode(join(dir, 'model.json'));
    for (const w of weights) {
      const v = await r.read(w.name);
      assert.equal(v.dtype, w.dtype);
      assert.deepEqual(v.data, new Uint8Array(ref[w.name]!.dataSync().buffer), w.name);
    }
    tf.dispose(Object.values(ref));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('dtypes tfjs lacks travel losslessly (graftDtype) and tfjs still decodes the carriers', async () => {
  const dir = await tmp();
  try {
    const mk = (name: string, dtype: DType, data: ArrayBufferView, shape: number[]): TensorValue => ({ name, dtype, shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    const tensors = [
      mk('global_step', 'int64', new BigInt64Array([20000n, -5n]), [2]),
      mk('u8', 'uint8', new Uint8Array([0, 255]), [2]), mk('i8', 'int8', new Int8Array([-128, 127]), [2]),
      mk('i16', 'int16', new Int16Array([-32768, 5]), [2]), mk('u16', 'uint16', new Uint16Array([65535, 0]), [2]),
      mk('u32', 'uint32', new Uint32Array([2 ** 31 - 1]), [1]), mk('u64', 'uint64', new BigUint64Array([3n]), [1]),
      mk('half', 'float16', new Uint16Array([0x3c00, 0xfc00, 0x7e01]), [3]), mk('bf', 'bfloat16', new Uint16Array([0x3f80, 0xffc1]), [2]),
      mk('f64', 'float64', new Float64Array([0.5, -(2 ** 100), Infinity]), [3]), mk('c128', 'complex128', new Float64Array([1, -2]), [1]),
    ];
    await writeTfjsWeights(dir, tensors);
    const r = await openTfjsWeights(join(dir, 'model.json'));
    for (const t of tensors) {
      const v = await r.read(t.name);
      assert.equal(v.dtype, t.dtype, t.name);
      assert.deepEqual(v.data, t.data, t.name);
    }
    const ref = await tfjsDecode(join(dir, 'model.json'));
    assert.deepEqual(Array.from(ref['global_step']!.dataSync()), [20000, -5]);
    assert.deepEqual(Array.from(ref['half']!.dataSync()).slice(0, 2), [1, -Infinity]);
    tf.dispose(Object.values(ref));
    const refuse = async (t: TensorValue) => assert.rejects(writeTfjsWeights(join(dir, 'x'), [t]), (e: Error & { code?: string }) => e.code === 'dtype_not_representable' && e.message.includes(`"${t.name}"`));
    await refuse(mk('big', 'int64', new BigInt64Array([2n ** 40n]), [1]));
    await refuse(mk('tenth', 'float64', new Float64Array([0.1]), [1]));
    await refuse(mk('u32big', 'uint32', new Uint32Array([2 ** 31]), [1]));
    await assert.rejects(writeTfjsWeights(join(dir, 'y'), [], { shardBytes: 0 }), { code: 'invalid_shard_bytes' });
    await assert.rejects(writeTfjsWeights(join(dir, 'y'), [tensors[1]!, tensors[1]!]), { code: 'duplicate_tensor_name' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Write a model folder from a manifest object (or raw text) and shard bytes. */
async function folder(dir: string, manifest: unknown, shards: Record<string, Uint8Array> = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const [n, b] of Object.entries(shards)) await writeFile(join(dir, n), b);
  const p = join(dir, 'model.json');
  await writeFile(p, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  return p;
}

const W = (w: Record<string, unknown>) => ({ weightsManifest: [{ paths: ['s.bin'], weights: [{ name: 'w', shape: [1], dtype: 'float32', ...w }] }] });

test('manifest errors: one code per problem, each naming the file and field', () => {
  const cases: [string, string, RegExp][] = [
    ['{"weightsManifest": [', 'invalid_json', /does not parse/],
    ['{"modelTopology": {}}', 'missing_weights_manifest', /no "weightsManifest"/],
    ['{"weightsManifest": {}}', 'invalid_manifest_group', /must be an array of groups/],
    ['{"weightsManifest": [{"paths": [1], "weights": []}]}', 'invalid_manifest_group', /paths must be an array of strings/],
    [JSON.stringify(W({ shape: [-1] })), 'invalid_weight_spec', /weight "w": shape/],
    [JSON.stringify(W({ dtype: 'float64' })), 'unsupported_dtype', /"float64" is not a tfjs dtype/],
    [JSON.stringify(W({ quantization: { dtype: 'int4' } })), 'invalid_quantization', /quantization.dtype/],
    [JSON.stringify(W({ quantization: { dtype: 'uint8' } })), 'invalid_quantization', /needs finite numbers/],
    [JSON.stringify(W({ dtype: 'int32', quantization: { dtype: 'float16' } })), 'invalid_quantization', /does not apply to int32/],
    [JSON.stringify(W({ graftDtype: 'int64' })), 'invalid_weight_spec', /graftDtype "int64" cannot be carried by tfjs dtype float32/],
    [JSON.stringify(W({ shape: [2 ** 30, 2 ** 30, 2 ** 30] })), 'validation_overflow', /overflows/],
    [JSON.stringify({ weightsManifest: [{ paths: ['../../etc/passwd'], weights: [] }] }), 'unsafe_shard_path', /outside the model folder/],
    [JSON.stringify({ weightsManifest: [{ paths: [], weights: [{ name: 'a', shape: [], dtype: 'int32' }, { name: 'a', shape: [], dtype: 'int32' }] }] }), 'duplicate_tensor_name', /appears twice/],
  ];
  for (const [text, code, msg] of cases) {
    assert.throws(() => parseManifest(text, 'web/model.json'), (e: Error & { code?: string; details?: Record<string, unknown> }) => {
      assert.equal(e.code, code, `${text} → ${e.message}`);
      assert.match(e.message, /^web\/model\.json: /);
      assert.match(e.message, msg);
      assert.ok(typeof e.details?.field === 'string', 'details.field names the field');
      return true;
    });
  }
});

test('shard errors: missing shard, too few bytes, extra bytes, bad string length, carrier out of range', async () => {
  const dir = await tmp();
  try {
    const f4 = new Uint8Array(4);
    await assert.rejects(openTfjsWeights(await folder(join(dir, 'a'), W({}))), { code: 'shard_missing' });
    await assert.rejects(openTfjsWeights(await folder(join(dir, 'b'), W({ shape: [2] }), { 's.bin': f4 })), /weight "w" needs 8 bytes at offset 0 of group 0 but its shards hold 4 bytes/);
    await assert.rejects(openTfjsWeights(await folder(join(dir, 'c'), W({}), { 's.bin': new Uint8Array(6) })), { code: 'shard_size_mismatch' });
    const strLen = new Uint8Array([255, 255, 0, 0, 65]);
    await assert.rejects(openTfjsWeights(await folder(join(dir, 'd'), W({ dtype: 'string' }), { 's.bin': strLen })), { code: 'invalid_string_length' });
    const p = await folder(join(dir, 'e'), W({ dtype: 'int32', graftDtype: 'uint8' }), { 's.bin': new Uint8Array(new Int32Array([300]).buffer) });
    const r = await openTfjsWeights(p);
    await assert.rejects(r.read('w'), { code: 'value_out_of_range' });
    await assert.rejects(openTfjsWeights(join(dir, 'none/model.json')), { code: 'checkpoint_not_found' });
    await assert.rejects(r.read('missing'), { code: 'tensor_not_found' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('weights_manifest.json (a bare manifest array) opens too', async () => {
  const dir = await tmp();
  try {
    await writeFile(join(dir, 's.bin'), new Uint8Array(new Float32Array([2.5]).buffer));
    await writeFile(join(dir, 'weights_manifest.json'), JSON.stringify(W({}).weightsManifest));
    const r = await openTfjsWeights(join(dir, 'weights_manifest.json'));
    assert.deepEqual(Array.from(decodeValues(await r.read('w')) as Float32Array), [2.5]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
