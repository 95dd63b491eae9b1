import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { HOST_TAG } from '../../src/io/atomic-file.js';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { CheckpointManager, Saver, latestCheckpoint, getCheckpointState, readMeta } from '../../src/checkpoint/index.js';
import { RestoreMismatchError } from '../../src/errors.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { makeParams, valuesOf, tempDir, seededValues } from './helpers.js';

before(async () => {
  await initBackend();
});

/** A miniature resnet_v1_50 with its 1000-class logits (the pretrained checkpoint of seed 002_*). */
const BACKBONE: [string, number[]][] = [
  ['resnet_v1_50/conv1/weights', [3, 3, 3, 8]],
  ['resnet_v1_50/conv1/BatchNorm/beta', [8]],
  ['resnet_v1_50/block1/unit_1/bottleneck_v1/conv1/weights', [1, 1, 8, 8]],
];

function pretrained(): ParameterSet {
  return makeParams([...BACKBONE, ['resnet_v1_50/logits/weights', [1, 1, 8, 1000]], ['resnet_v1_50/logits/biases', [1000]]], 11);
}

/** The article's new model: the backbone (num_classes=None) plus its own `Logits/fc` head for 5 labels. */
function newModel(seed: number): ParameterSet {
  return makeParams([...BACKBONE, ['Logits/fc/weights', [8, 5]], ['Logits/fc/biases', [5]]], seed);
}

/** One deterministic "training step": every variable moves. */
function trainStep(params: ParameterSet, step: number): void {
  for (const p of params) {
    const n = p.variable.size;
    tf.tidy(() => p.variable.assign(tf.add(p.variable, tf.mul(tf.tensor(seededValues(n, step), p.variable.shape), 0.01))));
  }
}

test('article 002: resume if the train dir has a checkpoint, else warm-start from pretrained excluding Logits', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pre = pretrained();
    const preDir = join(dir, 'pretrain');
    await mkdir(preDir);
    const ckptFile = await new Saver({ varList: pre, fsync: false }).save(join(preDir, 'resnet_v1_50.ckpt'));
    const trainDir = join(dir, 'models', 'resnet_v1');
    const options = (params: ParameterSet) => ({
      params,
      maxToKeep: 100,
      fsync: false,
      warmStart: { from: ckptFile, exclude: ['Logits'], ignoreMissing: true },
    });

    // first run: nothing to resume → warm start
    const model = newModel(1);
    const head = valuesOf(model)['Logits/fc/weights'];
    const m1 = new CheckpointManager(trainDir, options(model));
    const r1 = await m1.restoreOrInitialize();
    assert.equal(r1.action, 'warm-started');
    assert.equal(r1.message, `warm-started 3 of 5 variables from ${ckptFile}`);
    const status = Object.fromEntries(r1.plan!.entries.map((e) => [e.name, e.status]));
    assert.equal(status['Logits/fc/weights'], 'excluded');
    assert.equal(status['resnet_v1_50/logits/weights'], 'unused_in_checkpoint');
    assert.equal(status['resnet_v1_50/conv1/weights'], 'restored');
    const preValues = valuesOf(pre);
    for (const [n] of BACKBONE) assert.deepEqual(valuesOf(model)[n], preValues[n]);
    assert.deepEqual(valuesOf(model)['Logits/fc/weights'], head, 'the excluded head keeps its initialisation');
    for (let step = 1; step <= 3; step++) {
      trainStep(model, step);
      await m1.save(step * 100);
    }
    assert.equal(await latestCheckpoint(trainDir), join(trainDir, 'model.ckpt-300'));
    await m1.close();

    // second run (a new process would build a new model): resume, not warm-start; a crashed
    // save's temporary file (its pid is dead) is cleaned up
    const stale = join(trainDir, `.model.ckpt-400.index.graft-tmp-${HOST_TAG}-99999999-0123456789ab`);
    await writeFile(stale, 'partial');
    const again = newModel(2);
    const m2 = new CheckpointManager(trainDir, options(again));
    const r2 = await m2.restoreOrInitialize();
    await m2.close();
    assert.equal(r2.action, 'resumed');
    assert.equal(r2.step, 300);
    assert.ok(!(await readdir(trainDir)).includes(`.model.ckpt-400.index.graft-tmp-${HOST_TAG}-99999999-0123456789ab`));
    assert.deepEqual(valuesOf(again), valuesOf(model));

    // no checkpoint and no warm start: fresh
    const m3 = new CheckpointManager(join(dir, 'empty'), { params: newModel(3) });
    const r3 = await m3.restoreOrInitialize();
    await m3.close();
    assert.equal(r3.action, 'fresh');
    assert.equal(r3.plan, null);

    // a resume that does not fit the model fails before changing anything
    const other = makeParams([['resnet_v1_50/conv1/weights', [3, 3, 3, 16]]], 4);
    const before = valuesOf(other);
    const m4 = new CheckpointManager(trainDir, { params: other });
    await assert.rejects(m4.restoreOrInitialize(), RestoreMismatchError);
    await m4.close();
    assert.deepEqual(valuesOf(other), before);
  } finally {
    await cleanup();
  }
});

