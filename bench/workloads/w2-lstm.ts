/**
 * W2 of docs/design/ENGINE-STUDY.md §1 in TF.js: embedding 5000x64, one LSTM layer of 128 units over 32 steps,
 * dense 77 on the last h, softmax cross-entropy. The LSTM is TF1's BasicLSTMCell (kernel
 * [64+128, 512] with gate blocks i, j, f, o; forget bias 1.0). With the native kernels active it runs
 * as the fused sequence op `fusedBasicLstm` (runtime/ops/lstm-sequence.ts); otherwise per-step ops:
 * the input projection as one matmul over all steps, then 32 recurrent `h @ Wh` steps, as PyTorch's
 * nn.LSTM does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { glorot, labels, uniforms } from './random.js';
import type { Workload } from './w1-cnn.js';

/** The fused LSTM op's shape (runtime/ops/lstm-sequence.ts); null when not available. */
export type FusedLstmFn = (args: {
  inputs: tf.Tensor3D; kernel: tf.Tensor2D; bias: tf.Tensor1D; forgetBias: number;
}) => { outputs: tf.Tensor3D; h: tf.Tensor2D; c: tf.Tensor2D } | null;

/** Options of {@link createW2}. */
export interface W2Options {
  /** Default 64. */
  batchSize?: number;
  /** Sequence length, default 32. */
  steps?: number;
  /** The fused op to try first (pass runtime/ops' fusedBasicLstm); default none: per-step ops. */
  fusedLstm?: FusedLstmFn;
  /** Seed of initial values and data; default 1. */
  seed?: number;
}

const VOCAB = 5000, EMB = 64, UNITS = 128, CLASSES = 77, FORGET_BIAS = 1;

/** TF1 BasicLSTMCell over [batch, time, in] with per-step TF.js ops; returns the last h. */
export function basicLstmLastH(inputs: tf.Tensor3D, kernel: tf.Tensor2D, bias: tf.Tensor1D, forgetBias: number): tf.Tensor2D {
  const [B, T, D] = inputs.shape;
  const U = bias.shape[0] / 4;
  const wx = tf.slice(kernel, [0, 0], [D, 4 * U]);
  const wh = tf.slice(kernel, [D, 0], [U, 4 * U]);
  // one projection for all steps: [B*T, D] @ [D, 4U] + bias, then per-step slices
  const proj = tf.reshape(tf.add(tf.matMul(tf.reshape(inputs, [B * T, D]), wx), bias), [B, T, 4 * U]);
  const xs = tf.unstack(proj, 1) as tf.Tensor2D[];
  let h: tf.Tensor2D = tf.zeros([B, U]);
  let c: tf.Tensor2D = tf.zeros([B, U]);
  for (let t = 0; t < T; t++) {
    const gates = tf.add(xs[t]!, tf.matMul(h, wh));
    const [i, j, f, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(c, tf.sigmoid(tf.add(f, forgetBias))), tf.mul(tf.sigmoid(i), tf.tanh(j)));
    h = tf.mul(tf.tanh(c), tf.sigmoid(o));
  }
  return h;
}

/** Build W2 with seeded initial values and one random batch (as the PyTorch peer does). */
export function createW2(options: W2Options = {}): Workload & { usesFusedLstm(): boolean } {
  const B = options.batchSize ?? 64;
  const T = options.steps ?? 32;
  const seed = options.seed ?? 1;
  const v = (name: string, t: tf.Tensor) => ({ name, variable: tf.variable(t, true, `w2/${name}#${seed}`) });
  const params = tf.tidy(() => [
    v('embedding', tf.sub(tf.mul(tf.tensor(uniforms(VOCAB * EMB, seed + 1), [VOCAB, EMB]), 0.1), 0.05)),
    v('rnn/basic_lstm_cell/kernel', glorot([EMB + UNITS, 4 * UNITS], seed + 2)),
    v('rnn/basic_lstm_cell/bias', tf.zeros([4 * UNITS])),
    v('logits/weights', glorot([UNITS, CLASSES], seed + 3)), v('logits/biases', tf.zeros([CLASSES])),
  ]);
  const [emb, kernel, bias, ow, ob] = params.map((p) => p.variable) as tf.Variable[];
  const ids = labels([B, T], VOCAB, seed + 4);
  const y = labels([B], CLASSES, seed + 5);
  const onehot = tf.oneHot(y as tf.Tensor1D, CLASSES);
  y.dispose();
  let fusedUsed = false;
  return {
    name: 'w2-lstm',
    params,
    batchSize: B,
    usesFusedLstm: () => fusedUsed,
    loss: () => {
      const x = tf.gather(emb!, ids) as tf.Tensor3D; // [B, T, EMB]
      const fusedOut = options.fusedLstm?.({ inputs: x, kernel: kernel as tf.Tensor2D, bias: bias as tf.Tensor1D, forgetBias: FORGET_BIAS }) ?? null;
      fusedUsed = fusedOut !== null;
      const h = fusedOut ? fusedOut.h : basicLstmLastH(x, kernel as tf.Tensor2D, bias as tf.Tensor1D, FORGET_BIAS);
      const logits = tf.add(tf.matMul(h, ow!), ob!);
      return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
    },
    dispose: () => {
      for (const p of params) p.variable.dispose();
      ids.dispose();
      onehot.dispose();
    },
  };
}
