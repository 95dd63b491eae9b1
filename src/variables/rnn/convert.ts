/**
 * Weight layout conversion between TF1 RNN cells and tfjs-layers / Keras LSTM and GRU
 * (docs/design/TF-SEMANTICS.md §8.3). TF1 keeps one kernel `[in + u, k·u]` (rows x then h) with gate columns
 * i, j, f, o (LSTM) and adds `forget_bias` at run time; tfjs keeps `kernel [in, 4u]`,
 * `recurrent_kernel [u, 4u]`, `bias [4u]` with gates i, f, c(=j), o and the forget bias folded
 * into `bias`. A tfjs layer fed this way must use `recurrentActivation: 'sigmoid'` (its default
 * hard sigmoid is not TF1's). GRU: TF1 `gates/kernel` columns r, u and `candidate/*`; tfjs
 * `z(=u), r, h` with one input-side bias and the reset applied before the recurrent matmul,
 * which is TF1's GRUCell exactly.
 *
 * Float32 note: folding forget_bias in and out changes bits; TF1 → tfjs → TF1 is exact only when
 * the same forgetBias is subtracted back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';

/** A TF1 BasicLSTMCell/LSTMCell (no peepholes, no projection) as stored in a checkpoint. */
export interface Tf1LstmWeights {
  /** `[in + u, 4u]`, rows x then h, column blocks i, j, f, o. */
  kernel: tf.Tensor;
  /** `[4u]`. */
  bias: tf.Tensor;
  /** The cell's forget_bias (TF1 default 1.0; not stored in checkpoints, so pass it explicitly). */
  forgetBias: number;
}

/** tfjs-layers / Keras LSTM weights, in `layer.getWeights()` order. */
export interface KerasLstmWeights {
  /** `[in, 4u]`, gates i, f, c, o. */
  kernel: tf.Tensor;
  /** `[u, 4u]`. */
  recurrentKernel: tf.Tensor;
  /** `[4u]`, forget bias folded in. */
  bias: tf.Tensor;
}

/** A TF1 GRUCell's four variables. */
export interface Tf1GruWeights {
  /** `gates/kernel [in + u, 2u]`, columns r then u. */
  gatesKernel: tf.Tensor;
  /** `gates/bias [2u]`. */
  gatesBias: tf.Tensor;
  /** `candidate/kernel [in + u, u]`. */
  candidateKernel: tf.Tensor;
  /** `candidate/bias [u]`. */
  candidateBias: tf.Tensor;
}

/** tfjs-layers GRU weights (`resetAfter` false), gates z, r, h. */
export type KerasGruWeights = KerasLstmWeights;

function bad(message: string, details: Record<string, unknown>): InvalidArgumentError {
  return new InvalidArgumentError('rnn_layout_shape', message, { hint: 'pass the weights of one cell, shaped as the TF1 / tfjs layouts say', details });
}

function cols(t: tf.Tensor, k: number, u: number): tf.Tensor2D {
  return tf.slice(t as tf.Tensor2D, [0, k * u], [-1, u]);
}

function part(t: tf.Tensor, k: number, u: number): tf.Tensor1D {
  return tf.slice(t as tf.Tensor1D, [k * u], [u]);
}

/** TF1 LSTM `kernel`/`bias` + forgetBias → tfjs `{kernel, recurrentKernel, bias}` (new tensors). */
export function tf1LstmToKeras(w: Tf1LstmWeights): KerasLstmWeights {
  if (w.kernel.rank !== 2 || w.bias.rank !== 1 || (w.kernel.shape as number[])[1] % 4 !== 0 || w.bias.shape[0] !== w.kernel.shape[1]) {
    throw bad(`TF1 LSTM kernel [${w.kernel.shape}] and bias [${w.bias.shape}] are not [in + u, 4u] and [4u]`, { kernel: w.kernel.shape, bias: w.bias.shape });
  }
  const ks = w.kernel.shape as number[];
  const u = ks[1] / 4;
  const inDim = ks[0] - u;
  if (inDim < 0) throw bad(`TF1 LSTM kernel [${w.kernel.shape}] has fewer rows than units (${u})`, { kernel: w.kernel.shape });
  return tf.tidy(() => {
    const x = tf.slice(w.kernel as tf.Tensor2D, [0, 0], [inDim, -1]);
    const h = tf.slice(w.kernel as tf.Tensor2D, [inDim, 0], [u, -1]);
    const reorder = (m: tf.Tensor): tf.Tensor2D => tf.concat([cols(m, 0, u), cols(m, 2, u), cols(m, 1, u), cols(m, 3, u)], 1);
    const b = w.bias;
    const bias = tf.concat([part(b, 0, u), tf.add(part(b, 2, u), w.forgetBias), part(b, 1, u), part(b, 3, u)]);
    return { kernel: reorder(x), recurrentKernel: reorder(h), bias };
  });
}

