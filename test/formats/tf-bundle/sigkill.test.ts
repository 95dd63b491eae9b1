/**
 * Crash safety: a child process saving checkpoints in a loop is SIGKILLed at seeded random points.
 * Afterwards the checkpoint the `checkpoint` state file names always reads back intact (every
 * tensor from one step, CRCs verified), every `.index` present belongs to a complete checkpoint,
 * and temporary files never look like a checkpoint. Overwriting one prefix in place: a reader sees
 * the old or the new checkpoint (io/publish.ts rolls an interrupted overwrite forward on open),
 * never a mix and never a CRC error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBundle, isBundlePrefix } from '../../../src/formats/tf-bundle/index.js';
import { readCheckpointState } from '../../../src/formats/state-file.js';
import { rng } from './helpers.js';

const CHILD = fileURLToPath(new URL('./sigkill-child.js', import.meta.url));

async function runAndKill(dir: string, mode: 'seq' | 'same', fsync: boolean, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [CHILD, dir, mode, fsync ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  await exited;
}

/** Read every tensor; return the step they all encode (throws on inconsistency). */
async function readStep(prefix: string): Promise<number> {
  await using r = await openBundle(prefix);
  const gs = await r.read('global_step');
  const step = Number(new BigInt64Array(gs.data.buffer)[0]);
  assert.equal(r.list().length, 7);
  for (let i = 0; i < 6; i++) {
    const v = new Float32Array((await r.read(`layer${i}/weights`)).data.buffer);
    assert.ok(v.every((x) => x === step * 1000 + i), `${prefix}: layer${i} is not from step ${step}`);
  }
  return step;
}

/** Run `task(0..n-1)` with at most `width` at a time (children mostly wait for their kill). */
async function inParallel(n: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await task(next++);
  }));
}

function checkNoTempLooksFinal(dir: string): void {
  for (const f of readdirSync(dir)) {
    const final = /^(model\.ckpt(-\d+)?\.(index|data-00000-of-00001)|checkpoint)$/.test(f);
    const temp = f.startsWith('.') && /\.graft-tmp-[0-9a-f]{8}-\d+-[0-9a-f]+$/.test(f);
    const marker = /^\.model\.ckpt(-\d+)?\.graft-commit$/.test(f);
    assert.ok(final || temp || marker, `unexpected file ${f}`);
    if (temp) assert.ok(!f.endsWith('.index') && !isBundlePrefix(join(dir, f.replace(/\.index\.graft-tmp-.*$/, ''))));
  }
}

test('SIGKILL during save: the checkpoint named by the state file always reads back intact (30 runs)', { timeout: 60000 }, async () => {
  const r = rng(31337);
  const delays = Array.from({ length: 30 }, () => Math.floor(r() * 100));
  const steps: number[] = [];
  await inParallel(30, 3, async (run) => {
    const dir = mkdtempSync(join(tmpdir(), 'graft-sigkill-'));
    try {
      await runAndKill(dir, 'seq', run % 2 === 0, delays[run]!);
      const state = await readCheckpointState(dir);
      assert.ok(state !== undefined, `run ${run}: no state file`);
      const step = await readStep(state.modelCheckpointPath);
      assert.equal(state.modelCheckpointPath, join(dir, `model.ckpt-${step}`));
      for (const p of state.allModelCheckpointPaths) await readStep(p);
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.index'))) await readStep(join(dir, f.slice(0, -'.index'.length)));
      checkNoTempLooksFinal(dir);
      steps.push(step);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  // The kills landed at different points of the save loop.
  assert.ok(new Set(steps).size >= 2, `steps reached: ${steps.join(',')}`);
});

test('SIGKILL while overwriting one prefix: old or new checkpoint, never a mix (6 runs)', { timeout: 30000 }, async () => {
  const r = rng(4242);
  const delays = Array.from({ length: 6 }, () => Math.floor(r() * 40));
  await inParallel(6, 3, async (run) => {
    const dir = mkdtempSync(join(tmpdir(), 'graft-sigkill-same-'));
    try {
      await runAndKill(dir, 'same', false, delays[run]!);
      checkNoTempLooksFinal(dir);
      await readStep(join(dir, 'model.ckpt')); // recovers an interrupted publish, then reads one step
      assert.ok(!readdirSync(dir).some((f) => f.endsWith('.graft-commit')), 'the open finished the interrupted publish');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
