// `graft inspect`: every fixture under test/fixtures lists the names, dtypes and shapes its
// MANIFEST.md gives and all its values read (bundle CRCs verified on read); one bin/graft
// subprocess per format checks the real CLI and its single JSON document; numpy-style text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inspectCommand, type InspectResult } from '../../src/cli/commands/inspect.js';
import { formatValues } from '../../src/cli/render/values.js';
import type { TensorValue } from '../../src/formats/types.js';

const root = new URL('../../..', import.meta.url).pathname;
const bin = join(root, 'bin/graft');
const fx = (p: string) => join(root, 'test/fixtures', p);
const run = promisify(execFile);

interface Expected { path: string; count?: number; tensors: Map<string, { dtype?: string; shape: number[] }> }

const ST_DTYPES: Record<string, string> = { U8: 'uint8', U16: 'uint16', U32: 'uint32', I8: 'int8', I16: 'int16', I32: 'int32', I64: 'int64', F16: 'float16', F32: 'float32', F64: 'float64' };
const shapeOf = (s: string) => (s.trim() === '' ? [] : s.split(',').map((x) => Number(x.trim())));

/** Read MANIFEST.md: for every checkpoint it lists, the path and its (partial) tensor list. */
async function manifest(): Promise<Expected[]> {
  const lines = (await readFile(fx('MANIFEST.md'), 'utf8')).split('\n');
  const out: Expected[] = [];
  let folder = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const sec = /^## `([^`]+)`/.exec(line);
    if (sec) { folder = sec[1]!; continue; }
    const parsed = /^Parsed `([^`]+)\.index`.*: (\d+) entries/.exec(line);
    if (parsed) {
      const e: Expected = { path: join(folder, parsed[1]!), count: Number(parsed[2]), tensors: new Map() };
      let j = i + 1;
      while (!lines[j]!.startsWith('```')) j++;
      for (j++; !lines[j]!.startsWith('```'); j++) {
        const [name, dtype, shape] = lines[j]!.split(/\s{2,}/) as [string, string, string];
        e.tensors.set(name, { dtype, shape: shapeOf(shape.slice(1, -1)) });
      }
      out.push(e);
      continue;
    }
    const st = /^`([^`]+\.safetensors)`: header length.* (\d+) tensors/.exec(line);
    if (st) {
      const e: Expected = { path: join(folder, st[1]!), count: Number(st[2]), tensors: new Map() };
      for (const m of (lines[i + 1] ?? '').matchAll(/`([^`]+)` ([A-Z0-9]+) \[([\d, ]*)\]/g)) e.tensors.set(m[1]!, { dtype: ST_DTYPES[m[2]!], shape: shapeOf(m[3]!) });
      out.push(e);
      continue;
    }
    const tfjs = /^- paths \[.*\]: (.*)$/.exec(line);
    if (tfjs) {
      const e: Expected = { path: join(folder, 'model.json'), tensors: new Map() };
      for (const m of tfjs[1]!.matchAll(/`([^`]+)` (\w+) \[([\d, ]*)\]/g)) e.tensors.set(m[1]!, { dtype: m[2]!, shape: shapeOf(m[3]!) });
      e.count = e.tensors.size;
      out.push(e);
      continue;
    }
    const h5 = /^`([^`]+\.h5)` datasets \(from `h5ls -r`, (\d+) datasets\)/.exec(line);
    if (h5) {
      const e: Expected = { path: join(folder, h5[1]!), count: Number(h5[2]), tensors: new Map() };
      let j = i + 1;
      while (!lines[j]!.startsWith('```')) j++;
      for (j++; !lines[j]!.startsWith('```'); j++) {
        const m = /^\/(\S+) Dataset \{(.*)\}/.exec(lines[j]!)!;
        const parts = m[1]!.replace(/:0$/, '').split('/');
        // /model_weights/<layer>/<weight name> and /<layer>/<weight name>: the weight name is the
        // key; /optimizer_weights/<name> keeps its group.
        const name = parts[0] === 'optimizer_weights' ? parts.join('/') : (parts[0] === 'model_weights' ? parts.slice(2) : parts.slice(1)).join('/');
        e.tensors.set(name, { shape: m[2] === 'SCALAR' ? [] : shapeOf(m[2]!) });
      }
      out.push(e);
    }
  }
  return out;
}

async function inspect(path: string, ...flags: string[]): Promise<InspectResult> {
  const values: Record<string, unknown> = { json: true };
  for (const f of flags) values[f.replace(/^--/, '')] = true;
  return inspectCommand.run({ values: values as never, positionals: [path] });
}

test('MANIFEST.md lists 29 checkpoints across all five formats', async () => {
  const m = await manifest();
  assert.equal(m.length, 29, m.map((e) => e.path).join('\n'));
});

test('every fixture: names, dtypes, shapes as MANIFEST.md says, and every value read', async () => {
  for (const e of await manifest()) {
    const r = await inspect(fx(e.path), '--all-tensors');
    const by = new Map(r.tensors.map((t) => [t.name, t]));
    if (e.count !== undefined) assert.equal(r.tensors.length, e.count, e.path);
    for (const [name, want] of e.tensors) {
      const got = by.get(name);
      assert.ok(got, `${e.path}: ${name} missing`);
      assert.deepEqual(got.shape, want.shape, `${e.path}: ${name}`);
      if (want.dtype) assert.equal(got.dtype, want.dtype, `${e.path}: ${name}`);
    }
    for (const t of r.tensors) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      const flat = t.shape.length === 0 ? [t.values] : (t.values as unknown[]).flat(t.shape.length - 1 as 1);
      assert.equal(flat.length, n, `${e.path}: ${t.name} has ${n} values`);
    }
  }
});