test('keep best with maxToKeep 100: best/ holds exactly the 100 best steps, listed worst → best, across restarts', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['w', [4]], ['b', [2]]], 5);
    const acc = (step: number): number => Math.round(seededValues(1, step)[0]! * 1e6) / 1e6; // deterministic "accuracy"
    const opts = { params, maxToKeep: 2, fsync: false, keepBest: { metric: 'acc', mode: 'max' as const, maxToKeep: 100 } };
    let m = new CheckpointManager(dir, opts);
    for (let step = 1; step <= 130; step++) {
      if (step === 70) {
        await m.close();
        m = new CheckpointManager(dir, opts); // a restart halfway: the best list is rebuilt from best/
      }
      tf.tidy(() => params.require('w').variable.assign(tf.fill([4], step)));
      const r = await m.save(step, { metrics: { acc: acc(step), loss: 1 / step } });
      if (r.bestPath) assert.equal(r.bestPath, join(dir, 'best', `model.ckpt-${step}`));
    }
    await m.close();
    const expected = Array.from({ length: 130 }, (_, i) => i + 1)
      .sort((a, b) => acc(a) - acc(b) || a - b)
      .slice(30);
    const state = (await getCheckpointState(join(dir, 'best')))!;
    assert.deepEqual(state.allModelCheckpointPaths, expected.map((s) => join(dir, 'best', `model.ckpt-${s}`)));
    const bestStep = expected[expected.length - 1]!;
    assert.equal(await latestCheckpoint(join(dir, 'best')), join(dir, 'best', `model.ckpt-${bestStep}`));
    const files = (await readdir(join(dir, 'best'))).filter((f) => f.endsWith('.index'));
    assert.equal(files.length, 100);
    const meta = await readMeta(join(dir, 'best', `model.ckpt-${bestStep}`));
    assert.deepEqual(meta.extra, { step: bestStep, metrics: { acc: acc(bestStep), loss: 1 / bestStep } });
    // the best checkpoint holds that step's values
    const fresh = makeParams([['w', [4]], ['b', [2]]], 6);
    await new Saver({ varList: fresh }).restore(join(dir, 'best', `model.ckpt-${bestStep}`));
    assert.deepEqual(valuesOf(fresh).w, [bestStep, bestStep, bestStep, bestStep]);
    // …and the latest side kept only 2
    assert.deepEqual((await getCheckpointState(dir))!.allModelCheckpointPaths, [join(dir, 'model.ckpt-129'), join(dir, 'model.ckpt-130')]);
  } finally {
    await cleanup();
  }
});

test('CheckpointManager with format safetensors: latest and best are .safetensors files, resume restores from them', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['w', [4]], ['b', [2]]], 5);
    const opts = { params, maxToKeep: 2, fsync: false, format: 'safetensors' as const, keepBest: { metric: 'acc', mode: 'max' as const, maxToKeep: 1 } };
    const m = new CheckpointManager(dir, opts);
    for (const [step, acc] of [[1, 0.5], [2, 0.9], [3, 0.7]] as const) {
      tf.tidy(() => params.require('w').variable.assign(tf.fill([4], step)));
      await m.save(step, { metrics: { acc } });
    }
    await m.close();
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.safetensors')).sort(), ['model.ckpt-2.safetensors', 'model.ckpt-3.safetensors']);
    assert.deepEqual((await readdir(join(dir, 'best'))).filter((f) => !f.startsWith('checkpoint')).sort(), ['model.ckpt-2.safetensors', 'model.ckpt-2.safetensors.meta.json']);
    assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.index')), 'no TF bundle written');
    const best = makeParams([['w', [4]], ['b', [2]]], 6);
    await new Saver({ varList: best }).restore((await latestCheckpoint(join(dir, 'best')))!);
    assert.deepEqual(valuesOf(best).w, [2, 2, 2, 2], 'best/ holds step 2, the highest accuracy');
    const resumed = makeParams([['w', [4]], ['b', [2]]], 7);
    const m2 = new CheckpointManager(dir, { ...opts, params: resumed });
    const r = await m2.restoreOrInitialize();
    await m2.close();
    assert.equal(r.action, 'resumed');
    assert.equal(r.step, 3);
    assert.deepEqual(valuesOf(resumed).w, [3, 3, 3, 3]);
  } finally {
    await cleanup();
  }
});
