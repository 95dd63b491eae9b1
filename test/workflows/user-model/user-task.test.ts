import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadUserTask, modelInput } from '../../../src/workflows/user-model/user-task.js';
import { headActivation, headLayer, withHeadUnits } from '../../../src/workflows/user-model/layers-head.js';
import { OOV_ID } from '../../../src/models/data/vocabulary.js';
import { setupBackend, mnistCnn } from '../../layers/helpers.js';

test('modelInput: images [h,w,c], token ids into an Embedding (its inputDim caps the vocabulary), else refused', async () => {
  await setupBackend();
  assert.deepEqual(modelInput(mnistCnn(1)), { kind: 'image', shape: [28, 28, 1] });
  const text = tfl.sequential({ layers: [tfl.layers.embedding({ inputDim: 50, outputDim: 4, inputLength: 12 }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })] });
  assert.deepEqual(modelInput(text), { kind: 'tokens', maxLength: 12, vocabCap: 50 });
  const series = tfl.sequential({ layers: [tfl.layers.lstm({ units: 3, inputShape: [10, 6] }), tfl.layers.dense({ units: 2 })] });
  assert.throws(() => modelInput(series), (e: { code?: string; message?: string }) => e.code === 'unsupported_model_input' && /reads \[null, 10, 6\]/.test(e.message!));
});

test('loadUserTask: the vocabulary comes from the training split only; labels follow given class names; unknown classes refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-user-task-'));
  try {
    writeFileSync(join(dir, 'a.txt'), ['alpha one', 'alpha two', 'alpha three', 'alpha four', 'alpha five'].join('\n'));
    writeFileSync(join(dir, 'b.txt'), ['beta six', 'beta seven', 'beta eight', 'beta nine', 'beta ten'].join('\n'));
    const t = await loadUserTask(dir, { input: { kind: 'tokens', maxLength: 4 }, seed: 2 });
    assert.deepEqual([t.train.count, t.test.count], [8, 2]);
    const trainWords = new Set(t.vocabulary!.tokens);
    // each held-out line has one number word seen nowhere else: it is out of vocabulary
    for (let i = 0; i < t.test.count; i++) assert.equal(t.test.x[i * 4 + 3], OOV_ID, `test example ${i}'s last word is <unk>`);
    assert.ok(trainWords.has('alpha') && trainWords.has('beta'));
    assert.deepEqual(t.spec.classNames, ['a', 'b']);
    const flipped = await loadUserTask(dir, { input: { kind: 'tokens', maxLength: 4 }, seed: 2, classNames: ['b', 'a', 'c'] });
    assert.deepEqual([...flipped.train.labels].map((l) => flipped.spec.classNames[l]), [...t.train.labels].map((l) => t.spec.classNames[l]));
    await assert.rejects(loadUserTask(dir, { input: { kind: 'tokens', maxLength: 4 }, classNames: ['a'] }), (e: { code?: string; message?: string }) => e.code === 'unknown_class' && /"b" not among the model's 1/.test(e.message!));
    await assert.rejects(loadUserTask(dir, { input: { kind: 'image', shape: [8, 8, 1] } }), { code: 'not_image_data' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the head: the output Dense, softmax or linear; withHeadUnits keeps every other weight bit for bit', async () => {
  await setupBackend();
  const m = mnistCnn(4);
  assert.equal(headActivation(m), 'softmax');
  const wider = await withHeadUnits(m, 3);
  assert.deepEqual(wider.outputs[0]!.shape, [null, 3]);
  const before = m.layers.filter((l) => l !== headLayer(m)).flatMap((l) => l.getWeights().map((w) => Buffer.from(w.dataSync().buffer).toString('base64')));
  const after = wider.layers.filter((l) => l !== headLayer(wider)).flatMap((l) => l.getWeights().map((w) => Buffer.from(w.dataSync().buffer).toString('base64')));
  assert.deepEqual(after, before);
  const sig = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], activation: 'sigmoid' })] });
  assert.throws(() => headActivation(sig), { code: 'unsupported_head_activation' });
  const pooled = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] }), tfl.layers.activation({ activation: 'softmax' })] });
  assert.throws(() => headLayer(pooled), { code: 'head_not_dense' });
});
