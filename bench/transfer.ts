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
 * Run it once per backend: the default (native oneDNN kernels when built) and
 * `GRAFT_BACKEND=wasm` (TF.js wasm + Graft's JS kernel pack); every line names both.
 *
 *   npm run bench -- transfer [--train 2000] [--test 1000] [--epochs 3] [--batch 32] [--small] [--quick]
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
const epochs = arg('epochs', quick ? 2 : 3);
const batchSize = arg('batch', 32);
const info = await initBackend();
const work = await mkdtemp(join(tmpdir(), 'graft-bench-transfer-'));
try {
  const modelConfig = process.argv.includes('--small') ? {} : { conv1Filters: 32, conv2Filters: 64, fcUnits: 512 };
  const base = await trainModel({ model: 'mnist-cnn', modelConfig, task: { digits: [0, 1, 2, 3, 4], trainLimit: trainN, testLimit: testN }, trainDir: join(work, 'base'), epochs: 2, learningRate: 0.002 });
  console.log(JSON.stringify({ bench: 'transfer', step: 'base', backend: info.backend, kernels: (info as { kernels?: string }).kernels ?? null, modelConfig, accuracy: base.finalAccuracy, trainSeconds: base.fit.trainSeconds }));
  const kernels = (info as { kernels?: string }).kernels ?? null;
  const lossKernel = sparseSoftmaxXentAvailable() ? 'SparseSoftmaxCrossEntropyWithLogits' : 'composite';
  const res: Record<string, { accuracy: number; epochSeconds: number; totalSeconds: number }> = {};
  for (const mode of ['features', 'freeze'] as const) {
    const r = await transfer({ mode, from: join(work, 'base'), task: { dataset: 'mnist', digits: [5, 6, 7, 8, 9], trainLimit: trainN, testLimit: testN }, trainDir: join(work, mode), epochs, batchSize, learningRate: 0.01 });
    res[mode] = { accuracy: r.accuracy, epochSeconds: r.epochSeconds, totalSeconds: r.totalSeconds };
    const stepMs = (1000 * r.fit.trainSeconds) / Math.max(1, r.fit.steps);
    console.log(JSON.stringify({ bench: 'transfer', mode, backend: info.backend, kernels, lossKernel, examples: trainN, epochs, batchSize, steps: r.fit.steps, accuracy: r.accuracy, headEpochSeconds: r.epochSeconds, headStepMs: Number(stepMs.toFixed(3)), totalSeconds: r.totalSeconds, featureSeconds: r.features?.seconds ?? null }));
  }
  const speedup = res.freeze!.epochSeconds / res.features!.epochSeconds;
  const diff = 100 * Math.abs(res.freeze!.accuracy - res.features!.accuracy);
  console.log(JSON.stringify({ bench: 'transfer', metric: 'features_vs_freeze_head_epoch_speedup', value: Number(speedup.toFixed(2)), backend: info.backend, kernels, accuracyDiffPoints: Number(diff.toFixed(3)), goal: 'speedup >= 20, accuracy within 0.5 points', met: speedup >= 20 && diff <= 0.5 }));
} finally {
  await rm(work, { recursive: true, force: true });
}
