import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { valuesFromTensorValue } from '../../src/checkpoint/tensor-bytes.js';
import { banking77Categories } from '../../src/models/data/banking77.js';
import { buildModel } from '../../src/models/registry.js';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { classAwareRestore } from '../../src/workflows/class-change.js';
import { restoreOptimizerState } from '../../src/workflows/class-slots.js';
import { metaExtras, readCheckpointMeta, resolveCheckpoint } from '../../src/workflows/checkpoints.js';
import { loadTask } from '../../src/workflows/tasks.js';
import { trainModel } from '../../src/workflows/train-model.js';

const f32 = async (ckpt: string, name: string) => valuesFromTensorValue(await loadVariable(ckpt, name), 'float32') as Float32Array;
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

test('optimizer state across a class change: body slots and beta powers restored, head slots remapped by class, grown rows filled', async () => {
  await initBackend();
  const work = await mkdtemp(join(tmpdir(), 'graft-cc-slots-'));
  try {
    const all = await banking77Categories();
    const [a0, a1, a2, added] = [all[0]!, all[1]!, all[2]!, all[40]!];
    const old = await trainModel({ model: 'text-rnn', modelConfig: { hiddenSize: 16, embedDim: 16 }, task: { dataset: 'banking77', categories: [a0, a1, a2], perClass: 12, testLimit: 12 }, trainDir: join(work, 'old'), maxSteps: 3, evalEvery: 0 });
    const ckpt = await resolveCheckpoint(join(work, 'old'));
    const vocab = metaExtras(await readCheckpointMeta(ckpt)).vocabulary!;
    const merges = [{ sources: [a0, a1], target: 'merged' }];
    const newClasses = [a2, 'merged', added];
    const task = await loadTask({ dataset: 'banking77', categories: newClasses, merges, perClass: 12, testLimit: 12 }, { vocabulary: vocab, extendVocabulary: true, padding: 'post' });
    const model = buildModel('text-rnn', { ...old.config, numClasses: 3, vocabSize: task.vocabulary!.size });
    const cc = await classAwareRestore(model, ckpt, newClasses, { merges });
    const opt = new AdamOptimizer(model.params, { learningRate: 0.01 });
    opt.createSlots();
    const r = await restoreOptimizerState(opt, model, ckpt, cc.plan, cc.grownRows);
    assert.deepEqual(r.fresh, [], 'every slot is in the checkpoint');
    assert.ok(r.restored.includes('beta1_power') && r.restored.includes('beta2_power'));
    assert.equal(r.remapped.length, 6, 'head weights, head biases and the grown embedding, two slots each');

    // Head slots: column 0 = old column 2, column 1 = mean of old 0 and 1, column 2 (new): m 0, v mean of carried.
    const w = model.headWeights;
    for (const [suffix, first] of [['Adam', true], ['Adam_1', false]] as const) {
      const saved = await f32(ckpt, `${w}/${suffix}`);
      const now = opt.slots().find((s) => s.name === `${w}/${suffix}`)!.slot.dataSync() as Float32Array;
      const rows = now.length / 3;
      assert.ok(saved.some((v) => v !== 0), 'the old run left non-zero slots');
      for (let f = 0; f < rows; f++) {
        assert.equal(now[f * 3], saved[f * 3 + 2]);
        assert.ok(close(now[f * 3 + 1]!, (saved[f * 3]! + saved[f * 3 + 1]!) / 2));
        assert.ok(close(now[f * 3 + 2]!, first ? 0 : (now[f * 3]! + now[f * 3 + 1]!) / 2));
      }
    }
    // Body slots as saved; the grown embedding: saved rows as saved, added rows m = 0, v = column mean.
    const body = opt.slots().find((s) => s.ownerName.includes('lstm') || s.ownerName.includes('rnn'))!;
    assert.deepEqual([...(body.slot.dataSync() as Float32Array)], [...(await f32(ckpt, body.name))]);
    const emb = cc.grownRows[0]!;
    for (const [suffix, first] of [['Adam', true], ['Adam_1', false]] as const) {
      const saved = await f32(ckpt, `${emb.name}/${suffix}`);
      const now = opt.slots().find((s) => s.name === `${emb.name}/${suffix}`)!.slot.dataSync() as Float32Array;
      const width = saved.length / emb.savedRows;
      assert.deepEqual([...now.subarray(0, saved.length)], [...saved]);
      let colMean = 0;
      for (let row = 0; row < emb.savedRows; row++) colMean += saved[row * width]! / emb.savedRows;
      assert.ok(close(now[saved.length]!, first ? 0 : colMean));
    }
    assert.equal((opt.variables().get('beta1_power')!.variable.dataSync() as Float32Array)[0], (await f32(ckpt, 'beta1_power'))[0]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});

test('trainModel classesFrom: the same classes resume the optimizer, changed classes start it fresh', async () => {
  await initBackend();
  const work = await mkdtemp(join(tmpdir(), 'graft-cc-slots-'));
  try {
    const all = await banking77Categories();
    const base = { model: 'text-rnn', modelConfig: { hiddenSize: 16, embedDim: 16 }, evalEvery: 0 } as const;
    await trainModel({ ...base, task: { dataset: 'banking77', categories: all.slice(0, 3), perClass: 12, testLimit: 12 }, trainDir: join(work, 'old'), maxSteps: 2 });
    const same = await trainModel({ ...base, task: { dataset: 'banking77', categories: [all[2]!, all[0]!, all[1]!], perClass: 12, testLimit: 12 }, classesFrom: { from: join(work, 'old') }, maxSteps: 1 });
    assert.equal(same.classChange!.action, 'reorder');
    assert.ok(same.optimizerState && same.optimizerState.fresh.length === 0 && same.optimizerState.remapped.length >= 4);
    const changed = await trainModel({ ...base, task: { dataset: 'banking77', categories: [all[2]!, all[40]!], perClass: 12, testLimit: 12 }, classesFrom: { from: join(work, 'old') }, maxSteps: 1 });
    assert.equal(changed.classChange!.action, 'transfer');
    assert.equal(changed.optimizerState, null);
    const asked = await trainModel({ ...base, task: { dataset: 'banking77', categories: [all[2]!, all[40]!], perClass: 12, testLimit: 12 }, classesFrom: { from: join(work, 'old'), optimizerState: 'restore' }, maxSteps: 1 });
    assert.ok(asked.optimizerState && asked.optimizerState.restored.includes('beta1_power'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
