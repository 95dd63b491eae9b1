import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import {
  Saver, latestCheckpoint, getCheckpointState, listVariables, readMeta, checkpointExists, restoreFromCheckpoint,
} from '../../src/checkpoint/index.js';
import { RestoreMismatchError, CheckpointNotFoundError, InvalidArgumentError } from '../../src/errors.js';
import * as tf from '@tensorflow/tfjs-core';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { VariableStore } from '../../src/variables/store.js';
import { createGlobalStep } from '../../src/train/global-step.js';
import { makeParams, valuesOf, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

/** The article's CNN + LSTM cascade under `inference/` (seed 000_*). */
const MODEL = [
  ['inference/conv2d_1a_3x3/weights', [3, 3, 1, 8]],
  ['inference/conv2d_1a_3x3/biases', [8]],
  ['inference/conv2d_2a_3x3/weights', [3, 3, 8, 8]],
  ['inference/lstm_layer/kernel', [16, 32]],
  ['inference/lstm_layer/bias', [32]],
  ['inference/logits/weights', [8, 10]],
] as const;

function buildModel(seed: number): ParameterSet {
  return makeParams(MODEL.map(([n, s]) => [n, [...s]] as const), seed);
}

/** The article's split: `v.name.split('/')[1].split('_')[0] == 'lstm'`. */
function parts(params: ParameterSet): { cnn: ParameterSet; lstm: ParameterSet } {
  const isLstm = (name: string): boolean => name.split('/')[1]!.split('_')[0] === 'lstm';
  return { cnn: new ParameterSet(params.toArray().filter((p) => !isLstm(p.name))), lstm: new ParameterSet(params.toArray().filter((p) => isLstm(p.name))) };
}

test('article 000: two Savers save two parts into two dirs with global steps; fresh models restore both', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const cnnDir = join(dir, 'logs_cnn');
    const lstmDir = join(dir, 'logs_lstm');
    await mkdir(cnnDir);
    await mkdir(lstmDir);
    const model = buildModel(1);
    const { cnn, lstm } = parts(model);
    const saver = new Saver({ varList: cnn, fsync: false });
    const saver2 = new Saver({ varList: lstm, fsync: false });
    for (const index of [0, 1000, 2000]) {
      assert.equal(await saver.save(join(cnnDir, 'model.ckpt'), { globalStep: index }), join(cnnDir, `model.ckpt-${index}`));
      await saver2.save(join(lstmDir, 'model.ckpt'), { globalStep: index });
    }
    assert.equal(await latestCheckpoint(cnnDir), join(cnnDir, 'model.ckpt-2000'));
    const st = await getCheckpointState(lstmDir);
    assert.deepEqual(st!.allModelCheckpointPaths, [0, 1000, 2000].map((i) => join(lstmDir, `model.ckpt-${i}`)));
    assert.deepEqual((await listVariables(join(cnnDir, 'model.ckpt-2000'))).map((v) => v.name), cnn.names().sort());
    assert.deepEqual((await listVariables(join(lstmDir, 'model.ckpt-2000'))).map((v) => v.name), lstm.names().sort());

    // a fresh model: the two part savers restore their parts
    const fresh = buildModel(2);
    const fp = parts(fresh);
    await new Saver({ varList: fp.cnn }).restore(await latestCheckpoint(cnnDir));
    await new Saver({ varList: fp.lstm }).restore(await latestCheckpoint(lstmDir));
    assert.deepEqual(valuesOf(fresh), valuesOf(model));

    // saver1 (all variables) cannot restore from one part: all or nothing
    const third = buildModel(3);
    const before3 = valuesOf(third);
    const saver1 = new Saver({ varList: third });
    await assert.rejects(saver1.restore(await latestCheckpoint(cnnDir)), (e: unknown) => {
      assert.ok(e instanceof RestoreMismatchError);
      assert.match(e.message, /2 of 6 model variables are not in the checkpoint \(inference\/lstm_layer\/kernel \[16,32\], inference\/lstm_layer\/bias \[32\]\)/);
      return true;
    });
    assert.deepEqual(valuesOf(third), before3);
    // …but restores both parts, one plan per directory, and then saves the whole model
    await restoreFromCheckpoint(third, (await latestCheckpoint(cnnDir))!, { include: ['inference/conv2d_1a_3x3', 'inference/conv2d_2a_3x3', 'inference/logits'] });
    await restoreFromCheckpoint(third, (await latestCheckpoint(lstmDir))!, { include: ['inference/lstm_layer'] });
    assert.deepEqual(valuesOf(third), valuesOf(model));
    const allDir = join(dir, 'all');
    await mkdir(allDir);
    const path = await saver1.save(join(allDir, 'model.ckpt'), { globalStep: 3000 });
    const fourth = buildModel(4);
    const report = await new Saver({ varList: fourth }).restore(path);
    assert.equal(report.summary.restored, 6);
    assert.deepEqual(valuesOf(fourth), valuesOf(model));
  } finally {
    await cleanup();
  }
});

