/**
 * Seeded, bounded fuzzing of the bundle reader with thousands of truncated, bit-flipped and
 * header-mangled versions of real TF-written checkpoints: only typed GraftErrors may come out —
 * no TypeError/RangeError, no hang (test timeout), no allocation sized by an unchecked field
 * (tensor buffers are bounded by the data file size; the RSS growth is checked at the end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraftError } from '../../../src/errors.js';
import { openBundle, readTable, decodeBundleEntry, decodeBundleHeader, TableBuilder } from '../../../src/formats/tf-bundle/index.js';
import { FIXTURES, rng } from './helpers.js';

const CORPUS = [
  'tf1-bundle/caicloud-v1v2-ema-known-values/model2.ckpt',
  'tf1-bundle/lq6h-uniquified-names/model.ckpt',
  'tf1-bundle/football-default-variable-names/model.ckpt',
  'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1',
  'tf2-bundle/charity-keras-save-weights-adam/cp.ckpt',
  'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt',
].map((p) => {
  const index = new Uint8Array(readFileSync(`${FIXTURES}${p}.index`));
  const shards = p.includes('2shards') ? 2 : 1;
  const data = Array.from({ length: shards }, (_, i) => new Uint8Array(readFileSync(`${FIXTURES}${p}.data-0000${i}-of-0000${shards}`)));
  return { p, index, data };
});

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);

function flipBits(b: Uint8Array, r: Rand, count: number): Uint8Array {
  const out = b.slice();
  for (let i = 0; i < count && out.length > 0; i++) out[int(r, out.length)]! ^= 1 << int(r, 8);
  return out;
}

/** Mutate one entry value (or the header) and rebuild the table with valid block CRCs. */
function mangleEntry(index: Uint8Array, r: Rand): Uint8Array {
  const entries = readTable(index, 'fuzz').map((e) => ({ key: e.key, value: e.value.slice() as Uint8Array }));
  const e = entries[r() < 0.3 ? 0 : int(r, entries.length)]!;
  const mode = int(r, 5);
  if (mode === 0) e.value = flipBits(e.value, r, 1 + int(r, 3));
  else if (mode === 1) e.value = e.value.subarray(0, int(r, e.value.length + 1));
  else if (mode === 2) e.value = Uint8Array.from({ length: int(r, 24) }, () => int(r, 256));
  else if (mode === 3) { // huge varints in a random position
    const at = int(r, e.value.length + 1);
    const junk = [0x08 + 8 * int(r, 7), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, int(r, 2) ? 0x7f : 0x01];
    e.value = Uint8Array.from([...e.value.subarray(0, at), ...junk, ...e.value.subarray(at)]);
  } else { // copy another entry's value (offsets/sizes/dtypes that belong elsewhere)
    e.value = entries[int(r, entries.length)]!.value.slice();
  }
  const tb = new TableBuilder(r() < 0.5 ? 64 : 262144); // small blocks → multi-block tables
  for (const x of entries) tb.add(x.key, x.value);
  return tb.finish();
}

function mutate(c: (typeof CORPUS)[number], r: Rand): { index: Uint8Array; data: Uint8Array[]; kind: string } {
  const k = int(r, 7);
  const data = c.data;
  switch (k) {
    case 0: return { index: c.index.subarray(0, int(r, c.index.length)), data, kind: 'truncate-index' };
    case 1: return { index: flipBits(c.index, r, 1 + int(r, 4)), data, kind: 'flip-index' };
    case 2: { // mangle the footer / first bytes
      const b = c.index.slice();
      const region = r() < 0.5 ? b.length - 48 + int(r, 48) : int(r, Math.min(32, b.length));
      for (let i = 0; i < 1 + int(r, 6); i++) b[Math.min(b.length - 1, region + i)] = int(r, 256);
      return { index: b, data, kind: 'mangle-header' };
    }
    case 3: case 4: return { index: mangleEntry(c.index, r), data, kind: 'mangle-entry' };
    case 5: return { index: c.index, data: data.map((d) => (r() < 0.5 ? flipBits(d, r, 1 + int(r, 3)) : d)), kind: 'flip-data' };
    default: return { index: c.index, data: data.map((d) => d.subarray(0, int(r, d.length + 1))), kind: 'truncate-data' };
  }
}

function isTyped(e: unknown): boolean {
  return e instanceof GraftError && typeof e.code === 'string' && e.message.length > 0;
}

test('fuzz: index parsing of 3000 mutated real indexes raises only typed errors', { timeout: 20000 }, () => {
  const r = rng(20240601);
  const seen = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const c = CORPUS[int(r, CORPUS.length)]!;
    const { index } = mutate(c, r);
    try {
      const entries = readTable(index, 'fuzz.index');
      if (entries.length > 0 && entries[0]!.key.length === 0) decodeBundleHeader(entries[0]!.value, 'fuzz.index');
      for (const e of entries.slice(1)) decodeBundleEntry(e.value, 'fuzz.index', 'k');
      seen.set('ok', (seen.get('ok') ?? 0) + 1);
    } catch (e) {
      assert.ok(isTyped(e), `iteration ${i}: untyped error ${String(e)}\n${(e as Error).stack}`);
      const code = (e as GraftError).code;
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
  }
  // The mutations reach the deep checks, not just the CRC.
  for (const code of ['truncated', 'bad_magic', 'block_checksum_mismatch', 'bad_proto', 'bad_varint']) assert.ok(seen.has(code), `never saw ${code}: ${JSON.stringify([...seen])}`);
});

test('fuzz: opening and reading 1500 mutated real checkpoints raises only typed errors', { timeout: 20000 }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'graft-bundle-fuzz-'));
  const rssBefore = process.memoryUsage().rss;
  try {
    const r = rng(77);
    const codes = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const c = CORPUS[int(r, CORPUS.length)]!;
      const m = mutate(c, r);
      const dir = join(tmp, String(i % 8));
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      const prefix = join(dir, 'ckpt');
      writeFileSync(`${prefix}.index`, m.index);
      m.data.forEach((d, s) => writeFileSync(`${prefix}.data-0000${s}-of-0000${m.data.length}`, d));
      try {
        await using b = await openBundle(prefix);
        for (const t of b.list()) {
          if (t.dtype === 'string') await b.read(t.name);
          else await b.readInto(t.name, new Uint8Array(t.bytes));
        }
        codes.set('ok', (codes.get('ok') ?? 0) + 1);
      } catch (e) {
        assert.ok(isTyped(e), `iteration ${i} (${m.kind} of ${c.p}): untyped error ${String(e)}\n${(e as Error).stack}`);
        const code = (e as GraftError).code;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    }
    for (const code of ['tensor_checksum_mismatch', 'truncated', 'block_checksum_mismatch']) assert.ok(codes.has(code), `never saw ${code}: ${JSON.stringify([...codes])}`);
    assert.ok((codes.get('ok') ?? 0) > 0);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // No allocation sized by an unchecked field: the process did not balloon.
  assert.ok(process.memoryUsage().rss - rssBefore < 512 * 2 ** 20);
});
