// Hugging Face sharded safetensors on real files: a checkpoint written by huggingface_hub's own
// save_torch_state_dict (hf-hub-sharded-tiny) and a real transformers 4.47 index
// (granite-3.1-1b-a400m-index, stand-in shards). Lazy open (headers only, counted), reads that
// touch one shard, the index checks one code each, and Graft's sharded write = HF's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  openSafetensors, openShardedSafetensors, parseSize, planShards, encodeShardIndex, shardFileName,
  writeShardedSafetensors,
} from '../../../src/formats/safetensors/index.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import { convertCheckpoint } from '../../../src/formats/convert.js';
import { convertCommand } from '../../../src/cli/commands/convert.js';
import type { GraftError } from '../../../src/errors.js';

const root = new URL('../../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures/safetensors', p);
const HUB = fx('hf-hub-sharded-tiny');
const GRANITE = fx('granite-3.1-1b-a400m-index');
const SHARD = (i: number, n = 3) => `model-0000${i}-of-0000${n}.safetensors`;

async function withTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'graft-sharded-'));
  try { await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

test('huggingface_hub-written shards: folder and index file open; every tensor = its shard\'s bytes', async () => {
  for (const p of [HUB, join(HUB, 'model.safetensors.index.json')]) {
    await using r = await openCheckpoint(p);
    assert.equal(r.format, 'safetensors');
    assert.equal(r.path, join(HUB, 'model.safetensors.index.json'));
    if (p === HUB) assert.match(r.metadata.note ?? '', /directory of sharded safetensors; using its index/);
    assert.equal(r.metadata.format, 'pt');
    assert.deepEqual(r.list().map((t) => `${t.name}:${t.dtype}:${t.shape.join('x')}`), [
      'embed.weight:float32:64x32', 'layers.0.bias:float32:48', 'layers.0.weight:float32:48x32', 'layers.1.bias:bfloat16:10',
      'layers.1.weight:bfloat16:10x48', 'norm.weight:float16:32', 'step:int64:',
    ]);
    const index = JSON.parse(await readFile(join(HUB, 'model.safetensors.index.json'), 'utf8')) as { weight_map: Record<string, string> };
    for (const t of r.list()) {
      await using shard = await openSafetensors(join(HUB, index.weight_map[t.name]!));
      assert.deepEqual((await r.read(t.name)).data, (await shard.read(t.name)).data, t.name);
    }
  }
});

test('lazy: opening reads the index and shard headers only; --tensor X reads only X\'s bytes from X\'s shard', async () => {
  await using r = await openShardedSafetensors(join(HUB, 'model.safetensors.index.json'));
  const headers = r.bytesRead();
  for (const f of r.shards) {
    const { size } = await import('node:fs').then((fs) => fs.statSync(join(HUB, f)));
    assert.ok(headers[f]! > 8 && headers[f]! < size, `${f}: ${headers[f]} header bytes of ${size}`);
  }
  const v = await r.read('layers.1.weight');
  const after = r.bytesRead();
  assert.equal(after[SHARD(3)], headers[SHARD(3)]! + 960);
  assert.equal(after[SHARD(1)], headers[SHARD(1)]);
  assert.equal(after[SHARD(2)], headers[SHARD(2)]);
  assert.equal(v.data.length, 960);
});

test('convert the HF shards with --max-shard-size 7KB: the same shard files byte for byte, transformers\' index bytes', async () => {
  await withTmp(async (dir) => {
    const rep = await convertCheckpoint(HUB, join(dir, 'out') + '/', { maxShardSize: parseSize('7KB') });
    assert.equal(rep.destination.path, join(dir, 'out', 'model.safetensors.index.json'));
    assert.deepEqual((await readdir(join(dir, 'out'))).sort(), [SHARD(1), SHARD(2), SHARD(3), 'model.safetensors.index.json']);
    for (const i of [1, 2, 3]) assert.deepEqual(await readFile(join(dir, 'out', SHARD(i))), await readFile(join(HUB, SHARD(i))), SHARD(i));
    const ours = await readFile(join(dir, 'out', 'model.safetensors.index.json'), 'utf8');
    assert.equal(ours, await readFile(join(HUB, 'expected-transformers-index.json'), 'utf8'));
    assert.deepEqual(JSON.parse(ours), JSON.parse(await readFile(join(HUB, 'model.safetensors.index.json'), 'utf8')));
  });
});

test('a 2-shard write (PEFT adapter, --max-shard-size 700KB via the CLI) reads back bit-identical', async () => {
  await withTmp(async (dir) => {
    const src = fx('peft-gpt2-lora-adapter/adapter_model.safetensors');
    const rep = await convertCommand.run({ values: { 'max-shard-size': '700KB' } as never, positionals: [src, join(dir, 'adapter.safetensors')] });
    assert.equal(rep.written, 25);
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, ['adapter-00001-of-00002.safetensors', 'adapter-00002-of-00002.safetensors', 'adapter.safetensors.index.json']);
    await using a = await openCheckpoint(src);
    await using b = await openCheckpoint(join(dir, 'adapter.safetensors.index.json'));
    assert.deepEqual(b.list(), a.list());
    for (const t of a.list()) assert.deepEqual((await b.read(t.name)).data, (await a.read(t.name)).data, t.name);
    assert.deepEqual(b.metadata, a.metadata);
    // Everything in one shard: a plain file and no index, as HF does.
    await convertCheckpoint(src, join(dir, 'one.safetensors'), { maxShardSize: parseSize('5GB') });
    assert.deepEqual(await readFile(join(dir, 'one.safetensors')), (await convertCheckpoint(src, join(dir, 'two.safetensors')), await readFile(join(dir, 'two.safetensors'))));
    await assert.rejects(convertCommand.run({ values: { 'max-shard-size': '2GiB' } as never, positionals: [src, join(dir, 'x.safetensors')] }), { code: 'bad_usage' });
    // A new folder without a trailing slash is a folder too (save_pretrained's names inside).
    await convertCommand.run({ values: { 'max-shard-size': '700KB' } as never, positionals: [src, join(dir, 'newdir')] });
    assert.deepEqual((await readdir(join(dir, 'newdir'))).sort(), [SHARD(1, 2), SHARD(2, 2), 'model.safetensors.index.json']);
    await assert.rejects(convertCheckpoint(src, join(dir, 'ckpt'), { maxShardSize: 1000, format: 'tf-bundle' }), { code: 'shard_size_not_supported' });
  });
});

