// Keras .h5 through h5wasm: both real fixtures (full model with optimizer weights, weights-only),
// a forward pass of the celsius model from the read weights, and one test per error code with
// small HDF5 files written by h5wasm itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { openKerasH5 } from '../../../src/formats/keras-h5/index.js';
import { decodeValues } from '../../../src/formats/stats.js';
import type { CheckpointReader } from '../../../src/formats/types.js';

const root = new URL('../../../..', import.meta.url).pathname;
const CELSIUS = join(root, 'test/fixtures/keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5');
const DIGITS = join(root, 'test/fixtures/keras-h5/digits-cnn-weights-only/model.h5');

async function f32(r: CheckpointReader, name: string): Promise<Float32Array> {
  return decodeValues(await r.read(name)) as Float32Array;
}

test('celsius full model: model_weights named like TF-Keras, optimizer weights listed, iter = 300', async () => {
  const r = await openKerasH5(CELSIUS);
  try {
    assert.equal(r.metadata.keras_version, '2.6.0');
    const names = r.list().map((t) => `${t.name} ${t.dtype} [${t.shape}]`);
    assert.deepEqual(names.filter((n) => !n.startsWith('optimizer_weights/')), [
      'dense/bias float32 [3]', 'dense/kernel float32 [1,3]', 'dense_1/bias float32 [3]', 'dense_1/kernel float32 [3,3]',
      'dense_2/bias float32 [1]', 'dense_2/kernel float32 [3,1]',
    ]);
    assert.equal(names.filter((n) => n.startsWith('optimizer_weights/Adam/')).length, 13);
    assert.ok(names.includes('optimizer_weights/Adam/dense_1/kernel/m float32 [3,3]'));
    assert.deepEqual(r.info('optimizer_weights/Adam/iter:0'), { name: 'optimizer_weights/Adam/iter', dtype: 'int64', shape: [], bytes: 8 });
    assert.deepEqual(Array.from(decodeValues(await r.read('optimizer_weights/Adam/iter')) as BigInt64Array), [300n]);
  } finally {
    await r.close();
  }
});

test('celsius full model: the three linear Dense layers map 100 °C to ≈ 212 °F', async () => {
  const r = await openKerasH5(CELSIUS);
  try {
    let x = [100];
    for (const layer of ['dense', 'dense_1', 'dense_2']) {
      const k = await r.read(`${layer}/kernel`);
      const kv = decodeValues(k) as Float32Array, bv = await f32(r, `${layer}/bias`);
      const [nin, nout] = k.shape as [number, number];
      x = Array.from({ length: nout }, (_, j) => x.reduce((s, xi, i) => s + xi * kv[i * nout + j]!, bv[j]!));
      assert.equal(x.length, nout);
      assert.equal(nin, kv.length / nout);
    }
    assert.ok(Math.abs(x[0]! - 212) < 1, `got ${x[0]}`);
  } finally {
    await r.close();
  }
});

test('digits weights-only file: the four weighted layers in layer_names order, values read', async () => {
  const r = await openKerasH5(DIGITS);
  try {
    assert.deepEqual(r.list().map((t) => [t.name, t.shape]), [
      ['conv2d_2/bias', [32]], ['conv2d_2/kernel', [3, 3, 1, 32]], ['conv2d_3/bias', [64]], ['conv2d_3/kernel', [3, 3, 32, 64]],
      ['dense_2/bias', [128]], ['dense_2/kernel', [1600, 128]], ['dense_3/bias', [10]], ['dense_3/kernel', [128, 10]],
    ]);
    const k = await f32(r, 'dense_2/kernel');
    assert.equal(k.length, 1600 * 128);
    assert.ok(k.every(Number.isFinite));
    assert.ok(k.some((v) => v !== 0));
    await assert.rejects(r.read('flatten_1/kernel'), { code: 'tensor_not_found' });
  } finally {
    await r.close();
  }
});

/** Write a small HDF5 file with h5wasm: `build` gets the open file. */
async function h5(path: string, build: (f: InstanceType<typeof h5wasm.File>) => void): Promise<string> {
  await h5wasm.ready;
  const f = new h5wasm.File(path, 'w');
  try { build(f); } finally { f.close(); }
  return path;
}

test('error codes: not_hdf5, not_keras_h5, missing_dataset, unsupported_dtype, hdf5_error, checkpoint_not_found', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-h5-'));
  try {
    const check = async (p: string, code: string, msg: RegExp) => {
      await assert.rejects(openKerasH5(p), (e: Error & { code?: string }) => {
        assert.equal(e.code, code, e.message);
        assert.ok(e.message.startsWith(p), e.message);
        assert.match(e.message, msg);
        return true;
      });
    };
    const notH5 = join(dir, 'weights.h5');
    await writeFile(notH5, await readFile(join(root, 'test/fixtures/safetensors/hf-safetensors-samples/f.safetensors')));
    await check(notH5, 'not_hdf5', /no HDF5 signature/);
    await check(await h5(join(dir, 'plain.h5'), (f) => { f.create_group('data'); }), 'not_keras_h5', /layer_names/);
    await check(await h5(join(dir, 'missing.h5'), (f) => {
      f.create_attribute('layer_names', ['dense']);
      f.create_group('dense');
      (f.get('dense') as InstanceType<typeof h5wasm.Group>).create_attribute('weight_names', ['dense/kernel:0']);
    }), 'missing_dataset', /weight "dense\/kernel" is listed in weight_names/);
    await check(await h5(join(dir, 'strings.h5'), (f) => {
      f.create_attribute('layer_names', ['t']);
      f.create_group('t');
      (f.get('t') as InstanceType<typeof h5wasm.Group>).create_attribute('weight_names', ['t/vocab:0']);
      f.create_group('t/t');
      (f.get('t/t') as InstanceType<typeof h5wasm.Group>).create_dataset({ name: 'vocab:0', data: ['a', 'b'] });
    }), 'unsupported_dtype', /not a numeric weight/);
    const whole = await readFile(CELSIUS);
    const cut = join(dir, 'cut.h5');
    await writeFile(cut, whole.subarray(0, 4000));
    await check(cut, 'hdf5_error', /HDF5 could not read/);
    await assert.rejects(openKerasH5(join(dir, 'absent.h5')), { code: 'checkpoint_not_found' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
