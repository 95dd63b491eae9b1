// Exact resume through `graft train` (issue 13): the data position is saved with every
// checkpoint and step limits are global-step targets, so training in pieces — two runs, a SIGINT
// (finish the step, save, exit 130) or a SIGKILL between saves (resume from the last save) —
// ends bit-identical to one uninterrupted run: every variable, Adam slots, beta powers, EMA
// shadows and global_step. Real MNIST slice, fixed seeds, the default backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBundle } from '../../src/formats/tf-bundle/index.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;
// 100 examples, batch 24: 5 steps per epoch with a short last batch, so an epoch boundary
// falls inside every interval tested. Seed 3 shuffles.
const BASE = ['train', '--model', 'mnist-cnn', '--model-config', '{"conv1Filters":4,"conv2Filters":8,"fcUnits":16}', '--digits', '0,1,2',
  '--train-limit', '100', '--test-limit', '30', '--batch-size', '24', '--seed', '3', '--epochs', '10', '--learning-rate', '0.01',
  '--lr-decay', 'exponential', '--decay-steps', '4', '--decay-rate', '0.7', '--moving-average-decay', '0.9', '--eval-every', '4', '--log-every', '1'];

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Run graft; `onStep(step, child)` sees each progress line's step. */
function graft(args: string[], onStep?: (step: number, child: ChildProcess) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      const before = stderr.length;
      stderr += d;
      for (const m of stderr.slice(Math.max(0, before - 64)).matchAll(/: step (\d+) loss/g)) {
        if (m.index! + Math.max(0, before - 64) + m[0].length > before) onStep?.(Number(m[1]), child);
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function tensors(prefix: string): Promise<Map<string, Buffer>> {
  const r = await openBundle(prefix);
  try {
    const out = new Map<string, Buffer>();
    for (const info of r.list()) out.set(info.name, Buffer.from((await r.read(info.name)).data));
    return out;
  } finally {
    await r.close();
  }
}

async function latest(dir: string): Promise<string> {
  const m = /^model_checkpoint_path: "(.*)"$/m.exec(await readFile(join(dir, 'checkpoint'), 'utf8'));
  assert.ok(m, `state file of ${dir}`);
  return m[1]!.startsWith('/') ? m[1]! : join(dir, m[1]!);
}

function assertSame(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), what);
  for (const name of ['global_step', 'beta1_power', 'conv1/weights/Adam', 'conv1/weights/Adam_1', 'Logits/weights/ExponentialMovingAverage']) assert.ok(a.has(name), `checkpoint holds ${name}`);
  for (const [name, v] of a) assert.ok(v.equals(b.get(name)!), `${what}: ${name} differs from the uninterrupted run`);
}

test('graft train: --max-steps 8 then 16, SIGINT and SIGKILL mid-run, all end bit-identical to one --max-steps 16 run', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'graft-train-resume-'));
  const dir = (n: string) => join(root, n);
  try {
    // The reference and the first pieces run side by side (2 cores).
    let intAt = 0;
    let killAt = 0;
    const [full, half, int1, kill1] = await Promise.all([
      graft([...BASE, '--train-dir', dir('full'), '--max-steps', '16']),
      graft([...BASE, '--train-dir', dir('pieces'), '--max-steps', '8']),
      graft([...BASE, '--train-dir', dir('int'), '--max-steps', '16'], (step, c) => {
        if (step === 6 && !intAt) (intAt = step), c.kill('SIGINT');
      }),
      graft([...BASE, '--train-dir', dir('kill'), '--max-steps', '16'], (step, c) => {
        if (step === 7 && !killAt) (killAt = step), c.kill('SIGKILL');
      }),
    ]);
    for (const r of [full, half]) assert.equal(r.code, 0, r.stderr);
    assert.equal(int1.code, 130, `SIGINT exits 130: ${int1.stderr}`);
    assert.match(int1.stderr, /SIGINT: finishing the current step and saving/);
    assert.equal(kill1.signal, 'SIGKILL');
    const intStop = await latest(dir('int'));
    t.diagnostic(`SIGINT at step ${intAt} → saved ${intStop}; SIGKILL at step ${killAt} → last save ${await latest(dir('kill'))}`);
    assert.match(intStop, /model\.ckpt-\d+$/);
    assert.ok(Number(/-(\d+)$/.exec(intStop)![1]) >= 6 && Number(/-(\d+)$/.exec(intStop)![1]) < 16, `SIGINT saved the step it stopped at: ${intStop}`);
    assert.match(await latest(dir('kill')), /model\.ckpt-5$/, 'the SIGKILLed run resumes from its last save (step 5, the end of epoch 0; saves at 4, 5, 8, …), not from step 7');
    const meta = JSON.parse(await readFile(`${await latest(dir('pieces'))}.meta.json`, 'utf8'));
    assert.deepEqual(meta.extra.dataPosition, { epoch: 1, offset: 72, seed: 3, batchSize: 24, examples: 100 }, '8 steps of 5 per epoch: epoch 1, 3 batches in');

    const [half2, int2, kill2] = await Promise.all([
      graft([...BASE, '--train-dir', dir('pieces'), '--max-steps', '16']),
      graft([...BASE, '--train-dir', dir('int'), '--max-steps', '16']),
      graft([...BASE, '--train-dir', dir('kill'), '--max_number_of_steps', '16']),
    ]);
    for (const r of [half2, int2, kill2]) {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /start: resumed from/);
      assert.match(r.stdout, /global step 16\b/);
    }
    const ref = await tensors(join(dir('full'), 'model.ckpt-16'));
    assert.equal(ref.get('global_step')!.readBigInt64LE(0), 16n);
    assertSame(ref, await tensors(join(dir('pieces'), 'model.ckpt-16')), '8 + 8 steps');
    assertSame(ref, await tensors(join(dir('int'), 'model.ckpt-16')), 'SIGINT + resume');
    assertSame(ref, await tensors(join(dir('kill'), 'model.ckpt-16')), 'SIGKILL + resume');

    // A supervisor restarting a finished run: the global step is already at the target.
    const again = await graft([...BASE, '--train-dir', dir('full'), '--max-steps', '16', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const doc = JSON.parse(again.stdout);
    assert.equal(doc.fit.steps, 0);
    assert.equal(doc.globalStep, 16);
    assert.match(doc.start.message, /has reached max steps 16: nothing to train/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
