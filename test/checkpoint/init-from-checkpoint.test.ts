import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import {
  Saver, initFromCheckpoint, assignFromCheckpoint, assignFromCheckpointFn, getCheckpointState, checkpointExists,
} from '../../src/checkpoint/index.js';
import { InvalidArgumentError, RestoreMismatchError } from '../../src/errors.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { makeParams, valuesOf, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

/** TF's docstring example: old_scope_1/var1 [20,2], old_scope_1/var2 [50,4], old_scope_2/var3 [100,100] (smaller here). */
async function tfDocCheckpoint(dir: string): Promise<{ path: string; src: ParameterSet }> {
  const src = makeParams([['old_scope_1/var1', [20, 2]], ['old_scope_1/var2', [5, 4]], ['old_scope_2/var3', [10, 10]]], 21);
  const path = await new Saver({ varList: src, fsync: false }).save(join(dir, 'model.ckpt'));
  return { path, src };
}

function zerosModel(specs: [string, number[]][]): ParameterSet {
  const ps = new ParameterSet();
  for (const [n, s] of specs) ps.add(n, newVariable(n, tf.zeros(s)));
  return ps;
}

test("initFromCheckpoint: 'scope/': 'scope/', single names, '/': 'scope/', and variables as values", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { path, src } = await tfDocCheckpoint(dir);
    const s = valuesOf(src);
    const model = zerosModel([['new_scope_1/var1', [20, 2]], ['new_scope_2/var2', [5, 4]], ['new_scope_2/var3', [10, 10]], ['other/x', [1]]]);

    const r1 = await initFromCheckpoint(path, { 'old_scope_1/': 'new_scope_1/' }, model);
    assert.deepEqual(r1.entries.filter((e) => e.status === 'renamed').map((e) => [e.name, e.source]), [['new_scope_1/var1', 'old_scope_1/var1']]);
    assert.equal(r1.summary.excluded, 3, 'unmapped variables are not touched');
    assert.deepEqual(valuesOf(model)['new_scope_1/var1'], s['old_scope_1/var1']);
    assert.deepEqual(valuesOf(model)['new_scope_2/var2'], new Array(20).fill(0));

    await initFromCheckpoint(path, { 'old_scope_1/var2': 'new_scope_2/var2', 'old_scope_2/var3': model.require('new_scope_2/var3').variable }, model);
    assert.deepEqual(valuesOf(model)['new_scope_2/var2'], s['old_scope_1/var2']);
    assert.deepEqual(valuesOf(model)['new_scope_2/var3'], s['old_scope_2/var3']);

    // checkpoint root into a scope
    const root = makeParams([['var1', [2]], ['sub/var2', [3]]], 22);
    const rootDir = join(dir, 'root');
    await mkdir(rootDir);
    const rootPath = await new Saver({ varList: root, fsync: false }).save(join(rootDir, 'model.ckpt'), { globalStep: 1 });
    const enc = zerosModel([['encoder/var1', [2]], ['encoder/sub/var2', [3]], ['decoder/var1', [2]]]);
    const r3 = await initFromCheckpoint(rootDir, { '/': 'encoder/' }, enc); // a directory: its latest checkpoint
    assert.equal(r3.source.path, rootPath);
    assert.deepEqual(valuesOf(enc)['encoder/sub/var2'], valuesOf(root)['sub/var2']);
    assert.deepEqual(valuesOf(enc)['decoder/var1'], [0, 0]);
  } finally {
    await cleanup();
  }
});

