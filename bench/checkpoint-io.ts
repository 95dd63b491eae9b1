/**
 * `npm run bench -- checkpoint-io [--tensors 100] [--elements 1000000] [--repeats 3] [--dir DIR]
 * [--concurrency 2] [--no-peer] [--interleave]`: TF-bundle checkpoint I/O (issue 3, ENGINE-STUDY W3/W4) on a
 * float32 checkpoint of TENSORS × ELEMENTS (default 100 × 1M = 400 MB):
 *
 * - save: writeBundle, fsync'd and atomic (temp + fsync + rename + dir fsync), vs `dd conv=fsync`
 *   of the same bytes in the same run, vs torch.save + fsync (peer);
 * - restore: open + readInto every tensor into preallocated, already-touched buffers (as a restore
 *   into an existing model), every CRC32C verified, vs torch.load in a fresh process (peer);
 * - read one tensor: fresh open + one tensor, counting the bytes read (reader count and the
 *   kernel's /proc/self/io rchar) against index + 1.1 × tensor bytes.
 *
 * - with --interleave: R more saves, each followed by one torch.save+fsync (paired ratios, so
 *   both see the same load on a shared disk).
 *
 * One JSON object a line; the peer's lines say "engine": "pytorch". Smoke run:
 * `npm run bench -- checkpoint-io --tensors 10 --elements 100000 --repeats 1`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBundle, writeBundle } from '../src/formats/tf-bundle/index.js';
import { crc32cImplementation } from '../src/formats/crc32c.js';
import type { TensorValue } from '../src/formats/types.js';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const T = flag('tensors', 100);
const E = flag('elements', 1_000_000);
const R = flag('repeats', 3);
const K = flag('concurrency', 2);
const dirFlag = process.argv.indexOf('--dir');
const noPeer = process.argv.includes('--no-peer');
const interleave = process.argv.includes('--interleave');
const base = dirFlag >= 0 ? process.argv[dirFlag + 1]! : tmpdir();
const dir = mkdtempSync(join(base, 'graft-ckpt-io-'));
const BYTES = T * E * 4;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function emit(engine: string, op: string, seconds: number[], extra: Record<string, unknown> = {}): number {
  const gbs = seconds.map((s) => BYTES / s / 1e9);
  const g = median(gbs);
  console.log(JSON.stringify({ bench: 'checkpoint-io', engine, op, gb_per_s: Number(g.toFixed(3)), runs_gb_per_s: gbs.map((x) => Number(x.toFixed(3))), seconds: seconds.map((s) => Number(s.toFixed(4))), bytes: BYTES, tensors: T, ...extra }));
  return g;
}
const now = (): number => performance.now() / 1000;
const rchar = (): number => Number(/rchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

function makeTensors(): TensorValue[] {
  let s = 0x9e3779b9;
  return Array.from({ length: T }, (_, i) => {
    const f = new Float32Array(E);
    for (let j = 0; j < E; j++) {
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      f[j] = (s >>> 0) / 4294967296 - 0.5;
    }
    return { name: `layer${String(i).padStart(3, '0')}/weights`, dtype: 'float32', shape: [E], data: new Uint8Array(f.buffer) };
  });
}

const script = fileURLToPath(new URL('../../bench/peers/torch_io.py', import.meta.url));

async function main(): Promise<void> {
  const tensors = makeTensors();
  const prefix = join(dir, 'model.ckpt');
  const rmCkpt = (): void => {
    rmSync(`${prefix}.index`, { force: true });
    rmSync(`${prefix}.data-00000-of-00001`, { force: true });
  };

  // Save: fsync'd + atomic.
  const save: number[] = [];
  for (let r = 0; r < R; r++) {
    rmCkpt();
    const t0 = now();
    await writeBundle(prefix, tensors);
    save.push(now() - t0);
  }
  const gSave = emit('graft', 'save_fsync_atomic', save, { index_bytes: statSync(`${prefix}.index`).size });

  // The disk's fsync'd write rate in the same run.
  const dd: number[] = [];
  for (let r = 0; r < R; r++) {
    const out = join(dir, 'dd.bin');
    const t0 = now();
    const p = spawnSync('dd', ['if=/dev/zero', `of=${out}`, `bs=${E * 4}`, `count=${T}`, 'conv=fsync'], { stdio: 'ignore' });
    dd.push(now() - t0);
    rmSync(out, { force: true });
    if (p.status !== 0) throw new RangeError('dd failed');
  }
  const gDd = emit('dd', 'write_fsync', dd);

  // Restore into preallocated, touched buffers with CRCs verified.
  const targets = tensors.map((t) => new Uint8Array(t.data.length).fill(1));
  const restore: number[] = [];
  for (let r = 0; r < R + 1; r++) {
    const t0 = now();
    const reader = await openBundle(prefix);
    let next = 0;
    await Promise.all(Array.from({ length: K }, async () => {
      while (next < T) {
        const i = next++;
        await reader.readInto(tensors[i]!.name, targets[i]!);
      }
    }));
    await reader.close();
    if (r > 0) restore.push(now() - t0); // run 0 warms the page cache after the fsync'd save
  }
  for (let i = 0; i < T; i++) if (Buffer.compare(targets[i]!, tensors[i]!.data) !== 0) throw new RangeError(`restore mismatch in tensor ${i}`);
  const gRestore = emit('graft', 'restore_into_preallocated_crc', restore, { concurrency: K, crc32c: crc32cImplementation() });

  // One tensor: bytes actually read.
  const one = tensors[Math.floor(T / 2)]!;
  const c0 = rchar();
  const t0 = now();
  const reader = await openBundle(prefix);
  const target = new Uint8Array(one.data.length);
  await reader.readInto(one.name, target);
  const seconds = now() - t0;
  const readerBytes = reader.bytesRead;
  await reader.close();
  const kernelBytes = rchar() - c0;
  const indexBytes = statSync(`${prefix}.index`).size;
  const limit = indexBytes + 1.1 * one.data.length;
  console.log(JSON.stringify({
    bench: 'checkpoint-io', engine: 'graft', op: 'read_one_tensor', gb_per_s: Number((one.data.length / seconds / 1e9).toFixed(3)),
    tensor_bytes: one.data.length, index_bytes: indexBytes, bytes_read: readerBytes, rchar_bytes: kernelBytes,
    limit_bytes: Math.floor(limit), within_limit: Math.max(readerBytes, kernelBytes) <= limit,
  }));

  // Peer: PyTorch from Debian's python3-torch, threads pinned.
  let gTorchLoad: number | undefined;
  let gTorchSave: number | undefined;
  if (!noPeer && existsSync('/usr/bin/python3')) {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
    const pt = join(dir, 'sd.pt');
    const run = (args: string[]): Record<string, unknown>[] => {
      const p = spawnSync('/usr/bin/python3', [script, pt, ...args], { env, encoding: 'utf8' });
      if (p.status !== 0) {
        console.log(JSON.stringify({ bench: 'checkpoint-io', engine: 'pytorch', op: 'error', message: (p.stderr || '').trim().split('\n').at(-1) }));
        return [];
      }
      return p.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    for (const line of run(['save', String(R), String(T), String(E)])) {
      console.log(JSON.stringify(line));
      if (line.op === 'save_fsync') gTorchSave = line.gb_per_s as number;
    }
    const loads: number[] = [];
    run(['load-once']); // warm-up: page cache
    for (let r = 0; r < R; r++) for (const line of run(['load-once'])) loads.push(line.gb_per_s as number);
    if (loads.length > 0) {
      gTorchLoad = median(loads);
      console.log(JSON.stringify({ bench: 'checkpoint-io', engine: 'pytorch', op: 'load_fresh_process', gb_per_s: gTorchLoad, runs_gb_per_s: loads, bytes: BYTES, processes: loads.length }));
    }
  }
  // --interleave: graft save and torch.save+fsync alternately, one pair per repeat, so both see
  // the same disk load (a shared machine's fsync rate swings several-fold within a minute).
  let paired: number | undefined;
  if (interleave && !noPeer && existsSync('/usr/bin/python3')) {
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
    const pt = join(dir, 'sd.pt');
    const ratios: number[] = [];
    const g: number[] = [];
    const t: number[] = [];
    for (let r = 0; r < R; r++) {
      rmCkpt();
      const t0 = now();
      await writeBundle(prefix, tensors);
      const gs = now() - t0;
      const p = spawnSync('/usr/bin/python3', [script, pt, 'save', '1', String(T), String(E)], { env, encoding: 'utf8' });
      const line = p.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { op: string; seconds: number[] }).find((l) => l.op === 'save_fsync');
      if (!line) break;
      g.push(gs);
      t.push(line.seconds[0]!);
      ratios.push(line.seconds[0]! / gs);
      rmSync(pt, { force: true });
    }
    if (ratios.length > 0) {
      paired = median(ratios);
      console.log(JSON.stringify({ bench: 'checkpoint-io', engine: 'graft', op: 'save_vs_torch_save_fsync_interleaved', ratio: Number(paired.toFixed(2)), runs_ratio: ratios.map((x) => Number(x.toFixed(2))), graft_seconds: g.map((x) => Number(x.toFixed(3))), torch_seconds: t.map((x) => Number(x.toFixed(3))) }));
    }
  }
  console.log(JSON.stringify({
    bench: 'checkpoint-io', engine: 'graft', op: 'summary',
    ...(paired === undefined ? {} : { save_vs_torch_save_fsync_interleaved: Number(paired.toFixed(2)) }),
    restore_vs_torch_load: gTorchLoad === undefined ? null : Number((gRestore / gTorchLoad).toFixed(2)),
    save_vs_torch_save_fsync: gTorchSave === undefined ? null : Number((gSave / gTorchSave).toFixed(2)),
    save_vs_dd_fsync: Number((gSave / gDd).toFixed(2)),
    goals: { restore_vs_torch_load: 3, save_vs_torch_save_fsync: 1, save_vs_dd_fsync: 0.9 },
  }));
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
