/**
 * The training benchmarks' driver. `train-cnn` / `train-lstm` run as an orchestrator that starts one
 * child process per Graft engine (the backend is chosen once per process) plus the PyTorch peer, in
 * the same run, and prints one JSON object a line:
 *   {"bench","engine","samples_per_s","ratio_to_pytorch","ms_per_step","windows",…}
 * Each process warms up, then times `windows` windows of `steps` steps and reports the median.
 * `load_avg` (1-minute load average) and `cpu_ms_per_step` (process CPU time) are printed so a
 * figure taken on a busy machine can be recognised as such: final figures need an idle machine.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/runtime/backend.js';
import type { BackendName } from '../../src/runtime/backend.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import type { Workload } from './w1-cnn.js';

/** Which benchmark: its name, the peer's workload id and the peer's threading env (ENGINE-STUDY §1). */
export interface BenchSpec {
  bench: string;
  peerWorkload: 'w1' | 'w2';
  peerEnv: Record<string, string>;
  /** Defaults for Graft processes: warm-up steps, steps per window, windows. */
  graft: { warmup: number; steps: number; windows: number };
  /** Defaults for the peer. */
  peer: { warmup: number; steps: number; windows: number };
  /** Build the workload in a child process after the backend is up. */
  build(): Promise<Workload & { usesFusedLstm?: () => boolean }>;
}

const ENGINES: Record<string, BackendName> = { wasm: 'wasm', native: 'native', cpu: 'cpu' };

/** Median of a non-empty list. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Entry point of a benchmark script: orchestrator, or `--child ENGINE` worker. */
export async function main(spec: BenchSpec, argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      child: { type: 'string' },
      engines: { type: 'string', default: 'wasm,native' },
      warmup: { type: 'string' }, steps: { type: 'string' }, windows: { type: 'string' },
      'peer-steps': { type: 'string' }, 'peer-windows': { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
      optimizer: { type: 'string', default: 'graft' },
      profile: { type: 'boolean', default: false },
    },
  });
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Math.max(1, Number.parseInt(v, 10) || d));
  const run = { warmup: num(values.warmup, spec.graft.warmup), steps: num(values.steps, spec.graft.steps), windows: num(values.windows, spec.graft.windows) };
  if (values.child) {
    await child(spec, values.child, run, values.optimizer ?? 'graft', values.profile ?? false);
    return;
  }
  let peerRate: number | undefined;
  if (!values['no-peer']) {
    const peer = runPeer(spec, { ...spec.peer, steps: num(values['peer-steps'], spec.peer.steps), windows: num(values['peer-windows'], spec.peer.windows) });
    console.log(JSON.stringify(peer));
    peerRate = typeof peer.samples_per_s === 'number' ? peer.samples_per_s : undefined;
  }
  const self = process.argv[1]!;
  for (const engine of (values.engines ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const args = [self, '--child', engine, '--warmup', String(run.warmup), '--steps', String(run.steps), '--windows', String(run.windows), '--optimizer', values.optimizer ?? 'graft'];
    if (values.profile) args.push('--profile');
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, GRAFT_NO_NOTICE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
    if (lines.length === 0) {
      const err = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('error:') || l.includes('Error')).slice(0, 2).join(' | ');
      console.log(JSON.stringify({ bench: spec.bench, engine: `graft-${engine}`, samples_per_s: null, skipped: true, reason: err || `exit ${r.status}` }));
      continue;
    }
    for (const line of lines) {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (typeof o.samples_per_s === 'number' && peerRate) o.ratio_to_pytorch = Number((o.samples_per_s / peerRate).toFixed(3));
      console.log(JSON.stringify(o));
    }
  }
}

async function child(spec: BenchSpec, engine: string, run: { warmup: number; steps: number; windows: number }, optimizerAsked: string, profile: boolean): Promise<void> {
  const backend = ENGINES[engine];
  if (!backend) {
    process.stderr.write(`error: unknown engine "${engine}" (wasm, native, cpu)\n`);
    process.exit(2);
  }
  let info;
  try {
    info = await initBackend({ backend });
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const w = await spec.build();
  const { step, used: optimizer } = await makeStep(w, optimizerAsked);
  const losses: number[] = [];
  for (let i = 0; i < run.warmup; i++) losses.push(step());
  const rates: number[] = [];
  const cpuMs: number[] = [];
  for (let k = 0; k < run.windows; k++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < run.steps; i++) losses.push(step());
    const dt = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    rates.push((w.batchSize * run.steps) / dt);
    cpuMs.push((c.user + c.system) / 1000 / run.steps);
  }
  const sps = median(rates);
  const out: Record<string, unknown> = {
    bench: spec.bench, engine: `graft-${engine}`, samples_per_s: Number(sps.toFixed(1)),
    ms_per_step: Number((1000 * w.batchSize / sps).toFixed(1)), windows: rates.map((r) => Number(r.toFixed(1))),
    // process CPU time per step (all threads): on a shared machine, for the 1-thread wasm path
    // this is close to the step time the machine would give it alone
    cpu_ms_per_step: Number(median(cpuMs).toFixed(1)),
    backend: info.backend, kernels: info.kernels, threads: info.threads, optimizer,
    warmup: run.warmup, steps: run.steps, batch: w.batchSize, load_avg: Number(loadavg()[0]!.toFixed(2)),
    loss_first: Number(losses[0]!.toFixed(4)), loss_last: Number(losses[losses.length - 1]!.toFixed(4)),
  };
  if (w.usesFusedLstm) out.fused_lstm = w.usesFusedLstm();
  if (profile) out.profile = await profileStep(step);
  console.log(JSON.stringify(out));
  w.dispose();
}

