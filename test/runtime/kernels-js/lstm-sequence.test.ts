// The JS pack's fused LSTM sequence (GraftLstmSequence / GraftLstmSequenceGrad on wasm) against a
// TF1 BasicLSTMCell composed step by step from TF.js ops on tfjs-backend-cpu: outputs, final state
// and the gradients of every input. Bound: max |wasm − cpu| ≤ 1e-5 × max |cpu| (float32 sums in
// another order; tanh computed as 2·sigmoid(2x) − 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../../src/runtime/backend.js';
import { basicLstmSequence, LSTM_SEQUENCE } from '../../../src/runtime/kernels-js/index.js';
import { InvalidArgumentError } from '../../../src/errors.js';

await initBackend({ backend: 'wasm' });

function values(n: number, seed: number, scale: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 * 2 - 1) * scale;
  });
}

/** Loss over every output, the final h and c, and the gradients of x, kernel, bias, h0, c0. */
function run(fused: boolean, B: number, T: number, D: number, U: number, forgetBias: number): number[][] {
  return tf.tidy(() => {
    const x = tf.tensor(values(B * T * D, 1, 1), [B, T, D]);
    const kernel = tf.tensor(values((D + U) * 4 * U, 2, 0.5), [D + U, 4 * U]);
    const bias = tf.tensor(values(4 * U, 3, 0.2), [4 * U]);
    const h0 = tf.tensor(values(B * U, 4, 0.5), [B, U]);
    const c0 = tf.tensor(values(B * U, 5, 0.5), [B, U]);
    const w = tf.tensor(values(T * U, 6, 1), [1, T, U]);
    const f = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor, hh: tf.Tensor, cc: tf.Tensor): tf.Scalar => {
      let outputs: tf.Tensor, h: tf.Tensor, c: tf.Tensor;
      if (fused) {
        const r = basicLstmSequence({ inputs: xx as tf.Tensor3D, kernel: kk as tf.Tensor2D, bias: bb as tf.Tensor1D, forgetBias, h0: hh as tf.Tensor2D, c0: cc as tf.Tensor2D });
        assert.ok(r, 'the sequence kernel is registered on wasm');
        ({ outputs, h, c } = r);
      } else {
        const wx = tf.slice(kk, [0, 0], [D, 4 * U]), wh = tf.slice(kk, [D, 0], [U, 4 * U]);
        h = hh; c = cc;
        const outs: tf.Tensor[] = [];
        for (let t = 0; t < T; t++) {
          const g = tf.add(tf.add(tf.matMul(tf.reshape(tf.slice(xx, [0, t, 0], [B, 1, D]), [B, D]), wx), tf.matMul(h, wh)), bb);
          const [i, j, ff, o] = tf.split(g, 4, 1) as tf.Tensor[];
          c = tf.add(tf.mul(c, tf.sigmoid(tf.add(ff!, forgetBias))), tf.mul(tf.sigmoid(i!), tf.tanh(j!)));
          h = tf.mul(tf.tanh(c), tf.sigmoid(o!));
          outs.push(h);
        }
        outputs = tf.stack(outs, 1);
      }
      return tf.addN([tf.sum(tf.mul(outputs, w)), tf.sum(tf.mul(h, 2)), tf.sum(c)]) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(f)([x, kernel, bias, h0, c0]);
    return [[value.dataSync()[0]!], ...grads.map((g) => [...g.dataSync()])];
  });
}

test('GraftLstmSequence (JS pack) matches a per-step BasicLSTMCell on cpu: loss and every gradient', () => {
  for (const [B, T, D, U, fb] of [[3, 5, 4, 6, 1], [2, 1, 3, 4, 0], [4, 7, 8, 16, 1]] as const) {
    tf.setBackend('cpu');
    const ref = run(false, B, T, D, U, fb);
    tf.setBackend('wasm');
    const got = run(true, B, T, D, U, fb);
    const names = ['loss', 'dx', 'dkernel', 'dbias', 'dh0', 'dc0'];
    ref.forEach((r, k) => {
      let maxAbs = 0, refMax = 0;
      r.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(v - got[k]![i]!)); refMax = Math.max(refMax, Math.abs(v)); });
      assert.ok(refMax > 0 && maxAbs <= 1e-5 * refMax, `B${B} T${T} D${D} U${U} ${names[k]}: max abs diff ${maxAbs} vs max ${refMax}`);
    });
  }
});

test('basicLstmSequence returns null where no sequence kernel serves the backend, and checks shapes', () => {
  assert.ok(tf.getKernel(LSTM_SEQUENCE, 'wasm'));
  assert.throws(() => basicLstmSequence({ inputs: tf.zeros([2, 3, 4]) as tf.Tensor3D, kernel: tf.zeros([10, 20]) as tf.Tensor2D, bias: tf.zeros([20]) as tf.Tensor1D, forgetBias: 1 }),
    (e: unknown) => e instanceof InvalidArgumentError && e.code === 'lstm_shape_mismatch');
  tf.setBackend('cpu');
  try {
    assert.equal(basicLstmSequence({ inputs: tf.zeros([2, 3, 4]) as tf.Tensor3D, kernel: tf.zeros([9, 20]) as tf.Tensor2D, bias: tf.zeros([20]) as tf.Tensor1D, forgetBias: 1 }), null);
  } finally {
    tf.setBackend('wasm');
  }
});
