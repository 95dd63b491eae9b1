// checkpointsIterator / waitForNewCheckpoint (python/training/checkpoint_utils.py) and
// getCheckpointMtimes (checkpoint_management.py), with the cases of TF's
// checkpoint_utils_test.py CheckpointIteratorTest and checkpoint_management_test.py.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { checkpointsIterator, getCheckpointMtimes, waitForNewCheckpoint } from '../../src/checkpoint/checkpoints-iterator.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { makeParams, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

test('testReturnsEmptyIfNoCheckpointsFound / testReturnsSingleCheckpointIfOneCheckpointFound (timeout 0)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const none: string[] = [];
    for await (const c of checkpointsIterator(dir, { timeout: 0 })) none.push(c);
    assert.deepEqual(none, []);
    const saver = new Saver({ varList: makeParams([['w', [2]]]), fsync: false });
    const path = await saver.save(join(dir, 'model.ckpt'), { globalStep: 0 });
    const found: string[] = [];
    for await (const c of checkpointsIterator(dir, { timeout: 0 })) found.push(c);
    assert.deepEqual(found, [path]);
  } finally {
    await cleanup();
  }
});

test('testTimeoutFn: timeout_fn called on each time-out until it returns true (4 calls)', async () => {
  let calls = 0;
  const results: string[] = [];
  const it = checkpointsIterator('/non-existent-dir', { timeout: 0.1, secondsToSleep: 0.02, timeoutFn: () => ++calls > 3 });
  for await (const c of it) results.push(c);
  assert.deepEqual(results, []);
  assert.equal(calls, 4);
});

test('a writer on a timer saves checkpoints while the iterator waits: each new latest is yielded once, in order, then the time-out ends it', async () => {
  const { dir, cleanup } = await tempDir();
  const saver = new Saver({ varList: makeParams([['w', [4]]]), fsync: false, maxToKeep: 10 });
  const written: string[] = [];
  const steps = [10, 20, 30];
  let i = 0;
  const timer = setInterval(() => {
    if (i >= steps.length) return;
    const step = steps[i++]!;
    void saver.save(join(dir, 'model.ckpt'), { globalStep: step }).then((p) => written.push(p));
  }, 150);
  try {
    const seen: string[] = [];
    let polls = 0;
    const started = Date.now();
    for await (const c of checkpointsIterator(dir, { timeout: 1.0, secondsToSleep: 0.03 })) {
      seen.push(c);
      polls++;
    }
    assert.deepEqual(seen, written, 'every checkpoint was the latest for longer than a poll, so each was seen once');
    assert.equal(seen.length, 3);
    assert.ok(Date.now() - started >= 1000, 'ended by the time-out after the last checkpoint');
    assert.ok(polls === 3);
  } finally {
    clearInterval(timer);
    await cleanup();
  }
});

test('waitForNewCheckpoint: skips last_checkpoint, returns a newer one, null on time-out; an abort ends a wait at once', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const saver = new Saver({ varList: makeParams([['w', [1]]]), fsync: false });
    const first = await saver.save(join(dir, 'model.ckpt'), { globalStep: 1 });
    assert.equal(await waitForNewCheckpoint(dir, null, { timeout: 0 }), first);
    assert.equal(await waitForNewCheckpoint(dir, first, { timeout: 0.05, secondsToSleep: 0.01 }), null);
    const later = setTimeout(() => void saver.save(join(dir, 'model.ckpt'), { globalStep: 2 }), 50);
    assert.equal(await waitForNewCheckpoint(dir, first, { timeout: 5, secondsToSleep: 0.01 }), join(dir, 'model.ckpt-2'));
    clearTimeout(later);
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 30);
    assert.equal(await waitForNewCheckpoint(dir, join(dir, 'model.ckpt-2'), { secondsToSleep: 60, signal: ac.signal }), null);
    assert.ok(Date.now() - t0 < 5000);
    await assert.rejects(waitForNewCheckpoint(dir, null, { secondsToSleep: 0 }), (e) => e instanceof InvalidArgumentError && e.code === 'invalid_option');
  } finally {
    await cleanup();
  }
});

test('minIntervalSecs: the next checkpoint is not yielded before the interval since the previous one was found', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const saver = new Saver({ varList: makeParams([['w', [1]]]), fsync: false });
    await saver.save(join(dir, 'model.ckpt'), { globalStep: 1 });
    const times: number[] = [];
    for await (const c of checkpointsIterator(dir, { timeout: 0.2, secondsToSleep: 0.01, minIntervalSecs: 0.3 })) {
      times.push(Date.now());
      if (times.length === 1) await saver.save(join(dir, 'model.ckpt'), { globalStep: 2 });
      void c;
    }
    assert.equal(times.length, 2);
    assert.ok(times[1]! - times[0]! >= 290, `${times[1]! - times[0]!} ms`);
  } finally {
    await cleanup();
  }
});

test('getCheckpointMtimes: V2 prefix → .index mtime, V1 / single-file path → itself, missing prefixes skipped', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const saver = new Saver({ varList: makeParams([['w', [1]]]), fsync: false });
    const a = await saver.save(join(dir, 'model.ckpt'), { globalStep: 1 });
    const b = await saver.save(join(dir, 'model.ckpt'), { globalStep: 2 });
    await utimes(`${a}.index`, 1_600_000_000, 1_600_000_000.25);
    await utimes(`${b}.index`, 1_700_000_000, 1_700_000_000.5);
    const v1 = join(dir, 'old.ckpt');
    await writeFile(v1, 'v1');
    await utimes(v1, 1_500_000_000, 1_500_000_000);
    const mtimes = await getCheckpointMtimes([a, join(dir, 'missing'), b, v1]);
    assert.equal(mtimes.length, 3);
    [1_600_000_000.25, 1_700_000_000.5, 1_500_000_000].forEach((t, i) => assert.ok(Math.abs(mtimes[i]! - t) < 1e-6, `${mtimes[i]} vs ${t}`));
    assert.deepEqual(await getCheckpointMtimes([]), []);
  } finally {
    await cleanup();
  }
});
