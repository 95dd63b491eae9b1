import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { initBackend } from '../../src/runtime/backend.js';
import { Saver, planRestoreFromSpecs, readMeta, planRestore } from '../../src/checkpoint/index.js';
import { makeParams, tempDir, fixture } from '../checkpoint/helpers.js';

const bin = new URL('../../../bin/graft', import.meta.url).pathname;

before(async () => {
  await initBackend();
});

function graft(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('graft restore-plan prints exactly plan.toString(), and --json exactly {entries, summary}', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // a pretrained checkpoint and a new model (its .meta.json) whose head changed
    const pre = makeParams([['net/conv1/weights', [3, 3, 1, 4]], ['net/conv1/biases', [4]], ['Logits/fc/weights', [4, 10]], ['Logits/fc/biases', [10]]], 1);
    const source = await new Saver({ varList: pre, fsync: false }).save(join(dir, 'pre.ckpt'), { globalStep: 1000 });
    const model = makeParams([['net/conv1/weights', [3, 3, 1, 4]], ['net/conv1/biases', [4]], ['Logits/fc/weights', [4, 5]], ['Logits/fc/biases', [5]], ['net/conv2/weights', [1, 1, 4, 4]]], 2);
    const target = await new Saver({ varList: model, fsync: false }).save(join(dir, 'new.ckpt'), { globalStep: 0, meta: { model: null } });
    const metaPath = `${target}.meta.json`;

    const options = { exclude: ['Logits'], ignoreMissing: true };
    const api = await planRestoreFromSpecs((await readMeta(metaPath)).variables, source, options);
    const viaParams = await planRestore(model, source, options);
    assert.equal(api.toString(), viaParams.toString(), 'a .meta.json plans like the live model');

    const text = graft('restore-plan', metaPath, source, '--exclude', 'Logits', '--ignore-missing');
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout, api.toString() + '\n');
    assert.match(text.stdout, /^restore plan: .*pre\.ckpt-1000 \(tf-bundle\), 5 variables$/m);
    assert.match(text.stdout, /^excluded \(2\):$/m);
    assert.match(text.stdout, /^missing_in_checkpoint \(1\):\n {2}net\/conv2\/weights {2}float32 \[1,1,4,4\]$/m);

    const json = graft('restore-plan', metaPath, source, '--checkpoint_exclude_scopes=Logits', '--ignore_missing_vars', '--json');
    assert.equal(json.status, 0, json.stderr);
    assert.equal(json.stdout, JSON.stringify(api) + '\n');
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(Object.keys(doc), ['entries', 'summary']);
    assert.deepEqual(doc.summary, { restored: 2, renamed: 0, missing_in_checkpoint: 1, shape_mismatch: 0, dtype_mismatch: 0, excluded: 2, reinitialized: 0, unused_in_checkpoint: 2 });
    assert.deepEqual(doc.entries[0], { name: 'net/conv1/weights', status: 'restored', source: 'net/conv1/weights', expected: { dtype: 'float32', shape: [3, 3, 1, 4] }, found: { dtype: 'float32', shape: [3, 3, 1, 4] } });

    // without the flags the head mismatch shows, and the verdict says it would fail
    const strict = graft('restore-plan', metaPath, source);
    assert.equal(strict.status, 1, 'a plan that would fail exits 1, after printing the plan');
    assert.match(strict.stdout, /^shape_mismatch \(2\):\n {2}Logits\/fc\/weights +expected float32 \[4,5\], found float32 \[4,10\]$/m);
    assert.match(strict.stdout, /^result: fails, 3 problems; nothing would be restored$/m);

    // --map renames (TF assignment_map order: CKPT=VAR)
    const mapped = graft('restore-plan', metaPath, source, '--map', 'net/conv1/weights=net/conv2/weights', '--json', '--exclude', 'Logits,net/conv1');
    assert.equal(mapped.status, 1, mapped.stderr);
    const m = JSON.parse(mapped.stdout);
    assert.equal(m.entries.find((e: { name: string }) => e.name === 'net/conv2/weights').status, 'shape_mismatch');
  } finally {
    await cleanup();
  }
});

test('graft restore-plan reads any source: a TF2 Keras checkpoint against a TF1 one; bad usage exits 2', async () => {
  const src = fixture('tf2-bundle/charity-keras-save-weights-adam/cp.ckpt');
  const r = graft('restore-plan', src, fixture('tf1-bundle/caicloud-v1v2-ema-known-values'), '--json');
  assert.equal(r.status, 1, 'nothing matches: the plan fails, exit 1 with the JSON document printed');
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.summary.missing_in_checkpoint, 29);
  assert.equal(doc.summary.unused_in_checkpoint, 2);
  const bad = graft('restore-plan', src);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /error: graft restore-plan takes TARGET and SOURCE, got 1 argument\(s\)/);
  const badMap = graft('restore-plan', src, src, '--map', 'nonsense');
  assert.equal(badMap.status, 1, badMap.stderr);
  assert.match(badMap.stderr, /code: bad_assignment_map/);
});
