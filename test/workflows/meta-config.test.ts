// A .meta.json drives what gets built (issue 13): its model config is checked — types, and every
// size against the largest dimension of the checkpoint's index — before any variable is
// allocated, with a typed error naming the field (graft eval, graft transfer, resume).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { buildModel, validateModelConfig } from '../../src/models/registry.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { evalCheckpoint } from '../../src/workflows/eval-checkpoint.js';
import { transfer } from '../../src/workflows/transfer.js';
import { trainModel } from '../../src/workflows/train-model.js';
import { largestDimension } from '../../src/workflows/checkpoints.js';
import type { GraftError } from '../../src/errors.js';

await initBackend();
const SMALL = { conv1Filters: 4, conv2Filters: 8, fcUnits: 16, numClasses: 3 };
const refused = (field: string, re?: RegExp) => (e: GraftError) => e.code === 'bad_model_config' && (e.details as { field: string }).field === field && (re === undefined || re.test(e.message));

test('validateModelConfig: integer fields are safe integers ≥ 1 (seeds ≥ 0), sizes bounded, floats finite', () => {
  validateModelConfig('mnist-cnn', { fcUnits: 5000, seed: 0, headSeed: 12 });
  validateModelConfig('crnn', { convFilters: [4, 8], lstmUnits: 16 }, { maxDimension: 100 });
  assert.throws(() => validateModelConfig('mnist-cnn', { fcUnits: -3 }), refused('fcUnits', /expected an integer ≥ 1/));
  assert.throws(() => validateModelConfig('mnist-cnn', { fcUnits: 2.5 }), refused('fcUnits', /expected an integer/));
  assert.throws(() => validateModelConfig('mnist-cnn', { fcUnits: '64' }), refused('fcUnits'));
  assert.throws(() => validateModelConfig('mnist-cnn', { seed: -1 }), refused('seed'));
  assert.throws(() => validateModelConfig('mnist-cnn', { headSeed: 0.5 }), refused('headSeed'));
  assert.throws(() => validateModelConfig('crnn', { convFilters: [4, 0] }), refused('convFilters[1]'));
  assert.throws(() => validateModelConfig('crnn', { convFilters: 8 }), refused('convFilters', /a list of 1 to 64 integers/));
  assert.throws(() => validateModelConfig('text-rnn', { keepProb: Number.NaN }), refused('keepProb', /finite/));
  assert.throws(() => validateModelConfig('mnist-cnn', { fcUnits: 1e8 }, { maxDimension: 3136, source: 'x.meta.json' }),
    refused('fcUnits', /^x\.meta\.json: mnist-cnn config\.fcUnits = 100000000: larger than any dimension of the checkpoint's variables \(largest 3136\)/));
  validateModelConfig('mnist-cnn', { fcUnits: 4096 }, { maxDimension: 10 }); // the floor: a partial checkpoint may miss layers
  assert.throws(() => buildModel('mnist-cnn', { fcUnits: 0 }), refused('fcUnits'));
});

test('graft eval / transfer / resume refuse a .meta.json config larger than the checkpoint before allocating it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-meta-config-'));
  try {
    const m = buildModel('mnist-cnn', SMALL);
    const saver = new Saver({ varList: m.params });
    const ckpt = await saver.save(join(dir, 'model.ckpt'), { globalStep: 1, meta: { model: { name: m.name, config: m.config }, labels: ['0', '1', '2'], extra: { task: { dataset: 'mnist', digits: [0, 1, 2], testLimit: 30 } } } });
    assert.equal(await largestDimension(ckpt), 392, 'fc1/weights [7*7*8=392, 16] is the largest');
    const metaPath = `${ckpt}.meta.json`;
    const meta = JSON.parse(await readFile(metaPath, 'utf8'));
    meta.model.config.fcUnits = 1e8;
    await writeFile(metaPath, JSON.stringify(meta));
    const before = tf.memory().numBytes;
    await assert.rejects(evalCheckpoint(dir), refused('fcUnits', /largest 392\); refusing to allocate it/));
    await assert.rejects(transfer({ mode: 'freeze', from: dir, task: { digits: [3, 4], trainLimit: 10, testLimit: 10 } }), refused('fcUnits'));
    assert.ok(tf.memory().numBytes - before < 1 << 20, 'nothing of size was allocated');
    meta.model.config.fcUnits = -1;
    await writeFile(metaPath, JSON.stringify(meta));
    await assert.rejects(evalCheckpoint(dir), refused('fcUnits', /≥ 1/));
    meta.model.config = 'big';
    await writeFile(metaPath, JSON.stringify(meta));
    await assert.rejects(evalCheckpoint(dir), (e: GraftError) => e.code === 'bad_model_config' && /model\.config is not an object/.test(e.message));
    // Resume: the run's own config is checked against the checkpoint it would resume.
    await assert.rejects(trainModel({ model: 'mnist-cnn', modelConfig: { ...SMALL, fcUnits: 100_000 }, task: { digits: [0, 1, 2], trainLimit: 10, testLimit: 10 }, trainDir: dir }), refused('fcUnits', /largest 392/));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
