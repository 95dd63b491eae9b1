/**
 * `npm run bench -- train-cnn-layers [--engines native,wasm] [--steps N] [--windows N] [--no-peer]
 * [--no-graph] [--profile]`: the reference MNIST CNN (W1) as a `tf.LayersModel`
 * (bench/workloads/w1-layers.ts) trained with `model.fit` on real MNIST digits, batch 64, Adam, on
 * Graft's runtime, vs the PyTorch peer (bench/peers/torch_train.py W1, OPENBLAS_NUM_THREADS=1) and the
 * hand-written graph (bench/train-cnn.ts) in the same run. One JSON object a line:
 *   variant "graph"          the hand-written W1 graph with Graft's fused TF1 Adam (bench/train-cnn)
 *   variant "fit"            model.fit, one epoch of `steps` batches per window, no Graft callback
 *   variant "fit+callbacks"  the same with TensorBoard, moving averages, an LR schedule, early
 *                            stopping and terminate-on-NaN; windows interleaved with "fit" in one
 *                            process, overhead = median of the paired (callbacks − plain) / plain;
 *                            every hook timed (per batch, per epoch), and the overhead for a full
 *                            MNIST epoch (938 batches) from those times
 *   variant "checkpoint"     checkpointCallback's save per epoch (weights, Adam slots, EMA shadows,
 *                            fsync), reported apart, as ms per save and % of a full epoch
 * `load_avg` is printed: figures taken while the machine is busy are labelled by it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, type BackendName } from '../src/runtime/backend.js';
import { loadMnist } from '../src/models/data/mnist.js';
import { exponentialDecay } from '../src/train/schedules.js';
import {
  adam, checkpointCallback, earlyStoppingCallback, learningRateScheduleCallback, movingAverageCallback, tensorBoardCallback, terminateOnNaN,
} from '../src/layers/index.js';
import { kernelsByTime, median, runPeer } from './workloads/harness.js';
import { createW1Layers } from './workloads/w1-layers.js';

const BENCH = 'train-cnn-layers';
const BATCH = 64;
/** Batches in one epoch of the 60,000 MNIST training digits at batch 64. */
const FULL_EPOCH_STEPS = Math.ceil(60000 / BATCH);
const ENGINES: Record<string, BackendName> = { wasm: 'wasm', native: 'native', cpu: 'cpu' };
const r1 = (x: number) => Number(x.toFixed(1));
const r3 = (x: number) => Number(x.toFixed(3));

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    child: { type: 'string' },
    engines: { type: 'string', default: 'native' },
    steps: { type: 'string' }, windows: { type: 'string' },
    'no-peer': { type: 'boolean', default: false },
    'no-graph': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Math.max(1, Number.parseInt(v, 10) || d));
const steps = num(values.steps, 20);
const windows = num(values.windows, 3);

/** Times a callback's hooks (ms spent in them) while passing everything through. */
class Timed extends tfl.Callback {
  batchMs = 0;
  batches = 0;
  epochMs: number[] = [];
  trainMs = 0;
  constructor(readonly label: string, readonly inner: tfl.Callback) {
    super();
  }
  override setModel(model: tfl.LayersModel): void {
    super.setModel(model);
    this.inner.setModel(model);
  }
  override setParams(params: Parameters<tfl.Callback["setParams"]>[0]): void {
    super.setParams(params);
    this.inner.setParams(params);
  }
  private async time(fn: () => Promise<void>): Promise<number> {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  }
  override async onTrainBegin(logs?: tfl.Logs) { this.trainMs += await this.time(() => this.inner.onTrainBegin(logs)); }
  override async onTrainEnd(logs?: tfl.Logs) { this.trainMs += await this.time(() => this.inner.onTrainEnd(logs)); }
  override async onEpochBegin(e: number, logs?: tfl.Logs) { this.epochMs.push(await this.time(() => this.inner.onEpochBegin(e, logs))); }
  override async onEpochEnd(e: number, logs?: tfl.Logs) { this.epochMs[this.epochMs.length - 1]! += await this.time(() => this.inner.onEpochEnd(e, logs)); }
  override async onBatchBegin(b: number, logs?: tfl.Logs) { this.batchMs += await this.time(() => this.inner.onBatchBegin(b, logs)); }
  override async onBatchEnd(b: number, logs?: tfl.Logs) { this.batchMs += await this.time(() => this.inner.onBatchEnd(b, logs)); this.batches++; }
  reset(): void {
    this.batchMs = 0;
    this.batches = 0;
    this.epochMs = [];
    this.trainMs = 0;
  }
}