/** Graft's TF1 AdamOptimizer (train/), or TF.js's own when asked or when train/ does not load. */
async function makeStep(w: Workload, optimizer: string): Promise<{ step: () => number; used: string }> {
  let graft: typeof import('../../src/train/optimizers.js') | undefined;
  let why = '';
  if (optimizer !== 'tfjs') {
    try {
      graft = await import('../../src/train/optimizers.js');
    } catch (e) {
      why = ` (graft train/ did not load: ${(e as Error).message})`;
    }
  }
  if (!graft) {
    const opt = tf.train.adam(1e-3);
    const vars = w.params.map((p) => p.variable);
    const step = () => {
      const loss = opt.minimize(() => w.loss(), true, vars)!;
      const v = loss.dataSync()[0]!;
      loss.dispose();
      return v;
    };
    return { step, used: `tfjs${why}` };
  }
  const params = new ParameterSet();
  for (const p of w.params) params.add(p.name, p.variable);
  const opt = new graft.AdamOptimizer(params, { learningRate: 1e-3 });
  return { step: () => opt.minimize(() => w.loss()).loss, used: 'graft' };
}

/** One profiled step: wall ms, kernel ms, and the kernels by total time (name, ms, calls). */
async function profileStep(step: () => number): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const p = await tf.profile(() => { step(); });
  const wall = performance.now() - t0;
  const { total, kernels } = kernelsByTime(p.kernels);
  return { wall_ms: Number(wall.toFixed(1)), kernel_ms: Number(total.toFixed(1)), kernel_calls: p.kernels.length, kernels };
}

/** A `tf.profile` result's kernels summed by name, longest total first, and the total kernel ms. */
export function kernelsByTime(list: readonly { name: string; kernelTimeMs: unknown }[]): { total: number; kernels: { name: string; ms: number; calls: number }[] } {
  const by = new Map<string, { ms: number; calls: number }>();
  let total = 0;
  for (const k of list) {
    const ms = Number(k.kernelTimeMs) || 0;
    total += ms;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += ms;
    e.calls += 1;
    by.set(k.name, e);
  }
  const kernels = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([name, e]) => ({ name, ms: Number(e.ms.toFixed(2)), calls: e.calls }));
  return { total, kernels };
}

/** Run the PyTorch peer (bench/peers/torch_train.py) and return its JSON line (or a skipped one). */
export function runPeer(spec: Pick<BenchSpec, 'bench' | 'peerWorkload' | 'peerEnv'>, p: { warmup: number; steps: number; windows: number }): Record<string, unknown> {
  const script = new URL('../../../bench/peers/torch_train.py', import.meta.url).pathname;
  const r = spawnSync('/usr/bin/python3', [script, spec.peerWorkload, String(p.warmup), String(p.steps), String(p.windows)], {
    encoding: 'utf8', env: { ...process.env, ...spec.peerEnv },
  });
  const rates = [...(r.stdout ?? '').matchAll(/window \d+: ([\d.]+) samples\/s/g)].map((m) => Number(m[1]));
  const cpu = [...(r.stdout ?? '').matchAll(/cpu ([\d.]+) ms\/step/g)].map((m) => Number(m[1]));
  if (r.status !== 0 || rates.length === 0) {
    return { bench: spec.bench, engine: 'pytorch', samples_per_s: null, skipped: true, reason: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop() };
  }
  const threads = /threads=(\d+)/.exec(r.stdout)?.[1];
  const sps = median(rates);
  return {
    bench: spec.bench, engine: 'pytorch', samples_per_s: Number(sps.toFixed(1)), ratio_to_pytorch: 1,
    ms_per_step: Number((64000 / sps).toFixed(1)), windows: rates, env: spec.peerEnv, threads: threads ? Number(threads) : undefined,
    ...(cpu.length ? { cpu_ms_per_step: median(cpu) } : {}), load_avg: Number(loadavg()[0]!.toFixed(2)),
    warmup: p.warmup, steps: p.steps, batch: 64,
  };
}
