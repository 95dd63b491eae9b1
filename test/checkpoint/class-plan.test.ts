import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyClassChange, parseMergeSpec, parseSplitSpec, planClassChange } from '../../src/checkpoint/class-plan.js';
import { GraftError } from '../../src/errors.js';

test('same classes → same; reordered → every slot moved from its old index', () => {
  assert.equal(planClassChange(['a', 'b', 'c'], ['a', 'b', 'c']).kind, 'same');
  const p = planClassChange(['a', 'b', 'c'], ['c', 'a', 'b']);
  assert.equal(p.kind, 'reordered');
  assert.deepEqual(p.slots.map((s) => [s.name, s.status, s.from]), [['c', 'moved', [2]], ['a', 'moved', [0]], ['b', 'moved', [1]]]);
  assert.deepEqual(p.removed, []);
});

test('merge, split, new and removed classes get their statuses', () => {
  const old = ['card_arrival', 'pending_cash_withdrawal', 'declined_cash_withdrawal', 'age_limit', 'pin_blocked'];
  const neu = ['card_arrival', 'cash_withdrawal_problem', 'pin_blocked', 'pin_eu', 'pin_uk', 'top_up_limits'];
  const p = planClassChange(old, neu, {
    merges: [parseMergeSpec('pending_cash_withdrawal,declined_cash_withdrawal=cash_withdrawal_problem')],
    splits: [parseSplitSpec('age_limit=pin_eu,pin_uk')],
  });
  assert.equal(p.kind, 'changed');
  assert.deepEqual(p.slots.map((s) => [s.name, s.status, s.from]), [
    ['card_arrival', 'kept', [0]],
    ['cash_withdrawal_problem', 'merged', [1, 2]],
    ['pin_blocked', 'moved', [4]],
    ['pin_eu', 'split', []],
    ['pin_uk', 'split', []],
    ['top_up_limits', 'new', []],
  ]);
  assert.deepEqual(p.removed.map((r) => [r.name, r.status, r.into]), [
    ['pending_cash_withdrawal', 'merged_away', ['cash_withdrawal_problem']],
    ['declined_cash_withdrawal', 'merged_away', ['cash_withdrawal_problem']],
    ['age_limit', 'split_away', ['pin_eu', 'pin_uk']],
  ]);
  assert.deepEqual(p.summary, { kept: 1, merged: 1, moved: 1, split: 2, new: 1, merged_away: 2, split_away: 1 });
});

test('applyClassChange copies kept/moved columns, averages merged ones (+ln k bias), keeps fresh values for new', () => {
  // features = 2, old K = 3: W rows [f][k]
  const oldW = Float32Array.from([1, 2, 3, 10, 20, 30]);
  const oldB = Float32Array.from([0.1, 0.2, 0.3]);
  const p = planClassChange(['a', 'b', 'c'], ['c', 'ab', 'n'], { merges: [parseMergeSpec('a,b=ab')] });
  const freshW = Float32Array.from([7, 7, 7, 7, 7, 7]);
  const freshB = Float32Array.from([9, 9, 9]);
  const { weights, biases } = applyClassChange(p, oldW, oldB, freshW, freshB);
  assert.deepEqual([...weights], [3, 1.5, 7, 30, 15, 7]);
  assert.ok(Math.abs(biases[0]! - 0.3) < 1e-7);
  assert.ok(Math.abs(biases[1]! - (0.15 + Math.log(2))) < 1e-6);
  assert.equal(biases[2], 9);
  assert.deepEqual([...freshW], [7, 7, 7, 7, 7, 7], 'inputs untouched');
});

test('bad specs and unknown classes are typed errors naming the class', () => {
  assert.throws(() => parseMergeSpec('a,b'), (e: unknown) => e instanceof GraftError && e.code === 'bad_merge_spec');
  assert.throws(() => parseSplitSpec('=a'), (e: unknown) => e instanceof GraftError && e.code === 'bad_split_spec');
  assert.throws(() => planClassChange(['a'], ['x'], { merges: [parseMergeSpec('a,zz=x')] }), (e: unknown) => e instanceof GraftError && e.code === 'merge_source_unknown' && /"zz"/.test(e.message));
  assert.throws(() => planClassChange(['a', 'a'], ['a']), (e: unknown) => e instanceof GraftError && e.code === 'duplicate_class');
  assert.throws(() => applyClassChange(planClassChange(['a'], ['a']), new Float32Array(3), new Float32Array(1), new Float32Array(2), new Float32Array(1)), (e: unknown) => e instanceof GraftError && e.code === 'head_shape_mismatch');
});