test('known values come back exactly (TF1, TF2, SavedModel, safetensors, tfjs, h5)', async () => {
  const value = async (p: string, name: string) => (await inspect(fx(p), '--all-tensors')).tensors.find((t) => t.name === name)!.values;
  assert.deepEqual(await value('tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt', 'v1'), [1]);
  assert.deepEqual(await value('tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt', 'v2'), [2]);
  assert.equal(await value('tf1-bundle/caicloud-v1v2-ema-known-values', 'v'), 10);
  assert.equal(await value('tf1-bundle/caicloud-v1v2-ema-known-values', 'v/ExponentialMovingAverage'), 0.09999990463256836);
  assert.equal(await value('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1', 'global_step'), 1);
  assert.equal(await value('tf1-bundle/hsbarker-estimator-cnn-adam', 'global_step'), 20000);
  assert.equal(await value('tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1', 'beta1_power'), Math.fround(Math.fround(0.9) * Math.fround(0.9))); // 0.9² in float32
  assert.equal(await value('tf1-bundle/lq6h-uniquified-names', 'Variable'), 1);
  assert.equal(await value('tf2-bundle/little-ruan-keras-adam-2shards', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 3840);
  assert.equal(await value('tf2-bundle/charity-keras-save-weights-adam', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 160800);
  assert.equal(await value('savedmodel/mnist-keras-cnn-bn', 'optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE'), 63750);
  assert.deepEqual(await value('safetensors/hf-safetensors-samples/overall.safetensors', 'B'), [253, 254, 255, 0, 1, 2]);
  assert.deepEqual(await value('safetensors/hf-safetensors-samples/e.safetensors', 'e'), [-3, -2, -1, 0, 1, 2]);
  assert.deepEqual(await value('tfjs/celsius-single-dense', 'dense/kernel'), [[Math.fround(1.8001909)]]);
  assert.equal(await value('keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5', 'optimizer_weights/Adam/iter'), 300);
});

test('--stats gives min/max/mean/std/nan; --tensor selects (":0" accepted)', async () => {
  const r = await inspectCommand.run({ values: { json: true, stats: true, tensor: ['v2:0'] } as never, positionals: [fx('tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt')] });
  assert.deepEqual(r.tensors.map((t) => [t.name, t.values, t.stats]), [['v2', [2], { min: 2, max: 2, mean: 2, std: 0, nan: 0, count: 1 }]]);
  await assert.rejects(inspectCommand.run({ values: { tensor: ['nope'] } as never, positionals: [fx('tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt')] }), { code: 'tensor_not_found' });
});

test('bin/graft inspect --json as a subprocess: one JSON document per format, exit 0', async () => {
  const paths = ['tf1-bundle/hsbarker-estimator-cnn-adam', 'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt', 'safetensors/hf-safetensors-samples/overall.safetensors', 'tfjs/celsius-single-dense/model.json', 'keras-h5/digits-cnn-weights-only/model.h5'];
  const formats = ['tf-bundle', 'tf-bundle', 'safetensors', 'tfjs', 'keras-h5'];
  const results = await Promise.all(paths.map((p) => run(bin, ['inspect', fx(p), '--json', '--all-tensors', '--stats'], { maxBuffer: 64 << 20 })));
  const expected = await manifest();
  for (const [i, { stdout }] of results.entries()) {
    const doc = JSON.parse(stdout);
    assert.equal(doc.format, formats[i]);
    assert.ok(typeof doc.path === 'string');
    for (const t of doc.tensors) {
      assert.deepEqual(Object.keys(t).slice(0, 4), ['name', 'dtype', 'shape', 'bytes']);
      assert.ok('values' in t && 'stats' in t);
    }
    const e = expected.find((x) => fx(x.path) === doc.path || doc.path.endsWith(x.path));
    if (e) for (const [name, want] of e.tensors) assert.deepEqual(doc.tensors.find((t: { name: string }) => t.name === name)?.shape, want.shape, name);
  }
});

test('bin/graft inspect: --help exits 0 with flags and examples; errors exit 1 (user) and 2 (usage)', async () => {
  const help = await run(bin, ['inspect', '--help']);
  assert.match(help.stdout, /usage: graft inspect PATH/);
  assert.match(help.stdout, /--threshold N .*\n.*\(default: 1000\)/);
  assert.match(help.stdout, /examples:/);
  const missing = await run(bin, ['inspect', '/nonexistent/model.ckpt']).catch((e) => e);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: .*\nhint: .*\ncode: checkpoint_not_found/m);
  const json = await run(bin, ['inspect', '/nonexistent/model.ckpt', '--json']).catch((e) => e);
  assert.equal(JSON.parse(json.stdout).error.code, 'checkpoint_not_found');
  const usage = await run(bin, ['inspect']).catch((e) => e);
  assert.equal(usage.code, 2);
});

const f32 = (shape: number[], xs: number[]): TensorValue => ({ name: 't', dtype: 'float32', shape, data: new Uint8Array(new Float32Array(xs).buffer) });

// Expected strings are numpy 1.x's str() of the same float32/int64/bool arrays.
test('values print like numpy: shared width, trailing dots, 0-d scalars, summarised above 1000 elements', () => {
  assert.equal(formatValues(f32([2], [1, 2])), '[1. 2.]');
  assert.equal(formatValues(f32([2, 2], [1.5, -2, 3.25, 0])), '[[ 1.5  -2.  ]\n [ 3.25  0.  ]]');
  assert.equal(formatValues(f32([], [0])), '0.0');
  assert.equal(formatValues(f32([1], [1.8001909255981445])), '[1.8001909]');
  assert.equal(formatValues({ name: 'b', dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) }), '[ True False]');
  assert.equal(formatValues({ name: 'i', dtype: 'int64', shape: [3], data: new Uint8Array(new BigInt64Array([5n, -120n, 7n]).buffer) }), '[   5 -120    7]');
  const big = f32([2000], Array.from({ length: 2000 }, (_, i) => i));
  assert.equal(formatValues(big), '[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]');
  assert.equal(formatValues(f32([3], [1e-5, 1, NaN])), '[1.e-05 1.e+00    nan]');
  assert.match(formatValues(f32([4, 4, 4, 4], Array.from({ length: 256 }, (_, i) => i))), /^\[\[\[\[  0\.   1\.   2\.   3\.\]\n   \[  4\./);
});

test('TF2 object-based keys carry the layer path their object graph gives', async () => {
  const r = await inspect(fx('tf2-bundle/charity-keras-save-weights-adam'));
  const by = new Map(r.tensors.map((t) => [t.name, t.objectPath]));
  assert.equal(by.get('layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE'), 'dense/kernel');
  assert.equal(by.get('_CHECKPOINTABLE_OBJECT_GRAPH'), undefined);
  const tf1 = await inspect(fx('tf1-bundle/football-default-variable-names'));
  assert.ok(tf1.tensors.every((t) => t.objectPath === undefined));
});
