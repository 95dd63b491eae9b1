// graft with PyTorch files: inspect a real third-party .pt, convert a state dict to safetensors
// plain and --layout pytorch (bit-identical to the layout reader; a report line per transform),
// restore-plan with --layout, and an evil pickle refused by name from the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { zipSync } from 'fflate';
import { openCheckpoint, withLayout } from '../../src/formats/index.js';
import type { ConvertReport } from '../../src/formats/convert.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const fx = (p: string) => join(root, 'test/fixtures/pytorch', p);
const run = promisify(execFile);

test('graft inspect and convert a PyTorch file, plain and with --layout pytorch', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-cli-pt-'));
  try {
    const ins = await run(bin, ['inspect', fx('coderhr-mlp-legacy/net.pt')]);
    assert.match(ins.stdout, /\(pytorch, 4 tensors, 44 bytes\)/);
    assert.match(ins.stdout, /hidden\.weight\s+float32\s+\[2, 3\]/);
    const plain = JSON.parse((await run(bin, ['convert', fx('graft-generated/mixed.pt'), join(dir, 'm.safetensors'), '--json'])).stdout) as ConvertReport;
    assert.equal(plain.written, 21);
    const src = fx('graft-generated/layout-net.pt');
    const dst = join(dir, 'net.safetensors');
    const { stdout } = await run(bin, ['convert', src, dst, '--layout', 'pytorch', '--depthwise', 'dw:2', '--rename', 'lstm=lstm/lstm_cell']);
    assert.match(stdout, /^note: layout: conv1\.weight \[4,3,3,3\] → conv1\/kernel \[3,3,3,4\]: conv2d OIHW→HWIO$/m);
    assert.match(stdout, /^note: layout: bn1\.num_batches_tracked: ignored/m);
    await using out = await openCheckpoint(dst);
    await using lay = withLayout(await openCheckpoint(src), { layout: 'pytorch', depthwise: { dw: 2 } });
    assert.equal(out.list().length, 15);
    for (const t of lay.list()) {
      const name = t.name.replace(/^lstm\//, 'lstm/lstm_cell/');
      assert.deepEqual((await out.read(name)).data, (await lay.read(t.name)).data, t.name);
    }
    const plan = await run(bin, ['restore-plan', dst, src, '--layout', 'pytorch', '--depthwise', 'dw:2', '--map', 'lstm/=lstm/lstm_cell/']);
    assert.match(plan.stdout, /conv1\/kernel.*conv1\.weight: conv2d OIHW→HWIO/);
    const ins2 = JSON.parse((await run(bin, ['inspect', src, '--layout', 'pytorch', '--depthwise', 'dw:2', '--json'])).stdout) as { tensors: { name: string; shape: number[] }[] };
    assert.deepEqual(ins2.tensors.find((t) => t.name === 'dw/depthwise_kernel')?.shape, [3, 3, 4, 2]);
    const bad = await run(bin, ['convert', src, join(dir, 'x.safetensors'), '--depthwise', 'dw']).catch((e) => e);
    assert.equal(bad.code, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('graft refuses an evil pickle by the global it names', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-cli-pt-'));
  try {
    const canary = join(dir, 'pwned');
    const text = `\x80\x02cposix\nsystem\n(X${String.fromCharCode(6 + canary.length)}\0\0\0touch ${canary}tR.`;
    const pkl = Uint8Array.from(text, (ch) => ch.charCodeAt(0)); // latin1: one byte per char
    await writeFile(join(dir, 'evil.pt'), zipSync({ 'archive/data.pkl': [pkl, { level: 0 }] }));
    const r = await run(bin, ['inspect', join(dir, 'evil.pt')]).catch((e) => e);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /names the global posix\.system, which a weights-only load refuses/);
    assert.match(r.stderr, /code: pickle_global_refused/);
    assert.equal(existsSync(canary), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
