/**
 * TF2 CheckpointManager's retention, ported case by case from TF's
 * tensorflow/python/checkpoint/checkpoint_management_test.py (class CheckpointManagerTest): each
 * test names the TF test, uses its clock values (TF mocks `time.time`, Graft injects `now`) and
 * asserts its expected values. TF numbers checkpoints by `save_counter` (ckpt-1, ckpt-2, …);
 * Graft's manager by the step passed to save(), given here as TF's counter.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { CheckpointManager, Saver, checkpointExists, getCheckpointState, latestCheckpoint, type CheckpointManagerOptions } from '../../src/checkpoint/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { makeParams, valuesOf, tempDir } from './helpers.js';
import * as tf from '@tensorflow/tfjs-core';

before(async () => {
  await initBackend();
});

const params = () => makeParams([['v', [2]]], 3);
const exists = (p: string): Promise<boolean> => checkpointExists(p);

/** A manager over `dir` whose clock reads `clock.t`. */
function manager(dir: string, clock: { t: number }, options: Partial<CheckpointManagerOptions> = {}): CheckpointManager {
  return new CheckpointManager(dir, { params: params(), fsync: false, now: () => clock.t, ...options });
}

test('testDeletion: max_to_keep=3, the 4th save deletes the 1st', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 1000 };
    const m = manager(dir, clock, { maxToKeep: 3 });
    const paths: string[] = [];
    for (let i = 1; i <= 4; i++) paths.push((await m.save(i)).path);
    await m.close();
    assert.deepEqual(await Promise.all(paths.map(exists)), [false, true, true, true]);
  } finally {
    await cleanup();
  }
});

test('testKeepAll: max_to_keep=None keeps and lists everything; a later max_to_keep=3 adopts all four and sweeps on its first save', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 1000 };
    let m = manager(dir, clock, { maxToKeep: null });
    const p: string[] = [];
    for (let i = 1; i <= 3; i++) { clock.t += 1; p.push((await m.save(i)).path); }
    assert.deepEqual(await Promise.all(p.map(exists)), [true, true, true]);
    assert.equal(await latestCheckpoint(dir), p[2]);
    assert.deepEqual(await m.checkpoints(), p);
    await m.close();
    m = manager(dir, clock, { maxToKeep: null });
    clock.t += 1;
    p.push((await m.save(4)).path);
    assert.deepEqual(await m.checkpoints(), p);
    await m.close();
    m = manager(dir, clock, { maxToKeep: 3 });
    assert.deepEqual(await m.checkpoints(), p, 'recovered, not swept before a save');
    assert.deepEqual(await Promise.all(p.map(exists)), [true, true, true, true]);
    clock.t += 1;
    p.push((await m.save(5)).path);
    assert.deepEqual(await m.checkpoints(), [p[2], p[3], p[4]]);
    assert.deepEqual(await Promise.all(p.map(exists)), [false, false, true, true, true]);
    await m.close();
    const state = (await getCheckpointState(dir))!;
    assert.deepEqual(state.allModelCheckpointPaths, [p[2], p[3], p[4]]);
  } finally {
    await cleanup();
  }
});

