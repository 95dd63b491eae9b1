// Partitioned variables through Saver, as TF1 saves and restores them:
// - tensorflow/python/training/saver_test.py `_testPartitionedVariables` (save PartitionedVariable,
//   restore into a full variable, into the same and a different number of parts, and full → parts;
//   Saver(list) and Saver({name: pv}));
// - saving/saveable_object_util.py `op_list_to_dict` ("Mixing slices and non-slices with the same name");
// - tensor_bundle.cc BundleWriter::AddSlice: one full-name entry with slices + one entry per slice key,
//   a single full part written as a plain tensor (the layout of the real TF-written fixture
//   tf1-bundle/hose-learn-linear-ftrl-part0, a canned estimator's single-partition weights).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { Saver, planRestore, planRestoreFromSpecs, readMeta } from '../../src/checkpoint/index.js';
import { openBundle, readTable, decodeBundleEntry, encodeTensorNameSlice } from '../../src/formats/tf-bundle/index.js';
import { openSafetensors } from '../../src/formats/safetensors/index.js';
import { VariableStore, fixedSizePartitioner, minMaxVariablePartitioner, PartitionedVariable, embeddingLookupPartitioned } from '../../src/variables/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { fixture, tempDir } from './helpers.js';

before(async () => {
  await initBackend();
});

const VAR_FULL_SHAPE = [10, 3];

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** saver_test `_save`: a random [10, 3] saved as `my_var`, partitioned or not; returns the values. */
async function save(path: string, nShards: number | null, withDict: boolean, seed: number): Promise<number[]> {
  const s = new VariableStore({ seed });
  const rnd = tf.randomUniform(VAR_FULL_SHAPE, 0, 1, 'float32', seed);
  const v = nShards ? s.getVariable('my_var', { initializer: rnd, partitioner: fixedSizePartitioner(nShards) }) : s.getVariable<tf.Variable>('my_var', { initializer: rnd });
  const saver = new Saver({ varList: withDict ? { my_var: v } : [v], fsync: false });
  await saver.save(path, { writeState: false });
  const out = values(rnd);
  rnd.dispose();
  s.dispose();
  return out;
}

/** saver_test `_restore`: zeros, partitioned or not, restored from `path`; returns the full value. */
async function restore(path: string, nShards: number | null, withDict: boolean): Promise<number[]> {
  const s = new VariableStore();
  const zeros = tf.zeros(VAR_FULL_SHAPE);
  const v = nShards ? s.getVariable('my_var', { initializer: zeros, partitioner: fixedSizePartitioner(nShards) }) : s.getVariable<tf.Variable>('my_var', { initializer: zeros });
  const saver = new Saver({ varList: withDict ? { my_var: v } : [v], fsync: false });
  await saver.restore(path);
  const out = v instanceof PartitionedVariable ? values(v.asTensor()) : values(v);
  s.dispose();
  return out;
}

test('saver_test _testPartitionedVariables: 2 parts → full, → 2 parts, → 3 parts; full → 3 parts; list and dict forms', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    for (const withDict of [false, true]) {
      const path = join(dir, `ckpt-${withDict}`);
      let saved = await save(path, 2, withDict, 1);
      assert.deepEqual(await restore(path, null, withDict), saved);
      assert.deepEqual(await restore(path, 2, withDict), saved);
      assert.deepEqual(await restore(path, 3, withDict), saved);
      saved = await save(path, null, withDict, 2);
      assert.deepEqual(await restore(path, 3, withDict), saved);
    }
  } finally {
    await cleanup();
  }
});

