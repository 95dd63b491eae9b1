/**
 * The page side of `npm run bench -- browser-train` (bench/browser-train.ts bundles it and drives it
 * in headless Chromium): `window.graftBench.w1(run)` times W1 (the reference MNIST CNN, batch 64,
 * Graft's Adam) and `window.graftBench.head(run)` the transfer head step, features vs freeze mode.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initPageBackend, type BackendSummary } from '../../examples/browser/page-io.js';
import { loadMnist, setDataDir } from '../../src/models/data/index.js';
import { digitsSubset, trainHead } from '../../examples/browser/scenario.js';
import { buildModel } from '../../src/models/registry.js';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { createW1 } from '../workloads/w1-cnn.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const repo = new URL('../../', location.href);
let backend: Promise<BackendSummary> | undefined;
const ready = () => (backend ??= initPageBackend(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', repo).href));

async function w1(run: { warmup: number; steps: number; windows: number }): Promise<Record<string, unknown>> {
  const info = await ready();
  const w = createW1();
  const params = new ParameterSet();
  for (const p of w.params) params.add(p.name, p.variable);
  const opt = new AdamOptimizer(params, { learningRate: 1e-3 });
  const losses: number[] = [];
  const step = () => losses.push(opt.minimize(() => w.loss()).loss);
  for (let i = 0; i < run.warmup; i++) step();
  const rates: number[] = [];
  for (let k = 0; k < run.windows; k++) {
    const t0 = performance.now();
    for (let i = 0; i < run.steps; i++) step();
    rates.push((w.batchSize * run.steps) / ((performance.now() - t0) / 1000));
  }
  w.dispose();
  const sps = median(rates);
  return {
    samples_per_s: Number(sps.toFixed(1)), ms_per_step: Number(((1000 * w.batchSize) / sps).toFixed(1)), windows: rates.map((r) => Number(r.toFixed(1))),
    backend: info.backend, kernels: info.kernels, threads: info.threads, simd: info.simd, cross_origin_isolated: globalThis.crossOriginIsolated === true,
    batch: w.batchSize, warmup: run.warmup, steps: run.steps, loss_first: Number(losses[0]!.toFixed(4)), loss_last: Number(losses[losses.length - 1]!.toFixed(4)),
  };
}

/**
 * As `npm run bench -- transfer` in Node: the reference-size mnist-cnn body (conv 32/64, fc 512),
 * a new head over digits 5–9 on `examples` digits, features vs freeze; the speedup is judged on
 * the epochs after the first (the first carries compilation), the mean over all is printed beside it.
 */
async function head(run: { examples: number; epochs: number }): Promise<Record<string, unknown>> {
  const info = await ready();
  setDataDir(new URL('data/', repo).href);
  const train = await loadMnist({ split: 'train' });
  const digits = [5, 6, 7, 8, 9];
  const images = digitsSubset(digitsSubset(train, digits), [0, 1, 2, 3, 4], { perClass: Math.ceil(run.examples / 5), seed: 0 });
  const model = buildModel('mnist-cnn', { numClasses: digits.length, conv1Filters: 32, conv2Filters: 64, fcUnits: 512 });
  const body = (x: tf.Tensor) => model.features({ x }, { training: false });
  const features = new Float32Array(images.count * model.featureWidth);
  for (let s = 0; s < images.count; s += 256) {
    const n = Math.min(256, images.count - s);
    features.set(tf.tidy(() => body(tf.tensor(images.x.subarray(s * 784, (s + n) * 784), [n, 28, 28, 1])).dataSync() as Float32Array), s * model.featureWidth);
  }
  const featureSet = { ...images, x: features, exampleShape: [model.featureWidth] };
  const common = { featureWidth: model.featureWidth, epochs: run.epochs };
  const feat = await trainHead(featureSet, featureSet, { ...common, mode: 'features' });
  const frz = await trainHead(images, images, { ...common, mode: 'freeze', body });
  model.params.toArray().forEach((p) => p.variable.dispose());
  const later = (xs: number[]) => (xs.length > 1 ? xs.slice(1) : xs);
  const steady = (xs: number[]) => later(xs).reduce((a, x) => a + x, 0) / later(xs).length;
  // the fastest later epoch of each mode: what the machine gives each when no other job preempts it
  const best = (xs: number[]) => Math.min(...later(xs));
  return {
    examples: images.count, epochs: run.epochs, feature_width: model.featureWidth, steps_per_epoch: Math.ceil(images.count / 32),
    features_ms_per_epoch: Number((1000 * steady(feat.perEpoch)).toFixed(2)), freeze_ms_per_epoch: Number((1000 * steady(frz.perEpoch)).toFixed(2)),
    speedup: Number((steady(frz.perEpoch) / steady(feat.perEpoch)).toFixed(1)), speedup_with_first_epoch: Number((frz.epochSeconds / feat.epochSeconds).toFixed(1)),
    speedup_best_epochs: Number((best(frz.perEpoch) / best(feat.perEpoch)).toFixed(1)),
    features_ms_per_epoch_each: feat.perEpoch.map((x) => Number((1000 * x).toFixed(1))), freeze_ms_per_epoch_each: frz.perEpoch.map((x) => Number((1000 * x).toFixed(1))), goal: 'speedup >= 20 (epochs after the first)', features_accuracy_train: Number(feat.accuracy.toFixed(4)), freeze_accuracy_train: Number(frz.accuracy.toFixed(4)),
    threads: info.threads, cross_origin_isolated: globalThis.crossOriginIsolated === true,
  };
}

(globalThis as unknown as { graftBench: unknown }).graftBench = { w1, head };
