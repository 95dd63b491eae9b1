/**
 * `npm run bench -- safetensors-io [--tensors 100] [--elements 1000000] [--shards 4] [--repeats 3]
 * [--concurrency 2] [--dir DIR]`: restore of a float32 checkpoint of TENSORS × ELEMENTS (default
 * 100 × 1M = 400 MB) from one safetensors file vs the same tensors as Hugging Face shards
 * (max shard size = total / SHARDS), in the same run: open + readInto every tensor into
 * preallocated, already-touched buffers, CONCURRENCY reads in flight (as checkpoint-io does for TF
 * bundles). Page cache warm for both (one unmeasured pass first). Also: a fresh sharded open + one
 * tensor, with the bytes the reader read (headers + that tensor only).
 *
 * One JSON object a line. Smoke run: `npm run bench -- safetensors-io --tensors 8 --elements 100000 --repeats 1`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSafetensors, openShardedSafetensors, writeSafetensors, writeShardedSafetensors } from '../src/formats/safetensors/index.js';
import type { TensorValue } from '../src/formats/types.js';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const T = flag('tensors', 100);
const E = flag('elements', 1_000_000);
const S = flag('shards', 4);
const R = flag('repeats', 3);
const K = flag('concurrency', 2);
const dirFlag = process.argv.indexOf('--dir');
const dir = mkdtempSync(join(dirFlag >= 0 ? process.argv[dirFlag + 1]! : tmpdir(), 'graft-st-io-'));
const BYTES = T * E * 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const now = (): number => performance.now() / 1000;
function emit(op: string, seconds: number[], extra: Record<string, unknown> = {}): number {
  const gbs = seconds.map((s) => BYTES / s / 1e9);
  const g = median(gbs);
  console.log(JSON.stringify({ bench: 'safetensors-io', engine: 'graft', op, gb_per_s: Number(g.toFixed(3)), runs_gb_per_s: gbs.map((x) => Number(x.toFixed(3))), bytes: BYTES, tensors: T, concurrency: K, ...extra }));
  return g;
}

function makeTensors(): TensorValue[] {
  let s = 0x9e3779b9;
  return Array.from({ length: T }, (_, i) => {
    const f = new Float32Array(E);
    for (let j = 0; j < E; j++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; f[j] = (s >>> 0) / 4294967296 - 0.5; }
    return { name: `model.layers.${i}.weight`, dtype: 'float32', shape: [E], data: new Uint8Array(f.buffer) };
  });
}

type Reader = { readInto(name: string, target: Uint8Array): Promise<void>; close(): Promise<void> };

async function restore(open: () => Promise<Reader>, tensors: TensorValue[], targets: Uint8Array[]): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < R + 1; r++) {
    const t0 = now();
    const reader = await open();
    let next = 0;
    await Promise.all(Array.from({ length: K }, async () => {
      while (next < T) { const i = next++; await reader.readInto(tensors[i]!.name, targets[i]!); }
    }));
    await reader.close();
    if (r > 0) out.push(now() - t0); // run 0 warms the page cache
  }
  for (let i = 0; i < T; i++) if (Buffer.compare(targets[i]!, tensors[i]!.data) !== 0) throw new RangeError(`restore mismatch in tensor ${i}`);
  return out;
}

async function main(): Promise<void> {
  const tensors = makeTensors();
  const single = join(dir, 'model.safetensors');
  await writeSafetensors(single, tensors, { metadata: { format: 'pt' } });
  const shardDir = join(dir, 'sharded');
  const info = await writeShardedSafetensors(shardDir, tensors, { maxShardSize: Math.ceil(BYTES / S), metadata: { format: 'pt' } });
  const targets = tensors.map((t) => new Uint8Array(t.data.length).fill(1));
  const g1 = emit('restore_single_file', await restore(() => openSafetensors(single), tensors, targets));
  targets.forEach((t) => t.fill(1));
  const gS = emit('restore_sharded', await restore(() => openShardedSafetensors(info.index!), tensors, targets), { shards: info.files.length });

  const one = tensors[Math.floor(T / 2)]!;
  const t0 = now();
  const r = await openShardedSafetensors(info.index!);
  const opened = Object.values(r.bytesRead()).reduce((a, b) => a + b, 0);
  await r.readInto(one.name, new Uint8Array(one.data.length));
  const seconds = now() - t0;
  const total = Object.values(r.bytesRead()).reduce((a, b) => a + b, 0);
  await r.close();
  console.log(JSON.stringify({ bench: 'safetensors-io', engine: 'graft', op: 'sharded_read_one_tensor', seconds: Number(seconds.toFixed(4)), header_bytes: opened, bytes_read: total, tensor_bytes: one.data.length, only_headers_and_tensor: total === opened + one.data.length }));
  console.log(JSON.stringify({ bench: 'safetensors-io', engine: 'graft', op: 'summary', sharded_vs_single_restore: Number((gS / g1).toFixed(2)), goal: 1 }));
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