async function child(engine: string): Promise<void> {
  const backend = ENGINES[engine];
  if (!backend) {
    process.stderr.write(`error: unknown engine "${engine}" (wasm, native, cpu)\n`);
    process.exit(2);
  }
  const info = await initBackend({ backend });
  const work = await mkdtemp(join(tmpdir(), 'graft-bench-layers-'));
  const model = createW1Layers(1);
  model.compile({ optimizer: adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const set = await loadMnist({ split: 'train', seed: 1, limit: steps * BATCH });
  const x = tf.tensor4d(set.x as Float32Array, [set.count, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(set.labels, 'int32'), 10).toFloat());
  let epoch = 0;
  const fitEpoch = async (callbacks: tfl.Callback[]): Promise<{ ms: number; cpuMs: number; loss: number }> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const h = await model.fit(x, y, { batchSize: BATCH, epochs: epoch + 1, initialEpoch: epoch, verbose: 0, callbacks });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    epoch++;
    return { ms, cpuMs: (c.user + c.system) / 1000, loss: (h.history['loss'] as number[])[0]! };
  };
  const ema = movingAverageCallback(model, { decay: 0.999 });
  const observed = [
    new Timed('tensorboard', tensorBoardCallback(join(work, 'tb'))),
    new Timed('moving_average', ema),
    new Timed('lr_schedule', learningRateScheduleCallback(exponentialDecay(1e-3, { decaySteps: 1000, decayRate: 0.96 }))),
    new Timed('early_stopping', earlyStoppingCallback({ monitor: 'loss', patience: 1000 })),
    new Timed('terminate_on_nan', terminateOnNaN()),
  ];
  // warm-up: one epoch each way (kernels, shadows, event files)
  await fitEpoch([]);
  await fitEpoch(observed);
  for (const t of observed) t.reset();
  const plain: number[] = [];
  const withCb: number[] = [];
  const cpuPlain: number[] = [];
  const cpuCb: number[] = [];
  const losses: number[] = [];
  for (let k = 0; k < windows; k++) {
    // alternate the order so a drift of the machine's load falls on both alike
    for (const which of k % 2 === 0 ? ['plain', 'cb'] : ['cb', 'plain']) {
      const r = await fitEpoch(which === 'plain' ? [] : observed);
      (which === 'plain' ? plain : withCb).push(r.ms / steps);
      (which === 'plain' ? cpuPlain : cpuCb).push(r.cpuMs / steps);
      losses.push(r.loss);
    }
  }
  const msPlain = median(plain);
  const msCb = median(withCb);
  const paired = plain.map((p, i) => (withCb[i]! - p) / p);
  const common = { bench: BENCH, engine: `graft-${engine}`, backend: info.backend, kernels: info.kernels, threads: info.threads, batch: BATCH, steps, load_avg: Number(loadavg()[0]!.toFixed(2)) };
  console.log(JSON.stringify({
    ...common, variant: 'fit', samples_per_s: r1((1000 * BATCH) / msPlain), ms_per_step: r1(msPlain), windows: plain.map(r1),
    cpu_ms_per_step: r1(median(cpuPlain)), optimizer: 'graft/layers adam (tfjs Adam math)', loss_first: r3(losses[0]!), loss_last: r3(losses[losses.length - 1]!),
  }));
  const perCallback: Record<string, { batch_ms_per_step: number; epoch_ms: number; fit_call_ms: number }> = {};
  let batchSum = 0;
  let epochSum = 0;
  for (const t of observed) {
    const b = t.batchMs / Math.max(1, t.batches);
    const e = median(t.epochMs);
    batchSum += b;
    epochSum += e;
    perCallback[t.label] = { batch_ms_per_step: r3(b), epoch_ms: r1(e), fit_call_ms: r1(t.trainMs / windows) };
  }
  console.log(JSON.stringify({
    ...common, variant: 'fit+callbacks', samples_per_s: r1((1000 * BATCH) / msCb), ms_per_step: r1(msCb), windows: withCb.map(r1), cpu_ms_per_step: r1(median(cpuCb)),
    // measured: paired fit epochs of `steps` batches (epoch-end work spread over those few batches)
    overhead_pct: r1(100 * median(paired)), overhead_pct_windows: paired.map((p) => r1(100 * p)),
    // from the hooks' own times: what a batch pays, and a full MNIST epoch with its epoch-end work
    hooks_batch_ms_per_step: r3(batchSum), hooks_batch_pct: r1((100 * batchSum) / msPlain),
    hooks_epoch_ms: r1(epochSum), full_epoch_overhead_pct: r1((100 * (batchSum + epochSum / FULL_EPOCH_STEPS)) / msPlain), full_epoch_steps: FULL_EPOCH_STEPS,
    callbacks: perCallback,
  }));
  // checkpoint every epoch, apart: weights + Adam slots + EMA shadows, fsync on
  const ckpt = new Timed('checkpoint', await checkpointCallback(model, join(work, 'ckpt'), { extra: ema.variables(), keepBest: { monitor: 'loss', mode: 'min' } }));
  const t0 = performance.now();
  const h = await model.fit(x, y, { batchSize: BATCH, epochs: epoch + 2, initialEpoch: epoch, verbose: 0, callbacks: [ckpt] });
  const fitMs = performance.now() - t0;
  const save = median(ckpt.epochMs);
  console.log(JSON.stringify({
    ...common, variant: 'checkpoint', ms_per_save: r1(save), saves: ckpt.epochMs.map(r1), fit_ms_per_step: r1((fitMs - ckpt.epochMs.reduce((a, b) => a + b, 0)) / (2 * steps)),
    full_epoch_pct: r1((100 * save) / (FULL_EPOCH_STEPS * msPlain)), keep_best: 'loss', epochs: (h.history['loss'] as number[]).length,
  }));
  if (values.profile) {
    const p = await tf.profile(async () => { await model.fit(x.slice(0, BATCH), y.slice(0, BATCH), { batchSize: BATCH, epochs: 1, verbose: 0 }); });
    const { total, kernels } = kernelsByTime(p.kernels);
    console.log(JSON.stringify({
      ...common, variant: 'profile', note: 'one fit step of one batch (includes fit setup)', kernel_ms: r1(total),
      top_kernels: kernels.slice(0, 16),
    }));
  }
  model.dispose();
  tf.dispose([x, y]);
  await rm(work, { recursive: true, force: true });
}

function spawnLines(args: string[]): Record<string, unknown>[] | string {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, GRAFT_NO_NOTICE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
  if (lines.length === 0) return (r.stderr ?? '').split('\n').filter((l) => l.startsWith('error:') || l.includes('Error')).slice(0, 2).join(' | ') || `exit ${r.status}`;
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function orchestrate(): Promise<void> {
  let peerRate: number | undefined;
  if (!values['no-peer']) {
    const peer = runPeer({ bench: BENCH, peerWorkload: 'w1', peerEnv: { OPENBLAS_NUM_THREADS: '1' } }, { warmup: 5, steps: 20, windows: 3 });
    console.log(JSON.stringify({ ...peer, variant: 'peer' }));
    peerRate = typeof peer.samples_per_s === 'number' ? peer.samples_per_s : undefined;
  }
  const ratio = (o: Record<string, unknown>) => (typeof o.samples_per_s === 'number' && peerRate ? { ratio_to_pytorch: Number((o.samples_per_s / peerRate).toFixed(3)) } : {});
  const engines = (values.engines ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const engine of engines) {
    if (!values['no-graph']) {
      const graph = spawnLines([new URL('./train-cnn.js', import.meta.url).pathname, '--child', engine]);
      if (typeof graph === 'string') console.log(JSON.stringify({ bench: BENCH, engine: `graft-${engine}`, variant: 'graph', samples_per_s: null, skipped: true, reason: graph }));
      else for (const o of graph) console.log(JSON.stringify({ ...o, bench: BENCH, variant: 'graph', ...ratio(o) }));
    }
    const args = [process.argv[1]!, '--child', engine, '--steps', String(steps), '--windows', String(windows)];
    if (values.profile) args.push('--profile');
    const lines = spawnLines(args);
    if (typeof lines === 'string') {
      console.log(JSON.stringify({ bench: BENCH, engine: `graft-${engine}`, variant: 'fit', samples_per_s: null, skipped: true, reason: lines }));
      continue;
    }
    for (const o of lines) console.log(JSON.stringify({ ...o, ...ratio(o) }));
  }
}

if (values.child) await child(values.child);
else await orchestrate();
