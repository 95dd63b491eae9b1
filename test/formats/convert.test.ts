// Conversions on the real TensorFlow fixtures: TF bundle → safetensors → tfjs → TF bundle keeps
// every tensor bit for bit (and for TF1 Saver files reproduces TF's .index/.data bytes), plus
// scope selection on '/' boundaries, renames, and the refusals.
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertCheckpoint, applyRename, inScopeOf } from '../../src/formats/convert.js';
import { openCheckpoint } from '../../src/formats/open.js';
import type { GraftError } from '../../src/errors.js';

const root = new URL('../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures', p);

/** Every TF-written checkpoint prefix in the fixtures. */
const TF_PREFIXES = [
  'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1', 'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000',
  'tf1-bundle/aplain-basic-lstm/model.ckpt', 'tf1-bundle/caicloud-mnist-ema/mnist_model-29001',
  'tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt', 'tf1-bundle/caicloud-v1v2-ema-known-values/model2.ckpt',
  'tf1-bundle/football-default-variable-names/model.ckpt', 'tf1-bundle/lq6h-uniquified-names/model.ckpt',
  'tf1-bundle/hose-learn-linear-ftrl-part0/model.ckpt-1', 'tf1-bundle/hose-learn-linear-ftrl-part0/model.ckpt-300',
  'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt', 'tf2-bundle/charity-keras-save-weights-adam/cp.ckpt',
  'savedmodel/mnist-keras-cnn-bn/variables/variables',
];

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'graft-convert-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('TF bundle → safetensors → tfjs → TF bundle keeps every tensor bit-identical (all TF fixtures)', async () => {
  for (const p of TF_PREFIXES) {
    await withTmp(async (dir) => {
      const src = fx(p);
      // safetensors has no string dtype: TF2 object graphs stay behind, explicitly.
      const tf2 = p.startsWith('tf2') || p.startsWith('savedmodel');
      const exclude = tf2 ? ['_CHECKPOINTABLE_OBJECT_GRAPH'] : [];
      const a = await convertCheckpoint(src, join(dir, 'a.safetensors'), { exclude });
      const b = await convertCheckpoint(join(dir, 'a.safetensors'), join(dir, 'web', 'model.json'));
      const c = await convertCheckpoint(join(dir, 'web', 'model.json'), join(dir, 'back'));
      assert.equal(a.excluded, tf2 ? 1 : 0);
      assert.equal(b.written, a.written);
      assert.equal(c.written, a.written);
      const [orig, back] = [await openCheckpoint(src), await openCheckpoint(join(dir, 'back'))];
      try {
        const kept = orig.list().filter((t) => !exclude.includes(t.name));
        assert.deepEqual(back.list(), kept, p);
        for (const t of kept) {
          const [x, y] = [await orig.read(t.name), await back.read(t.name)];
          assert.deepEqual(y.data, x.data, `${p}: ${t.name}`);
        }
      } finally {
        await orig.close();
        await back.close();
      }
      if (!tf2) {
        // A TF1 Saver writes keys and data in sorted order, as Graft's writer does: same bytes.
        for (const suffix of ['.index', '.data-00000-of-00001']) {
          assert.ok((await readFile(`${src}${suffix}`)).equals(await readFile(join(dir, `back${suffix}`))), `${p}${suffix}`);
        }
      }
    });
  }
});

test('the TF2 object graph string travels TF bundle → tfjs → TF bundle unchanged', async () => {
  await withTmp(async (dir) => {
    const src = fx('tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt');
    await convertCheckpoint(src, join(dir, 'web', 'model.json'));
    await convertCheckpoint(join(dir, 'web', 'model.json'), join(dir, 'back'));
    const [a, b] = [await openCheckpoint(src), await openCheckpoint(join(dir, 'back'))];
    const [x, y] = [await a.read('_CHECKPOINTABLE_OBJECT_GRAPH'), await b.read('_CHECKPOINTABLE_OBJECT_GRAPH')];
    assert.equal(y.dtype, 'string');
    assert.deepEqual(y.strings, x.strings);
    assert.deepEqual((await b.read('optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE')).data, (await a.read('optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE')).data);
    await a.close();
    await b.close();
  });
});

