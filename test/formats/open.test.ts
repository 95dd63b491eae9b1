// Format detection: every accepted path form (with its note), the order of the detectors, and
// the errors for unknown, missing and V1 inputs; writeCheckpoint's format-from-path rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DETECTORS, detectFormat, openCheckpoint } from '../../src/formats/open.js';
import { formatForWritePath, writeCheckpoint } from '../../src/formats/write.js';
import { GraftError } from '../../src/errors.js';

const root = new URL('../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures', p);

test('detectors run in the documented order', () => {
  assert.deepEqual(DETECTORS.map((d) => d.name), ['state-dir', 'saved-model', 'tfjs-dir', 'safetensors-sharded-dir', 'safetensors-dir', 'tfjs-manifest-dir', 'tf-bundle', 'safetensors-index', 'safetensors', 'tfjs-json', 'keras-h5', 'keras-archive', 'pytorch', 'v1-checkpoint']);
});

test('every accepted path form opens the right format, with a note when not literal', async () => {
  const cases: [string, string, string, RegExp | undefined][] = [
    ['tf1-bundle/hsbarker-estimator-cnn-adam', 'tf-bundle', 'model.ckpt-20000', /directory; using its latest checkpoint/],
    ['tf1-bundle/caicloud-v1v2-ema-known-values', 'tf-bundle', 'model2.ckpt', /latest checkpoint/],
    ['tf1-bundle/aplain-basic-lstm/model.ckpt', 'tf-bundle', 'model.ckpt', undefined],
    ['tf1-bundle/aplain-basic-lstm/model.ckpt.index', 'tf-bundle', 'model.ckpt', /index file of a TensorFlow checkpoint; using prefix/],
    ['tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt.data-00001-of-00002', 'tf-bundle', 'model.ckpt', /data file/],
    ['savedmodel/mnist-keras-cnn-bn', 'tf-bundle', 'variables/variables', /SavedModel directory/],
    ['safetensors/peft-gpt2-lora-adapter/adapter_model.safetensors', 'safetensors', 'adapter_model.safetensors', undefined],
    ['safetensors/peft-gpt2-lora-adapter', 'safetensors', 'adapter_model.safetensors', /its only safetensors file/],
    ['tfjs/digits-cnn', 'tfjs', 'model.json', /directory; using/],
    ['tfjs/celsius-single-dense/model.json', 'tfjs', 'model.json', undefined],
    ['keras-h5/digits-cnn-weights-only/model.h5', 'keras-h5', 'model.h5', undefined],
    ['keras3/diabetes-dense-weights-h5/model.weights.h5', 'keras-h5', 'model.weights.h5', undefined],
    ['keras3/stock-lstm-keras341/model.keras', 'keras-h5', 'model.keras', undefined],
  ];
  for (const [p, format, tail, note] of cases) {
    assert.equal(await detectFormat(fx(p)), format, p);
    const r = await openCheckpoint(fx(p));
    try {
      assert.equal(r.format, format, p);
      assert.ok(r.path.endsWith(tail), `${p} → ${r.path}`);
      assert.ok(r.list().length > 0);
      if (note) assert.match(r.metadata.note ?? '', note, p);
      else assert.equal(r.metadata.note, undefined, p);
    } finally {
      await r.close();
    }
  }
});

