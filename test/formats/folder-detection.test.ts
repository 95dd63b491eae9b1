// Folder detection for every format (open.ts + folder-listing.ts) on copies of real fixtures:
// tfjs folders whose manifest is not called model.json, sharded and single-file safetensors
// folders, and folders that hold no checkpoint — the error lists what was found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFormat, openCheckpoint } from '../../src/formats/open.js';
import type { GraftError } from '../../src/errors.js';

const root = new URL('../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures', p);
const CELSIUS = fx('tfjs/celsius-single-dense');

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'graft-folders-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

async function refused(path: string, ...res: RegExp[]): Promise<void> {
  await assert.rejects(openCheckpoint(path), (e: GraftError) => {
    assert.equal(e.code, 'checkpoint_not_found', e.message);
    for (const re of res) assert.match(`${e.message}\nhint: ${e.hint}`, re);
    return true;
  });
}

test('tfjs folders: <name>-weights_manifest.json, or <name>.json instead of model.json', async () => {
  await withTmp(async (dir) => {
    const model = JSON.parse(await readFile(join(CELSIUS, 'model.json'), 'utf8')) as { weightsManifest: unknown };
    const a = join(dir, 'manifest');
    await mkdir(a);
    await copyFile(join(CELSIUS, 'group1-shard1of1.bin'), join(a, 'group1-shard1of1.bin'));
    await writeFile(join(a, 'celsius-weights_manifest.json'), JSON.stringify(model.weightsManifest));
    await writeFile(join(a, 'notes.json'), '{"not": "tfjs"}');
    const b = join(dir, 'renamed');
    await cp(CELSIUS, b, { recursive: true });
    await rm(join(b, 'model.json'));
    await writeFile(join(b, 'celsius.json'), JSON.stringify(model));
    await writeFile(join(b, 'config.json'), '{"model_type": "dense"}');
    for (const [d, file] of [[a, 'celsius-weights_manifest.json'], [b, 'celsius.json']] as const) {
      assert.equal(await detectFormat(d), 'tfjs');
      await using r = await openCheckpoint(d);
      assert.equal(r.path, join(d, file));
      assert.match(r.metadata.note ?? '', new RegExp(`is a directory; using .*${file}`));
      assert.deepEqual(r.list().map((t) => t.name), ['dense/bias', 'dense/kernel']);
    }
  });
});

test('safetensors folders: sharded (index + shards), one file, and what is refused', async () => {
  await withTmp(async (dir) => {
    assert.equal(await detectFormat(fx('safetensors/hf-hub-sharded-tiny')), 'safetensors');
    assert.equal(await detectFormat(fx('safetensors/candle-encodec-jfk-codes-i64')), 'safetensors');
    // Shards without their index.
    const noIndex = join(dir, 'no-index');
    await cp(fx('safetensors/hf-hub-sharded-tiny'), noIndex, { recursive: true });
    await rm(join(noIndex, 'model.safetensors.index.json'));
    await refused(noIndex, /found 3 safetensors shards \(model-00001-of-00003\.safetensors, .*\) but no model\.safetensors\.index\.json/, /hint: download the index file/);
    // Several plain files.
    const several = join(dir, 'several');
    await cp(fx('safetensors/hf-safetensors-samples'), several, { recursive: true });
    await refused(several, /found 10 \.safetensors files \(B\.safetensors, H\.safetensors, .*\(10 in all\)\) and no index/, /hint: pass one file, e.g. .*B\.safetensors/);
  });
});

test('a folder with no checkpoint lists what it holds; a TF-looking one keeps TF\'s words and names a prefix', async () => {
  await withTmp(async (dir) => {
    const junk = join(dir, 'junk');
    await mkdir(join(junk, 'sub'), { recursive: true });
    for (const f of ['a.txt', 'b.bin', 'c.md']) await writeFile(join(junk, f), 'x');
    await refused(junk, /junk: found 4 entries: a\.txt, b\.bin, c\.md, sub\/; none is a checkpoint Graft reads/);
    const flat = join(dir, 'flat');
    await mkdir(flat);
    for (const f of ['a.txt', 'b.bin', 'c.md']) await writeFile(join(flat, f), 'x');
    await refused(flat, /found 3 files: a\.txt, b\.bin, c\.md; none is a checkpoint/);
    const tf = join(dir, 'tf');
    await mkdir(tf);
    for (const f of ['model.ckpt-5.index', 'model.ckpt-5.data-00000-of-00001']) await copyFile(fx(`tf1-bundle/caicloud-v1v2-ema-known-values/${f.replace('-5', '')}`), join(tf, f));
    await refused(tf, /Couldn't find 'checkpoint' file or checkpoints in given directory \(found model\.ckpt-5\.data-00000-of-00001, model\.ckpt-5\.index\)/, /hint: pass a checkpoint prefix, e\.g\. .*tf\/model\.ckpt-5/);
  });
});