test('testSaveRestoreState: timestamps recorded, keep_checkpoint_every_n_hours=1.5 preserves ckpt-1 then ckpt-4, last_preserved_timestamp as TF', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 3.0 };
    const first = manager(dir, clock, { maxToKeep: 2 });
    const name = (i: number): string => join(dir, `model.ckpt-${i}`);
    const firstTime = 10000.0;
    clock.t = firstTime;
    await first.save(1);
    const secondTime = firstTime + 3610.0;
    clock.t = secondTime;
    await first.save(2);
    let state = (await getCheckpointState(dir))!;
    assert.deepEqual(state.allModelCheckpointTimestamps, [firstTime, secondTime]);
    assert.deepEqual(await first.checkpoints(), [name(1), name(2)]);
    assert.equal(await latestCheckpoint(dir), name(2));
    await first.close();

    const second = manager(dir, clock, { maxToKeep: 2, keepCheckpointEveryNHours: 1.5 });
    assert.deepEqual(await second.checkpoints(), [name(1), name(2)]);
    const thirdTime = secondTime + 3600.0 * 0.2;
    clock.t = thirdTime;
    await second.save(3);
    assert.ok(await exists(name(1)));
    assert.ok(await exists(name(2)));
    assert.deepEqual(await second.checkpoints(), [name(2), name(3)]);
    state = (await getCheckpointState(dir))!;
    assert.equal(state.lastPreservedTimestamp, firstTime);
    const fourthTime = thirdTime + 3600.0 * 0.5;
    clock.t = fourthTime;
    await second.save(4);
    assert.ok(await exists(name(1)));
    assert.ok(!(await exists(name(2))));
    assert.deepEqual(await second.checkpoints(), [name(3), name(4)]);
    const fifthTime = fourthTime + 3600.0 * 0.5;
    clock.t = fifthTime;
    await second.save(5);
    assert.deepEqual(await second.checkpoints(), [name(4), name(5)]);
    state = (await getCheckpointState(dir))!;
    assert.equal(state.lastPreservedTimestamp, firstTime);
    await second.close();

    const third = manager(dir, clock, { maxToKeep: 2, keepCheckpointEveryNHours: 1.5 });
    assert.equal((await third.restoreOrInitialize()).path, name(5));
    clock.t += 10.0;
    await third.save(6);
    state = (await getCheckpointState(dir))!;
    assert.equal(state.lastPreservedTimestamp, fourthTime);
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5, 6].map((i) => exists(name(i)))), [true, false, false, true, true, true]);
    assert.deepEqual(await third.checkpoints(), [name(5), name(6)]);
    await third.close();
  } finally {
    await cleanup();
  }
});

test('testContinueFromUnmanaged: checkpoints another writer listed without timestamps are resumed from but never adopted nor deleted', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // tf.train.Checkpoint.save writes a state file without timestamps; Graft's Saver does the same
    const other = makeParams([['v', [2]]], 9);
    const saver = new Saver({ varList: other, fsync: false });
    const firstPath = await saver.save(join(dir, 'unusual_prefix'), { globalStep: 1 });
    const secondPath = await saver.save(join(dir, 'unusual_prefix'), { globalStep: 2 });
    const clock = { t: 50_000 };
    const m = new CheckpointManager(dir, { params: makeParams([['v', [2]]], 1), fsync: false, now: () => clock.t, maxToKeep: 2 });
    const r = await m.restoreOrInitialize();
    assert.equal(r.action, 'resumed');
    assert.equal(r.path, secondPath);
    const third = (await m.save(3)).path;
    assert.deepEqual(await m.checkpoints(), [third]);
    const fourth = (await m.save(4)).path;
    assert.deepEqual(await m.checkpoints(), [third, fourth]);
    const fifth = (await m.save(5)).path;
    assert.deepEqual(await m.checkpoints(), [fourth, fifth]);
    await m.close();
    assert.deepEqual(await Promise.all([firstPath, secondPath, third, fourth, fifth].map(exists)), [true, true, false, true, true]);
  } finally {
    await cleanup();
  }
});