test('scopes match on / boundaries; include, exclude and renames report every tensor', async () => {
  assert.ok(inScopeOf('conv2d/kernel', 'conv2d'));
  assert.ok(!inScopeOf('conv2d_1/kernel', 'conv2d'));
  assert.ok(inScopeOf('conv2d/kernel/Adam', 'conv2d/kernel/'));
  assert.deepEqual(applyRename('dense/kernel/Adam', [['dense', 'head']]), { name: 'head/kernel/Adam', rule: 0 });
  assert.equal(applyRename('dense_1/kernel', [['dense', 'head']]), undefined);
  await withTmp(async (dir) => {
    const src = fx('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000');
    const r = await convertCheckpoint(src, join(dir, 'sel.safetensors'), { include: ['conv2d', 'dense'], exclude: ['dense/kernel'], rename: [['dense', 'head'], ['conv2d/bias', 'b0']] });
    const by = new Map(r.tensors.map((t) => [t.source, t]));
    assert.equal(by.get('conv2d/kernel')!.status, 'converted');
    assert.equal(by.get('conv2d_1/kernel')!.status, 'excluded');
    assert.equal(by.get('dense/kernel/Adam')!.status, 'excluded');
    assert.deepEqual([by.get('dense/bias')!.status, by.get('dense/bias')!.name], ['renamed', 'head/bias']);
    assert.deepEqual([by.get('conv2d/bias')!.status, by.get('conv2d/bias')!.name], ['renamed', 'b0']);
    assert.equal(by.get('conv2d/bias/Adam')!.name, 'b0/Adam');
    assert.equal(r.written, 9);
    assert.equal(r.excluded, 12);
    const out = await openCheckpoint(join(dir, 'sel.safetensors'));
    assert.deepEqual(out.list().map((t) => t.name), ['b0', 'b0/Adam', 'b0/Adam_1', 'conv2d/kernel', 'conv2d/kernel/Adam', 'conv2d/kernel/Adam_1', 'head/bias', 'head/bias/Adam', 'head/bias/Adam_1']);
    await out.close();
  });
});

test('refusals: scope or rename that matches nothing, name clash, existing destination, same path, string into safetensors', async () => {
  await withTmp(async (dir) => {
    const src = fx('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000');
    const code = (c: string, re?: RegExp) => (e: GraftError) => e.code === c && (re === undefined || re.test(`${e.message} ${e.hint}`));
    await assert.rejects(convertCheckpoint(src, join(dir, 'x.safetensors'), { include: ['conv'] }), code('scope_matches_nothing', /--include conv matches no tensor.*top-level scopes here: beta1_power/));
    await assert.rejects(convertCheckpoint(src, join(dir, 'x.safetensors'), { rename: { Dense: 'head' } }), code('rename_matches_nothing'));
    await assert.rejects(convertCheckpoint(src, join(dir, 'x.safetensors'), { rename: { conv2d_1: 'conv2d' } }), code('duplicate_tensor_name', /would both be written as "conv2d\/bias"/));
    await assert.rejects(convertCheckpoint(src, src), code('same_path'));
    await assert.rejects(convertCheckpoint(src, join(dir, 'none.safetensors'), { include: ['conv2d'], exclude: ['conv2d'] }), code('nothing_selected', /leaves none of the \d+ tensors.*nothing written/));
    assert.equal(existsSync(join(dir, 'none.safetensors')), false, 'an empty selection writes no file');
    await convertCheckpoint(src, join(dir, 'x.safetensors'));
    await assert.rejects(convertCheckpoint(src, join(dir, 'x.safetensors')), code('destination_exists', /overwrite/));
    const again = await convertCheckpoint(src, join(dir, 'x.safetensors'), { overwrite: true, exclude: ['global_step'] });
    assert.equal(again.written, 20);
    await assert.rejects(convertCheckpoint(fx('tf2-bundle/charity-keras-save-weights-adam/cp.ckpt'), join(dir, 'y.safetensors')), code('dtype_not_supported', /--exclude _CHECKPOINTABLE_OBJECT_GRAPH/));
  });
});