test('the bundle as TF lays it out: slice keys (EncodeTensorNameSlice) + one full entry {shape, slices}; the bundle reader assembles it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new VariableStore({ seed: 3 });
    const emb = s.variableScope('Model', {}, () => s.getVariable('embedding', { shape: [7, 4], partitioner: fixedSizePartitioner(3) }));
    s.getOrCreateGlobalStep();
    const saver = new Saver({ varList: s, fsync: false });
    assert.deepEqual(saver.names, ['Model/embedding', 'global_step']);
    const path = await saver.save(join(dir, 'model.ckpt'), { globalStep: 0 });
    const table = readTable(new Uint8Array(readFileSync(`${path}.index`)), path);
    const name = new TextEncoder().encode('Model/embedding');
    const keys = [
      encodeTensorNameSlice(name, [{ start: 0, length: 3 }, { start: 0, length: 4 }]),
      encodeTensorNameSlice(name, [{ start: 3, length: 2 }, { start: 0, length: 4 }]),
      encodeTensorNameSlice(name, [{ start: 5, length: 2 }, { start: 0, length: 4 }]),
    ];
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    assert.deepEqual(table.map((e) => hex(e.key)), ['', ...keys.map(hex), hex(name), hex(new TextEncoder().encode('global_step'))]);
    const full = decodeBundleEntry(table[4]!.value, path, 'Model/embedding');
    assert.deepEqual(full.shape, [7, 4]);
    assert.equal(full.size, 0);
    assert.deepEqual(full.slices.map((sl) => sl.map((e) => [e.start, e.length])), [[[0, 3], [0, 4]], [[3, 2], [0, 4]], [[5, 2], [0, 4]]]);
    await using r = await openBundle(path);
    assert.deepEqual(r.list().map((t) => [t.name, t.shape]), [['Model/embedding', [7, 4]], ['global_step', []]]);
    const back = new Float32Array((await r.read('Model/embedding')).data.slice().buffer);
    assert.deepEqual(Array.from(back), values((emb as PartitionedVariable).asTensor()));
    // the restore report names each part and the slice it reads
    const fresh = new VariableStore({ seed: 9 });
    fresh.variableScope('Model', {}, () => fresh.getVariable('embedding', { shape: [7, 4], partitioner: fixedSizePartitioner(2) }));
    const report = await planRestore(fresh.parameters(), path, { ignoreMissing: true });
    const parts = report.entries.filter((e) => e.name.startsWith('Model/'));
    assert.deepEqual(parts.map((e) => [e.name, e.status, e.source, e.note]), [
      ['Model/embedding/part_0', 'restored', 'Model/embedding', 'slice [0:4,0:4] of [7,4]'],
      ['Model/embedding/part_1', 'restored', 'Model/embedding', 'slice [4:7,0:4] of [7,4]'],
    ]);
  } finally {
    await cleanup();
  }
});

test('a real TF checkpoint (canned LinearClassifier, single-partition weights) restores into a partitioned variable; one part saves as TF saved it', async () => {
  const ckpt = fixture('tf1-bundle/hose-learn-linear-ftrl-part0/model.ckpt-300');
  await using r = await openBundle(ckpt);
  const name = 'linear/linear_model/Field_1/weights';
  const stored = new Float32Array((await r.read(name)).data.slice().buffer);
  const s = new VariableStore();
  // TF's canned linear model: min_max_variable_partitioner(max_partitions=…) over a [1, 1] weight → one part
  const pv = s.variableScope('linear/linear_model/Field_1', { partitioner: minMaxVariablePartitioner({ maxPartitions: 4 }) }, () => s.getVariable<PartitionedVariable>('weights', { shape: [1, 1], initializer: () => tf.zeros([1, 1]) }));
  assert.deepEqual(s.parameters().names(), ['linear/linear_model/Field_1/weights/part_0']);
  const report = await planRestore(s.parameters(), ckpt, {});
  const entry = report.entries.find((e) => e.name === 'linear/linear_model/Field_1/weights/part_0')!;
  assert.deepEqual([entry.status, entry.source], ['restored', name]);
  await new Saver({ varList: s, fsync: false }).restore(ckpt);
  assert.deepEqual(Array.from(pv.variables[0]!.dataSync()), Array.from(stored));
  // written back: a plain tensor under the full name, no slices — the fixture's own entry layout
  const { dir, cleanup } = await tempDir();
  try {
    const out = await new Saver({ varList: s, fsync: false }).save(join(dir, 'model.ckpt'), { writeState: false });
    const table = readTable(new Uint8Array(readFileSync(`${out}.index`)), out);
    const ours = decodeBundleEntry(table[1]!.value, out, name);
    const theirs = readTable(new Uint8Array(readFileSync(`${ckpt}.index`)), ckpt).find((e) => Buffer.from(e.key).toString() === name)!;
    const tfEntry = decodeBundleEntry(theirs.value, ckpt, name);
    assert.equal(Buffer.from(table[1]!.key).toString(), name);
    assert.deepEqual([ours.dtype, ours.shape, ours.slices, ours.size, ours.crc32c], [tfEntry.dtype, tfEntry.shape, tfEntry.slices, tfEntry.size, tfEntry.crc32c]);
  } finally {
    await cleanup();
  }
});

