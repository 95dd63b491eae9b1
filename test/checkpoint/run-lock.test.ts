import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, writeFile, readdir, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, RunLockedError, RUN_LOCK_FILENAME } from '../../src/checkpoint/run-lock.js';
import { tempDir } from './helpers.js';

const LOCK_MODULE = new URL('../../src/checkpoint/run-lock.js', import.meta.url).href;

/** A second node process that tries to take the lock; prints JSON: {ok} or {code, message, hint, details}. */
function tryInChild(dir: string): { ok?: boolean; notes?: string[]; code?: string; message?: string; hint?: string; details?: Record<string, unknown> } {
  const script = `
    const { acquireRunLock } = await import(${JSON.stringify(LOCK_MODULE)});
    try {
      const lock = await acquireRunLock(${JSON.stringify(dir)});
      console.log(JSON.stringify({ ok: true, notes: lock.notes }));
    } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint, details: e.details, name: e.name }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('a second process gets run_locked naming the holder; after release it takes the lock; the child\'s exit releases it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const lock = await acquireRunLock(dir);
    const info = JSON.parse(await readFile(join(dir, RUN_LOCK_FILENAME), 'utf8'));
    assert.deepEqual(Object.keys(info), ['pid', 'host', 'started', 'dir']);
    assert.equal(info.pid, process.pid);
    assert.equal(info.host, hostname());
    const other = tryInChild(dir);
    assert.equal(other.code, 'run_locked');
    assert.match(other.message!, new RegExp(`in use by another writer \\(pid ${process.pid} on ${hostname()}, since ${info.started}\\): process ${process.pid} is alive`));
    assert.match(other.hint!, new RegExp(`wait for pid ${process.pid} to finish or stop it`));
    assert.equal(other.details!.pid, process.pid);
    await lock.release();
    assert.deepEqual(await readdir(dir), [], 'release deletes the lock file');
    const taken = tryInChild(dir);
    assert.deepEqual(taken, { ok: true, notes: [] });
    assert.deepEqual(await readdir(dir), [], 'the child released its lock at exit');
  } finally {
    await cleanup();
  }
});

test('in one process: a second acquire is refused until the first is released', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = await acquireRunLock(dir);
    await assert.rejects(acquireRunLock(dir), (e: unknown) => e instanceof RunLockedError && e.code === 'run_locked' && /this process already holds it/.test(e.message) && /close\(\) the other CheckpointManager/.test(e.hint!));
    await a.release();
    const b = await acquireRunLock(dir);
    await b.release();
  } finally {
    await cleanup();
  }
});

test('stale lock: a SIGKILLed holder\'s lock is taken over with a note', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const script = `const { acquireRunLock } = await import(${JSON.stringify(LOCK_MODULE)}); await acquireRunLock(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()));
    const pid = child.pid!;
    assert.equal(tryInChild(dir).code, 'run_locked', 'held while the child lives');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(JSON.parse(await readFile(join(dir, RUN_LOCK_FILENAME), 'utf8')).pid, pid, 'SIGKILL leaves the lock file');
    const lock = await acquireRunLock(dir);
    assert.equal(lock.notes.length, 1);
    assert.match(lock.notes[0]!, new RegExp(`took over the stale lock of pid ${pid} .*the process is gone`));
    assert.equal(JSON.parse(await readFile(join(dir, RUN_LOCK_FILENAME), 'utf8')).pid, process.pid);
    assert.deepEqual(await readdir(dir), [RUN_LOCK_FILENAME], 'no aside file left');
    await lock.release();
  } finally {
    await cleanup();
  }
});

test('another host\'s lock is refused unless forced; an unreadable fresh lock is refused, an old one taken over', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, RUN_LOCK_FILENAME);
    await writeFile(path, JSON.stringify({ pid: 4242, host: 'gpu-node-7', started: '2026-01-01T00:00:00.000Z' }));
    await assert.rejects(acquireRunLock(dir), (e: RunLockedError) => e.code === 'run_locked'
      && /pid 4242 on gpu-node-7, since 2026-01-01T00:00:00\.000Z/.test(e.message) && /another host/.test(e.message)
      && e.hint!.includes(`delete ${path}`));
    const forced = await acquireRunLock(dir, { force: true });
    assert.match(forced.notes[0]!, /forced the lock of pid 4242 on gpu-node-7/);
    await forced.release();
    await writeFile(path, '');
    await assert.rejects(acquireRunLock(dir), (e: RunLockedError) => e.code === 'run_locked' && /being written/.test(e.message));
    const old = new Date(Date.now() - 60_000);
    await utimes(path, old, old);
    const taken = await acquireRunLock(dir);
    assert.match(taken.notes[0]!, /took over an unreadable lock file/);
    await taken.release();
    // a lock naming this very pid that this process does not hold (a restarted container reuses pids) is stale
    await writeFile(path, JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z' }));
    const reused = await acquireRunLock(dir);
    assert.match(reused.notes[0]!, new RegExp(`took over the stale lock of pid ${process.pid}`));
    await reused.release();
  } finally {
    await cleanup();
  }
});

test('release never deletes a lock that is no longer this one', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const path = join(dir, RUN_LOCK_FILENAME);
    const lock = await acquireRunLock(dir);
    const foreign = JSON.stringify({ pid: 1, host: 'elsewhere', started: 'x' });
    await writeFile(path, foreign); // someone forced it meanwhile
    await lock.release();
    assert.equal(await readFile(path, 'utf8'), foreign);
  } finally {
    await cleanup();
  }
});
