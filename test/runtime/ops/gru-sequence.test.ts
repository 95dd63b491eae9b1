// fusedGruCell (native, on wasm) against TF1's GRUCell composed step by step from TF.js ops on the
// cpu backend: outputs, final h, and the gradients w.r.t. inputs, both kernels, both biases and h0.
// Bounds: forward max |a-b|/(1+|b|) <= 1e-5, gradients <= 1e-4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { fusedGruCell } from '../../../src/runtime/ops/index.js';
import { errors, on, randn, skipReason } from '../native/helpers.js';

/** TF1 GRUCell over time, composed (rnn_cell_impl.py). */
function composed(x: tf.Tensor3D, gk: tf.Tensor2D, gb: tf.Tensor1D, ck: tf.Tensor2D, cb: tf.Tensor1D, h0: tf.Tensor2D) {
  const [batch, time, inDim] = x.shape;
  let h = h0;
  const outs: tf.Tensor2D[] = [];
  for (let t = 0; t < time; t++) {
    const xt = x.slice([0, t, 0], [batch, 1, inDim]).reshape([batch, inDim]) as tf.Tensor2D;
    const value = tf.sigmoid(tf.concat([xt, h], 1).matMul(gk).add(gb));
    const [r, u] = tf.split(value, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const c = tf.tanh(tf.concat([xt, r.mul(h)], 1).matMul(ck).add(cb));
    h = u.mul(h).add(tf.scalar(1).sub(u).mul(c));
    outs.push(h);
  }
  return { outputs: tf.stack(outs, 1) as tf.Tensor3D, h };
}

async function compare(batch: number, time: number, inDim: number, units: number, initial: boolean, seed: number): Promise<void> {
  const d = {
    x: randn(batch * time * inDim, seed), gk: randn((inDim + units) * 2 * units, seed + 1, 0.3), gb: randn(2 * units, seed + 2, 0.5),
    ck: randn((inDim + units) * units, seed + 3, 0.3), cb: randn(units, seed + 4, 0.1), h0: randn(batch * units, seed + 5, 0.5),
    wo: randn(batch * time * units, seed + 6), wh: randn(batch * units, seed + 7),
  };
  const build = (useFused: boolean) => () => {
    const x = tf.tensor3d(d.x, [batch, time, inDim]);
    const gk = tf.tensor2d(d.gk, [inDim + units, 2 * units]), gb = tf.tensor1d(d.gb);
    const ck = tf.tensor2d(d.ck, [inDim + units, units]), cb = tf.tensor1d(d.cb), h0 = tf.tensor2d(d.h0, [batch, units]);
    const run = (ts: tf.Tensor[]) => {
      const [xx, a, b, c, e, hh] = ts as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D | undefined];
      if (useFused) {
        const r = fusedGruCell({ inputs: xx, gateKernel: a, gateBias: b, candidateKernel: c, candidateBias: e, h0: hh });
        assert.ok(r, 'fusedGruCell returned null with the native kernels loaded');
        return r;
      }
      return composed(xx, a, b, c, e, hh ?? tf.zeros([batch, units]));
    };
    const wrt = initial ? [x, gk, gb, ck, cb, h0] : [x, gk, gb, ck, cb];
    const loss = (...ts: tf.Tensor[]) => {
      const r = run(ts);
      return r.outputs.mul(tf.tensor3d(d.wo, [batch, time, units])).sum().add(r.h.mul(tf.tensor2d(d.wh, [batch, units])).sum());
    };
    const fwd = run(wrt);
    return [fwd.outputs, fwd.h, ...tf.grads(loss)(wrt)];
  };
  const fused = await on('wasm', build(true));
  const ref = await on('cpu', build(false));
  const names = ['outputs', 'h', 'dx', 'dgateKernel', 'dgateBias', 'dcandidateKernel', 'dcandidateBias', 'dh0'];
  assert.equal(fused.length, ref.length);
  for (let i = 0; i < fused.length; i++) {
    const e = errors(fused[i]!, ref[i]!);
    const bound = i < 2 ? 1e-5 : 1e-4;
    assert.ok(e.rel <= bound, `[${batch},${time},${inDim}] u=${units} ${names[i]}: rel error ${e.rel} (abs ${e.abs}) > ${bound}`);
  }
}

test('fusedGruCell forward and gradients match the composed TF1 GRUCell', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  await compare(3, 5, 4, 6, true, 1);
  await compare(4, 6, 7, 10, false, 11);
  await compare(2, 1, 3, 5, true, 21);
  // batch >= 16: the native kernel splits the batch across threads for the whole sequence
  await compare(17, 4, 5, 8, true, 31);
  await compare(18, 3, 4, 6, false, 41);
});

test('fusedGruCell rejects a gates/kernel of the wrong shape', async (t) => {
  const skip = await skipReason();
  if (skip) return t.skip(skip);
  const x = tf.zeros([2, 3, 4]) as tf.Tensor3D;
  assert.throws(() => fusedGruCell({ inputs: x, gateKernel: tf.zeros([9, 12]) as tf.Tensor2D, gateBias: tf.zeros([10]) as tf.Tensor1D,
    candidateKernel: tf.zeros([9, 5]) as tf.Tensor2D, candidateBias: tf.zeros([5]) as tf.Tensor1D }),
  (e: unknown) => (e as { code?: string }).code === 'gru_shape_mismatch');
  x.dispose();
});
