import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { loadMnist, parseIdx } from '../../../src/models/data/index.js';
import { GraftError } from '../../../src/errors.js';

test('loads the real MNIST train slice as float32 [n,28,28,1] in [0,1]', async () => {
  const ds = await loadMnist({ split: 'train', limit: 500, seed: 1 });
  assert.equal(ds.count, 500);
  assert.deepEqual(ds.exampleShape, [28, 28, 1]);
  assert.ok(ds.x instanceof Float32Array);
  assert.equal(ds.x.length, 500 * 784);
  let max = 0;
  let min = 1;
  for (const v of ds.x) {
    if (v > max) max = v;
    if (v < min) min = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.deepEqual(ds.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  const seen = new Set(ds.labels);
  assert.equal(seen.size, 10, 'a shuffled 500-slice holds every digit');
});

test('the same seed gives the same order; another seed another', async () => {
  const a = await loadMnist({ split: 'test', limit: 20, seed: 7 });
  const b = await loadMnist({ split: 'test', limit: 20, seed: 7 });
  const c = await loadMnist({ split: 'test', limit: 20, seed: 8 });
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.x, b.x);
  assert.notDeepEqual(a.x, c.x);
});

test('digit filter relabels 5..9 to 0..4 and keeps only those digits', async () => {
  const full = await loadMnist({ split: 'test', limit: 300 });
  const ds = await loadMnist({ split: 'test', digits: [5, 6, 7, 8, 9], limit: 100 });
  assert.deepEqual(ds.classNames, ['5', '6', '7', '8', '9']);
  assert.equal(ds.count, 100);
  // in file order, the k-th kept image equals the k-th image of the full set whose digit is ≥ 5
  const kept: number[] = [];
  full.labels.forEach((l, i) => l >= 5 && kept.push(i));
  assert.equal(ds.labels[0], full.labels[kept[0]!]! - 5);
  assert.deepEqual(ds.x.subarray(0, 784), full.x.subarray(kept[0]! * 784, kept[0]! * 784 + 784));
  for (const l of ds.labels) assert.ok(l >= 0 && l <= 4);
});

test('parseIdx rejects a bad magic and a truncated payload with typed errors', () => {
  const bad = new Uint8Array([0, 0, 9, 3, 0, 0, 0, 1]);
  assert.throws(() => parseIdx(bad), (e: unknown) => e instanceof GraftError && e.code === 'idx_bad_magic');
  const labels = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]);
  assert.throws(() => parseIdx(labels, 'labels.idx'), (e: unknown) => e instanceof GraftError && e.code === 'idx_size_mismatch' && /labels\.idx: header says 3 = 3 bytes of data but the file holds 2/.test(e.message));
  const ok = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]));
  assert.deepEqual(ok.dims, [2]);
  assert.deepEqual([...ok.data], [7, 9]);
  assert.ok(gzipSync(Buffer.from('x')).length > 0);
});