test('initFromCheckpoint fails with TF messages and loads nothing', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { path } = await tfDocCheckpoint(dir);
    const model = zerosModel([['new_scope_1/var1', [20, 2]], ['new_scope_1/var9', [1]], ['s/var2', [4, 5]]]);
    await assert.rejects(initFromCheckpoint(path, { 'old_scope_1/': 'new_scope_1/' }, model), (e: unknown) => {
      assert.ok(e instanceof RestoreMismatchError);
      assert.equal(e.message, `Tensor old_scope_1/var9 (var9 in old_scope_1/) is not found in ${path} checkpoint`);
      return true;
    });
    assert.deepEqual(valuesOf(model)['new_scope_1/var1'], new Array(40).fill(0), 'nothing loaded, not even var1');
    await assert.rejects(initFromCheckpoint(path, { 'old_scope_1/nope': 'new_scope_1/var9' }, model), {
      message: `Tensor old_scope_1/nope is not found in ${path} checkpoint`,
    });
    await assert.rejects(initFromCheckpoint(path, { 'old_scope_1/var2': 's/var2' }, model), {
      message: "Shape of variable s/var2 ([4,5]) doesn't match with shape of tensor old_scope_1/var2 ([5,4]) from checkpoint reader.",
    });
    await assert.rejects(initFromCheckpoint(path, { 'old_scope_1/var2': 'new_scope_1/' }, model), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.message, "Assignment map with scope only name new_scope_1 should map to scope only old_scope_1/var2. Should be 'scope/': 'other_scope/'.");
      return true;
    });
    await assert.rejects(initFromCheckpoint(path, { 'old_scope_1/var2': 'no/such/var' }, model), {
      message: "Assignment map with scope only name no/such should map to scope only old_scope_1/var2. Should be 'scope/': 'other_scope/'.",
    });
  } finally {
    await cleanup();
  }
});

test("article 002's slim flow: assignFromCheckpointFn(CKPT, variablesToRestore, ignoreMissingVars) then Saver(maxToKeep 100)", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const pre = makeParams([['resnet_v1_50/conv1/weights', [3, 3, 3, 4]], ['resnet_v1_50/logits/weights', [4, 1000]]], 31);
    const CKPT_FILE = await new Saver({ varList: pre, fsync: false }).save(join(dir, 'resnet_v1_50.ckpt'));
    const model = makeParams([['resnet_v1_50/conv1/weights', [3, 3, 3, 4]], ['resnet_v1_50/conv2/weights', [1, 1, 4, 4]], ['Logits/fc/weights', [4, 5]]], 32);
    // get_tuned_variables(): every model variable except CHECKPOINT_EXCLUDE_SCOPES = 'Logits'
    const tuned = model.select({ exclude: ['Logits'] });
    await assert.rejects(assignFromCheckpoint(CKPT_FILE, tuned), (e: unknown) => (e as RestoreMismatchError).code === 'missing_in_checkpoint');
    const loadFn = await assignFromCheckpointFn(CKPT_FILE, tuned, { ignoreMissingVars: true });
    const trainDir = join(dir, 'models', 'resnet_v1');
    await mkdir(trainDir, { recursive: true });
    const saver = new Saver({ varList: model, maxToKeep: 100, fsync: false });
    const ckpt = await getCheckpointState(trainDir);
    let warm = false;
    if (ckpt && (await checkpointExists(ckpt.modelCheckpointPath))) await saver.restore(ckpt.modelCheckpointPath);
    else {
      warm = true;
      const report = await loadFn();
      assert.deepEqual(report.entries.map((e) => [e.name, e.status]), [
        ['resnet_v1_50/conv1/weights', 'restored'],
        ['resnet_v1_50/conv2/weights', 'missing_in_checkpoint'],
        ['resnet_v1_50/logits/weights', 'unused_in_checkpoint'],
      ]);
    }
    assert.ok(warm, 'an empty train dir warm-starts');
    assert.deepEqual(valuesOf(model)['resnet_v1_50/conv1/weights'], valuesOf(pre)['resnet_v1_50/conv1/weights']);
    // shape mismatches are never ignored (slim)
    const wrong = makeParams([['resnet_v1_50/conv1/weights', [3, 3, 3, 8]]], 33);
    await assert.rejects(assignFromCheckpoint(CKPT_FILE, wrong, { ignoreMissingVars: true }), (e: unknown) => (e as RestoreMismatchError).code === 'shape_mismatch');
    await assert.rejects(assignFromCheckpoint(CKPT_FILE, []), { message: 'var_list cannot be empty' });
    let maxAcc = 0;
    for (const [step, acc] of [[1, 0.5], [2, 0.4], [3, 0.7]] as const) {
      if (acc > maxAcc) {
        maxAcc = acc;
        await saver.save(join(trainDir, 'model.ckpt'), { globalStep: step });
      }
    }
    assert.deepEqual(saver.lastCheckpoints, [join(trainDir, 'model.ckpt-1'), join(trainDir, 'model.ckpt-3')]);
  } finally {
    await cleanup();
  }
});
