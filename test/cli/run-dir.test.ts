/**
 * `graft train` on run directories as users treat them (issue 13): a copied run trained in the
 * copy, a hostile state file, and a second writer. Files outside the run trained are compared
 * by sha256 before and after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
const LOCK_MODULE = new URL('../../src/checkpoint/run-lock.js', import.meta.url).href;
const graft = (args: string[]) => spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000 });
const SMALL = ['--model', 'mnist-cnn', '--model-config', '{"conv1Filters":4,"conv2Filters":8,"fcUnits":16}', '--digits', '0,1', '--train-limit', '64', '--test-limit', '32',
  '--batch-size', '16', '--eval-every', '1', '--max-to-keep', '1', '--log-every', '0', '--json'];

function tree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(root, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(root);
  return out;
}

test('graft train: cp -r runs/a runs/b then training in b leaves a byte-identical; a second writer on b gets run_locked (exit 1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-rundir-'));
  try {
    const a = join(dir, 'runs', 'a');
    const b = join(dir, 'runs', 'b');
    const first = graft(['train', ...SMALL, '--train-dir', a]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(readFileSync(join(a, 'checkpoint'), 'utf8'), /^model_checkpoint_path: "model\.ckpt-4"\n/);
    const before = tree(a);
    assert.equal(spawnSync('cp', ['-r', a, b]).status, 0);
    const second = graft(['train', ...SMALL, '--epochs', '2', '--train-dir', b]);
    assert.equal(second.status, 0, second.stderr);
    const doc = JSON.parse(second.stdout);
    assert.equal(doc.start.action, 'resumed');
    assert.match(doc.start.message, new RegExp(`resumed from ${b}/model\\.ckpt-4 `));
    assert.ok(!readdirSync(b).includes('model.ckpt-4.index'), 'retention ran in b (its own step 4 deleted)');
    assert.deepEqual(tree(a), before, 'a is byte-identical');

    // a second writer: a process holding b's lock (as a running `graft train` does)
    const holder = spawn(process.execPath, ['--input-type=module', '-e',
      `const { acquireRunLock } = await import(${JSON.stringify(LOCK_MODULE)}); await acquireRunLock(${JSON.stringify(b)}); console.log('locked'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => holder.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
      const bBefore = tree(b);
      const third = graft(['train', ...SMALL, '--train-dir', b]);
      assert.equal(third.status, 1, third.stderr);
      const err = JSON.parse(third.stdout).error;
      assert.equal(err.code, 'run_locked');
      assert.equal(err.details.pid, holder.pid);
      assert.match(err.hint, new RegExp(`wait for pid ${holder.pid} to finish`));
      assert.deepEqual(tree(b), bBefore, 'the refused writer touched nothing');
    } finally {
      holder.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('graft train with a hostile state file: the files it names outside the run survive repeated trainings; stderr says why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-hostile-'));
  try {
    const x = join(dir, 'x');
    mkdirSync(x);
    for (const f of ['thesis.tex', 'thesis.tex.index', 'thesis.tex.meta.json', 'thesis.tex.data-00000-of-00001']) writeFileSync(join(x, f), `precious ${f}\n`);
    const run = join(dir, 'runs', 'r');
    mkdirSync(run, { recursive: true });
    writeFileSync(join(run, 'checkpoint'), [
      'model_checkpoint_path: "../../x/thesis.tex"',
      'all_model_checkpoint_paths: "../../x/thesis.tex"',
      `all_model_checkpoint_paths: "${x}/thesis.tex"`,
      'all_model_checkpoint_timestamps: 1e12',
      'all_model_checkpoint_timestamps: 1e12',
      '',
    ].join('\n'));
    const before = tree(x);
    const r1 = graft(['train', ...SMALL, '--train-dir', run]);
    assert.equal(r1.status, 0, r1.stderr);
    assert.equal(JSON.parse(r1.stdout).start.action, 'fresh');
    assert.match(r1.stderr, new RegExp(`warning: ${run}/checkpoint:1: model_checkpoint_path \\.\\./\\.\\./x/thesis\\.tex is outside the run directory: not resumed from`));
    assert.match(r1.stderr, new RegExp(`warning: ${run}/checkpoint:3: ${x}/thesis\\.tex is outside the run directory: not adopted, never deleted`));
    const r2 = graft(['train', ...SMALL, '--epochs', '2', '--train-dir', run]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.equal(JSON.parse(r2.stdout).start.action, 'resumed');
    assert.deepEqual(tree(x), before, 'every file outside the run is byte-identical');
    assert.deepEqual(readdirSync(run).filter((f) => f.endsWith('.index')).length, 1, 'retention ran (max-to-keep 1)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
