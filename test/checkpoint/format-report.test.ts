// The hint of a failing restore plan on real files: it lists every scope to exclude or says how
// many more there are, and when every name differs but the layers pair one to one (a Keras-converted
// model.json from another session, a Keras .h5 with its optimizer weights) it proposes that pairing
// — as an assignmentMap that, followed, restores everything — instead of excluding everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRestoreFromSpecs } from '../../src/checkpoint/restore-plan.js';
import { restoreMismatchError } from '../../src/checkpoint/format-report.js';
import { listVariables } from '../../src/checkpoint/reader.js';

const FIX = new URL('../../../test/fixtures/', import.meta.url).pathname;
const DIGITS = `${FIX}tfjs/digits-cnn/model.json`;
const CELSIUS = `${FIX}keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5`;

test('eleven missing scopes: the hint names the first eight and says how many more', async () => {
  const specs = Array.from({ length: 11 }, (_, i) => [`l${i}/kernel`, `l${i}/bias`]).flat().map((name) => ({ name, dtype: 'float32' as const, shape: name.endsWith('kernel') ? [4, 4] : [4] }));
  const e = restoreMismatchError(await planRestoreFromSpecs(specs, CELSIUS));
  assert.equal(e.code, 'missing_in_checkpoint');
  assert.match(e.hint!, /pass exclude: \["l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7"\] and 3 more scopes \(22 variables; see the report entries\)/);
  assert.doesNotMatch(e.hint!, /assignmentMap: \{/);
  // three scopes: every one listed, nothing "more"
  const few = restoreMismatchError(await planRestoreFromSpecs(specs.slice(0, 6), CELSIUS));
  assert.match(few.hint!, /pass exclude: \["l0", "l1", "l2"\] \(CLI --exclude l0,l1,l2\) to restore the rest/);
});

test('a Keras-converted model.json under another session\'s names: the hint proposes the one-to-one pairing, and following it restores all', async () => {
  const inFile = await listVariables(DIGITS);
  const rename: Record<string, string> = { conv2d_2: 'conv2d', conv2d_3: 'conv2d_1', dense_4: 'dense', dense_5: 'dense_1' };
  const specs = inFile.map((v) => ({ name: v.name.replace(/^[^/]+/, (l) => rename[l]!), dtype: v.dtype, shape: v.shape }));
  const e = restoreMismatchError(await planRestoreFromSpecs(specs, DIGITS));
  assert.match(e.hint!, /^every missing variable pairs one to one with an unused checkpoint variable by layer shapes and weight roles \(8 pairs\): pass assignmentMap: \{"conv2d_2\/bias": "conv2d\/bias", "conv2d_2\/kernel": "conv2d\/kernel", "conv2d_3\/bias": "conv2d_1\/bias", … 5 more\} \(CLI --map conv2d_2\/bias=conv2d\/bias …\), or for a LayersModel restoreIntoLayersModel\(model, path\)/);
  assert.doesNotMatch(e.hint!, /exclude/, 'excluding everything is not proposed when a pairing exists');
  const pairing = (e.details as { pairing: Record<string, string> }).pairing;
  const followed = await planRestoreFromSpecs(specs, DIGITS, { assignmentMap: pairing });
  assert.equal(followed.ok, true);
  assert.equal(followed.summary.renamed, 8);
});

test('a Keras .h5 with optimizer_weights under other names: the pairing is still found (optimizer state is not a candidate)', async () => {
  const specs = [['a', [1, 3]], ['b', [3, 3]], ['c', [3, 1]]].flatMap(([l, k]) => [
    { name: `${l}/kernel`, dtype: 'float32' as const, shape: k as number[] },
    { name: `${l}/bias`, dtype: 'float32' as const, shape: [(k as number[])[1]!] },
  ]);
  const e = restoreMismatchError(await planRestoreFromSpecs(specs, CELSIUS));
  assert.deepEqual((e.details as { pairing: Record<string, string> }).pairing, {
    'dense/kernel': 'a/kernel', 'dense/bias': 'a/bias', 'dense_1/kernel': 'b/kernel', 'dense_1/bias': 'b/bias', 'dense_2/kernel': 'c/kernel', 'dense_2/bias': 'c/bias',
  });
  // two same-shaped layers make the pairing ambiguous on sorted keys: no pairing proposed, exclude instead
  const twin = [...specs.slice(0, 2), { name: 'b/kernel', dtype: 'float32' as const, shape: [1, 3] }, { name: 'b/bias', dtype: 'float32' as const, shape: [3] }];
  const t = restoreMismatchError(await planRestoreFromSpecs(twin, CELSIUS));
  assert.equal((t.details as { pairing?: unknown }).pairing, undefined);
  assert.match(t.hint!, /pass exclude: \["a", "b"\]/);
});