test('a real transformers index (granite 3.1, 218 tensors, 2 shards): folder and file open, reads hit the right shard', async () => {
  await using r = await openCheckpoint(GRANITE);
  assert.equal(r.list().length, 218);
  const names = r.list().map((t) => t.name);
  const v = await r.read('model.norm.weight');
  assert.deepEqual([...new Float32Array(v.data.slice().buffer)], [names.indexOf('model.norm.weight'), -names.indexOf('model.norm.weight')]);
  const bytes = (r as unknown as { bytesRead(): Record<string, number> }).bytesRead();
  await r.read('model.layers.22.input_layernorm.weight'); // the index puts layer 22's norms in shard 2
  const after = (r as unknown as { bytesRead(): Record<string, number> }).bytesRead();
  assert.equal(after['model-00002-of-00002.safetensors'], bytes['model-00002-of-00002.safetensors']! + 8);
  assert.equal(after['model-00001-of-00002.safetensors'], bytes['model-00001-of-00002.safetensors']);
});

test('index checks: each inconsistency has its own code and names the file and tensor', async () => {
  await withTmp(async (dir) => {
    const index = JSON.parse(await readFile(join(HUB, 'model.safetensors.index.json'), 'utf8')) as { metadata: unknown; weight_map: Record<string, string> };
    const variant = async (name: string, edit: (wm: Record<string, string>) => void, files = [1, 2, 3]) => {
      const d = join(dir, name);
      await cp(HUB, d, { recursive: true });
      for (const i of [1, 2, 3]) if (!files.includes(i)) await rm(join(d, SHARD(i)));
      const wm = { ...index.weight_map };
      edit(wm);
      await writeFile(join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: index.metadata, weight_map: wm }));
      return join(d, 'model.safetensors.index.json');
    };
    const expect = async (p: string, code: string, re: RegExp) => assert.rejects(openCheckpoint(p), (e: GraftError) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      assert.ok((e.hint ?? '').length > 0);
      return true;
    });
    await expect(await variant('missing', () => {}, [1, 3]), 'shard_not_found', /names shard model-00002-of-00003\.safetensors, which is not in .* \(found model-00001-of-00003\.safetensors, model-00003/);
    await expect(await variant('wrong', (wm) => { wm['step'] = SHARD(1); }), 'tensor_not_in_shard', /puts tensor "step" in model-00001-of-00003\.safetensors, but it is in model-00003/);
    await expect(await variant('extra', (wm) => { delete wm['step']; }), 'tensor_not_in_index', /holds tensor "step", which the index's weight_map does not list/);
    await expect(await variant('ghost', (wm) => { wm['ghost'] = SHARD(2); }), 'tensor_not_in_shard', /"ghost" in model-00002-of-00003\.safetensors, but no shard holds it/);
    await expect(await variant('escape', (wm) => { wm['step'] = '../model-00003-of-00003.safetensors'; }), 'unsafe_shard_path', /not a file in the index's folder/);
    const dup = await variant('dup', () => {});
    await cp(join(HUB, SHARD(3)), join(dir, 'dup', 'model-00004-of-00003.safetensors'));
    const wm = { ...index.weight_map };
    await writeFile(dup, JSON.stringify({ weight_map: { ...wm, x: 'model-00004-of-00003.safetensors' } }));
    await expect(dup, 'duplicate_tensor', /tensor "layers\.1\.weight" is in two shards, model-00003-of-00003\.safetensors and model-00004/);
    await writeFile(dup, '{"weight_map": [1]}');
    await expect(dup, 'invalid_shard_index', /"weight_map" must be an object/);
    await writeFile(dup, '{not json');
    await expect(dup, 'invalid_shard_index', /does not parse/);
  });
});

