import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import { writeBundle } from '../../src/formats/tf-bundle/index.js';
import { planRestore, executeRestorePlan, readerFromTensors, restoreFromCheckpoint } from '../../src/checkpoint/index.js';
import { RestoreMismatchError } from '../../src/errors.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { makeParams, valuesOf, tempDir } from './helpers.js';
import { Saver } from '../../src/checkpoint/saver.js';

before(async () => {
  await initBackend();
});

const SPECS = [
  ['inference/conv1/weights', [3, 3, 1, 4]],
  ['inference/conv1/biases', [4]],
  ['inference/lstm/kernel', [8, 16]],
  ['Logits/fc/weights', [16, 10]],
  ['Logits/fc/biases', [10]],
] as const;

function f32(name: string, shape: number[], values: number[]) {
  return { name, dtype: 'float32' as const, shape, data: new Uint8Array(new Float32Array(values).buffer) };
}

test('every variable and every unused key gets one entry with a literal status', async () => {
  const params = makeParams([['a/w', [2]], ['a/b', [1]], ['b/w', [2, 2]], ['c/w', [3]], ['d/i', [2]]]);
  params.add('step', newVariable('step', tf.scalar(0, 'int32')), { trainable: false, saveDtype: 'int64' });
  const reader = readerFromTensors([
    f32('a/w', [2], [1, 2]),
    f32('a/b', [1], [3]),
    f32('b/w', [2, 3], [0, 0, 0, 0, 0, 0]),
    { name: 'd/i', dtype: 'int32', shape: [2], data: new Uint8Array(new Int32Array([1, 2]).buffer) },
    { name: 'step', dtype: 'int64', shape: [], data: new Uint8Array(new BigInt64Array([7n]).buffer) },
    f32('extra/x', [1], [9]),
  ], { path: 'mem/model.ckpt-7' });
  const plan = await planRestore(params, reader, { exclude: ['c'] });
  const byName = Object.fromEntries(plan.entries.map((e) => [e.name, e]));
  assert.equal(byName['a/w'].status, 'restored');
  assert.equal(byName['a/b'].status, 'restored');
  assert.equal(byName['b/w'].status, 'shape_mismatch');
  assert.deepEqual(byName['b/w'].expected, { dtype: 'float32', shape: [2, 2] });
  assert.deepEqual(byName['b/w'].found, { dtype: 'float32', shape: [2, 3] });
  assert.equal(byName['c/w'].status, 'excluded');
  assert.equal(byName['d/i'].status, 'dtype_mismatch');
  assert.equal(byName['step'].status, 'restored');
  assert.equal(byName['extra/x'].status, 'unused_in_checkpoint');
  assert.deepEqual(plan.summary, {
    restored: 3, renamed: 0, missing_in_checkpoint: 0, shape_mismatch: 1, dtype_mismatch: 1, excluded: 1, reinitialized: 0, unused_in_checkpoint: 1,
  });
  assert.equal(plan.ok, false);
  assert.deepEqual(plan.problems.map((e) => e.name), ['b/w', 'd/i']);
  assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(plan))), ['entries', 'summary']);
});

test('missing variables fail the plan unless ignoreMissing; excluded scopes match on / boundaries', async () => {
  const params = makeParams(SPECS.map(([n, s]) => [n, [...s]] as const));
  params.add('LogitsExtra/w', newVariable('LogitsExtra/w', tf.zeros([2])));
  const src = makeParams(SPECS.filter(([n]) => !n.startsWith('Logits')).map(([n, s]) => [n, [...s]] as const), 7);
  const reader = readerFromTensors(new Saver({ varList: src }).snapshot(), { path: 'pretrained/model.ckpt' });
  const strict = await planRestore(params, reader);
  assert.equal(strict.ok, false);
  assert.deepEqual(strict.problems.map((e) => e.name), ['Logits/fc/weights', 'Logits/fc/biases', 'LogitsExtra/w']);
  const before = valuesOf(params);
  await assert.rejects(executeRestorePlan(strict), (e: unknown) => {
    assert.ok(e instanceof RestoreMismatchError);
    assert.equal(e.code, 'missing_in_checkpoint');
    assert.equal(
      e.message,
      'pretrained/model.ckpt: 3 of 6 model variables are not in the checkpoint (Logits/fc/weights [16,10], Logits/fc/biases [10], LogitsExtra/w [2]).',
    );
    assert.match(e.hint!, /exclude: \["Logits", "LogitsExtra"\] \(CLI --exclude Logits,LogitsExtra\)/);
    assert.deepEqual((e.report as { summary: Record<string, number> }).summary.missing_in_checkpoint, 3);
    return true;
  });
  assert.deepEqual(valuesOf(params), before, 'a failing plan changes nothing');

  const excluded = await planRestore(params, reader, { exclude: ['Logits'], ignoreMissing: true });
  assert.equal(excluded.entries.find((e) => e.name === 'Logits/fc/weights')!.status, 'excluded');
  assert.equal(excluded.entries.find((e) => e.name === 'LogitsExtra/w')!.status, 'missing_in_checkpoint', 'Logits does not cover LogitsExtra');
  assert.equal(excluded.ok, true);
  await executeRestorePlan(excluded);
  const after = valuesOf(params);
  const srcValues = valuesOf(src);
  for (const [n] of SPECS) {
    if (n.startsWith('Logits')) assert.deepEqual(after[n], before[n]);
    else assert.deepEqual(after[n], srcValues[n]);
  }
});

