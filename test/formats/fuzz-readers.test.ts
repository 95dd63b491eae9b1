// Seeded, bounded fuzzing of every reader with real files: truncated, bit-flipped and
// header-mangled safetensors, tfjs (model.json and shards), Keras .h5, and TF bundles (through
// openCheckpoint). Every failure must be a typed GraftError whose message names the file; no other
// exception, no hang (the test has a timeout), and no allocation sized by an unchecked header
// field (the ArrayBuffer high-water mark stays far below what such fields could claim).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraftError } from '../../src/errors.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { seededRng } from '../../src/models/data/random.js';

const root = new URL('../../..', import.meta.url).pathname;
const fx = (p: string) => join(root, 'test/fixtures', p);

/** mulberry32 (seeded) so every run fuzzes the same inputs. */
const rng = seededRng;

type Mutator = (b: Buffer, r: () => number, headerEnd: number) => Buffer;

const int = (r: () => number, n: number) => Math.floor(r() * n);

const MUTATORS: Record<string, Mutator> = {
  truncate: (b, r) => b.subarray(0, int(r, b.length)),
  bitflip: (b, r) => {
    const c = Buffer.from(b);
    for (let k = 1 + int(r, 8); k > 0 && c.length > 0; k--) { const p = int(r, c.length); c[p]! ^= 1 << int(r, 8); }
    return c;
  },
  /** Damage the structured part (header / index / superblock area): bytes, digits, lengths. */
  header: (b, r, headerEnd) => {
    const c = Buffer.from(b);
    const end = Math.max(1, Math.min(c.length, headerEnd));
    for (let k = 1 + int(r, 4); k > 0; k--) {
      const p = int(r, end);
      const choice = int(r, 4);
      if (choice === 0) c[p] = int(r, 256);
      else if (choice === 1 && c[p]! >= 0x30 && c[p]! <= 0x39) c[p] = 0x30 + int(r, 10); // another digit
      else if (choice === 2) c[p] = [0x7b, 0x7d, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x39, 0xff, 0x00][int(r, 10)]!;
      else c.writeUInt8(0xff, p);
    }
    return c;
  },
};

interface Target {
  /** Files of the checkpoint (relative names) copied into the case directory. */
  files: { from: string; name: string; headerEnd: (b: Buffer) => number }[];
  /** Path passed to openCheckpoint, relative to the case directory. */
  open: string;
  cases: number;
}

const stHeaderEnd = (b: Buffer) => (b.length >= 8 ? 8 + Number(b.readBigUInt64LE(0)) : b.length);
const whole = (b: Buffer) => b.length;
const first = (n: number) => () => n;

const TARGETS: Record<string, Target> = {
  'safetensors overall': { files: [{ from: 'safetensors/hf-safetensors-samples/overall.safetensors', name: 'w.safetensors', headerEnd: stHeaderEnd }], open: 'w.safetensors', cases: 800 },
  'safetensors candle i64': { files: [{ from: 'safetensors/candle-encodec-jfk-codes-i64/jfk-codes.safetensors', name: 'c.safetensors', headerEnd: stHeaderEnd }], open: 'c.safetensors', cases: 250 },
  'safetensors peft': { files: [{ from: 'safetensors/peft-gpt2-lora-adapter/adapter_model.safetensors', name: 'p.safetensors', headerEnd: stHeaderEnd }], open: 'p.safetensors', cases: 150 },
  'safetensors dtypes (F8, unsupported)': { files: [{ from: 'safetensors/torch-float8-dtypes/dtypes.safetensors', name: 'd.safetensors', headerEnd: stHeaderEnd }], open: 'd.safetensors', cases: 200 },
  'safetensors sharded (HF index + 3 shards)': {
    files: [{ from: 'safetensors/hf-hub-sharded-tiny/model.safetensors.index.json', name: 'model.safetensors.index.json', headerEnd: whole },
      ...[1, 2, 3].map((i) => ({ from: `safetensors/hf-hub-sharded-tiny/model-0000${i}-of-00003.safetensors`, name: `model-0000${i}-of-00003.safetensors`, headerEnd: stHeaderEnd }))],
    open: 'model.safetensors.index.json', cases: 300,
  },
  'tfjs celsius': {
    files: [{ from: 'tfjs/celsius-single-dense/model.json', name: 'model.json', headerEnd: whole }, { from: 'tfjs/celsius-single-dense/group1-shard1of1.bin', name: 'group1-shard1of1.bin', headerEnd: whole }],
    open: 'model.json', cases: 600,
  },
  'tfjs digits': {
    files: [{ from: 'tfjs/digits-cnn/model.json', name: 'model.json', headerEnd: whole }, { from: 'tfjs/digits-cnn/group1-shard1of1.bin', name: 'group1-shard1of1.bin', headerEnd: first(64) }],
    open: 'model.json', cases: 150,
  },
  'keras-h5 celsius': { files: [{ from: 'keras-h5/celsius-3dense-full-model/celsius_a_fahrenheit.h5', name: 'm.h5', headerEnd: first(4096) }], open: 'm.h5', cases: 300 },
  'keras-h5 digits': { files: [{ from: 'keras-h5/digits-cnn-weights-only/model.h5', name: 'd.h5', headerEnd: first(8192) }], open: 'd.h5', cases: 100 },
  'keras3 weights.h5': { files: [{ from: 'keras3/diabetes-dense-weights-h5/model.weights.h5', name: 'w.weights.h5', headerEnd: whole }], open: 'w.weights.h5', cases: 200 },
  'keras3 .keras': { files: [{ from: 'keras3/stock-lstm-keras341/model.keras', name: 'm.keras', headerEnd: first(8192) }], open: 'm.keras', cases: 60 },
  'tf-bundle hsbarker': {
    files: [{ from: 'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1.index', name: 'model.ckpt.index', headerEnd: whole }, { from: 'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1.data-00000-of-00001', name: 'model.ckpt.data-00000-of-00001', headerEnd: first(64) }],
    open: 'model.ckpt', cases: 500,
  },
  'tf-bundle tf2 two shards': {
    files: [{ from: 'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt.index', name: 'model.ckpt.index', headerEnd: whole },
      { from: 'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt.data-00000-of-00002', name: 'model.ckpt.data-00000-of-00002', headerEnd: whole },
      { from: 'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt.data-00001-of-00002', name: 'model.ckpt.data-00001-of-00002', headerEnd: first(64) }],
    open: 'model.ckpt', cases: 400,
  },
};

