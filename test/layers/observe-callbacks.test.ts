// TensorBoard event files from repeated fit calls: each writer gets its own file (TF2's
// `.<pid>.<n>.v2` suffix), so a second fit — or a resumed run — in the same second does not
// collide with the first one's file (the writer opens with O_EXCL and would throw EEXIST).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { tensorBoardCallback } from '../../src/layers/index.js';
import { readEventFile } from '../../src/train/summary/event-reader.js';
import { mnistTensors, setupBackend } from './helpers.js';

before(async () => {
  await setupBackend();
});

test('tensorBoardCallback: two fit calls and a second callback on one logdir in quick succession write three files, each readable', async () => {
  const { x, y } = await mnistTensors(32, 4);
  const dir = await mkdtemp(join(tmpdir(), 'graft-tb-'));
  const m = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28, 1] }), tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })] });
  m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
  const tb = tensorBoardCallback(dir, { histogramFreq: 0 });
  await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0, callbacks: [tb] });
  await m.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 16, verbose: 0, callbacks: [tb] });
  await m.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 16, verbose: 0, callbacks: [tensorBoardCallback(dir, { histogramFreq: 0 })] });
  const files = (await readdir(join(dir, 'train'))).sort();
  assert.equal(files.length, 3, files.join(' '));
  assert.ok(files.every((f) => /^events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+\.v2$/.test(f)), files.join(' '));
  const steps: number[] = [];
  for (const f of files) for (const e of await readEventFile(join(dir, 'train', f))) if (e.summary?.value?.some((v) => v.tag === 'epoch_loss')) steps.push(Number(e.step));
  assert.deepEqual(steps.sort(), [0, 1, 2]);
  m.dispose();
  tf.dispose([x, y]);
  await rm(dir, { recursive: true });
});