test('all or nothing: a corrupt tensor found during execution leaves every variable unchanged', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const src = makeParams([['a', [64]], ['b', [64]], ['c', [64]]], 3);
    const prefix = join(dir, 'model.ckpt');
    await writeBundle(prefix, new Saver({ varList: src }).snapshot(), { fsync: false });
    const target = makeParams([['a', [64]], ['b', [64]], ['c', [64]]], 4);
    const before = valuesOf(target);
    const { openBundle } = await import('../../src/formats/tf-bundle/index.js');
    const reader = await openBundle(prefix);
    const plan = await planRestore(target, reader);
    assert.equal(plan.ok, true);
    // flip one byte of the last tensor ("c") after planning: its CRC no longer matches
    const dataFile = `${prefix}.data-00000-of-00001`;
    const bytes = await readFile(dataFile);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(dataFile, bytes);
    await assert.rejects(executeRestorePlan(plan), (e: unknown) => e instanceof Error && 'code' in e);
    assert.deepEqual(valuesOf(target), before);
    await reader.close();
  } finally {
    await cleanup();
  }
});

test('assignment maps rename in TF forms and show as renamed', async () => {
  const ckpt = readerFromTensors([f32('old_scope_1/var1', [2], [1, 2]), f32('old_scope_1/var2', [1], [3]), f32('w', [1], [4]), f32('x/y', [1], [5])]);
  const params = new ParameterSet();
  for (const [n, s] of [['new_scope_1/var1', [2]], ['new_scope_1/var2', [1]], ['enc/w', [1]], ['enc/x/y', [1]], ['z', [1]]] as const) {
    params.add(n, newVariable(n, tf.zeros([...s])));
  }
  const plan = await planRestore(params, ckpt, { assignmentMap: { 'old_scope_1/': 'new_scope_1/', '/': 'enc/' }, ignoreMissing: true });
  const e = Object.fromEntries(plan.entries.map((x) => [x.name, x]));
  assert.equal(e['new_scope_1/var1'].status, 'renamed');
  assert.equal(e['new_scope_1/var1'].source, 'old_scope_1/var1');
  assert.equal(e['enc/w'].source, 'w');
  assert.equal(e['enc/x/y'].source, 'x/y');
  assert.equal(e['z'].status, 'missing_in_checkpoint');
  await executeRestorePlan(plan);
  assert.deepEqual(Array.from(params.get('new_scope_1/var1')!.variable.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(params.get('enc/x/y')!.variable.dataSync()), [5]);
  // single names win over scopes
  const single = await planRestore(params, ckpt, { assignmentMap: [['old_scope_1/', 'new_scope_1/'], ['w', 'new_scope_1/var2']], ignoreMissing: true });
  assert.equal(single.entries.find((x) => x.name === 'new_scope_1/var2')!.source, 'w');
});

test('float64 and float16 tensors load into float32 variables with a note; int64 range is checked', async () => {
  const half = new Uint16Array([0x3c00, 0xc000, 0x3555]); // 1, -2, 0.333251953125
  const ckpt = readerFromTensors([
    { name: 'd', dtype: 'float64', shape: [2], data: new Uint8Array(new Float64Array([0.1, 1e40]).buffer) },
    { name: 'h', dtype: 'float16', shape: [3], data: new Uint8Array(half.buffer) },
    { name: 'big', dtype: 'int64', shape: [], data: new Uint8Array(new BigInt64Array([5000000000n]).buffer) },
  ]);
  const params = new ParameterSet();
  params.add('d', newVariable('d', tf.zeros([2])));
  params.add('h', newVariable('h', tf.zeros([3])));
  const plan = await planRestore(params, ckpt);
  assert.equal(plan.entries[0]!.note, 'float64 → float32 (rounded)');
  assert.equal(plan.entries[1]!.note, 'float16 → float32 (exact)');
  await executeRestorePlan(plan);
  assert.deepEqual(Array.from(params.get('d')!.variable.dataSync()), [Math.fround(0.1), Infinity]);
  assert.deepEqual(Array.from(params.get('h')!.variable.dataSync()), [1, -2, 0.333251953125]);

  const steps = new ParameterSet();
  const g = newVariable('big', tf.scalar(3, 'int32'), { trainable: false });
  steps.add('big', g, { trainable: false, saveDtype: 'int64' });
  await assert.rejects(restoreFromCheckpoint(steps, ckpt), (e: unknown) => (e as { code?: string }).code === 'int64_out_of_range');
  assert.equal(g.dataSync()[0], 3);
});

test('toString lists every status group and the verdict', async () => {
  const params = makeParams([['a', [2]], ['b', [3]], ['c', [1]]]);
  const ckpt = readerFromTensors([f32('a', [2], [1, 2]), f32('b', [4], [0, 0, 0, 0]), f32('old', [1], [0])], { path: 'ckpt/model.ckpt-5' });
  const plan = await planRestore(params, ckpt, { assignmentMap: { old: 'c' } });
  assert.equal(
    plan.toString(),
    [
      'restore plan: ckpt/model.ckpt-5 (tf-bundle), 3 variables',
      'summary: 1 restored, 1 renamed, 1 shape_mismatch',
      'restored (1):',
      '  a  float32 [2]',
      'renamed (1):',
      '  c  float32 [1]  ← old',
      'shape_mismatch (1):',
      '  b  expected float32 [3], found float32 [4]',
      'result: fails, 1 problem; nothing would be restored',
    ].join('\n'),
  );
});
