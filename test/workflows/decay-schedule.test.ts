import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { decaySchedule } from '../../src/workflows/train-model.js';
import { GraftError } from '../../src/errors.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;

test('decaySchedule gives TF formulas by name', () => {
  const f = Math.fround;
  assert.equal(decaySchedule(0.1, { type: 'exponential', decaySteps: 10, decayRate: 0.5, staircase: true })(25), f(0.1 * 0.25));
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'inverse_time', decaySteps: 10, decayRate: 1 })(10) - 0.05) < 1e-8);
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'natural_exp', decaySteps: 10, decayRate: 1 })(10) - 0.1 * Math.exp(-1)) < 1e-8);
  // polynomial: linear from 0.1 to the 1e-4 default over 100 steps, held after
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'polynomial', decaySteps: 100 })(50) - ((0.1 - 1e-4) * 0.5 + 1e-4)) < 1e-7);
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'polynomial', decaySteps: 100 })(500) - 1e-4) < 1e-9);
  // cosine: half way is half the rate (alpha 0), the end is alpha * lr
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'cosine', decaySteps: 100 })(50) - 0.05) < 1e-7);
  assert.ok(Math.abs(decaySchedule(0.1, { type: 'cosine', decaySteps: 100, alpha: 0.1 })(100) - 0.01) < 1e-8);
});

test('a rate-based decay without decayRate is a typed error', () => {
  assert.throws(() => decaySchedule(0.1, { type: 'exponential', decaySteps: 10 }), (e: unknown) => e instanceof GraftError && e.code === 'missing_decay_rate');
});

test('graft train: an unknown --lr-decay or a missing --decay-steps is bad usage (exit 2)', () => {
  const bad = spawnSync(bin, ['train', '--lr-decay', 'sawtooth', '--decay-steps', '10'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--lr-decay sawtooth: expected one of fixed, exponential/);
  const missing = spawnSync(bin, ['train', '--lr-decay', 'polynomial'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--lr-decay polynomial needs --decay-steps/);
});

test('trainModel warmupSteps: the rate climbs linearly from 0 in front of the decay (real MNIST steps)', async () => {
  const { initBackend } = await import('../../src/runtime/backend.js');
  const { trainModel } = await import('../../src/workflows/train-model.js');
  await initBackend();
  const r = await trainModel({ model: 'mnist-cnn', task: { dataset: 'mnist', trainLimit: 96, testLimit: 32 }, learningRate: 0.02, warmupSteps: 2, lrDecay: { type: 'exponential', decaySteps: 1, decayRate: 0.5 }, maxSteps: 3, evalEvery: 0 });
  const f = Math.fround;
  // step 0 → 0, step 1 → half of the decayed rate at step 2, step 2 → the decayed rate itself
  assert.deepEqual(r.fit.history.map((h) => h.learningRate), [0, f(f(0.02 * 0.25) / 2), f(0.02 * 0.25)]);
});

test('graft train --lr-decay piecewise_constant and cosine_restarts: TF formulas through the CLI (real MNIST steps)', () => {
  const run = (...extra: string[]) => spawnSync(bin, ['train', '--model', 'mnist-cnn', '--train-limit', '64', '--test-limit', '32', '--max-steps', '4', '--batch-size', '16', '--log-every', '0', '--json', ...extra], { encoding: 'utf8' });
  const rates = (r: ReturnType<typeof run>) => (JSON.parse(r.stdout) as { fit: { history: { learningRate: number }[] } }).fit.history.map((h) => h.learningRate);
  const f = Math.fround;
  const pw = run('--lr-decay', 'piecewise_constant', '--boundaries', '0,2', '--values', '0.1,0.01,0.001');
  assert.equal(pw.status, 0, pw.stderr);
  assert.deepEqual(rates(pw), [f(0.1), f(0.01), f(0.01), f(0.001)], 'step ≤ 0 → 0.1, 0 < step ≤ 2 → 0.01, after → 0.001');
  const cr = run('--lr-decay', 'cosine_restarts', '--decay-steps', '2', '--t-mul', '1', '--learning-rate', '0.1');
  assert.equal(cr.status, 0, cr.stderr);
  const r = rates(cr);
  assert.ok(Math.abs(r[0]! - 0.1) < 1e-7 && Math.abs(r[1]! - 0.05) < 1e-7 && Math.abs(r[2]! - 0.1) < 1e-7, `period 2, restart at step 2: ${r}`);
  const bad = run('--lr-decay', 'piecewise_constant', '--boundaries', '10', '--values', '0.1');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /needs --values with one more rate than --boundaries/);
});
