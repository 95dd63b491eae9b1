import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { initBackend } from '../../src/runtime/backend.js';
import { getCheckpointState, latestCheckpoint, checkpointExists, readMeta, Saver } from '../../src/checkpoint/index.js';
import { crashModel, crashValues } from './crash-model.js';
import { tempDir, bytesOf } from './helpers.js';

before(async () => {
  await initBackend();
});

const CHILD = new URL('./crash-child.js', import.meta.url).pathname;

/** Start the child, wait for "ready", wait `delayMs`, SIGKILL it; resolves when it is gone. */
function runAndKill(dir: string, mode: string, delayMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (!armed && d.toString().includes('ready')) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true });
      else if (code === 0) resolve({ killed: false });
      else reject(new Error(`crash child exited with ${code}: ${stderr}`));
    });
  });
}

/** Every listed checkpoint must be complete and hold exactly its step's values. */
async function verify(dir: string): Promise<number | null> {
  const state = await getCheckpointState(dir);
  const latest = await latestCheckpoint(dir);
  if (state === null) {
    assert.equal(latest, null);
    return null;
  }
  assert.equal(latest, state.modelCheckpointPath, 'the state file names a complete checkpoint');
  let latestStep = 0;
  for (const path of state.allModelCheckpointPaths) {
    assert.ok(await checkpointExists(path), `${path} is listed and exists`);
    const fresh = crashModel();
    await new Saver({ varList: fresh }).restore(path); // reads every tensor, CRC-checked
    const step = fresh.require('global_step').variable.dataSync()[0]!;
    if (path.endsWith(`-${step}`)) assert.equal((await readMeta(path)).extra?.step, step);
    else assert.ok(/model\.ckpt(\.resave)?$/.test(path), `${path} holds step ${step}`);
    if (path === latest) latestStep = step;
    for (const p of fresh) {
      const want = crashValues(p.name, step);
      assert.deepEqual(bytesOf(p.variable), new Uint8Array(want.dataSync().buffer), `${path}: ${p.name} bit-identical`);
      want.dispose();
      p.variable.dispose();
    }
  }
  return latestStep;
}

/** One lane: `kills` crash-and-resume rounds in one directory; returns what it saw. */
async function lane(dir: string, mode: string, kills: number, seed0: number): Promise<{ lastStep: number; tempLeft: number; killed: number }> {
  let seed = seed0;
  const rand = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  let lastStep = 0;
  let tempLeft = 0;
  let killed = 0;
  for (let i = 0; i < kills; i++) {
    if ((await runAndKill(dir, mode, Math.floor(rand() * 50))).killed) killed++;
    if ((await readdir(dir)).some((f) => f.includes('.graft-tmp-') || f.endsWith('.graft-commit'))) tempLeft++;
    const step = await verify(dir);
    if (step !== null) {
      assert.ok(step >= lastStep, 'a crash never moves the latest checkpoint backwards');
      lastStep = step;
    }
  }
  return { lastStep, tempLeft, killed };
}

test('SIGKILL at 50 seeded random points during save: latestCheckpoint always names a complete, bit-identical checkpoint', async () => {
  const a = await tempDir();
  const b = await tempDir();
  try {
    // two directories in parallel (2 × 25 kills), each crash followed by a resume in the next child:
    // a CheckpointManager saving model.ckpt-STEP, and a Saver re-saving the one prefix model.ckpt
    const settled = await Promise.allSettled([lane(a.dir, 'manager', 25, 20260611), lane(b.dir, 'resave', 25, 424242)]);
    for (const r of settled) if (r.status === 'rejected') throw r.reason; // after both lanes stopped writing
    const results = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof lane>>>).value);
    assert.equal(results[0]!.killed + results[1]!.killed, 50);
    for (const r of results) assert.ok(r.lastStep > 0, 'saves completed between kills');
    assert.ok(results[0]!.tempLeft + results[1]!.tempLeft > 0, 'some kills hit a write in progress (temporary files left behind)');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});
