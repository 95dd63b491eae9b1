// Every dtype the reference writer (safetensors 0.8.0 + torch 2.13) puts in a file, on the real
// file test/fixtures/safetensors/torch-float8-dtypes/dtypes.safetensors: BF16/F16/F8 decode to
// exactly torch's float32 (expected.json), C64/I64/BOOL read as stored, and F8_E8M0, FNUZ and F4
// tensors are listed but refused one by one — `--tensor OTHER` and `convert --exclude THAT` work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors } from '../../../src/formats/safetensors/index.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import { convertCheckpoint } from '../../../src/formats/convert.js';
import { decodeValues } from '../../../src/formats/stats.js';
import { valuesFromTensorValue } from '../../../src/checkpoint/tensor-bytes.js';
import { inspectCommand } from '../../../src/cli/commands/inspect.js';

const root = new URL('../../../..', import.meta.url).pathname;
const DIR = join(root, 'test/fixtures/safetensors/torch-float8-dtypes');
const FILE = join(DIR, 'dtypes.safetensors');

const hex = (f: Float32Array) => [...new Uint32Array(f.buffer, f.byteOffset, f.length)].map((b) => b.toString(16).padStart(8, '0'));
const isNaNBits = (h: string) => { const b = parseInt(h, 16); return (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0; };

test('dtypes.safetensors: readable dtypes listed with Graft words, unsupported ones listed apart', async () => {
  await using r = await openSafetensors(FILE);
  assert.deepEqual(r.list().map((t) => `${t.name}:${t.dtype}:${t.shape.join('x')}`), [
    'bf16:bfloat16:5', 'c64:complex64:2', 'f16:float16:3', 'f32:float32:2x3', 'f8/e4m3:float8_e4m3fn:16x16', 'f8/e5m2:float8_e5m2:16x16', 'i64:int64:2', 'mask:bool:3',
  ]);
  assert.deepEqual(r.unreadable().map((t) => `${t.name}:${t.storedDtype}:${t.shape.join('x')}:${t.bytes}`), [
    'fnuz/e4m3:F8_E4M3FNUZ:8:8', 'fnuz/e5m2:F8_E5M2FNUZ:8:8', 'packed/f4:F4:12:6', 'scale/e8m0:F8_E8M0:16:16',
  ]);
  await assert.rejects(r.read('scale/e8m0'), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, 'unsupported_dtype');
    assert.match(e.message, /tensor "scale\/e8m0": dtype F8_E8M0 is an OCP microscaling scale/);
    assert.match(e.hint ?? '', /--exclude scale\/e8m0/);
    return true;
  });
  assert.throws(() => r.info('packed/f4'), { code: 'unsupported_dtype' });
  await assert.rejects(r.read('nope'), { code: 'tensor_not_found' });
});

test('BF16, F16, F8_E4M3 (all 256 codes), F8_E5M2 (all 256 codes) → float32 exactly as torch', async () => {
  const want = JSON.parse(await readFile(join(DIR, 'expected.json'), 'utf8')) as Record<string, string[]>;
  await using r = await openSafetensors(FILE);
  for (const name of ['f8/e4m3', 'f8/e5m2', 'bf16', 'f16']) {
    const v = await r.read(name);
    for (const got of [hex(decodeValues(v) as Float32Array), hex(valuesFromTensorValue(v, 'float32') as Float32Array)]) {
      assert.equal(got.length, want[name]!.length, name);
      got.forEach((g, i) => {
        if (isNaNBits(want[name]![i]!)) assert.ok(isNaNBits(g) && g[0] === want[name]![i]![0], `${name}[${i}] NaN`);
        else assert.equal(g, want[name]![i], `${name}[${i}]`);
      });
    }
  }
  assert.deepEqual([...(decodeValues(await r.read('c64')) as Float32Array)], [1, 2, -3.5, 0.25]);
  assert.deepEqual([...(decodeValues(await r.read('i64')) as BigInt64Array)], [-(2n ** 40n), 7n]);
  assert.deepEqual([...(decodeValues(await r.read('mask')) as Uint8Array)], [1, 0, 1]);
});

