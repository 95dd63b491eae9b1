/**
 * Real snappy-indexed TF files (block type 1), from two projects: TensorFlow Serving's
 * half_plus_two SavedModels (TF1 and TF2) and TFX's chicago_taxi Estimator SavedModel. Listed,
 * every tensor read with CRCs verified, known values, converted to safetensors and back to a
 * bundle bit-identical, and the CLI's restore-plan on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openBundle } from '../../../src/formats/tf-bundle/index.js';
import { readBlock, readFooter, decodeBlock } from '../../../src/formats/tf-bundle/table.js';
import { ProtoReader } from '../../../src/formats/proto/wire.js';
import { convertCheckpoint } from '../../../src/formats/convert.js';
import { openCheckpoint } from '../../../src/formats/open.js';
import type { TensorValue } from '../../../src/formats/types.js';
import { FIXTURES, ROOT } from './helpers.js';

const run = promisify(execFile);
const tmp = mkdtempSync(join(tmpdir(), 'graft-snappy-real-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const f32 = (d: Uint8Array): number[] => [...new Float32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.length))];

/** Block type bytes: [metaindex, index, ...data blocks]. */
function blockTypes(index: Uint8Array): number[] {
  const { metaindex, index: ih } = readFooter(index, 'x');
  const out = [index[metaindex.offset + metaindex.size]!, index[ih.offset + ih.size]!];
  for (const e of decodeBlock(readBlock(index, ih, 'x', 'index block'), 'x', 'index block')) {
    const r = new ProtoReader(e.value, 'handle');
    const off = Number(r.varintBig());
    out.push(index[off + Number(r.varintBig())]!);
  }
  return out;
}

const REAL: { prefix: string; listing: [string, string, number[]][]; values: Record<string, number[]> }[] = [
  {
    prefix: 'savedmodel/serving-half-plus-two-cpu/variables/variables',
    listing: ['a', 'a2', 'b', 'c', 'c2'].map((n) => [n, 'float32', []]),
    values: { a: [0.5], a2: [0.5], b: [2], c: [3], c2: [3] },
  },
  {
    prefix: 'savedmodel/serving-half-plus-two-tf2-cpu/variables/variables',
    listing: [['_CHECKPOINTABLE_OBJECT_GRAPH', 'string', []], ...['a', 'b', 'c'].map((n): [string, string, number[]] => [`${n}/.ATTRIBUTES/VARIABLE_VALUE`, 'float32', []])],
    values: { 'a/.ATTRIBUTES/VARIABLE_VALUE': [0.5], 'b/.ATTRIBUTES/VARIABLE_VALUE': [2], 'c/.ATTRIBUTES/VARIABLE_VALUE': [3] },
  },
  {
    prefix: 'savedmodel/tfx-chicago-taxi-trained/variables/variables',
    listing: [
      ['dnn/hiddenlayer_0/bias', 'float32', [100]], ['dnn/hiddenlayer_0/kernel', 'float32', [3, 100]],
      ['dnn/hiddenlayer_1/bias', 'float32', [70]], ['dnn/hiddenlayer_1/kernel', 'float32', [100, 70]],
      ['dnn/hiddenlayer_2/bias', 'float32', [48]], ['dnn/hiddenlayer_2/kernel', 'float32', [70, 48]],
      ['dnn/hiddenlayer_3/bias', 'float32', [34]], ['dnn/hiddenlayer_3/kernel', 'float32', [48, 34]],
      ['dnn/logits/bias', 'float32', [1]], ['dnn/logits/kernel', 'float32', [34, 1]], ['global_step', 'int64', []],
      ['linear/linear_model/bias_weights', 'float32', [1]],
      ...(['company', 'dropoff_latitude', 'dropoff_longitude', 'payment_type', 'pickup_latitude', 'pickup_longitude', 'trip_start_day', 'trip_start_hour', 'trip_start_month'] as const)
        .map((f): [string, string, number[]] => [`linear/linear_model/${f}_xf/weights`, 'float32', [{ company: 1010, payment_type: 1010, trip_start_day: 31, trip_start_hour: 24, trip_start_month: 12 }[f as string] ?? 10, 1]]),
    ],
    values: {},
  },
];

