/**
 * Every TF-written bundle under test/fixtures lists with the names, dtypes and shapes MANIFEST.md
 * gives, and every value reads back with its CRC32C verified; known values match.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { openBundle, isBundlePrefix } from '../../../src/formats/tf-bundle/index.js';
import { BUNDLE_FIXTURES, FIXTURES, manifestListing } from './helpers.js';

for (const prefix of BUNDLE_FIXTURES) {
  test(`fixture ${prefix}: list matches MANIFEST.md, every tensor reads with CRC verified`, async () => {
    const { rows, count, partial } = manifestListing(prefix);
    await using r = await openBundle(FIXTURES + prefix);
    const list = r.list();
    assert.equal(list.length, count);
    const got = list.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape }));
    const want = rows.map((x) => ({ name: x.name, dtype: x.dtype, shape: x.shape }));
    if (partial) assert.deepEqual(got.slice(0, want.length), want);
    else assert.deepEqual(got, want);
    assert.ok(isBundlePrefix(FIXTURES + prefix));
    let bytes = 0;
    for (const t of list) {
      const v = await r.read(t.name);
      assert.equal(v.dtype, t.dtype);
      if (t.dtype === 'string') assert.equal(v.strings!.length, t.shape.reduce((a, b) => a * b, 1));
      else assert.equal(v.data.length, t.bytes);
      bytes += t.bytes;
    }
    // Lazy reader: the index plus exactly the tensor bytes were read (TF2: the object graph twice,
    // once at open for objectGraphPaths).
    const index = statSync(`${FIXTURES}${prefix}.index`).size;
    const graph = list.find((t) => t.name === '_CHECKPOINTABLE_OBJECT_GRAPH')?.bytes ?? 0;
    assert.equal(r.bytesRead, index + bytes + graph);
    assert.equal(r.unsupported.length, 0);
  });
}

async function scalar(prefix: string, name: string): Promise<number | bigint> {
  await using r = await openBundle(FIXTURES + prefix);
  const v = await r.read(name);
  const dv = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength);
  if (v.dtype === 'float32') return dv.getFloat32(0, true);
  if (v.dtype === 'int32') return dv.getInt32(0, true);
  if (v.dtype === 'int64') return dv.getBigInt64(0, true);
  throw new TypeError(v.dtype);
}

test('known values: v1/v2, EMA shadow, int32 and int64 global steps, Adam powers, Keras iter', async () => {
  const kv = 'tf1-bundle/caicloud-v1v2-ema-known-values/';
  assert.equal(await scalar(`${kv}model.ckpt`, 'v1'), 1);
  assert.equal(await scalar(`${kv}model.ckpt`, 'v2'), 2);
  assert.equal(await scalar(`${kv}model2.ckpt`, 'v'), 10);
  assert.equal(await scalar(`${kv}model2.ckpt`, 'v/ExponentialMovingAverage'), 0.09999990463256836);
  assert.equal(await scalar('tf1-bundle/caicloud-mnist-ema/mnist_model-29001', 'Variable'), 29001);
  assert.equal(await scalar('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1', 'global_step'), 1n);
  assert.equal(await scalar('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000', 'global_step'), 20000n);
  assert.equal(await scalar('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1', 'beta1_power'), Math.fround(Math.fround(0.9) * Math.fround(0.9))); // 0.9² in float32
  assert.equal(await scalar('tf1-bundle/lq6h-uniquified-names/model.ckpt', 'Variable'), 1);
  assert.equal(await scalar('tf2-bundle/charity-keras-save-weights-adam/cp.ckpt', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 160800n);
  assert.equal(await scalar('tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 3840n);
  assert.equal(await scalar('savedmodel/mnist-keras-cnn-bn/variables/variables', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 63750n);
});

test('a trailing ":0" is ignored by has/info/read', async () => {
  await using r = await openBundle(`${FIXTURES}tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt`);
  assert.ok(r.has('v1:0'));
  assert.deepEqual(r.info('v1:0').shape, [1]);
  assert.equal((await r.read('v2:0')).data.length, 4);
});

test('the 2-shard TF2 checkpoint reads tensors from both data files', async () => {
  await using r = await openBundle(`${FIXTURES}tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt`);
  assert.equal(r.numShards, 2);
  const k = await r.read('layer-1/kernel/.ATTRIBUTES/VARIABLE_VALUE');
  assert.deepEqual(k.shape, [4, 128]);
  const g = await r.read('_CHECKPOINTABLE_OBJECT_GRAPH');
  assert.equal(g.strings!.length, 1);
});

test('TF2 object graph: checkpoint keys map to the variables\' full names', async () => {
  await using a = await openBundle(`${FIXTURES}tf2-bundle/charity-keras-save-weights-adam/cp.ckpt`);
  assert.equal(a.objectGraphPaths.get('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'), 'dense/kernel');
  assert.equal(a.objectGraphPaths.get('layer_with_weights-3/bias/.ATTRIBUTES/VARIABLE_VALUE'), 'dense_3/bias');
  assert.equal(a.objectGraphPaths.get('optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 'Adam/iter');
  // Every mapped key is a real tensor of the file.
  for (const k of a.objectGraphPaths.keys()) assert.ok(a.has(k), k);
  await using b = await openBundle(`${FIXTURES}tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt`);
  assert.equal(b.objectGraphPaths.get('layer-1/kernel/.ATTRIBUTES/VARIABLE_VALUE'), 'sequential/dense/kernel');
  await using c = await openBundle(`${FIXTURES}savedmodel/mnist-keras-cnn-bn/variables/variables`);
  assert.equal(c.objectGraphPaths.get('layer_with_weights-1/moving_mean/.ATTRIBUTES/VARIABLE_VALUE'), 'batch_normalization/moving_mean');
  await using d = await openBundle(`${FIXTURES}tf1-bundle/aplain-basic-lstm/model.ckpt`);
  assert.equal(d.objectGraphPaths.size, 0);
});

test('opening by `<prefix>.index` or a data file name is accepted and noted', async () => {
  const p = `${FIXTURES}tf1-bundle/football-default-variable-names/model.ckpt`;
  await using r = await openBundle(`${p}.index`);
  assert.equal(r.path, p);
  assert.deepEqual(r.notes, [`${p}.index is the index file of a TensorFlow checkpoint; using prefix ${p}.`]);
  await using s = await openBundle(`${p}.data-00000-of-00001`);
  assert.equal(s.path, p);
  assert.equal(s.list().length, 2);
});