test('safetensors has no slices: the parts are assembled into the full tensor, and restored from it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new VariableStore({ seed: 4 });
    const pv = s.getVariable('emb', { shape: [5, 2], partitioner: fixedSizePartitioner(2) });
    const path = await new Saver({ varList: s, format: 'safetensors', fsync: false }).save(join(dir, 'model'), { writeState: false });
    await using r = await openSafetensors(path);
    assert.deepEqual(r.list().map((t) => [t.name, t.shape]), [['emb', [5, 2]]]);
    const t = new VariableStore({ seed: 8 });
    const other = t.getVariable('emb', { shape: [5, 2], partitioner: fixedSizePartitioner(3) });
    await new Saver({ varList: t, format: 'safetensors', fsync: false }).restore(path);
    assert.deepEqual(values(other.asTensor()), values(pv.asTensor()));
  } finally {
    await cleanup();
  }
});

test('a partitioned embedding trains, saves and restores: lookups after restore equal lookups before', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new VariableStore({ seed: 6 });
    const pv = s.getVariable('emb', { shape: [50, 8], partitioner: fixedSizePartitioner(4) });
    const ids = tf.tensor1d([3, 49, 17, 17, 0], 'int32');
    for (let i = 0; i < 3; i++) {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(embeddingLookupPartitioned(pv, ids))) as tf.Scalar, pv.variables);
      for (const v of pv.variables) if (grads[v.name]) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.1)));
    }
    const before = values(embeddingLookupPartitioned(pv, ids));
    const path = await new Saver({ varList: s, fsync: false }).save(join(dir, 'm'), { writeState: false });
    const t = new VariableStore({ seed: 99 });
    const again = t.getVariable('emb', { shape: [50, 8], partitioner: fixedSizePartitioner(4) });
    await new Saver({ varList: t, fsync: false }).restore(path);
    assert.deepEqual(values(embeddingLookupPartitioned(again, ids)), before);
  } finally {
    await cleanup();
  }
});

test('op_list_to_dict: mixing a slice and a whole variable under one name is refused', () => {
  const s = new VariableStore();
  const pv = s.getVariable('x', { shape: [4], partitioner: fixedSizePartitioner(2) });
  const whole = s.variableScope('other', {}, () => s.getVariable<tf.Variable>('x', { shape: [4] }));
  assert.throws(() => new Saver({ varList: { x: whole, ...Object.fromEntries([['x:0', pv]]) } }), (e: unknown) => e instanceof InvalidArgumentError && e.code === 'mixed_slices' && e.message === 'Mixing slices and non-slices with the same name: x');
});

test('.meta.json lists a partitioned variable once, as the checkpoint holds it; a dry run from it matches the checkpoint', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new VariableStore({ seed: 2 });
    s.getVariable('emb', { shape: [6, 2], partitioner: fixedSizePartitioner(3) });
    s.getVariable('b', { shape: [2] });
    const path = await new Saver({ varList: s, fsync: false }).save(join(dir, 'm'), { writeState: false, meta: {} });
    const meta = await readMeta(path);
    assert.deepEqual(meta!.variables.map((v) => [v.name, v.shape]), [['emb', [6, 2]], ['b', [2]]]);
    const plan = await planRestoreFromSpecs(meta!.variables, path);
    assert.deepEqual(plan.entries.map((e) => [e.name, e.status]), [['emb', 'restored'], ['b', 'restored']]);
  } finally {
    await cleanup();
  }
});

test('init_from_checkpoint style: an assignment map renames a partitioned variable by its full name', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const a = new VariableStore({ seed: 1 });
    const src = a.variableScope('old', {}, () => a.getVariable('emb', { shape: [5, 3], partitioner: fixedSizePartitioner(2) }));
    const path = await new Saver({ varList: a, fsync: false }).save(join(dir, 'm'), { writeState: false });
    const b = new VariableStore({ seed: 2 });
    const dst = b.variableScope('new', {}, () => b.getVariable('emb', { shape: [5, 3], partitioner: fixedSizePartitioner(3) }));
    for (const map of [{ 'old/emb': 'new/emb' }, { 'old/': 'new/' }] as Record<string, string>[]) {
      const plan = await planRestore(b.parameters(), path, { assignmentMap: map });
      assert.deepEqual(plan.entries.map((e) => [e.name, e.status, e.source]), [
        ['new/emb/part_0', 'renamed', 'old/emb'], ['new/emb/part_1', 'renamed', 'old/emb'], ['new/emb/part_2', 'renamed', 'old/emb'],
      ]);
    }
    const { executeRestorePlan } = await import('../../src/checkpoint/index.js');
    await executeRestorePlan(await planRestore(b.parameters(), path, { assignmentMap: { 'old/': 'new/' } }));
    assert.deepEqual(values(dst.asTensor()), values(src.asTensor()));
  } finally {
    await cleanup();
  }
});
