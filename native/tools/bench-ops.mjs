#!/usr/bin/env node
// Per-kernel times of the native kernels at the ENGINE-STUDY §4 shapes (W1 MNIST CNN, W2 LSTM),
// median of N runs, through TF.js's engine on the wasm backend. Run after `npm run build` and
// `npm run build:native`:  nice node native/tools/bench-ops.mjs [reps]
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');
const root = new URL('../../', import.meta.url);
const { registerNativeKernels } = await import(new URL('dist/src/runtime/native/index.js', root).href);
const { registerJsKernelPack } = await import(new URL('dist/src/runtime/kernels-js/index.js', root).href);
const { applyAdamFused } = await import(new URL('dist/src/runtime/fused-optimizers.js', root).href);
const { fusedBasicLstm } = await import(new URL('dist/src/runtime/ops/index.js', root).href);
await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');
await tf.setBackend('wasm');
await tf.ready();
registerJsKernelPack();
const reg = registerNativeKernels();
console.error(reg.reason);
const reps = Number(process.argv[2] ?? 15);

function time(name, fn) {
  for (let i = 0; i < 3; i++) tf.dispose(fn());
  const ts = [], cpu = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = fn();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    tf.dispose(r);
  }
  ts.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // cpu_ms: CPU time of all threads (with OMP_WAIT_POLICY=PASSIVE it is the work done; on a busy
  // machine it is steadier than wall time)
  console.log(JSON.stringify({ op: name, median_ms: +ts[ts.length >> 1].toFixed(3), min_ms: +ts[0].toFixed(3), cpu_ms: +cpu[cpu.length >> 1].toFixed(3) }));
}
const rk = (name, inputs, attrs) => tf.engine().runKernel(name, inputs, attrs);
const rn = (s) => tf.randomNormal(s);
const convCase = (label, xs, fs) => {
  const x = rn(xs), f = rn(fs);
  const dy = rn([xs[0], xs[1], xs[2], fs[3]]);
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
  time(`${label} fwd`, () => rk('Conv2D', { x, filter: f }, attrs));
  time(`${label} bwd-data`, () => rk('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: xs }));
  time(`${label} bwd-weights`, () => rk('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: fs }));
};
convCase('conv1 64x28x28x1->32 5x5', [64, 28, 28, 1], [5, 5, 1, 32]);
convCase('conv2 64x14x14x32->64 5x5', [64, 14, 14, 32], [5, 5, 32, 64]);
const a = rn([64, 3136]), w = rn([3136, 1024]), dy = rn([64, 1024]);
time('dense1 fwd', () => tf.matMul(a, w));
time('dense1 bwd-data', () => tf.matMul(dy, w, false, true));
time('dense1 bwd-weights', () => tf.matMul(a, dy, true, false));
const xp = rn([64, 28, 28, 32]);
const yp = tf.maxPool(xp, 2, 2, 'same'), dyp = rn(yp.shape);
time('maxpool-grad 64x28x28x32', () => rk('MaxPoolGrad', { dy: dyp, input: xp, output: yp }, { filterSize: 2, strides: 2, pad: 'same' }));
const shapes = [[5, 5, 1, 32], [32], [5, 5, 32, 64], [64], [3136, 1024], [1024], [1024, 10], [10]];
const items = shapes.map((s) => ({ variable: tf.variable(tf.zeros(s)), grad: rn(s), m: tf.variable(tf.zeros(s)), v: tf.variable(tf.zeros(s)) }));
time('adam fused, W1 3.27M params', () => { applyAdamFused(items, { lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, beta1Power: 0.9, beta2Power: 0.999 }); return []; });
const xs = rn([64, 32, 64]), kernel = tf.variable(rn([192, 512]).mul(0.1)), bias = tf.variable(tf.zeros([512]));
time('lstm fused fwd 64x32x64 u128', () => { const r = fusedBasicLstm({ inputs: xs, kernel, bias, forgetBias: 1 }); return [r.outputs, r.h, r.c]; });
const bsum = rn([64, 28, 28, 32]);
time('bias-grad Sum 64x28x28x32 -> 32', () => tf.sum(bsum, [0, 1, 2]));
time('lstm fused fwd+bwd 64x32x64 u128', () => {
  const { value, grads } = tf.variableGrads(() => fusedBasicLstm({ inputs: xs, kernel, bias, forgetBias: 1 }).h.sum(), [kernel, bias]);
  return [value, ...Object.values(grads)];
});
