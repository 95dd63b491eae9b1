// fusedBasicLstm (native, on wasm) against TF1's BasicLSTMCell composed step by step from TF.js ops
// on the cpu backend: forward outputs, final h and c, and the gradients w.r.t. inputs, kernel, bias,
// h0 and c0 of a loss that uses all three results. Bounds: forward max |a-b|/(1+|b|) <= 1e-5,
// gradients <= 1e-4 (float32, different summation order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { fusedBasicLstm } from '../../../src/runtime/ops/index.js';
import { unregisterNativeKernels, registerNativeKernels } from '../../../src/runtime/native/index.js';
import { errors, on, randn, skipReason } from '../native/helpers.js';

/** TF1 BasicLSTMCell over time, composed (rnn_cell_impl.py). */
function composed(x: tf.Tensor3D, kernel: tf.Tensor2D, bias: tf.Tensor1D, forgetBias: number, h0: tf.Tensor2D, c0: tf.Tensor2D) {
  const [batch, time, inDim] = x.shape;
  let h = h0, c = c0;
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < time; t++) {
    const xt = x.slice([0, t, 0], [batch, 1, inDim]).reshape([batch, inDim]);
    const gates = tf.concat([xt, h], 1).matMul(kernel).add(bias);
    const [i, j, f, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = c.mul(tf.sigmoid(f.add(forgetBias))).add(tf.sigmoid(i).mul(tf.tanh(j)));
    h = tf.tanh(c).mul(tf.sigmoid(o));
    outs.push(h);
  }
  return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h, c };
}

interface Case { batch: number; time: number; inDim: number; units: number; forgetBias: number; initial: boolean }

async function compare(c: Case, seed: number): Promise<void> {
  const { batch, time, inDim, units } = c;
  const d = {
    x: randn(batch * time * inDim, seed), k: randn((inDim + units) * 4 * units, seed + 1, 0.3), b: randn(4 * units, seed + 2, 0.1),
    h0: randn(batch * units, seed + 3, 0.5), c0: randn(batch * units, seed + 4, 0.5),
    wo: randn(batch * time * units, seed + 5), wh: randn(batch * units, seed + 6), wc: randn(batch * units, seed + 7),
  };
  const build = (useFused: boolean) => () => {
    const x = tf.tensor3d(d.x, [batch, time, inDim]), kernel = tf.tensor2d(d.k, [inDim + units, 4 * units]), bias = tf.tensor1d(d.b);
    const h0 = tf.tensor2d(d.h0, [batch, units]), c0 = tf.tensor2d(d.c0, [batch, units]);
    const run = (xx: tf.Tensor, kk: tf.Tensor, bb: tf.Tensor, hh?: tf.Tensor, cc?: tf.Tensor) => {
      const args = { inputs: xx as tf.Tensor3D, kernel: kk as tf.Tensor2D, bias: bb as tf.Tensor1D, forgetBias: c.forgetBias,
        h0: hh as tf.Tensor2D | undefined, c0: cc as tf.Tensor2D | undefined };
      if (useFused) {
        const r = fusedBasicLstm(args);
        assert.ok(r, 'fusedBasicLstm returned null with the native kernels loaded');
        return r;
      }
      return composed(args.inputs, args.kernel, args.bias, c.forgetBias, args.h0 ?? tf.zeros([batch, units]), args.c0 ?? tf.zeros([batch, units]));
    };
    const loss = (...ts: tf.Tensor[]) => {
      const r = run(ts[0]!, ts[1]!, ts[2]!, ts[3], ts[4]);
      return r.outputs.mul(tf.tensor3d(d.wo, [batch, time, units])).sum()
        .add(r.h.mul(tf.tensor2d(d.wh, [batch, units])).sum()).add(r.c.mul(tf.tensor2d(d.wc, [batch, units])).sum());
    };
    const fwd = c.initial ? run(x, kernel, bias, h0, c0) : run(x, kernel, bias);
    const wrt = c.initial ? [x, kernel, bias, h0, c0] : [x, kernel, bias];
    return [fwd.outputs, fwd.h, fwd.c, ...tf.grads(loss)(wrt)];
  };
  const fused = await on('wasm', build(true));
  const ref = await on('cpu', build(false));
  const names = ['outputs', 'h', 'c', 'dx', 'dkernel', 'dbias', 'dh0', 'dc0'];
  assert.equal(fused.length, ref.length);
  for (let i = 0; i < fused.length; i++) {
    const e = errors(fused[i]!, ref[i]!);
    const bound = i < 3 ? 1e-5 : 1e-4;
    assert.ok(e.rel <= bound, `${JSON.stringify(c)} ${names[i]}: rel error ${e.rel} (abs ${e.abs}) > ${bound}`);
  }
}

test('fusedBasicLstm forward and gradients match the composed TF1 cell (with h0, c0)', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  await compare({ batch: 3, time: 5, inDim: 4, units: 6, forgetBias: 1, initial: true }, 1);
  await compare({ batch: 5, time: 7, inDim: 9, units: 16, forgetBias: 0.25, initial: true }, 11);
  // batch >= 16: the native kernel splits the batch across threads for the whole sequence
  await compare({ batch: 17, time: 4, inDim: 5, units: 8, forgetBias: 1, initial: true }, 41);
});

test('fusedBasicLstm with zero initial state and a single step matches the composed cell', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  await compare({ batch: 2, time: 1, inDim: 3, units: 4, forgetBias: 1, initial: false }, 21);
  await compare({ batch: 4, time: 6, inDim: 5, units: 8, forgetBias: 1, initial: false }, 31);
  await compare({ batch: 19, time: 3, inDim: 4, units: 6, forgetBias: 1, initial: false }, 51);
});

test('fusedBasicLstm returns null when the native kernels are not registered, and checks shapes', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const x = tf.zeros([2, 3, 4]) as tf.Tensor3D, k = tf.zeros([9, 20]) as tf.Tensor2D, b = tf.zeros([20]) as tf.Tensor1D;
  assert.throws(() => fusedBasicLstm({ inputs: x, kernel: tf.zeros([8, 20]) as tf.Tensor2D, bias: b, forgetBias: 1 }),
    (e: unknown) => (e as { code?: string }).code === 'lstm_shape_mismatch');
  unregisterNativeKernels();
  try {
    assert.equal(fusedBasicLstm({ inputs: x, kernel: k, bias: b, forgetBias: 1 }), null);
  } finally {
    assert.equal(registerNativeKernels().loaded, true);
  }
  tf.dispose([x, k, b]);
});