// TF's Saver writes a variable with its own dtype (saver.py BaseSaverBuilder / saveable_object_util
// op_list_to_dict: the saveable is the variable itself), so an int64 variable, the global step
// included (training_util.py create_global_step: dtype=dtypes.int64), is DT_INT64 in the bundle
// however it is listed: a ParameterSet, a bare list [v], or a record {name: v}.
test('an int64-declared variable and the global step are written int64 from [v], {name: v} and ParameterSets', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const store = new VariableStore();
    const counter = store.variable(7, { name: 'counter', dtype: 'int64', trainable: false });
    const step = store.getOrCreateGlobalStep();
    step.assign(tf.scalar(42, 'int32'));
    const plain = store.variable(3, { name: 'plain', trainable: false });
    const gs = createGlobalStep({ initialValue: 9 });
    const asList = await new Saver({ varList: [counter, step, plain], fsync: false }).save(join(dir, 'list.ckpt'));
    assert.deepEqual(await listVariables(asList), [
      { name: 'counter', dtype: 'int64', shape: [] },
      { name: 'global_step', dtype: 'int64', shape: [] },
      { name: 'plain', dtype: 'int32', shape: [] },
    ]);
    const asRecord = await new Saver({ varList: { c: counter, step: gs.variable }, fsync: false }).save(join(dir, 'rec.ckpt'));
    assert.deepEqual(await listVariables(asRecord), [
      { name: 'c', dtype: 'int64', shape: [] },
      { name: 'step', dtype: 'int64', shape: [] },
    ]);
    const asSet = await new Saver({ varList: new ParameterSet().add('gs', gs.variable), fsync: false }).save(join(dir, 'set.ckpt'));
    assert.deepEqual(await listVariables(asSet), [{ name: 'gs', dtype: 'int64', shape: [] }]);
    // read back into int32-held variables (range-checked int64 -> int32)
    const back = new VariableStore();
    const c2 = back.variable(0, { name: 'counter', dtype: 'int64', trainable: false });
    const s2 = back.getOrCreateGlobalStep();
    await new Saver({ varList: [c2, s2], fsync: false }).restore(asList);
    assert.deepEqual([c2.dataSync()[0], s2.dataSync()[0]], [7, 42]);
    for (const x of [store, back]) x.dispose();
    gs.variable.dispose();
  } finally {
    await cleanup();
  }
});

test('article 001: partial save by name map — Saver({v1, v2}) writes exactly those keys', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const model = makeParams([['conv1/weights', [2]], ['conv1/bias', [1]], ['conv2/weights', [2]]], 5);
    const saver = new Saver({ varList: { v1: model.get('conv1/weights')!, v2: model.get('conv2/weights')!.variable }, fsync: false });
    const path = await saver.save(join(dir, 'model.ckpt'));
    assert.equal(path, join(dir, 'model.ckpt'));
    assert.deepEqual(await listVariables(path), [
      { name: 'v1', dtype: 'float32', shape: [2] },
      { name: 'v2', dtype: 'float32', shape: [2] },
    ]);
    const other = makeParams([['a', [2]], ['b', [2]]], 6);
    const plan = await new Saver({ varList: { v1: other.get('a')!, v2: other.get('b')! } }).restore(path);
    assert.deepEqual(plan.entries.map((e) => [e.name, e.status, e.source]), [['a', 'renamed', 'v1'], ['b', 'renamed', 'v2']]);
    assert.deepEqual(valuesOf(other).a, valuesOf(model)['conv1/weights']);
    assert.deepEqual(valuesOf(other).b, valuesOf(model)['conv2/weights']);
    // a list of variables made by newVariable is named by their scoped names, as TF names by var.op.name
    assert.deepEqual(new Saver({ varList: [model.get('conv2/weights')!.variable, model.get('conv1/bias')!.variable] }).names, ['conv1/bias', 'conv2/weights']);
    assert.throws(() => new Saver({ varList: { v1: model.get('conv1/bias')!, v3: model.get('conv1/bias')! } }), (e: unknown) => {
      assert.ok(e instanceof InvalidArgumentError);
      assert.equal(e.message, 'The same saveable will be restored with two names: v1, v3');
      return true;
    });
  } finally {
    await cleanup();
  }
});

