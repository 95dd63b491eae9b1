import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSplit } from '../../../../src/models/data/user/split.js';

test('stratified split: seeded, per class round(n * f) in test (at least 1), every example once', () => {
  const labels = [...Array(10).fill(0), ...Array(5).fill(1), ...Array(2).fill(2)];
  const a = stratifiedSplit(labels, ['a', 'b', 'c'], 0.2, 7, 'd');
  assert.deepEqual(stratifiedSplit(labels, ['a', 'b', 'c'], 0.2, 7, 'd'), a, 'same seed, same split');
  assert.notDeepEqual(stratifiedSplit(labels, ['a', 'b', 'c'], 0.2, 8, 'd'), a, 'another seed, another split');
  const perClass = (idx: number[]) => [0, 1, 2].map((k) => idx.filter((i) => labels[i] === k).length);
  assert.deepEqual(perClass(a.test), [2, 1, 1]);
  assert.deepEqual(perClass(a.train), [8, 4, 1]);
  assert.deepEqual([...a.train, ...a.test].sort((x, y) => x - y), labels.map((_, i) => i));
  assert.notDeepEqual(a.train.map((i) => labels[i]), [...a.train.map((i) => labels[i]!)].sort(), 'classes interleaved, not class-major');
});

test('stratified split: a class of one example and a fraction outside (0, 1) are typed errors', () => {
  assert.throws(() => stratifiedSplit([0, 0, 1], ['a', 'b'], 0.2, 0, 'data/'), (e: { code?: string; message?: string }) => e.code === 'class_too_small' && /data\/: class "b" has 1 example;/.test(e.message!));
  assert.throws(() => stratifiedSplit([0, 0, 1, 1], ['a', 'b'], 1, 0, 'd'), { code: 'bad_test_split' });
});