/** Open and read everything; return the error (if any). */
async function exercise(path: string): Promise<unknown> {
  try {
    const r = await openCheckpoint(path);
    try {
      for (const t of r.list()) await r.read(t.name);
    } finally {
      await r.close();
    }
    return undefined;
  } catch (e) {
    return e;
  }
}

test('fuzz: mutated real files give only typed GraftErrors naming the file', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-fuzz-'));
  const problems: string[] = [];
  const codes = new Map<string, number>();
  let total = 0, failedOpen = 0;
  const base = process.memoryUsage().arrayBuffers;
  let peak = base;
  try {
    let seed = 20260101;
    for (const [label, target] of Object.entries(TARGETS)) {
      const t0 = Date.now();
      const originals = await Promise.all(target.files.map((f) => readFile(fx(f.from))));
      const r = rng(seed++);
      // Cases run LANES at a time, each in its own folder, so file I/O overlaps.
      const LANES = 4;
      for (let lane = 0; lane < LANES; lane++) await mkdir(join(dir, `${label.replace(/\W+/g, '-')}-${lane}`), { recursive: true });
      for (let i0 = 0; i0 < target.cases; i0 += LANES) {
        const batch = [];
        for (let i = i0; i < Math.min(target.cases, i0 + LANES); i++) {
          const caseDir = join(dir, `${label.replace(/\W+/g, '-')}-${i - i0}`);
          const victim = int(r, target.files.length);
          const mutatorName = Object.keys(MUTATORS)[int(r, 3)]!;
          const contents = target.files.map((f, k) => (k === victim ? MUTATORS[mutatorName]!(originals[k]!, r, f.headerEnd(originals[k]!)) : originals[k]!));
          batch.push({ i, caseDir, victim, mutatorName, contents });
        }
        const errors = await Promise.all(batch.map(async (c) => {
          await Promise.all(target.files.map((f, k) => writeFile(join(c.caseDir, f.name), c.contents[k]!)));
          return exercise(join(c.caseDir, target.open));
        }));
        for (const [j, err] of errors.entries()) {
          const { i, caseDir, victim, mutatorName } = batch[j]!;
          total++;
          if (err === undefined) continue;
          failedOpen++;
          if (!(err instanceof GraftError)) {
            problems.push(`${label} #${i} (${mutatorName} ${target.files[victim]!.name}): ${err instanceof Error ? `${err.constructor.name}: ${err.message}` : String(err)}`);
            continue;
          }
          codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
          if (!err.message.includes(caseDir)) {
            problems.push(`${label} #${i}: message does not name the file: ${err.code}: ${err.message.slice(0, 200)}`);
          }
          if (typeof err.code !== 'string' || !/^[a-z0-9_]+$/.test(err.code)) problems.push(`${label} #${i}: bad code ${String(err.code)}`);
        }
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }
      if (process.env.GRAFT_FUZZ_TIMES) process.stderr.write(`${label}: ${Date.now() - t0} ms\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} untyped or unnamed failures`);
  assert.ok(total >= 3000, `ran ${total} cases`);
  assert.ok(failedOpen > total / 4, `only ${failedOpen} of ${total} mutations were rejected — the mutators are too weak`);
  // Several different error codes must have fired (the fuzzer reaches past the first check).
  assert.ok(codes.size >= 12, `codes seen: ${[...codes.keys()].join(', ')}`);
  // No allocation sized by a corrupted length: far below the GBs such fields could claim.
  assert.ok(peak - base < 256 * 1024 * 1024, `ArrayBuffer high-water mark grew by ${peak - base} bytes`);
});

test('fuzz corpus sanity: the unmutated copies open cleanly', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'graft-fuzz-'));
  try {
    for (const [label, target] of Object.entries(TARGETS)) {
      const caseDir = join(dir, label.replace(/\W+/g, '-'));
      await mkdir(caseDir, { recursive: true });
      for (const f of target.files) await copyFile(fx(f.from), join(caseDir, f.name));
      assert.equal(await exercise(join(caseDir, target.open)), undefined, label);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
