// `graft convert` through bin/graft: formats from the path or --to, renames, scopes (with the
// TF-slim alias), refusal to overwrite, usage errors, --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openCheckpoint } from '../../src/formats/open.js';
import type { ConvertReport } from '../../src/formats/convert.js';
import { parseRenames } from '../../src/cli/commands/convert.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const fx = (p: string) => join(root, 'test/fixtures', p);
const run = promisify(execFile);

test('graft convert: bundle → tfjs with renames and excludes, then refuses to overwrite unless asked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-cli-convert-'));
  try {
    const src = fx('tf1-bundle/hsbarker-estimator-cnn-adam');
    const dst = join(dir, 'web', 'model.json');
    const { stdout } = await run(bin, ['convert', src, dst, '--rename', 'dense=logits', '--checkpoint_exclude_scopes', 'global_step,beta1_power', '--exclude', 'beta2_power', '--json']);
    const report = JSON.parse(stdout) as ConvertReport;
    assert.equal(report.destination.format, 'tfjs');
    assert.equal(report.written, 18);
    assert.deepEqual(report.tensors.filter((t) => t.status === 'excluded').map((t) => t.source), ['beta1_power', 'beta2_power', 'global_step']);
    const r = await openCheckpoint(dst);
    assert.ok(r.has('logits/kernel/Adam_1') && !r.has('dense/kernel'));
    await r.close();
    const again = await run(bin, ['convert', src, dst]).catch((e) => e);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists\nhint: .*--overwrite\)\ncode: destination_exists/);
    const text = await run(bin, ['convert', src, dst, '--overwrite']);
    assert.match(text.stdout, /^converted 21 tensors \(58,120 bytes\) from .*model\.ckpt-20000 \(tf-bundle\) to .*model\.json \(tfjs\)/);
    const asBundle = await run(bin, ['convert', dst, join(dir, 'out.weights'), '--to', 'tf-bundle', '--json']);
    assert.equal(JSON.parse(asBundle.stdout).destination.format, 'tf-bundle');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('graft convert: usage errors exit 2; file errors exit 1 with a hint; --help lists flags and defaults', async () => {
  const bad = await run(bin, ['convert', 'a', 'b', '--rename', 'nodelimiter']).catch((e) => e);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--rename expects FROM=TO/);
  const to = await run(bin, ['convert', 'a', 'b', '--to', 'onnx']).catch((e) => e);
  assert.equal(to.code, 2);
  const str = await run(bin, ['convert', fx('tf2-bundle/charity-keras-save-weights-adam'), join(tmpdir(), `graft-never-${process.pid}.safetensors`)]).catch((e) => e);
  assert.equal(str.code, 1);
  assert.match(str.stderr, /hint: leave it out \(CLI --exclude _CHECKPOINTABLE_OBJECT_GRAPH\)/);
  const help = await run(bin, ['convert', '--help']);
  for (const flag of ['--rename FROM=TO', '--include SCOPE', '--exclude SCOPE', '--to FORMAT', '--overwrite', '(default: none)', 'examples:']) assert.ok(help.stdout.includes(flag), flag);
  assert.deepEqual(parseRenames(['a=b', 'x/y=z/']), [['a', 'b'], ['x/y', 'z/']]);
});
