/**
 * Run directories as users treat them (issue 13): `cp -r` and `mv` of a run, then training in the
 * copy or the moved one; a hostile state file naming files outside the run; two writers. Every
 * file outside the run being trained is compared by sha256 before and after.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, lstat, symlink, writeFile, rename } from 'node:fs/promises';
import { join, relative } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { CheckpointManager, getCheckpointState, latestCheckpoint } from '../../src/checkpoint/index.js';
import { writeCheckpointState } from '../../src/formats/state-file.js';
import { makeParams, valuesOf, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

/** relative path → sha256 of every file under `root` (symlinks as their target text). */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const n of (await readdir(d)).sort()) {
      const p = join(d, n);
      const st = await lstat(p);
      if (st.isDirectory()) await walk(p);
      else out[relative(root, p)] = st.isSymbolicLink() ? `link` : createHash('sha256').update(await readFile(p)).digest('hex');
    }
  };
  await walk(root);
  return out;
}

const model = () => makeParams([['w', [3]], ['global_step', [1]]], 4);

/** `steps` saves into `dir` through one manager (maxToKeep 2, keep best 1), values = step. */
async function train(dir: string, from: number, to: number, options: { warnings?: string[] } = {}): Promise<{ resumedFrom: string | null; step: number | null }> {
  const params = model();
  const m = new CheckpointManager(dir, { params, maxToKeep: 2, fsync: false, keepBest: { metric: 'acc', mode: 'max', maxToKeep: 1 } });
  const r = await m.restoreOrInitialize();
  options.warnings?.push(...r.warnings);
  for (let s = from; s <= to; s++) {
    tf.tidy(() => params.require('w').variable.assign(tf.fill([3], s)));
    await m.save(s, { metrics: { acc: s / 100 } });
  }
  await m.close();
  return { resumedFrom: r.path, step: r.step };
}

test('cp -r runs/a runs/b, train in b: a byte-identical; b resumes from and deletes only its own files', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = join(dir, 'runs', 'a');
    const b = join(dir, 'runs', 'b');
    await train(a, 1, 3);
    assert.match(await readFile(join(a, 'checkpoint'), 'utf8'), /^model_checkpoint_path: "model.ckpt-3"\n/, 'relative paths');
    assert.match(await readFile(join(a, 'best', 'checkpoint'), 'utf8'), /^model_checkpoint_path: "model.ckpt-3"\n/);
    const before = await tree(a);
    assert.equal(spawnSync('cp', ['-r', a, b]).status, 0);
    const r = await train(b, 4, 9);
    assert.equal(r.resumedFrom, join(b, 'model.ckpt-3'));
    assert.deepEqual(await tree(a), before, 'the original is byte-identical');
    assert.deepEqual((await getCheckpointState(b))!.allModelCheckpointPaths, [join(b, 'model.ckpt-8'), join(b, 'model.ckpt-9')]);
    assert.equal(await latestCheckpoint(join(b, 'best')), join(b, 'best', 'model.ckpt-9'));
  } finally {
    await cleanup();
  }
});

test('cp -r of a run whose state files hold absolute paths (TF1 Saver, older Graft): the copy relocates them to itself', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await train(a, 1, 3);
    // rewrite both state files the way an absolute-path writer leaves them
    for (const d of [a, join(a, 'best')]) {
      const s = (await getCheckpointState(d))!;
      await writeCheckpointState(d, s, { saveRelativePaths: false });
      assert.match(await readFile(join(d, 'checkpoint'), 'utf8'), new RegExp(`^model_checkpoint_path: "${d}/model.ckpt-3"`));
    }
    const before = await tree(a);
    assert.equal(spawnSync('cp', ['-r', a, b]).status, 0);
    const warnings: string[] = [];
    const r = await train(b, 4, 9, { warnings });
    assert.equal(r.resumedFrom, join(b, 'model.ckpt-3'), 'resumed from the copy, not the original');
    assert.ok(warnings.some((w) => w === `${join(b, 'checkpoint')}:3: ${join(a, 'model.ckpt-3')} read as ${join(b, 'model.ckpt-3')} (the run directory was copied or moved)`), warnings.join('\n'));
    assert.deepEqual(await tree(a), before, 'the original is byte-identical: nothing read as its own was deleted');
    const files = (await readdir(b)).filter((f) => f.endsWith('.index')).sort();
    assert.deepEqual(files, ['model.ckpt-8.index', 'model.ckpt-9.index']);
  } finally {
    await cleanup();
  }
});

