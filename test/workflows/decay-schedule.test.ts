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
  assert.match(bad.stderr, /--lr-decay sawtooth: not a decay Graft knows/);
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