test('testClockReset: a clock behind last_preserved_timestamp warns, adopts nothing, and never deletes the old checkpoints', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 10000.0 };
    const first = manager(dir, clock, { maxToKeep: 1, keepCheckpointEveryNHours: 1.0 });
    const firstPath = (await first.save(1)).path;
    clock.t += 3600.0;
    const secondPath = (await first.save(2)).path;
    clock.t += 3600.0;
    const thirdPath = (await first.save(3)).path;
    assert.ok(!(await exists(firstPath)));
    assert.ok(await exists(secondPath));
    assert.ok(await exists(thirdPath));
    assert.deepEqual(await first.checkpoints(), [thirdPath]);
    assert.equal((await getCheckpointState(dir))!.lastPreservedTimestamp, 13600.0);
    await first.close();
    clock.t = 5000.0; // the clock goes back in time
    const second = manager(dir, clock, { maxToKeep: 1 });
    const r = await second.restoreOrInitialize();
    assert.ok(r.warnings.some((w) => /behind the last preserved checkpoint timestamp/.test(w)), r.warnings.join('\n'));
    assert.ok(await exists(secondPath));
    assert.equal(r.path, thirdPath, 'latest is still the third');
    assert.deepEqual(await second.checkpoints(), []);
    clock.t += 10.0;
    const fourthPath = (await second.save(4)).path;
    assert.ok(await exists(secondPath));
    assert.ok(await exists(thirdPath));
    assert.equal(await latestCheckpoint(dir), fourthPath);
    assert.deepEqual(await second.checkpoints(), [fourthPath]);
    clock.t += 10.0;
    const fifthPath = (await second.save(5)).path;
    assert.ok(await exists(secondPath));
    assert.ok(await exists(thirdPath));
    assert.deepEqual(await second.checkpoints(), [fifthPath]);
    const state = (await getCheckpointState(dir))!;
    assert.equal(state.lastPreservedTimestamp, 5000.0);
    assert.deepEqual(state.allModelCheckpointTimestamps, [5020.0]);
    await second.close();
  } finally {
    await cleanup();
  }
});

test('testCustomNumbering: checkpoints numbered by the step given; the state file lists the two newest', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 100 };
    const m = manager(dir, clock, { maxToKeep: 2 });
    let path = '';
    for (let i = 0; i < 5; i++) {
      clock.t += 1;
      path = (await m.save(2 * i)).path;
      assert.ok(path.endsWith(`-${2 * i}`), `${path} should have suffix -${2 * i}`);
    }
    clock.t += 1;
    const last = (await m.save(32)).path;
    assert.ok(last.includes('-32'));
    assert.equal(await latestCheckpoint(dir), last);
    assert.deepEqual((await getCheckpointState(dir))!.allModelCheckpointPaths, [path, last]);
    await m.close();
  } finally {
    await cleanup();
  }
});

test('testCustomCheckpointPrefix: checkpointName names the files (Graft\'s default is model.ckpt, TF\'s ckpt)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = { t: 100 };
    let m = manager(dir, clock, { maxToKeep: 2, checkpointName: 'ckpt_name' });
    assert.equal((await m.save(5)).path, join(dir, 'ckpt_name-5'));
    await m.close();
    m = manager(dir, clock, { maxToKeep: 2 });
    assert.equal((await m.save(5)).path, join(dir, 'model.ckpt-5'));
    await m.close();
  } finally {
    await cleanup();
  }
});

test('testRestoreOrInitialize: init (warm start) when the directory is empty, restore once it has a checkpoint', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const init = makeParams([['v', [2]]], 1);
    tf.tidy(() => init.require('v').variable.assign(tf.fill([2], 2.0)));
    const initPath = await new Saver({ varList: init, fsync: false }).save(join(dir, 'init'));
    const v = makeParams([['v', [2]]], 2);
    tf.tidy(() => v.require('v').variable.assign(tf.fill([2], 1.0)));
    const m = new CheckpointManager(join(dir, 'ckpt'), { params: v, maxToKeep: null, fsync: false, warmStart: { from: initPath } });
    const r1 = await m.restoreOrInitialize();
    assert.equal(r1.action, 'warm-started');
    assert.deepEqual(valuesOf(v).v, [2, 2]);
    await m.save(1);
    const r2 = await m.restoreOrInitialize();
    assert.equal(r2.action, 'resumed');
    assert.equal(r2.path, join(dir, 'ckpt', 'model.ckpt-1'));
    await m.close();
  } finally {
    await cleanup();
  }
});

test('max_to_keep must be a positive integer or null (TF: "Expected a positive integer or `None` for `max_to_keep`, got 0.")', () => {
  for (const bad of [0, -1, 1.5]) {
    assert.throws(() => new CheckpointManager('/nonexistent', { params: params(), maxToKeep: bad }), (e: InvalidArgumentError) => e.code === 'bad_max_to_keep' && /Expected a positive integer or null for maxToKeep/.test(e.message));
  }
});
