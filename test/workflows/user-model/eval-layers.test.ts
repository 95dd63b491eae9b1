import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainLayersModel } from '../../../src/workflows/user-model/train-layers.js';
import { evalCheckpoint } from '../../../src/workflows/eval-checkpoint.js';
import { setupBackend } from '../../layers/helpers.js';
import { writeIntentFiles } from '../../models/data/user/helpers.js';

test('evalCheckpoint on a LayersModel checkpoint: the training accuracy again; a damaged data spec in .meta.json is refused before anything is allocated', async () => {
  await setupBackend();
  const dir = mkdtempSync(join(tmpdir(), 'graft-eval-layers-'));
  try {
    await writeIntentFiles(join(dir, 'data'), ['card_arrival', 'exchange_rate'], 20);
    writeFileSync(join(dir, 'm.mjs'), `export const build = ({ numClasses, vocabSize, maxLength, tf }) => tf.sequential({ layers: [
      tf.layers.embedding({ inputDim: vocabSize, outputDim: 8, inputLength: maxLength, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 1 }) }),
      tf.layers.globalAveragePooling1d(), tf.layers.dense({ units: numClasses, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });`);
    const r = await trainLayersModel({ model: join(dir, 'm.mjs'), data: join(dir, 'data'), trainDir: join(dir, 'run'), epochs: 2, learningRate: 0.02, tensorboard: false, logEvery: -1 });
    const e = await evalCheckpoint(join(dir, 'run'));
    assert.equal(e.accuracy, r.finalAccuracy);
    assert.equal(e.loss, r.finalLoss, 'a linear head: the loss from logits both times');
    await assert.rejects(evalCheckpoint(join(dir, 'run'), { ema: true }), { code: 'not_for_layers_model' });
    const metaPath = `${r.latestCheckpoint}.meta.json`;
    const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
    for (const bad of [{ kind: 'tokens', maxLength: 1e9 }, { kind: 'image', shape: [1e6, 1e6, 3] }, { kind: 'audio' }]) {
      writeFileSync(metaPath, JSON.stringify({ ...meta, extra: { ...meta.extra, userData: { ...meta.extra.userData, input: bad } } }));
      await assert.rejects(evalCheckpoint(join(dir, 'run')), (err: { code?: string; message?: string }) => err.code === 'bad_meta_data_spec' && /not a valid data spec/.test(err.message!));
    }
    writeFileSync(metaPath, JSON.stringify({ ...meta, extra: { ...meta.extra, userData: undefined } }));
    await assert.rejects(evalCheckpoint(join(dir, 'run')), { code: 'meta_without_data_spec' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
