// checkpointCallback after a NaN: terminateOnNaN stops fit mid-epoch, but tfjs still ends the epoch
// (onEpochEnd runs), and the weights are NaN by then. The callback must not save that epoch, so
// the latest checkpoint stays the last good one and a resume starts from finite weights.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkpointCallback, terminateOnNaN } from '../../src/layers/index.js';
import { latestCheckpoint } from '../../src/checkpoint/state.js';
import { mnistTensors, setupBackend } from './helpers.js';

before(async () => {
  await setupBackend();
});

test('checkpointCallback skips an epoch whose loss went NaN (terminateOnNaN stopped it): the latest checkpoint stays the good one', async () => {
  const { x, y } = await mnistTensors(64, 3);
  const values = x.dataSync().slice();
  values[40 * 784 + 100] = Number.NaN; // one pixel of digit 40: batch 2 of 16-digit batches
  const xBad = tf.tensor4d(values, x.shape);
  const dir = await mkdtemp(join(tmpdir(), 'graft-ckpt-nan-'));
  const make = () => {
    const m = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })] });
    m.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    return m;
  };
  const m = make();
  const first = await checkpointCallback(m, dir, { fsync: false });
  await m.fit(x, y, { epochs: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: [first] });
  const nan = terminateOnNaN();
  const second = await checkpointCallback(m, dir, { fsync: false });
  assert.equal(second.initialEpoch, 1);
  await m.fit(xBad, y, { epochs: 2, initialEpoch: 1, batchSize: 16, shuffle: false, verbose: 0, callbacks: [nan, second] });
  assert.deepEqual(nan.terminatedAt, { epoch: 1, batch: 2 });
  assert.ok(Number.isNaN(m.getWeights()[0]!.dataSync()[0]!), 'the model itself went NaN');
  assert.deepEqual(second.skipped, [{ epoch: 2, reason: 'non_finite_loss' }]);
  assert.equal(second.saves.length, 0);
  assert.equal(await latestCheckpoint(dir), join(dir, 'model.ckpt-1'));
  assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.index')), ['model.ckpt-1.index']);
  // a resume starts from epoch 1's finite weights
  const r = make();
  const third = await checkpointCallback(r, dir, { fsync: false });
  assert.equal(third.initialEpoch, 1);
  assert.ok(r.getWeights().every((w) => (w.dataSync() as Float32Array).every(Number.isFinite)));
  await third.close();
  m.dispose();
  r.dispose();
  tf.dispose([x, y, xBad]);
  await rm(dir, { recursive: true });
});
