// Exact resume: 2N steps in one process vs N steps → checkpoint (writeBundle: weights, Adam
// slots, beta powers, EMA shadows, int64 global_step) → a FRESH process restores and runs N more.
// Every tensor must be bit-identical (same backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBundle } from '../../src/formats/tf-bundle/index.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./resume-child.js', import.meta.url));
const N = 5;
/**
 * The children run on the default backend (the native oneDNN kernels when built). Those repeat
 * bit for bit across processes (test/runtime/native/determinism.test.ts); they once did not,
 * while convolutions auto-tuned their layout by wall-clock timing.
 */
const CHILD_ENV = { ...process.env };

async function child(mode: string, dir: string): Promise<{ step: number; variables: number; backend: string }> {
  const { stdout } = await run(process.execPath, [CHILD, mode, dir, String(N)], { env: CHILD_ENV, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { step: number; variables: number; backend: string };
}

async function tensors(prefix: string): Promise<Map<string, { dtype: string; bytes: Buffer }>> {
  const r = await openBundle(prefix);
  try {
    const out = new Map<string, { dtype: string; bytes: Buffer }>();
    for (const info of r.list()) {
      const t = await r.read(info.name);
      out.set(info.name, { dtype: t.dtype, bytes: Buffer.from(t.data) });
    }
    return out;
  } finally {
    await r.close();
  }
}

test(`resume: ${2 * N} steps in one run equal ${N} + restore in a fresh process + ${N}, bit for bit`, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-resume-'));
  try {
    const [full, first] = await Promise.all([child('full', dir), child('first', dir)]);
    const resumed = await child('resume', dir);
    t.diagnostic(`backend ${full.backend}; ${full.variables} variables saved`);
    assert.equal(full.step, 2 * N);
    assert.equal(first.step, N);
    assert.equal(resumed.step, 2 * N);
    const a = await tensors(join(dir, 'full'));
    const b = await tensors(join(dir, 'resumed'));
    const mid = await tensors(join(dir, 'ckpt'));
    assert.deepEqual([...b.keys()], [...a.keys()]);
    for (const name of [
      'global_step',
      'beta1_power',
      'beta2_power',
      'inference/conv/conv1/weights/Adam',
      'inference/conv/conv1/weights/Adam_1',
      'inference/logits/weights/ExponentialMovingAverage',
    ]) {
      assert.ok(a.has(name), `checkpoint holds ${name}`);
    }
    assert.equal(a.get('global_step')!.dtype, 'int64');
    assert.equal(a.get('global_step')!.bytes.readBigInt64LE(0), BigInt(2 * N));
    assert.equal(mid.get('global_step')!.bytes.readBigInt64LE(0), BigInt(N));
    for (const [name, v] of a) {
      assert.ok(v.bytes.equals(b.get(name)!.bytes), `${name}: resumed run differs from the uninterrupted run`);
    }
    const changed = [...a.keys()].filter((k) => !a.get(k)!.bytes.equals(mid.get(k)!.bytes));
    assert.ok(changed.length >= a.size - 1, `the second half of training changed ${changed.length} of ${a.size} tensors`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