test('parseSize and planShards follow huggingface_hub (decimal units; a big tensor gets its own shard)', () => {
  assert.equal(parseSize('2GB'), 2_000_000_000);
  assert.equal(parseSize('500MB'), 500_000_000);
  assert.equal(parseSize(' 1.5 kb'), 1500);
  assert.equal(parseSize('100'), 100);
  for (const bad of ['2GiB', 'GB', '-1MB', 'lots', '0']) assert.throws(() => parseSize(bad), { code: 'bad_shard_size' }, bad);
  const plan = planShards([{ name: 'a', bytes: 4 }, { name: 'big', bytes: 50 }, { name: 'b', bytes: 4 }, { name: 'c', bytes: 4 }], 10);
  assert.deepEqual(plan.map((s) => [s.file, s.names]), [['model-00001-of-00003.safetensors', ['big']], ['model-00002-of-00003.safetensors', ['a', 'b']], ['model-00003-of-00003.safetensors', ['c']]]);
  assert.equal(shardFileName('adapter_model.safetensors', 0, 12), 'adapter_model-00001-of-00012.safetensors');
  // Index bytes: sorted keys (integer-like ones too), Python's ensure_ascii escapes, trailing newline.
  const text = new TextDecoder().decode(encodeShardIndex([{ file: 'a.safetensors', names: ['é', '10', '9'], bytes: 3 }]));
  assert.equal(text, '{\n  "metadata": {\n    "total_size": 3\n  },\n  "weight_map": {\n    "10": "a.safetensors",\n    "9": "a.safetensors",\n    "\\u00e9": "a.safetensors"\n  }\n}\n');
});

test('writeShardedSafetensors without a layout gathers, plans and writes the same files', async () => {
  await withTmp(async (dir) => {
    await using src = await openCheckpoint(HUB);
    const tensors = await Promise.all(src.list().map((t) => src.read(t.name)));
    const info = await writeShardedSafetensors(dir, tensors, { maxShardSize: 7000, metadata: { format: 'pt' } });
    assert.deepEqual(info.files, [SHARD(1), SHARD(2), SHARD(3)]);
    for (const f of info.files) assert.deepEqual(await readFile(join(dir, f)), await readFile(join(HUB, f)));
  });
});

test('bin/graft inspect on the sharded folder and on one tensor (subprocess, one JSON document)', async () => {
  const run = promisify(execFile);
  const { stdout } = await run(join(root, 'bin/graft'), ['inspect', HUB, '--tensor', 'step', '--json']);
  const doc = JSON.parse(stdout) as { format: string; path: string; tensors: { name: string; dtype: string; values: unknown }[] };
  assert.equal(doc.format, 'safetensors');
  assert.equal(doc.path, join(HUB, 'model.safetensors.index.json'));
  assert.deepEqual(doc.tensors.map((t) => [t.name, t.dtype, t.values]), [['step', 'int64', 1234]]);
});