/** tfjs LSTM weights → TF1 `{kernel, bias}` (forgetBias subtracted from the f block). */
export function kerasLstmToTf1(w: KerasLstmWeights & { forgetBias: number }): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const u = (w.recurrentKernel.shape as number[])[0];
  if (w.kernel.rank !== 2 || w.kernel.shape[1] !== 4 * u || w.recurrentKernel.shape[1] !== 4 * u || w.bias.shape[0] !== 4 * u) {
    throw bad(`tfjs LSTM kernel [${w.kernel.shape}], recurrent [${w.recurrentKernel.shape}], bias [${w.bias.shape}] do not fit [in, 4u], [u, 4u], [4u]`, {
      kernel: w.kernel.shape, recurrentKernel: w.recurrentKernel.shape, bias: w.bias.shape,
    });
  }
  return tf.tidy(() => {
    const stacked = tf.concat([w.kernel as tf.Tensor2D, w.recurrentKernel as tf.Tensor2D], 0);
    const kernel = tf.concat([cols(stacked, 0, u), cols(stacked, 2, u), cols(stacked, 1, u), cols(stacked, 3, u)], 1);
    const b = w.bias;
    const bias = tf.concat([part(b, 0, u), part(b, 2, u), tf.sub(part(b, 1, u), w.forgetBias) as tf.Tensor1D, part(b, 3, u)]);
    return { kernel, bias };
  });
}

/** TF1 GRUCell variables → tfjs GRU `{kernel, recurrentKernel, bias}` (z ≡ TF1's u). */
export function tf1GruToKeras(w: Tf1GruWeights): KerasGruWeights {
  const u = (w.candidateKernel.shape as number[])[1];
  const rows = (w.gatesKernel.shape as number[])[0];
  if (w.gatesKernel.shape[1] !== 2 * u || w.candidateKernel.shape[0] !== rows || w.gatesBias.shape[0] !== 2 * u || w.candidateBias.shape[0] !== u || rows < u) {
    throw bad(`TF1 GRU gates/kernel [${w.gatesKernel.shape}], candidate/kernel [${w.candidateKernel.shape}] do not fit [in + u, 2u], [in + u, u]`, {
      gatesKernel: w.gatesKernel.shape, candidateKernel: w.candidateKernel.shape,
    });
  }
  const inDim = rows - u;
  return tf.tidy(() => {
    const top = (m: tf.Tensor): tf.Tensor2D => tf.slice(m as tf.Tensor2D, [0, 0], [inDim, -1]);
    const bottom = (m: tf.Tensor): tf.Tensor2D => tf.slice(m as tf.Tensor2D, [inDim, 0], [u, -1]);
    const g = w.gatesKernel;
    const c = w.candidateKernel;
    const kernel = tf.concat([cols(top(g), 1, u), cols(top(g), 0, u), top(c)], 1);
    const recurrentKernel = tf.concat([cols(bottom(g), 1, u), cols(bottom(g), 0, u), bottom(c)], 1);
    const bias = tf.concat([part(w.gatesBias, 1, u), part(w.gatesBias, 0, u), w.candidateBias as tf.Tensor1D]);
    return { kernel, recurrentKernel, bias };
  });
}

/** tfjs GRU weights → TF1 GRUCell variables (exact inverse of {@link tf1GruToKeras}). */
export function kerasGruToTf1(w: KerasGruWeights): { gatesKernel: tf.Tensor2D; gatesBias: tf.Tensor1D; candidateKernel: tf.Tensor2D; candidateBias: tf.Tensor1D } {
  const u = (w.recurrentKernel.shape as number[])[0];
  if (w.kernel.shape[1] !== 3 * u || w.recurrentKernel.shape[1] !== 3 * u || w.bias.shape[0] !== 3 * u) {
    throw bad(`tfjs GRU kernel [${w.kernel.shape}], recurrent [${w.recurrentKernel.shape}], bias [${w.bias.shape}] do not fit [in, 3u], [u, 3u], [3u]`, {
      kernel: w.kernel.shape, recurrentKernel: w.recurrentKernel.shape, bias: w.bias.shape,
    });
  }
  return tf.tidy(() => {
    const stacked = tf.concat([w.kernel as tf.Tensor2D, w.recurrentKernel as tf.Tensor2D], 0);
    return {
      gatesKernel: tf.concat([cols(stacked, 1, u), cols(stacked, 0, u)], 1),
      gatesBias: tf.concat([part(w.bias, 1, u), part(w.bias, 0, u)]),
      candidateKernel: cols(stacked, 2, u),
      candidateBias: part(w.bias, 2, u),
    };
  });
}
