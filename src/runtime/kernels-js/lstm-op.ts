/**
 * `basicLstmSequence`: a TF1 BasicLSTMCell over a whole [batch, time, depth] sequence as one
 * differentiable op, on whichever GraftLstmSequence kernels are registered for the running backend
 * (the native ones when loaded, else the JS pack's). Returns null where there are none (cpu,
 * tfjs-node), so the caller composes the cell from TF.js ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { LSTM_SEQUENCE } from './lstm-sequence.js';

/** Arguments of {@link basicLstmSequence} (the same as runtime/ops' fusedBasicLstm). */
export interface BasicLstmSequenceArgs {
  /** [batch, time, inputDepth] float32, batch-major (`dynamic_rnn(time_major=False)`). */
  inputs: Tensor3D;
  /** [inputDepth + units, 4 * units]: rows x then h, column blocks i, j, f, o (TF1 layout). */
  kernel: Tensor2D;
  /** [4 * units]. */
  bias: Tensor1D;
  /** Added to the forget gate's pre-activation (TF1 BasicLSTMCell default 1.0). */
  forgetBias: number;
  /** Initial state [batch, units]; zeros when omitted. */
  h0?: Tensor2D;
  c0?: Tensor2D;
}

/** Every step's h, and the final h and c. */
export interface BasicLstmSequenceResult {
  outputs: Tensor3D;
  h: Tensor2D;
  c: Tensor2D;
}

/**
 * Run the cell over the sequence as one op, or return null when no sequence kernel serves the
 * running backend. Differentiable w.r.t. inputs, kernel, bias, h0, c0.
 * @throws InvalidArgumentError `lstm_shape_mismatch` when the shapes do not fit a BasicLSTMCell.
 */
export function basicLstmSequence(args: BasicLstmSequenceArgs): BasicLstmSequenceResult | null {
  const backend = tf.getBackend();
  if (tf.getKernel(LSTM_SEQUENCE, backend) === undefined) return null;
  const { inputs, kernel, bias } = args;
  if (inputs.dtype !== 'float32' || kernel.dtype !== 'float32' || bias.dtype !== 'float32') return null;
  const [batch, time, depth] = inputs.shape;
  const units = bias.shape[0] / 4;
  if (inputs.rank !== 3 || !Number.isInteger(units) || kernel.shape[0] !== depth + units || kernel.shape[1] !== 4 * units) {
    throw new InvalidArgumentError('lstm_shape_mismatch',
      `basicLstmSequence: inputs [${inputs.shape}], kernel [${kernel.shape}] and bias [${bias.shape}] do not fit a BasicLSTMCell (kernel [depth + units, 4*units], bias [4*units])`,
      { hint: 'kernel rows are the input depth plus the units, as TF1 BasicLSTMCell stores them' });
  }
  if (time === 0) return null;
  const h0 = args.h0 ?? tf.zeros([batch, units]);
  const c0 = args.c0 ?? tf.zeros([batch, units]);
  const outs = tf.engine().runKernel(LSTM_SEQUENCE, { x: inputs, kernel, bias, h0, c0 }, { forgetBias: args.forgetBias }) as Tensor[];
  const [outputs, h, c, gates, cs] = outs as [Tensor3D, Tensor2D, Tensor2D, Tensor, Tensor];
  gates.dispose(); // kept alive by the tape when a gradient is recorded
  cs.dispose();
  if (!args.h0) h0.dispose();
  if (!args.c0) c0.dispose();
  return { outputs, h, c };
}