test('mv runs/a runs/c: the moved run resumes from its own latest (relative and absolute state files)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const absolute of [false, true]) {
      const a = join(dir, `a${absolute}`);
      const c = join(dir, `c${absolute}`);
      await train(a, 1, 5);
      if (absolute) await writeCheckpointState(a, (await getCheckpointState(a))!, { saveRelativePaths: false });
      await rename(a, c);
      const r = await train(c, 6, 7);
      assert.equal(r.resumedFrom, join(c, 'model.ckpt-5'), `absolute=${absolute}`);
      assert.equal(r.step, 5);
      const fresh = model();
      const m = new CheckpointManager(c, { params: fresh, fsync: false });
      assert.equal((await m.restoreOrInitialize()).path, join(c, 'model.ckpt-7'));
      await m.close();
      assert.deepEqual(valuesOf(fresh).w, [7, 7, 7]);
    }
  } finally {
    await cleanup();
  }
});

test('a hostile state file: files it names outside the run (../, absolute, through symlinks) survive 5 trainings', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const outside = join(dir, 'x');
    const elsewhere = join(dir, 'home', 'u');
    await mkdir(outside, { recursive: true });
    await mkdir(elsewhere, { recursive: true });
    const victims = [join(outside, 'thesis.tex'), join(outside, 'thesis.tex.index'), join(outside, 'thesis.tex.meta.json'), join(outside, 'thesis.tex.data-00000-of-00001'),
      join(elsewhere, 'notes'), join(elsewhere, 'notes.index'), join(elsewhere, 'model.safetensors'), join(outside, 'target.txt')];
    for (const v of victims) await writeFile(v, `precious ${v}\n`);
    const run = join(dir, 'runs', 'r');
    await mkdir(run, { recursive: true });
    await symlink(outside, join(run, 'link'));                       // a directory symlink out of the run
    await symlink(join(outside, 'target.txt'), join(run, 'model.ckpt-1.index')); // a file symlink out of the run
    const listed = ['../../x/thesis.tex', `${elsewhere}/notes`, `${elsewhere}/model.safetensors`, 'link/thesis.tex', 'model.ckpt-1', '..', '.'];
    await writeFile(join(run, 'checkpoint'), [
      `model_checkpoint_path: "../../x/thesis.tex"`,
      ...listed.map((p) => `all_model_checkpoint_paths: "${p}"`),
      ...listed.map(() => 'all_model_checkpoint_timestamps: 1e12'), // in the future: TF would adopt every one
      'last_preserved_timestamp: 1.0',
      '',
    ].join('\n'));
    const before = await tree(dir + '/x');
    const beforeHome = await tree(join(dir, 'home'));
    const warnings: string[] = [];
    for (let round = 0; round < 5; round++) await train(run, round * 3 + 2, round * 3 + 4, { warnings });
    assert.deepEqual(await tree(dir + '/x'), before);
    assert.deepEqual(await tree(join(dir, 'home')), beforeHome);
    const file = join(run, 'checkpoint');
    assert.ok(warnings.includes(`${file}:1: model_checkpoint_path ../../x/thesis.tex is outside the run directory: not resumed from`), warnings.join('\n'));
    assert.ok(warnings.includes(`${file}:2: ../../x/thesis.tex is outside the run directory: not adopted, never deleted`));
    assert.ok(warnings.includes(`${file}:3: ${elsewhere}/notes is outside the run directory: not adopted, never deleted`));
    assert.ok(warnings.includes(`${file}:5: link/thesis.tex is outside the run directory: not adopted, never deleted`), 'a symlinked directory is resolved');
    // model.ckpt-1 is inside: adopted and retired by retention, which unlinked the symlink, not its target
    assert.equal(await readFile(join(outside, 'target.txt'), 'utf8'), `precious ${join(outside, 'target.txt')}\n`);
    assert.ok(!(await readdir(run)).includes('model.ckpt-1.index'));
    assert.deepEqual((await getCheckpointState(run))!.allModelCheckpointPaths, [join(run, 'model.ckpt-15'), join(run, 'model.ckpt-16')]);
  } finally {
    await cleanup();
  }
});
