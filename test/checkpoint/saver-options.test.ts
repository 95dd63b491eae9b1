// Saver options padStepNumber, allowEmpty, reshape with the cases of TF1's saver_test.py
// (testAllowEmpty, testReshape) and saver.py `Saver.save` ("%s-%08d" with pad_step_number).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { Saver, latestCheckpoint } from '../../src/checkpoint/index.js';
import { InvalidArgumentError, RestoreMismatchError } from '../../src/errors.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

let k = 0;
function one(name: string, values: number[][]): ParameterSet {
  const t = tf.tensor2d(values);
  const v = newVariable(`o${k++}/${name}`, t);
  t.dispose();
  return new ParameterSet().add(name, v);
}

test('padStepNumber: model.ckpt-00000042 (TF "{:08d}"), listed and found by latestCheckpoint', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const saver = new Saver({ varList: one('v', [[1]]), padStepNumber: true, fsync: false });
    const path = await saver.save(join(dir, 'model.ckpt'), { globalStep: 42 });
    assert.equal(path, join(dir, 'model.ckpt-00000042'));
    assert.equal(await latestCheckpoint(dir), path);
    assert.ok((await readdir(dir)).includes('model.ckpt-00000042.index'));
    // more than 8 digits are kept whole, as Python's format does
    assert.equal(await saver.save(join(dir, 'model.ckpt'), { globalStep: 123456789 }), join(dir, 'model.ckpt-123456789'));
    assert.equal(await new Saver({ varList: one('v', [[1]]), fsync: false }).save(join(dir, 'plain'), { globalStep: 42 }), join(dir, 'plain-42'));
  } finally {
    await cleanup();
  }
});

test('testAllowEmpty: an empty saver saves nothing (TF returns None; Graft "") and restores nothing; without allowEmpty "No variables to save"', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const save = new Saver({ varList: new ParameterSet(), allowEmpty: true });
    assert.equal(save.empty, true);
    assert.equal(await save.save(join(dir, 'allow_empty')), '');
    assert.deepEqual(await readdir(dir), []);
    const plan = await new Saver({ varList: [], allowEmpty: true }).restore(join(dir, 'allow_empty'));
    assert.equal(plan.entries.length, 0);
    assert.throws(() => new Saver({ varList: [] }), (e) => e instanceof InvalidArgumentError && e.code === 'no_variables' && e.message === 'No variables to save');
  } finally {
    await cleanup();
  }
});

test('testReshape: [[1,2,3],[4,5,6]] restores into a [3,2] variable only with reshape, as [[1,2],[3,4],[5,6]]; other element counts still fail', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const savePath = await new Saver({ varList: one('Variable', [[1, 2, 3], [4, 5, 6]]), fsync: false }).save(join(dir, 'variables_reshape'));
    const target = one('Variable', [[0, 0], [0, 0], [0, 0]]);
    await assert.rejects(new Saver({ varList: target }).restore(savePath), (e) => e instanceof RestoreMismatchError && e.code === 'shape_mismatch');
    assert.deepEqual(target.require('Variable').variable.arraySync(), [[0, 0], [0, 0], [0, 0]]);
    const plan = await new Saver({ varList: target, reshape: true }).restore(savePath);
    assert.deepEqual(target.require('Variable').variable.arraySync(), [[1, 2], [3, 4], [5, 6]]);
    assert.equal(plan.entries[0]!.status, 'restored');
    assert.equal(plan.entries[0]!.note, 'reshaped [2,3] → [3,2] (Saver reshape)');
    assert.equal(plan.summary.restored, 1);
    const wrong = one('Variable', [[0, 0], [0, 0]]);
    await assert.rejects(new Saver({ varList: wrong, reshape: true }).restore(savePath), (e) => e instanceof RestoreMismatchError && e.code === 'shape_mismatch' && /Input to reshape is a tensor with 6 values, but the requested shape has 4/.test(e.message));
    assert.deepEqual(wrong.require('Variable').variable.arraySync(), [[0, 0], [0, 0]]);
  } finally {
    await cleanup();
  }
});
