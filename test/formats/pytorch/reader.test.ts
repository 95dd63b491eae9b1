// torch.save files read bit for bit: third-party files (legacy and zip layouts) and Graft-made
// fixtures (every dtype, non-contiguous views, shared storages, Parameters, nested dicts,
// protocol 4) against the sha256 digests torch.load(weights_only=True) gave (expected.json), and
// against a live torch when one is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraftError } from '../../../src/errors.js';
import { openCheckpoint, detectFormat } from '../../../src/formats/open.js';
import { openPytorch } from '../../../src/formats/pytorch/index.js';
import { torchAbsentReason, torchDigests, torchPython, type TorchDigest } from './torch-peer.js';

const root = new URL('../../../..', import.meta.url).pathname;
const dir = join(root, 'test/fixtures/pytorch');
const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as Record<string, Record<string, TorchDigest>>;

async function graftDigests(file: string): Promise<Record<string, TorchDigest>> {
  await using r = await openPytorch(file);
  const out: Record<string, TorchDigest> = {};
  for (const info of r.list()) {
    const v = await r.read(info.name);
    assert.equal(v.data.length, info.bytes);
    out[info.name] = { dtype: info.dtype, shape: info.shape, sha256: createHash('sha256').update(v.data).digest('hex') };
  }
  return out;
}

test('every tensor of every fixture equals what torch.load gave (checked-in digests)', async () => {
  const files = Object.keys(expected);
  assert.ok(files.length >= 12);
  for (const rel of files) assert.deepEqual(await graftDigests(join(dir, rel)), expected[rel], rel);
});

test('every tensor equals a live torch.load(weights_only=True)', { skip: torchPython ? false : torchAbsentReason }, async () => {
  const files = Object.keys(expected).filter((f) => !f.includes('proto4')).map((f) => join(dir, f));
  const live = torchDigests(files);
  for (const f of files) assert.deepEqual(await graftDigests(f), live[f], f);
});

test('layouts, names and metadata of the third-party files', async () => {
  await using legacy = await openPytorch(join(dir, 'coderhr-mlp-legacy/net.pt'));
  assert.equal(legacy.metadata.torch_layout, 'legacy');
  assert.deepEqual(legacy.list().map((t) => [t.name, t.shape]), [['hidden.bias', [2]], ['hidden.weight', [2, 3]], ['output.bias', [1]], ['output.weight', [1, 2]]]);
  await using zip = await openPytorch(join(dir, 'kang9kang-mlp-zip/xy.pt'));
  assert.deepEqual(zip.metadata, { torch_layout: 'zip', archive: 'archive', byteorder: 'little', serialization_version: '3' });
  assert.deepEqual(zip.list().map((t) => t.name), ['0', '1']);
  await using bare = await openPytorch(join(dir, 'kang9kang-mlp-zip/x.pt'));
  assert.deepEqual([...new Float32Array((await bare.read('tensor')).data.buffer)], [1, 1, 1]);
});

test('Graft fixtures: views, shared storage, non-tensor values in metadata', async () => {
  for (const name of ['mixed.pt', 'mixed-legacy.pt', 'mixed-proto4.pt']) {
    await using r = await openPytorch(join(dir, 'graft-generated', name));
    assert.equal(r.metadata['value:epoch'], '7', name);
    assert.equal(r.metadata['value:note'], 'graft fixture');
    assert.deepEqual(r.info('transposed'), { name: 'transposed', dtype: 'float32', shape: [6, 4], bytes: 96 });
    const t = new Float32Array((await r.read('transposed')).data.buffer);
    // base = arange(24).reshape(4, 6) / 7; transposed[i][j] = base[j][i]
    assert.equal(t[1], Math.fround(6 / 7));
    assert.equal(t[4], Math.fround(1 / 7));
    const s = new Float32Array((await r.read('sliced')).data.buffer); // base[:, 1:6:2]
    assert.deepEqual([...s.subarray(0, 3)], [1, 3, 5].map((x) => Math.fround(x / 7)));
    assert.ok(r.has('nested.list.1') && r.has('param') && r.has('shared.a:0'));
    assert.deepEqual(r.info('empty').shape, [0, 4]);
    assert.deepEqual(r.info('scalar').shape, []);
  }
});

test('openCheckpoint detects pytorch files by content, whatever the extension', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'graft-pt-'));
  try {
    await copyFile(join(dir, 'kang9kang-mlp-zip/net.pt'), join(tmp, 'pytorch_model.bin'));
    await copyFile(join(dir, 'coderhr-mlp-legacy/net.pt'), join(tmp, 'legacy.pth'));
    for (const f of ['pytorch_model.bin', 'legacy.pth']) {
      assert.equal(await detectFormat(join(tmp, f)), 'pytorch');
      await using r = await openCheckpoint(join(tmp, f));
      assert.equal(r.format, 'pytorch');
      assert.equal(r.list().length, 4);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});

test('a damaged storage fails its CRC; truncation and readInto sizes are typed errors', async () => {
  const tmp = await mkdtemp(join(tmpdir(), 'graft-pt-'));
  try {
    const b = Buffer.from(await readFile(join(dir, 'kang9kang-mlp-zip/net.pt')));
    // Flip a byte inside storage 0's data, found through a clean read.
    const cleanReader = await openPytorch(join(dir, 'kang9kang-mlp-zip/net.pt'));
    const clean = await cleanReader.read('hidden.weight');
    await cleanReader.close();
    const pos = b.indexOf(Buffer.from(clean.data));
    b[pos + 1]! ^= 0xff;
    await writeFile(join(tmp, 'bad.pt'), b);
    await using r = await openPytorch(join(tmp, 'bad.pt'));
    await assert.rejects(r.read('hidden.weight'), (e: unknown) => e instanceof GraftError && e.code === 'crc_mismatch' && /archive\/data\/0/.test(e.message));
    await assert.rejects(r.readInto('hidden.bias', new Uint8Array(3)), (e: unknown) => e instanceof GraftError && e.code === 'buffer_size_mismatch');
    await writeFile(join(tmp, 'short.pt'), b.subarray(0, b.length - 30));
    await assert.rejects(openPytorch(join(tmp, 'short.pt')), (e: unknown) => e instanceof GraftError && e.code === 'zip_invalid');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
