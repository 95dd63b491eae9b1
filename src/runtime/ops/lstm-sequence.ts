/**
 * A TF1 `BasicLSTMCell` run over a whole sequence as one differentiable op on the native kernels
 * (the `dynamic_rnn` loop without per-step TF.js dispatch; ENGINE-STUDY §7 row C).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { nativeKernelsActive } from '../native/register.js';
import { LSTM_SEQUENCE } from './lstm-kernels.js';

/** Arguments of {@link fusedBasicLstm}. */
export interface FusedBasicLstmArgs {
  /** [batch, time, inputDepth] float32, batch-major like `dynamic_rnn(time_major=False)`. */
  inputs: Tensor3D;
  /** [inputDepth + units, 4 * units]: rows x then h, column blocks i, j, f, o (TF1 layout). */
  kernel: Tensor2D;
  /** [4 * units]. */
  bias: Tensor1D;
  /** Added to the forget gate's pre-activation at run time (TF1 default 1.0; not stored). */
  forgetBias: number;
  /** Initial state [batch, units]; zeros when omitted. */
  h0?: Tensor2D;
  c0?: Tensor2D;
}

/** Result of {@link fusedBasicLstm}: every step's h, and the final h and c. */
export interface FusedBasicLstmResult {
  outputs: Tensor3D;
  h: Tensor2D;
  c: Tensor2D;
}

function check(cond: boolean, message: string): void {
  if (!cond) {
    throw new InvalidArgumentError('lstm_shape_mismatch', message, {
      hint: 'kernel is [inputDepth + units, 4*units] and bias [4*units], as TF1 BasicLSTMCell stores them',
    });
  }
}

/**
 * Run a TF1 BasicLSTMCell over `inputs` with the native fused kernel, or return null when the
 * native kernels are not active (the caller then composes the cell from TF.js ops).
 * Differentiable w.r.t. inputs, kernel, bias, h0 and c0. Math (TF1 `rnn_cell_impl.py`):
 * `[i, j, f, o] = split([x, h] @ kernel + bias)`, `c' = c*sigmoid(f + forgetBias) + sigmoid(i)*tanh(j)`,
 * `h' = tanh(c')*sigmoid(o)`.
 * @throws InvalidArgumentError `lstm_shape_mismatch` when shapes do not fit together.
 */
export function fusedBasicLstm(args: FusedBasicLstmArgs): FusedBasicLstmResult | null {
  if (!nativeKernelsActive() || tf.getBackend() !== 'wasm') return null;
  const { inputs, kernel, bias } = args;
  if (inputs.dtype !== 'float32' || kernel.dtype !== 'float32' || bias.dtype !== 'float32') return null;
  check(inputs.rank === 3 && kernel.rank === 2 && bias.rank === 1, `fusedBasicLstm: inputs must be rank 3, kernel rank 2, bias rank 1; got ${inputs.rank}, ${kernel.rank}, ${bias.rank}`);
  const [batch, time, inDim] = inputs.shape;
  const units = bias.shape[0] / 4;
  check(Number.isInteger(units) && kernel.shape[1] === 4 * units && kernel.shape[0] === inDim + units,
    `fusedBasicLstm: inputs [${inputs.shape}] with kernel [${kernel.shape}] and bias [${bias.shape}] do not fit TF1 BasicLSTMCell (expected kernel [${inDim} + units, 4*units])`);
  for (const [name, s] of [['h0', args.h0], ['c0', args.c0]] as const) {
    if (s) check(s.shape[0] === batch && s.shape[1] === units, `fusedBasicLstm: ${name} is [${s.shape}], expected [${batch}, ${units}]`);
  }
  if (time === 0) return null;
  const h0 = args.h0 ?? tf.zeros([batch, units]);
  const c0 = args.c0 ?? tf.zeros([batch, units]);
  const outs = tf.engine().runKernel(LSTM_SEQUENCE, { x: inputs, kernel, bias, h0, c0 }, { forgetBias: args.forgetBias }) as Tensor[];
  const [outputs, h, c, gates, cs] = outs as [Tensor3D, Tensor2D, Tensor2D, Tensor, Tensor];
  // gates and cs live on as the gradient's saved copies when a tape records this op
  gates.dispose();
  cs.dispose();
  if (!args.h0) h0.dispose();
  if (!args.c0) c0.dispose();
  return { outputs, h, c };
}
