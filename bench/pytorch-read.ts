/**
 * `npm run bench -- pytorch-read [--tensors 100] [--elements 1000000] [--repeats 3] [--dir DIR]`:
 * reading a torch.save file (zip layout) of TENSORS float32 tensors × ELEMENTS (default 400 MB),
 * written at bench time by torch (bench/peers/torch_io.py `save`, Debian python3-torch):
 *
 * - graft: openPytorch (central directory + data.pkl through the restricted unpickler) + readInto
 *   every tensor into preallocated, already-touched buffers (a restore into an existing model),
 *   every storage's zip CRC-32 verified;
 * - pytorch: torch.load in a fresh process, every tensor touched (torch_io.py `load-once`),
 *   REPEATS fresh processes, same file, same run.
 *
 * One JSON object a line ({"bench":"pytorch-read","engine","op","gb_per_s",…}). The file is in the
 * page cache for both (it was just written). Smoke: `--tensors 10 --elements 100000 --repeats 1`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPytorch } from '../src/formats/pytorch/index.js';

function flag(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const T = flag('tensors', 100);
const E = flag('elements', 1_000_000);
const R = flag('repeats', 3);
const dirFlag = process.argv.indexOf('--dir');
const dir = mkdtempSync(join(dirFlag >= 0 ? process.argv[dirFlag + 1]! : tmpdir(), 'graft-pt-read-'));
const BYTES = T * E * 4;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function emit(engine: string, op: string, seconds: number[], extra: Record<string, unknown> = {}): void {
  const gbs = seconds.map((s) => BYTES / s / 1e9);
  console.log(JSON.stringify({ bench: 'pytorch-read', engine, op, gb_per_s: Number(median(gbs).toFixed(3)), runs_gb_per_s: gbs.map((x) => Number(x.toFixed(3))), seconds: seconds.map((s) => Number(s.toFixed(4))), bytes: BYTES, tensors: T, ...extra }));
}

const script = fileURLToPath(new URL('../../bench/peers/torch_io.py', import.meta.url));
const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' };
try {
  if (!existsSync('/usr/bin/python3') || spawnSync('/usr/bin/python3', ['-c', 'import torch']).status !== 0) {
    console.log(JSON.stringify({ bench: 'pytorch-read', skipped: 'python3-torch is not installed (apt-get install python3-torch); it writes the .pt and is the peer' }));
    process.exit(0);
  }
  const pt = join(dir, 'model.pt');
  const w = spawnSync('/usr/bin/python3', [script, pt, 'save', '1', String(T), String(E)], { env, encoding: 'utf8' });
  if (w.status !== 0) throw new Error(`torch save failed: ${w.stderr}`);
  const fileBytes = statSync(pt).size;

  // Graft: preallocated, touched buffers, as a restore into existing variables (allocated once, untimed).
  const buffers = new Map<string, Uint8Array>();
  {
    const reader = await openPytorch(pt);
    for (const t of reader.list()) buffers.set(t.name, new Uint8Array(t.bytes).fill(1));
    await reader.close();
  }
  const graft: number[] = [];
  for (let r = 0; r < R; r++) {
    const t0 = performance.now();
    const reader = await openPytorch(pt);
    for (const t of reader.list()) await reader.readInto(t.name, buffers.get(t.name)!);
    await reader.close();
    graft.push((performance.now() - t0) / 1000);
  }
  emit('graft', 'read_into_preallocated', graft, { file_bytes: fileBytes, crc32_verified: true });

  const peer: number[] = [];
  for (let r = 0; r < R; r++) {
    const p = spawnSync('/usr/bin/python3', [script, pt, 'load-once'], { env, encoding: 'utf8' });
    if (p.status !== 0) throw new Error(`torch load failed: ${p.stderr}`);
    peer.push(JSON.parse(p.stdout.trim().split('\n').pop()!).seconds[0] as number);
  }
  emit('pytorch', 'load_fresh_process', peer, { file_bytes: fileBytes });
  console.log(JSON.stringify({ bench: 'pytorch-read', op: 'ratio', graft_over_torch: Number((median(peer) / median(graft)).toFixed(3)) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
