// TF's stop_if_no_increase_hook / stop_if_no_decrease_hook rule (tensorflow_estimator
// early_stopping.py), case by case, and `trainModel({earlyStopping})` on a real MNIST slice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EarlyStopping, stopIfNoDecrease, stopIfNoIncrease } from '../../src/train/early-stopping.js';
import { GraftError } from '../../src/errors.js';
import { initBackend } from '../../src/runtime/backend.js';
import { trainModel } from '../../src/workflows/train-model.js';

/** Feed (step, value) pairs; the step at which the rule first asked to stop, or null. */
function run(rule: EarlyStopping, evals: [number, number][]): number | null {
  for (const [step, v] of evals) if (rule.update(step, v)) return step;
  return null;
}

test('stop_if_no_increase: stops once step − best step ≥ max steps; a tie is not an increase', () => {
  const evals: [number, number][] = [[100, 0.5], [200, 0.6], [300, 0.6], [400, 0.59], [500, 0.61], [600, 0.61], [700, 0.6], [800, 0.6]];
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 250 }), evals), 800, 'best 0.61 at 500 (0.61 at 600 ties); 800 − 500 = 300');
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 301 }), evals), null);
  const r = stopIfNoIncrease({ maxStepsWithoutImprovement: 250 });
  run(r, evals);
  assert.deepEqual([r.best, r.bestStep, r.stoppedAt], [0.61, 500, 800]);
  // 0.6 at 300 ties 0.6 at 200: the best step stays 200, so 400 − 200 = 200 stops.
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 200 }), evals.slice(0, 4)), 400);
});

test('stop_if_no_increase: evaluations before min_steps are ignored (they can be neither best nor trigger)', () => {
  const evals: [number, number][] = [[100, 0.9], [200, 0.5], [300, 0.4], [400, 0.45], [500, 0.44]];
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 100 }), evals), 200, 'without min_steps 0.9 at 100 is the best');
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 100, minSteps: 150 }), evals), 300, 'best 0.5 at 200, not beaten by 0.4 at 300');
  assert.equal(run(stopIfNoIncrease({ maxStepsWithoutImprovement: 150, minSteps: 150 }), evals), 400);
});

test('stop_if_no_decrease: the same rule with < (loss)', () => {
  const evals: [number, number][] = [[10, 2.0], [20, 1.5], [30, 1.5], [40, 1.6], [50, 1.4], [60, 1.45]];
  assert.equal(run(stopIfNoDecrease({ maxStepsWithoutImprovement: 20 }), evals), 40);
  assert.equal(run(stopIfNoDecrease({ maxStepsWithoutImprovement: 30 }), evals), null);
});

test('early stopping: bad patience or min steps are typed errors that say what to give', () => {
  for (const bad of [0, -5, 1.5, Number.NaN]) {
    assert.throws(() => stopIfNoIncrease({ maxStepsWithoutImprovement: bad }), (e: unknown) => e instanceof GraftError && e.code === 'bad_early_stopping' && /positive integer/.test(e.message));
  }
  assert.throws(() => stopIfNoIncrease({ maxStepsWithoutImprovement: 10, minSteps: -1 }), (e: unknown) => e instanceof GraftError && e.code === 'bad_early_stopping');
});

test('trainModel earlyStopping: stops where the rule says on its own evaluations (MNIST slice, seed 0)', async () => {
  await initBackend();
  const r = await trainModel({
    model: 'mnist-cnn', modelConfig: { conv1Filters: 4, conv2Filters: 8, fcUnits: 32 }, task: { dataset: 'mnist', digits: [0, 1, 2], trainLimit: 300, testLimit: 150 },
    learningRate: 0.003, epochs: 40, evalEvery: 5, earlyStopping: { maxStepsWithoutImprovement: 30 },
  });
  assert.ok(r.earlyStopping, 'report carries the rule outcome');
  const replay = stopIfNoIncrease({ maxStepsWithoutImprovement: 30 });
  const expected = run(replay, r.fit.evals.map((e) => [e.step, e.accuracy]));
  assert.notEqual(expected, null, `40 epochs of 10 steps on 300 examples must plateau; evals ${r.fit.evals.map((e) => e.accuracy).join(' ')}`);
  assert.equal(r.earlyStopping.stoppedAtStep, expected);
  assert.equal(r.fit.steps, expected, 'training ended at the evaluation that triggered');
  assert.ok(r.fit.steps < 400, 'stopped before the epoch budget');
  assert.equal(r.earlyStopping.bestAccuracy, Math.max(...r.fit.evals.map((e) => e.accuracy)));
  assert.ok(r.earlyStopping.bestAccuracy! > 0.8, `best ${r.earlyStopping.bestAccuracy} on 3 digits`);
});
