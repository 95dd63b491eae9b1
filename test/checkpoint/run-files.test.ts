import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointFileNames, checkpointOwnership, deleteOwnedCheckpoint } from '../../src/checkpoint/run-files.js';
import { deleteCheckpointFiles } from '../../src/checkpoint/saver.js';
import { tempDir } from './helpers.js';

test('checkpointFileNames: the formats\' own names for a prefix and their temp siblings, nothing else', () => {
  const names = [
    'model.ckpt-5', 'model.ckpt-5.index', 'model.ckpt-5.data-00000-of-00002', 'model.ckpt-5.data-00001-of-00002', 'model.ckpt-5.meta.json',
    'model.ckpt-5.meta', 'model.ckpt-50.index', 'model.ckpt-5.index.bak', 'model.ckpt-5.data-0-of-1', 'xmodel.ckpt-5.index',
    '.model.ckpt-5.index.tmp0123456789abcdef', '.model.ckpt-5.meta.json.tmpfedcba9876543210', '.model.ckpt-5.tmp0123456789abcdef', '.model.ckpt-5.index.tmp0123',
  ];
  assert.deepEqual(checkpointFileNames('model.ckpt-5', names), [
    'model.ckpt-5.index', 'model.ckpt-5.data-00000-of-00002', 'model.ckpt-5.data-00001-of-00002', 'model.ckpt-5.meta.json',
    '.model.ckpt-5.index.tmp0123456789abcdef', '.model.ckpt-5.meta.json.tmpfedcba9876543210',
  ], 'never the bare prefix (a V1 file or anything else), never .meta (TF\'s, not written by Graft)');
  assert.deepEqual(checkpointFileNames('m-3.safetensors', ['m-3.safetensors', 'm-3.safetensors.meta.json', '.m-3.safetensors.tmp0123456789abcdef', 'm-3']), ['m-3.safetensors', 'm-3.safetensors.meta.json', '.m-3.safetensors.tmp0123456789abcdef']);
  assert.deepEqual(checkpointFileNames('a+b(1)', ['a+b(1).index', 'aab(1).index', 'a+b(1)xindex']), ['a+b(1).index'], 'the prefix is matched literally');
});

test('checkpointOwnership: only paths directly in the run directory, symlinks and .. resolved', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const run = join(dir, 'run');
    await mkdir(join(run, 'sub'), { recursive: true });
    await mkdir(join(dir, 'other'));
    await symlink(join(dir, 'other'), join(run, 'link'));
    await symlink(run, join(dir, 'alias')); // the run reached through a symlink is the run
    assert.deepEqual(await checkpointOwnership(run, join(run, 'model.ckpt-1')), { owned: true });
    assert.deepEqual(await checkpointOwnership(run, join(dir, 'alias', 'model.ckpt-1')), { owned: true });
    assert.deepEqual(await checkpointOwnership(run, join(run, 'sub', '..', 'model.ckpt-1')), { owned: true });
    for (const p of [join(run, '..', 'thesis.tex'), join(run, 'link', 'x'), join(run, 'sub', 'model.ckpt-1'), '/etc/passwd', join(run, '..'), run + '/']) {
      const o = await checkpointOwnership(run, p);
      assert.equal(o.owned, false, p);
    }
    assert.match((await checkpointOwnership(run, join(run, 'link', 'x'))).reason!, new RegExp(`is outside the run directory ${run} \\(its directory is ${join(dir, 'other')}\\)`));
  } finally {
    await cleanup();
  }
});

test('deleteOwnedCheckpoint removes the checkpoint\'s files only; refuses outside paths; leaves FIFOs, directories and symlink targets', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const run = join(dir, 'run');
    await mkdir(run);
    await writeFile(join(dir, 'precious.txt'), 'keep');
    for (const f of ['model.ckpt-1.index', 'model.ckpt-1.data-00000-of-00001', 'model.ckpt-1.meta.json', 'model.ckpt-1', 'model.ckpt-1.meta', 'model.ckpt-2.index']) await writeFile(join(run, f), f);
    await symlink(join(dir, 'precious.txt'), join(run, 'model.ckpt-1.data-00001-of-00002'));
    await mkdir(join(run, 'model.ckpt-1.data-00002-of-00003'));
    assert.equal(spawnSync('mkfifo', [join(run, '.model.ckpt-1.index.tmp0123456789abcdef')]).status, 0);
    const r = await deleteOwnedCheckpoint(run, join(run, 'model.ckpt-1'));
    assert.deepEqual(r.deleted.map((p) => p.slice(run.length + 1)).sort(), ['model.ckpt-1.data-00000-of-00001', 'model.ckpt-1.data-00001-of-00002', 'model.ckpt-1.index', 'model.ckpt-1.meta.json']);
    assert.equal(r.deleted[0], join(run, 'model.ckpt-1.index'), 'the index goes first');
    assert.deepEqual((await readdir(run)).sort(), ['.model.ckpt-1.index.tmp0123456789abcdef', 'model.ckpt-1', 'model.ckpt-1.data-00002-of-00003', 'model.ckpt-1.meta', 'model.ckpt-2.index']);
    assert.equal(await readFile(join(dir, 'precious.txt'), 'utf8'), 'keep', 'a symlink is unlinked, its target kept');
    const refused = await deleteOwnedCheckpoint(run, join(run, '..', 'precious.txt'));
    assert.deepEqual(refused.deleted, []);
    assert.match(refused.refused!, /outside the run directory/);
    // the exported TF-style helper follows the same rules: the bare path of a non-.safetensors checkpoint is never deleted
    await deleteCheckpointFiles(join(dir, 'precious.txt'));
    assert.equal(await readFile(join(dir, 'precious.txt'), 'utf8'), 'keep');
  } finally {
    await cleanup();
  }
});
