// `graft convert` / `graft restore-plan` on TF bundles in the layouts TF itself writes: a real
// checkpoint's index rebuilt with TF 1.1's snappy table options, converted to safetensors and
// back to a 4-shard bundle (--num-shards 4), every tensor bit-identical; restore-plan on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openBundle, readTable, TableBuilder } from '../../src/formats/tf-bundle/index.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const run = promisify(execFile);

test('snappy-indexed bundle → safetensors → 4-shard bundle: bit-identical; restore-plan matches every variable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'graft-cli-tfb-'));
  try {
    const srcDir = join(root, 'test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam');
    const base = 'model.ckpt-20000';
    const entries = readTable(new Uint8Array(readFileSync(join(srcDir, `${base}.index`))), base);
    const tb = new TableBuilder(undefined, 'snappy');
    for (const e of entries) tb.add(e.key, e.value);
    const snappy = join(dir, 'snappy', base);
    for (const f of readdirSync(srcDir).filter((f) => f.startsWith(`${base}.data-`))) {
      await import('node:fs/promises').then((m) => m.mkdir(join(dir, 'snappy'), { recursive: true }));
      copyFileSync(join(srcDir, f), join(dir, 'snappy', f));
    }
    writeFileSync(`${snappy}.index`, tb.finish());
    const st = join(dir, 'model.safetensors');
    await run(bin, ['convert', snappy, st]);
    const back = join(dir, 'sharded', 'model.ckpt-20000');
    const { stdout } = await run(bin, ['convert', st, back, '--num-shards', '4', '--json']);
    assert.equal(JSON.parse(stdout).destination.format, 'tf-bundle');
    assert.deepEqual(readdirSync(join(dir, 'sharded')).sort(), [0, 1, 2, 3].map((i) => `${base}.data-0000${i}-of-00004`).concat([`${base}.index`]));
    await using a = await openBundle(snappy);
    await using b = await openBundle(back);
    assert.equal(b.numShards, 4);
    assert.deepEqual(b.list().map((t) => t.name).sort(), a.list().map((t) => t.name).sort());
    for (const t of a.list()) assert.deepEqual(await b.read(t.name), await a.read(t.name));
    const plan = await run(bin, ['restore-plan', back, snappy, '--json']);
    const doc = JSON.parse(plan.stdout);
    assert.equal(doc.summary.missing_in_checkpoint, 0);
    assert.equal(doc.summary.unused_in_checkpoint, 0);
    const bad = await run(bin, ['convert', snappy, join(dir, 'x.safetensors'), '--num-shards', '2']).catch((e) => e);
    assert.match(bad.stderr, /code: num_shards_not_applicable/);
    const bad2 = await run(bin, ['convert', snappy, join(dir, 'y'), '--num-shards', 'two']).catch((e) => e);
    assert.equal(bad2.code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
