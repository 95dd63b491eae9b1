import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tfl from '@tensorflow/tfjs-layers';
import { withEmbeddingRows } from '../../../src/workflows/user-model/grow-embedding.js';
import { setupBackend } from '../../layers/helpers.js';

test('withEmbeddingRows: old rows and every other weight bit for bit, new rows from the initializer; never shrinks', async () => {
  await setupBackend();
  const m = tfl.sequential({ layers: [
    tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 5, name: 'emb', embeddingsInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 2 }) }),
    tfl.layers.flatten(), tfl.layers.dense({ units: 3, name: 'head' }),
  ] });
  const g = await withEmbeddingRows(m, 13);
  const [oldE] = m.getLayer('emb').getWeights();
  const [newE] = g.getLayer('emb').getWeights();
  assert.deepEqual(newE!.shape, [13, 4]);
  assert.deepEqual(Buffer.from(newE!.slice([0, 0], [10, 4]).dataSync().buffer), Buffer.from(oldE!.dataSync().buffer));
  assert.ok(newE!.slice([10, 0], [3, 4]).dataSync().some((v) => v !== 0), 'new rows are initialised');
  assert.deepEqual(Buffer.from(g.getLayer('head').getWeights()[0]!.dataSync().buffer), Buffer.from(m.getLayer('head').getWeights()[0]!.dataSync().buffer));
  await assert.rejects(withEmbeddingRows(m, 9), { code: 'cannot_shrink_embedding' });
});
