// Native BatchMatMul / _FusedMatMul against the cpu backend, every transpose variant, equal and
// broadcast batch dims, bias + relu. Bound: max |native - cpu| / (1 + |cpu|) <= 1e-5 (K <= 40
// products of N(0,1) values; float32 accumulation order differs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { errors, on, randn, setupNative, skipReason } from './helpers.js';

const REL = 1e-5;

function shapeOf(batch: number[], rows: number, cols: number, transpose: boolean): number[] {
  return [...batch, ...(transpose ? [cols, rows] : [rows, cols])];
}

test('native kernels are registered over wasm', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const r = await setupNative();
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'BatchMatMul', '_FusedMatMul', 'MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad', 'GraftLstmSequence']) {
    assert.ok(r.kernels.includes(k), `${k} not registered natively: ${r.kernels.join(', ')}`);
  }
  assert.match(r.reason, /oneDNN \d+\.\d+/);
});

test('native BatchMatMul matches cpu for all transposes and batch layouts', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const [m, k, n] = [7, 40, 9];
  const layouts: Array<[number[], number[]]> = [[[], []], [[3], [3]], [[2, 3], [2, 3]], [[1], [4]], [[4], [1]], [[], [5]]];
  let seed = 100;
  for (const [ba, bb] of layouts) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const as = shapeOf(ba, m, k, tA), bs = shapeOf(bb, k, n, tB);
        const ad = randn(tf.util.sizeFromShape(as), seed++), bd = randn(tf.util.sizeFromShape(bs), seed++);
        const run = () => tf.matMul(tf.tensor(ad, as), tf.tensor(bd, bs), tA, tB);
        const [native] = await on('wasm', run);
        const [ref] = await on('cpu', run);
        const e = errors(native!, ref!);
        assert.ok(e.rel <= REL, `a[${as}] b[${bs}] tA=${tA} tB=${tB}: rel error ${e.rel} (abs ${e.abs})`);
      }
    }
  }
});

test('native _FusedMatMul (bias, relu, relu6) and its gradients match cpu', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const ad = randn(6 * 30, 7), bd = randn(30 * 11, 8), biasd = randn(11, 9);
  for (const activation of ['linear', 'relu', 'relu6'] as const) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const run = () => {
        const a = tf.tensor2d(ad, tA ? [30, 6] : [6, 30]), b = tf.tensor2d(bd, tB ? [11, 30] : [30, 11]), bias = tf.tensor1d(biasd);
        const f = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) =>
          tf.fused.matMul({ a: aa as tf.Tensor2D, b: bb as tf.Tensor2D, transposeA: tA, transposeB: tB, bias: cc, activation });
        return [f(a, b, bias), ...tf.grads((aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => f(aa, bb, cc).square().sum())([a, b, bias])];
      };
      const native = await on('wasm', run);
      const ref = await on('cpu', run);
      for (const [i, what] of ['y', 'da', 'db', 'dbias'].entries()) {
        const e = errors(native[i]!, ref[i]!);
        assert.ok(e.rel <= 1e-4, `${activation} tA=${tA} tB=${tB} ${what}: rel error ${e.rel} (abs ${e.abs})`);
      }
    }
  }
});