test('maxToKeep and keepCheckpointEveryNHours delete exactly as TF; the state file keeps TF text', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['w', [4]]]);
    let clock = 0;
    const saver = new Saver({ varList: params, maxToKeep: 2, keepCheckpointEveryNHours: 2, saveRelativePaths: true, fsync: false, now: () => clock });
    for (let s = 1; s <= 7; s++) {
      clock = s * 3600;
      await saver.save(join(dir, 'model.ckpt'), { globalStep: s });
    }
    // s1, s2 deleted; s3 (t=10800 > 7200) and s5 (18000 > 14400) kept forever; s4, s6… by recency
    const files = (await readdir(dir)).filter((f) => f.endsWith('.index')).sort();
    assert.deepEqual(files, ['model.ckpt-3.index', 'model.ckpt-5.index', 'model.ckpt-6.index', 'model.ckpt-7.index']);
    assert.deepEqual(saver.lastCheckpoints, [join(dir, 'model.ckpt-6'), join(dir, 'model.ckpt-7')]);
    assert.equal(
      await readFile(join(dir, 'checkpoint'), 'utf8'),
      'model_checkpoint_path: "model.ckpt-7"\nall_model_checkpoint_paths: "model.ckpt-6"\nall_model_checkpoint_paths: "model.ckpt-7"\n',
    );
    assert.ok(!(await readdir(dir)).some((f) => f.includes('.tmp')), 'no temporary files left');
  } finally {
    await cleanup();
  }
});

test('maxToKeep 0 keeps everything and lists only the newest; restore errors use TF wording', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['w', [2]]]);
    const saver = new Saver({ varList: params, maxToKeep: 0, fsync: false });
    for (const s of [1, 2, 3]) await saver.save(join(dir, 'm'), { globalStep: s });
    for (const s of [1, 2, 3]) assert.ok(await checkpointExists(join(dir, `m-${s}`)));
    assert.deepEqual((await getCheckpointState(dir))!.allModelCheckpointPaths, [join(dir, 'm-3')]);
    await assert.rejects(saver.restore(join(dir, 'm-9')), (e: unknown) => {
      assert.ok(e instanceof CheckpointNotFoundError);
      assert.equal(e.message, `The passed save_path is not a valid checkpoint: ${join(dir, 'm-9')}`);
      return true;
    });
    await assert.rejects(saver.restore(null), /Can't load save_path when it is None\./);
    await assert.rejects(saver.save(join(dir, 'nope', 'm')), /Parent directory of .*nope\/m doesn't exist, can't save\./);
  } finally {
    await cleanup();
  }
});

test('safetensors format: prefix-STEP.safetensors listed in the state file, restorable, retained', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['enc/w', [3, 2]], ['enc/b', [2]]], 8);
    const saver = new Saver({ varList: params, format: 'safetensors', maxToKeep: 1, fsync: false });
    await saver.save(join(dir, 'model'), { globalStep: 1, meta: { model: { name: 'mlp', config: { units: 2 } }, labels: ['a', 'b'] } });
    const path = await saver.save(join(dir, 'model'), { globalStep: 2, meta: { model: null } });
    assert.equal(path, join(dir, 'model-2.safetensors'));
    assert.equal(await latestCheckpoint(dir), path);
    assert.deepEqual((await readdir(dir)).sort(), ['checkpoint', 'model-2.safetensors', 'model-2.safetensors.meta.json']);
    const meta = await readMeta(path);
    assert.deepEqual(meta.variables, [
      { name: 'enc/w', dtype: 'float32', shape: [3, 2], trainable: true },
      { name: 'enc/b', dtype: 'float32', shape: [2], trainable: true },
    ]);
    const fresh = makeParams([['enc/w', [3, 2]], ['enc/b', [2]]], 9);
    await new Saver({ varList: fresh }).restore(path);
    assert.deepEqual(valuesOf(fresh), valuesOf(params));
  } finally {
    await cleanup();
  }
});

test('re-saving one prefix (no globalStep) never lists a half-rewritten checkpoint and leaves no bridge behind', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const params = makeParams([['w', [8]]], 12);
    const saver = new Saver({ varList: params, fsync: false });
    const prefix = join(dir, 'model.ckpt');
    await saver.save(prefix);
    params.require('w').variable.assign(params.require('w').variable.mul(2));
    assert.equal(await saver.save(prefix), prefix);
    assert.deepEqual((await readdir(dir)).sort(), ['checkpoint', 'model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
    assert.deepEqual((await getCheckpointState(dir))!.allModelCheckpointPaths, [prefix]);
    const fresh = makeParams([['w', [8]]], 13);
    await new Saver({ varList: fresh }).restore(prefix);
    assert.deepEqual(valuesOf(fresh), valuesOf(params));
  } finally {
    await cleanup();
  }
});