test('a safetensors file without the extension is recognised by its header', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-open-'));
  try {
    const p = join(dir, 'weights.bin');
    await copyFile(fx('safetensors/hf-safetensors-samples/overall.safetensors'), p);
    assert.equal(await detectFormat(p), 'safetensors');
    const h5 = join(dir, 'weights.hdf5');
    await copyFile(fx('keras-h5/digits-cnn-weights-only/model.h5'), h5);
    assert.equal(await detectFormat(h5), 'keras-h5');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('errors: unknown_format lists the accepted forms; missing paths and empty dirs are checkpoint_not_found', async () => {
  await assert.rejects(openCheckpoint(fx('MANIFEST.md')), (e: GraftError) => {
    assert.equal(e.code, 'unknown_format');
    assert.match(e.message, /MANIFEST\.md: not a checkpoint format/);
    assert.match(e.hint ?? '', /\.safetensors.*model\.json.*\.h5/);
    return true;
  });
  assert.equal(await detectFormat(fx('MANIFEST.md')), null);
  await assert.rejects(openCheckpoint('/nonexistent/dir/model.ckpt'), { code: 'checkpoint_not_found' });
  const dir = await mkdtemp(join(tmpdir(), 'graft-open-'));
  try {
    await assert.rejects(openCheckpoint(dir), (e: GraftError) => e.code === 'checkpoint_not_found' && /the directory is empty; there is no checkpoint in it/.test(e.message));
    // A bundle index file copied to the bare prefix name looks like a V1 checkpoint (an SSTable, no .index).
    await copyFile(fx('tf1-bundle/aplain-basic-lstm/model.ckpt.index'), join(dir, 'model.ckpt'));
    await assert.rejects(openCheckpoint(join(dir, 'model.ckpt')), (e: GraftError) => e.code === 'v1_checkpoint' && /re-save|Saver/.test(e.hint ?? ''));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeCheckpoint picks the format from the path; Keras .h5 is read-only', async () => {
  assert.equal(formatForWritePath('out/m.safetensors'), 'safetensors');
  assert.equal(formatForWritePath('out/web/model.json'), 'tfjs');
  assert.equal(formatForWritePath('out/model.ckpt-10'), 'tf-bundle');
  const dir = await mkdtemp(join(tmpdir(), 'graft-open-'));
  try {
    const t = [{ name: 'v', dtype: 'float32' as const, shape: [1], data: new Uint8Array(new Float32Array([3]).buffer) }];
    await mkdir(join(dir, 'web'));
    await writeCheckpoint(join(dir, 'web', 'model.json'), t);
    await writeCheckpoint(join(dir, 'm.safetensors'), t, { metadata: { step: '10' } });
    await writeCheckpoint(join(dir, 'model.ckpt-10'), t);
    for (const [p, f] of [['web/model.json', 'tfjs'], ['m.safetensors', 'safetensors'], ['model.ckpt-10', 'tf-bundle']] as const) {
      const r = await openCheckpoint(join(dir, p));
      assert.equal(r.format, f);
      assert.deepEqual((await r.read('v')).data, t[0]!.data);
      await r.close();
    }
    await assert.rejects(writeCheckpoint(join(dir, 'w.h5'), t), { code: 'format_not_writable' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a state file naming a V1 checkpoint, a bare file, a missing or an outside path: the error says which line of which state file, and what is there', async () => {
  const { writeFile } = await import('node:fs/promises');
  const { loadCheckpoint } = await import('../../src/checkpoint/reader.js');
  const dir = await mkdtemp(join(tmpdir(), 'graft-open-state-'));
  try {
    const state = join(dir, 'checkpoint');
    const expect = async (re: RegExp, code: string): Promise<GraftError> => {
      let err: GraftError | undefined;
      for (const open of [openCheckpoint, loadCheckpoint]) {
        await assert.rejects(open(dir), (e: GraftError) => {
          assert.equal(e.code, code);
          assert.match(e.message, re);
          err = e;
          return true;
        });
      }
      return err!;
    };
    // a real V1-shaped file: an SSTable named as the prefix, no .index
    await copyFile(fx('tf1-bundle/aplain-basic-lstm/model.ckpt.index'), join(dir, 'model.ckpt'));
    await writeFile(state, '# old run\nmodel_checkpoint_path: "model.ckpt"\nall_model_checkpoint_paths: "model.ckpt"\n');
    const v1 = await expect(new RegExp(`^${state}:2: model_checkpoint_path "model\\.ckpt" names a V1 checkpoint: .*V1 checkpoint \\(TF < 1\\.0 / write_version=V1\\)`), 'v1_checkpoint');
    assert.match(v1.hint!, /re-save with tf\.train\.Saver\(\)/);
    assert.equal(v1.details!.line, 2);
    await writeFile(join(dir, 'model.ckpt'), 'not an sstable');
    await expect(new RegExp(`^${state}:2: model_checkpoint_path "model\\.ckpt" is ${dir}/model\\.ckpt, a single file without model\\.ckpt\\.index: not a V2 checkpoint`), 'checkpoint_not_found');
    await writeFile(state, 'model_checkpoint_path: "model.ckpt-7"\n');
    await expect(new RegExp(`^${state}:1: model_checkpoint_path "model\\.ckpt-7" is ${dir}/model\\.ckpt-7, which does not exist \\(no model\\.ckpt-7\\.index\\)`), 'checkpoint_not_found');
    await writeFile(state, 'model_checkpoint_path: "../elsewhere/model.ckpt-5"\n');
    const out = await expect(new RegExp(`^${state}:1: model_checkpoint_path "\\.\\./elsewhere/model\\.ckpt-5" points outside ${dir}, to ${dir}/\\.\\./elsewhere/model\\.ckpt-5, which does not exist`), 'checkpoint_not_found');
    assert.match(out.hint!, /points outside/);
    assert.equal(out.details!.outside, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a directory whose state file lists .safetensors checkpoints (CheckpointManager format safetensors) opens its latest', async () => {
  const { writeFile } = await import('node:fs/promises');
  const dir = await mkdtemp(join(tmpdir(), 'graft-open-st-'));
  try {
    await writeCheckpoint(join(dir, 'model.ckpt-3.safetensors'), [{ name: 'w', dtype: 'float32', shape: [2], data: new Uint8Array(new Float32Array([1, 2]).buffer) }]);
    await writeFile(join(dir, 'checkpoint'), 'model_checkpoint_path: "model.ckpt-3.safetensors"\n');
    const r = await openCheckpoint(dir);
    assert.equal(r.format, 'safetensors');
    assert.deepEqual(r.list().map((t) => t.name), ['w']);
    await r.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
