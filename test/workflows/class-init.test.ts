import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/runtime/backend.js';
import { buildModel } from '../../src/models/registry.js';
import { planClassChange } from '../../src/checkpoint/class-plan.js';
import { initNewClassColumns } from '../../src/workflows/class-init.js';
import { loadTask } from '../../src/workflows/tasks.js';

test('imprint: new class columns point at their examples with the kept columns\' scale; kept columns untouched', async () => {
  await initBackend();
  const task = await loadTask({ dataset: 'mnist', digits: [0, 1, 2, 3], trainLimit: 200, testLimit: 40 });
  const model = buildModel('mnist-cnn', { numClasses: 4 });
  const plan = planClassChange(['0', '1', '2'], ['0', '1', '2', '3']);
  const w = model.params.require(model.headWeights).variable;
  const b = model.params.require(model.headBiases).variable;
  const before = Float32Array.from(w.dataSync() as Float32Array);
  const beforeB = Float32Array.from(b.dataSync() as Float32Array);
  const fresh = initNewClassColumns(model, plan, task.train, 'fresh');
  assert.deepEqual([...w.dataSync()], [...before], 'fresh changes nothing');
  assert.equal(fresh.examples, 0);
  const r = initNewClassColumns(model, plan, task.train, 'imprint', { maxPerClass: 32, sample: 32 });
  assert.deepEqual(r.classes, ['3']);
  assert.ok(r.examples > 32 && r.examples <= 64, `examples ${r.examples}`);
  const after = w.dataSync() as Float32Array;
  const K = 4;
  const F = model.featureWidth;
  const norm = (W: Float32Array, k: number) => Math.sqrt(Array.from({ length: F }, (_, f) => W[f * K + k]! ** 2).reduce((a, c) => a + c, 0));
  for (let f = 0; f < F; f++) for (const k of [0, 1, 2]) assert.equal(after[f * K + k], before[f * K + k]);
  assert.deepEqual([...b.dataSync()].slice(0, 3), [...beforeB].slice(0, 3), 'kept biases untouched');
  const keptNorm = (norm(before, 0) + norm(before, 1) + norm(before, 2)) / 3;
  assert.ok(Math.abs(norm(after as Float32Array, 3) - keptNorm) < 1e-3 * keptNorm, 'new column has the kept columns\' mean norm');
  assert.notEqual(after[3], before[3], 'new column replaced');
  // The imprinted class scores its own examples above the others' on average.
  const logits = model.logits({ x: (await import('@tensorflow/tfjs-core')).tensor(task.train.x, [task.train.count, 28, 28, 1]) });
  const z = logits.arraySync() as number[][];
  logits.dispose();
  let own = 0, nOwn = 0, other = 0, nOther = 0;
  for (let i = 0; i < task.train.count; i++) {
    if (task.train.labels[i] === 3) { own += z[i]![3]!; nOwn++; } else { other += z[i]![3]!; nOther++; }
  }
  assert.ok(own / nOwn > other / nOther, `class 3 logit on its examples ${own / nOwn} > on others ${other / nOther}`);
});