for (const c of REAL) {
  test(`${c.prefix}: snappy data block, listed, every tensor read with CRCs verified`, async () => {
    const index = new Uint8Array(readFileSync(`${FIXTURES}${c.prefix}.index`));
    assert.deepEqual(blockTypes(index), [0, 0, 1], 'metaindex and index raw, data block snappy');
    await using r = await openBundle(FIXTURES + c.prefix);
    assert.deepEqual(r.list().map((t) => [t.name, t.dtype, t.shape]), c.listing);
    for (const t of r.list()) {
      const v = await r.read(t.name);
      if (t.name in c.values) assert.deepEqual(f32(v.data), c.values[t.name]);
    }
    if (c.prefix.includes('tfx')) assert.equal(new DataView((await r.read('global_step')).data.buffer).getBigInt64(0, true), 100n);
    assert.ok(r.bytesRead > 0);
  });

  test(`${c.prefix}: → safetensors → TF bundle (4 shards where it has ≥ 4 tensors): every tensor bit-identical; restore-plan matches all`, async () => {
    const name = c.prefix.split('/')[1]!;
    const st = join(tmp, `${name}.safetensors`);
    const exclude = c.listing.some(([n]) => n === '_CHECKPOINTABLE_OBJECT_GRAPH') ? ['_CHECKPOINTABLE_OBJECT_GRAPH'] : [];
    await convertCheckpoint(FIXTURES + c.prefix, st, { exclude });
    const back = join(tmp, name, 'model.ckpt');
    const numeric = c.listing.filter(([n]) => !exclude.includes(n)).length;
    await convertCheckpoint(st, back, { numShards: numeric >= 4 ? 4 : 1 });
    await using a = await openBundle(FIXTURES + c.prefix);
    await using b = await openBundle(back);
    assert.equal(b.numShards, numeric >= 4 ? 4 : 1);
    for (const t of a.list().filter((t) => !exclude.includes(t.name))) assert.deepEqual(await b.read(t.name), await a.read(t.name));
    const s = await openCheckpoint(st);
    assert.equal(s.list().length, numeric);
    await s.close();
    const plan = await run(join(ROOT, 'bin/graft'), ['restore-plan', back, FIXTURES + c.prefix, '--json']).catch((e) => e);
    const doc = JSON.parse(plan.stdout);
    assert.equal(doc.summary.missing_in_checkpoint, 0, plan.stdout);
  });
}

test('rewritten in the files\' own order with compression snappy: .data byte-identical, index entries identical (compressed bytes differ: snappyjs is not Google\'s C++ compressor)', async () => {
  const { readTable, decodeBundleEntry, writeBundle } = await import('../../../src/formats/tf-bundle/index.js');
  for (const c of REAL) {
    const src = FIXTURES + c.prefix;
    const idx = readTable(new Uint8Array(readFileSync(`${src}.index`)), src);
    const off = new Map(idx.slice(1).map((e) => {
      const n = new TextDecoder().decode(e.key);
      return [n, decodeBundleEntry(e.value, src, n).offset] as const;
    }));
    await using r = await openBundle(src);
    const names = r.list().map((t) => t.name).sort((x, y) => off.get(x)! - off.get(y)!);
    const tensors: TensorValue[] = [];
    for (const n of names) tensors.push(await r.read(n));
    async function* stream(): AsyncIterable<TensorValue> {
      yield* tensors;
    }
    const out = join(tmp, 'own-order', c.prefix.split('/')[1]!);
    await writeBundle(out, stream(), { fsync: false, compression: 'snappy' });
    assert.equal(Buffer.compare(readFileSync(`${out}.data-00000-of-00001`), readFileSync(`${src}.data-00000-of-00001`)), 0, `${c.prefix} data differs`);
    const mine = new Uint8Array(readFileSync(`${out}.index`));
    assert.deepEqual(readTable(mine, out), idx);
    assert.deepEqual(blockTypes(mine), [0, 0, 1]);
  }
});
