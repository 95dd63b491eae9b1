/**
 * Transfer modes compared (article 002): head-training time per epoch of `features` (frozen
 * body's features computed once) vs `freeze` (frozen body run every step), same data, batch,
 * seed and epochs, so the accuracies must agree. Goal: features ≥ 20× faster per epoch with
 * accuracy within 0.5 points. One JSON object per line.
 *
 * The base is the reference-size MNIST CNN (conv 5×5×32, 5×5×64, fc 512; `--small` for the
 * demo's 8/16/64 one): a body that costs something to run, as the pretrained bodies of the
 * article do.
 *
 * Both modes use the same batch size (default 32, slim's), optimizer (Adam), seed, epochs and loss
 * kernel (`lossKernel`: TF's fused SparseSoftmaxCrossEntropyWithLogits where the backend has it, else
 * the composite); `freeze` runs the frozen body forward on every step (nothing cached), as a user's
 * run would. Step times are summed per step with performance.now() (fit.ts).
 *
 * The goal is judged on the steady state: the mean head epoch time of the epochs after the first
 * in each mode. The first epoch of a run carries one-off costs — V8 compiling TF.js's engine and
 * kernel code for the step's shapes, oneDNN creating primitives — that are several times a head
 * step (a features step costs ~0.45–0.6 ms in its first epoch, ~0.25–0.33 ms after) and would
 * otherwise favour whichever mode runs second. The mean over every epoch is printed too
 * (`speedupWithWarmup`).
 * Run it once per backend: the default (native oneDNN kernels when built) and
 * `GRAFT_BACKEND=wasm` (TF.js wasm + Graft's JS kernel pack); every line names both.
 *
 *   npm run bench -- transfer [--train 2000] [--test 1000] [--epochs 4] [--batch 32] [--small] [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/runtime/backend.js';
import { sparseSoftmaxXentAvailable } from '../src/runtime/kernels-js/sparse-softmax-xent.js';
import { trainModel } from '../src/workflows/train-model.js';
import { transfer } from '../src/workflows/transfer.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const quick = process.argv.includes('--quick');
const trainN = arg('train', quick ? 400 : 2000);
const testN = arg('test', quick ? 200 : 1000);
const epochs = arg('epochs', quick ? 2 : 4);
const batchSize = arg('batch', 32);
const info = await initBackend();
const work = await mkdtemp(join(tmpdir(), 'graft-bench-transfer-'));
try {
  const modelConfig = process.argv.includes('--small') ? {} : { conv1Filters: 32, conv2Filters: 64, fcUnits: 512 };
  const base = await trainModel({ model: 'mnist-cnn', modelConfig, task: { digits: [0, 1, 2, 3, 4], trainLimit: trainN, testLimit: testN }, trainDir: join(work, 'base'), epochs: 2, learningRate: 0.002 });
  console.log(JSON.stringify({ bench: 'transfer', step: 'base', backend: info.backend, kernels: (info as { kernels?: string }).kernels ?? null, modelConfig, accuracy: base.finalAccuracy, trainSeconds: base.fit.trainSeconds }));
  const kernels = (info as { kernels?: string }).kernels ?? null;
  const lossKernel = sparseSoftmaxXentAvailable() ? 'SparseSoftmaxCrossEntropyWithLogits' : 'composite';
  const res: Record<string, { accuracy: number; steady: number; all: number }> = {};
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  for (const mode of ['features', 'freeze'] as const) {
    const r = await transfer({ mode, from: join(work, 'base'), task: { dataset: 'mnist', digits: [5, 6, 7, 8, 9], trainLimit: trainN, testLimit: testN }, trainDir: join(work, mode), epochs, batchSize, learningRate: 0.01 });
    const per = r.fit.epochSeconds;
    const steady = per.length > 1 ? mean(per.slice(1)) : mean(per);
    res[mode] = { accuracy: r.accuracy, steady, all: mean(per) };
    const stepsPerEpoch = r.fit.steps / Math.max(1, per.length);
    console.log(JSON.stringify({
      bench: 'transfer', mode, backend: info.backend, kernels, lossKernel, headStep: r.headStep, examples: trainN, epochs, batchSize, steps: r.fit.steps, accuracy: r.accuracy,
      headEpochSeconds: Number(steady.toFixed(5)), headStepMs: Number(((1000 * steady) / stepsPerEpoch).toFixed(3)),
      epochSeconds: per.map((x) => Number(x.toFixed(5))), headEpochSecondsWithWarmup: Number(mean(per).toFixed(5)),
      totalSeconds: r.totalSeconds, featureSeconds: r.features?.seconds ?? null,
    }));
  }
  const speedup = res.freeze!.steady / res.features!.steady;
  const withWarmup = res.freeze!.all / res.features!.all;
  const diff = 100 * Math.abs(res.freeze!.accuracy - res.features!.accuracy);
  console.log(JSON.stringify({ bench: 'transfer', metric: 'features_vs_freeze_head_epoch_speedup', value: Number(speedup.toFixed(2)), speedupWithWarmup: Number(withWarmup.toFixed(2)), backend: info.backend, kernels, accuracyDiffPoints: Number(diff.toFixed(3)), goal: 'speedup >= 20 (epochs after the first), accuracy within 0.5 points', met: speedup >= 20 && diff <= 0.5 }));
} finally {
  await rm(work, { recursive: true, force: true });
}
