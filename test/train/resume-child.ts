// Child process of resume.test.ts: trains the small CNN on MNIST with Adam (decaying learning
// rate), an EMA over the weights and a global step, and saves every variable with writeBundle.
//   node resume-child.js full   <dir> <N>   2N steps from scratch        → <dir>/full
//   node resume-child.js first  <dir> <N>   N steps from scratch         → <dir>/ckpt
//   node resume-child.js resume <dir> <N>   restore <dir>/ckpt, N more   → <dir>/resumed
import * as tf from '@tensorflow/tfjs-core';
import { writeBundle, openBundle } from '../../src/formats/tf-bundle/index.js';
import type { TensorValue } from '../../src/formats/types.js';
import { ParameterSet, type Parameter } from '../../src/variables/parameter-set.js';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { createGlobalStep, globalStepValue } from '../../src/train/global-step.js';
import { exponentialDecay } from '../../src/train/schedules.js';
import { ExponentialMovingAverage } from '../../src/train/ema.js';
import { trainStep } from '../../src/train/train-step.js';
import { setupBackend, loadMnist, permutation, batch, buildSmallCnn, cnnLoss } from './helpers.js';

/** A parameter's value as checkpoint bytes (int32 global_step widened to int64, as TF stores it). */
function toTensorValue(p: Parameter): TensorValue {
  const d = p.variable.dataSync();
  if (p.saveDtype === 'int64') {
    const wide = BigInt64Array.from(Array.from(d as Int32Array, (x) => BigInt(x)));
    return { name: p.name, dtype: 'int64', shape: [...p.variable.shape], data: new Uint8Array(wide.buffer) };
  }
  return { name: p.name, dtype: 'float32', shape: [...p.variable.shape], data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice() };
}

async function restore(all: ParameterSet, prefix: string): Promise<void> {
  const reader = await openBundle(prefix);
  try {
    for (const p of all) {
      const t = await reader.read(p.name);
      const value =
        t.dtype === 'int64'
          ? tf.tensor(Int32Array.from(new BigInt64Array(t.data.slice().buffer), (x) => Number(x)), t.shape, 'int32')
          : tf.tensor(new Float32Array(t.data.slice().buffer), t.shape, 'float32');
      p.variable.assign(value);
      value.dispose();
    }
  } finally {
    await reader.close();
  }
}

const [mode, dir, nText] = process.argv.slice(2) as [string, string, string];
const N = Number(nText);
await setupBackend();
const data = loadMnist('train10k', 400);
const order = permutation(data.count, 11);
const params = buildSmallCnn(3);
const gs = createGlobalStep();
const opt = new AdamOptimizer(params, { learningRate: exponentialDecay(0.01, { decaySteps: 3, decayRate: 0.5, staircase: true }) });
const ema = new ExponentialMovingAverage(0.9, { numUpdates: gs.variable });
ema.apply(params.trainable());
opt.createSlots(); // slots exist before a restore, as in a TF1 graph
const all = new ParameterSet([...params, ...gs.params, ...opt.variables(), ...ema.variables()]);

if (mode === 'resume') await restore(all, `${dir}/ckpt`);
const target = mode === 'first' ? N : 2 * N;
while (globalStepValue(gs.variable) < target) {
  const { x, y } = batch(data, order, globalStepValue(gs.variable), 8);
  trainStep(opt, () => cnnLoss(params, x, y), { globalStep: gs.variable, ema });
  x.dispose();
  y.dispose();
}
const out = mode === 'full' ? 'full' : mode === 'first' ? 'ckpt' : 'resumed';
await writeBundle(`${dir}/${out}`, all.toArray().map(toTensorValue));
process.stdout.write(JSON.stringify({ mode, step: globalStepValue(gs.variable), variables: all.size, backend: tf.getBackend() }) + '\n');