test('inspect lists the unsupported tensors with their dtype word; --tensor OTHER reads', async () => {
  const all = await inspectCommand.run({ values: { json: true } as never, positionals: [FILE] });
  const e8 = all.tensors.find((t) => t.name === 'scale/e8m0')!;
  assert.equal(e8.dtype, 'F8_E8M0');
  assert.match(e8.unsupported ?? '', /does not decode/);
  assert.equal(all.tensors.length, 12);
  assert.match(inspectCommand.render(all), /F8_E8M0 \(unsupported\)/);
  const one = await inspectCommand.run({ values: { json: true, tensor: ['f8/e4m3'] } as never, positionals: [FILE] });
  assert.equal((one.tensors[0]!.values as number[][])[7]![14], 448); // code 0x7e = max normal
  await assert.rejects(inspectCommand.run({ values: { tensor: ['packed/f4'] } as never, positionals: [FILE] }), { code: 'unsupported_dtype' });
});

test('convert refuses a kept unsupported tensor, naming it; with --exclude the rest is bit-identical', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-st-dtypes-'));
  try {
    await assert.rejects(convertCheckpoint(FILE, join(dir, 'a.safetensors'), { exclude: ['fnuz', 'packed'] }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'unsupported_dtype');
      assert.match(e.message, /1 tensor is of a dtype Graft cannot decode: scale\/e8m0 \(F8_E8M0\)/);
      assert.match(e.hint ?? '', /--exclude scale\/e8m0/);
      return true;
    });
    const rep = await convertCheckpoint(FILE, join(dir, 'a.safetensors'), { exclude: ['fnuz', 'packed', 'scale'] });
    assert.equal(rep.written, 8);
    assert.match(rep.notes.join('\n'), /left out 4 tensors of a dtype Graft cannot decode/);
    // safetensors → TF bundle (DT_FLOAT8_*) → tfjs (float32 carrier) → safetensors: F8 bytes survive.
    await convertCheckpoint(join(dir, 'a.safetensors'), join(dir, 'b'));
    await convertCheckpoint(join(dir, 'b'), join(dir, 'web', 'model.json'), { exclude: ['i64'] }); // -2^40: no int32 carrier
    await convertCheckpoint(join(dir, 'web', 'model.json'), join(dir, 'c.safetensors'));
    await using src = await openCheckpoint(FILE);
    for (const p of ['a.safetensors', 'b', 'c.safetensors']) {
      await using r = await openCheckpoint(join(dir, p));
      const names = src.list().map((t) => t.name).filter((n) => p !== 'c.safetensors' || n !== 'i64');
      assert.deepEqual(r.list().map((t) => t.name), names, p);
      for (const t of src.list().filter((x) => names.includes(x.name))) {
        const got = await r.read(t.name);
        assert.equal(got.dtype, t.dtype, `${p} ${t.name}`);
        assert.deepEqual(Buffer.from(got.data), Buffer.from((await src.read(t.name)).data), `${p} ${t.name}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('restore plan: F8/BF16 into float32 variables (exact, noted); an unreadable tensor is a dtype_mismatch, not missing', async () => {
  const { planRestoreFromSpecs } = await import('../../../src/checkpoint/restore-plan.js');
  const { formatRestorePlan } = await import('../../../src/checkpoint/format-report.js');
  const plan = await planRestoreFromSpecs([
    { name: 'f8/e4m3', dtype: 'float32', shape: [16, 16] },
    { name: 'bf16', dtype: 'float32', shape: [5] },
    { name: 'scale/e8m0', dtype: 'float32', shape: [16] },
  ], FILE);
  const by = new Map(plan.entries.map((e) => [e.name, e]));
  assert.equal(by.get('f8/e4m3')!.status, 'restored');
  assert.equal(by.get('f8/e4m3')!.note, 'float8_e4m3fn → float32 (exact)');
  assert.equal(by.get('bf16')!.note, 'bfloat16 → float32 (exact)');
  assert.equal(by.get('scale/e8m0')!.status, 'dtype_mismatch');
  assert.match(formatRestorePlan(plan), /scale\/e8m0 {2}expected float32 \[16\] {2}\(checkpoint dtype F8_E8M0 \[16\] cannot be decoded\)/);
});
