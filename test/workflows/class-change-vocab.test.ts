import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { loadVariable } from '../../src/checkpoint/reader.js';
import { valuesFromTensorValue } from '../../src/checkpoint/tensor-bytes.js';
import { banking77Categories } from '../../src/models/data/banking77.js';
import { Vocabulary } from '../../src/models/data/vocabulary.js';
import { buildModel } from '../../src/models/registry.js';
import { classAwareRestore } from '../../src/workflows/class-change.js';
import { metaExtras, readCheckpointMeta, resolveCheckpoint } from '../../src/workflows/checkpoints.js';
import { loadTask } from '../../src/workflows/tasks.js';
import { trainModel } from '../../src/workflows/train-model.js';

test('Vocabulary.extend keeps every id and appends unknown words by frequency', () => {
  const v = Vocabulary.build(['a b b', 'c'], { maxSize: 10 });
  const e = v.extend(['d d e', 'a z z z'], { maxSize: 10 });
  assert.deepEqual(e.tokens.slice(0, v.size), v.tokens);
  assert.deepEqual(e.tokens.slice(v.size), ['z', 'd', 'e']);
  assert.equal(v.extend(['a b c']), v, 'nothing new → same vocabulary');
  assert.equal(v.extend(['x y'], { maxSize: v.size + 1 }).size, v.size + 1, 'capped');
});

test('class change with new words: the embedding grows, saved rows restored, new rows keep their initial values', async () => {
  await initBackend();
  const work = await mkdtemp(join(tmpdir(), 'graft-cc-vocab-'));
  try {
    const all = await banking77Categories();
    const old = await trainModel({ model: 'text-rnn', modelConfig: { hiddenSize: 16, embedDim: 16 }, task: { dataset: 'banking77', categories: all.slice(0, 3), perClass: 12, testLimit: 12 }, trainDir: join(work, 'old'), maxSteps: 2, evalEvery: 0 });
    const ckpt = await resolveCheckpoint(join(work, 'old'));
    const oldVocab = metaExtras(await readCheckpointMeta(ckpt)).vocabulary!;
    const newClasses = [all[1]!, all[0]!, all[40]!];
    const task = await loadTask({ dataset: 'banking77', categories: newClasses, perClass: 12, testLimit: 12 }, { vocabulary: oldVocab, extendVocabulary: true });
    assert.ok(task.vocabulary!.size > oldVocab.size, 'the new intent brings new words');
    const model = buildModel('text-rnn', { ...old.config, numClasses: 3, vocabSize: task.vocabulary!.size });
    const emb = model.params.select({ include: [model.firstLayerScope] }).toArray()[0]!;
    const initial = Float32Array.from(emb.variable.dataSync() as Float32Array);
    const r = await classAwareRestore(model, ckpt, newClasses);
    assert.deepEqual(r.grownRows, [{ name: emb.name, savedRows: oldVocab.size, rows: task.vocabulary!.size }]);
    const saved = valuesFromTensorValue(await loadVariable(ckpt, emb.name), 'float32') as Float32Array;
    const now = emb.variable.dataSync() as Float32Array;
    assert.deepEqual([...now.subarray(0, saved.length)], [...saved], 'saved rows restored');
    assert.deepEqual([...now.subarray(saved.length)], [...initial.subarray(saved.length)], 'new rows keep initial values');
    assert.deepEqual(r.plan.summary, { moved: 2, new: 1, removed: 1 });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
