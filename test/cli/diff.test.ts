// `graft diff`: identical conversions, training steps that differ, names only on one side,
// dtype/shape mismatches, NaN handling, and the real CLI's JSON and text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compareTensors, diffCommand, type DiffResult } from '../../src/cli/commands/diff.js';
import { convertCheckpoint } from '../../src/formats/convert.js';
import { writeSafetensors } from '../../src/formats/safetensors/index.js';
import type { TensorValue } from '../../src/formats/types.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const fx = (p: string) => join(root, 'test/fixtures', p);
const run = promisify(execFile);
const diff = (a: string, b: string) => diffCommand.run({ values: {}, positionals: [a, b] });
const f32 = (name: string, xs: number[], shape = [xs.length]): TensorValue => ({ name, dtype: 'float32', shape, data: new Uint8Array(new Float32Array(xs).buffer) });

test('a checkpoint and its safetensors conversion are identical', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-diff-'));
  try {
    const src = fx('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000');
    await convertCheckpoint(src, join(dir, 'a.safetensors'));
    const r = await diff(src, join(dir, 'a.safetensors'));
    assert.equal(r.identical, true);
    assert.equal(r.common.length, 21);
    assert.ok(r.common.every((c) => c.identical && c.maxAbsDiff === 0));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('step 1 vs step 20000: every tensor differs; global_step by exactly 19999', async () => {
  const d = fx('tf1-bundle/hsbarker-estimator-cnn-adam');
  const r = await diff(join(d, 'model.ckpt-1'), join(d, 'model.ckpt-20000'));
  assert.equal(r.identical, false);
  assert.deepEqual([r.onlyInA, r.onlyInB, r.mismatched], [[], [], []]);
  const step = r.common.find((c) => c.name === 'global_step')!;
  assert.deepEqual([step.dtype, step.identical, step.maxAbsDiff], ['int64', false, 19999]);
  assert.ok(r.common.filter((c) => c.dtype === 'float32').every((c) => !c.identical && c.maxAbsDiff! > 0));
});

test('different architectures: names only in A / only in B (tfjs vs Keras h5 of the same CNN)', async () => {
  const r = await diff(fx('tfjs/digits-cnn'), fx('keras-h5/digits-cnn-weights-only/model.h5'));
  assert.deepEqual(r.onlyInA.map((t) => t.name), ['dense_4/bias', 'dense_4/kernel', 'dense_5/bias', 'dense_5/kernel']);
  assert.deepEqual(r.onlyInB.map((t) => t.name), ['dense_2/bias', 'dense_2/kernel', 'dense_3/bias', 'dense_3/kernel']);
  assert.equal(r.common.length, 4);
  assert.equal(r.a.format, 'tfjs');
  assert.equal(r.b.format, 'keras-h5');
});

test('dtype and shape mismatches are reported, not compared', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-diff-'));
  try {
    await writeSafetensors(join(dir, 'a.safetensors'), [f32('w', [1, 2, 3, 4], [2, 2]), f32('b', [1])]);
    await writeSafetensors(join(dir, 'b.safetensors'), [f32('w', [1, 2, 3, 4], [4]), { name: 'b', dtype: 'float64', shape: [1], data: new Uint8Array(new Float64Array([1]).buffer) }]);
    const r = await diff(join(dir, 'a.safetensors'), join(dir, 'b.safetensors'));
    assert.deepEqual(r.mismatched, [
      { name: 'b', a: { dtype: 'float32', shape: [1] }, b: { dtype: 'float64', shape: [1] } },
      { name: 'w', a: { dtype: 'float32', shape: [2, 2] }, b: { dtype: 'float32', shape: [4] } },
    ]);
    assert.equal(r.common.length, 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('NaN equals NaN in place; NaN against a number is counted', () => {
  assert.deepEqual(compareTensors(f32('x', [NaN, 1]), f32('x', [NaN, 3])), { identical: false, maxAbsDiff: 2, nanMismatches: 0 });
  assert.deepEqual(compareTensors(f32('x', [NaN, 1]), f32('x', [0, 1])), { identical: false, maxAbsDiff: 0, nanMismatches: 1 });
  assert.deepEqual(compareTensors(f32('x', [Infinity]), f32('x', [Infinity])), { identical: true, maxAbsDiff: 0, nanMismatches: 0 });
});

test('bin/graft diff: --json prints one document; text names the differences', async () => {
  const d = fx('tf1-bundle/caicloud-v1v2-ema-known-values');
  const { stdout } = await run(bin, ['diff', join(d, 'model.ckpt'), join(d, 'model2.ckpt'), '--json']);
  const doc = JSON.parse(stdout) as DiffResult;
  assert.deepEqual(doc.onlyInA.map((t) => t.name), ['v1', 'v2']);
  assert.deepEqual(doc.onlyInB.map((t) => t.name), ['v', 'v/ExponentialMovingAverage']);
  const text = await run(bin, ['diff', join(d, 'model.ckpt'), join(d, 'model2.ckpt')]);
  assert.match(text.stdout, /different: 0 common tensors .* 2 only in A, 2 only in B/);
  assert.match(text.stdout, /only in A:\n  v1 +float32 +\[1\]/);
  const usage = await run(bin, ['diff', d]).catch((e) => e);
  assert.equal(usage.code, 2);
});
