/**
 * A TF1 `GRUCell` run over a whole sequence as one differentiable op on the native kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';
import { nativeKernelsActive } from '../native/register.js';
import { GRU_SEQUENCE } from './gru-kernels.js';

/** Arguments of {@link fusedGruCell}, in TF1 GRUCell's variable layout. */
export interface FusedGruArgs {
  /** [batch, time, inputDepth] float32, batch-major. */
  inputs: Tensor3D;
  /** `gates/kernel` [inputDepth + units, 2 * units]: rows x then h, column blocks r, u. */
  gateKernel: Tensor2D;
  /** `gates/bias` [2 * units] (TF1 initialises it to 1.0). */
  gateBias: Tensor1D;
  /** `candidate/kernel` [inputDepth + units, units]. */
  candidateKernel: Tensor2D;
  /** `candidate/bias` [units]. */
  candidateBias: Tensor1D;
  /** Initial state [batch, units]; zeros when omitted. */
  h0?: Tensor2D;
}

/** Result of {@link fusedGruCell}: every step's h and the final h. */
export interface FusedGruResult {
  outputs: Tensor3D;
  h: Tensor2D;
}

/**
 * Run a TF1 GRUCell over `inputs` with the native fused kernel, or return null when the native
 * kernels are not active. Differentiable w.r.t. inputs, both kernels, both biases and h0.
 * Math (TF1 `rnn_cell_impl.py`): `[r, u] = sigmoid([x, h] @ gateKernel + gateBias)`,
 * `c = tanh([x, r*h] @ candidateKernel + candidateBias)`, `h' = u*h + (1-u)*c`.
 * @throws InvalidArgumentError `gru_shape_mismatch` when shapes do not fit together.
 */
export function fusedGruCell(args: FusedGruArgs): FusedGruResult | null {
  if (!nativeKernelsActive() || tf.getBackend() !== 'wasm') return null;
  const { inputs, gateKernel, gateBias, candidateKernel, candidateBias } = args;
  if ([inputs, gateKernel, gateBias, candidateKernel, candidateBias].some((t) => t.dtype !== 'float32')) return null;
  const [batch, time, inDim] = inputs.shape;
  const units = candidateBias.shape[0];
  const ok = inputs.rank === 3 && gateKernel.rank === 2 && candidateKernel.rank === 2 &&
    gateKernel.shape[0] === inDim + units && gateKernel.shape[1] === 2 * units && gateBias.shape[0] === 2 * units &&
    candidateKernel.shape[0] === inDim + units && candidateKernel.shape[1] === units &&
    (!args.h0 || (args.h0.shape[0] === batch && args.h0.shape[1] === units));
  if (!ok) {
    throw new InvalidArgumentError('gru_shape_mismatch',
      `fusedGruCell: inputs [${inputs.shape}], gates/kernel [${gateKernel.shape}], gates/bias [${gateBias.shape}], candidate/kernel [${candidateKernel.shape}], candidate/bias [${candidateBias.shape}]${args.h0 ? `, h0 [${args.h0.shape}]` : ''} do not fit TF1 GRUCell`,
      { hint: 'gates/kernel is [inputDepth + units, 2*units], candidate/kernel [inputDepth + units, units], as TF1 GRUCell stores them' });
  }
  if (time === 0) return null;
  const h0 = args.h0 ?? tf.zeros([batch, units]);
  const outs = tf.engine().runKernel(GRU_SEQUENCE, { x: inputs, gateKernel, gateBias, candidateKernel, candidateBias, h0 }, {}) as Tensor[];
  const [outputs, h, gates, cand, rh] = outs as [Tensor3D, Tensor2D, Tensor, Tensor, Tensor];
  tf.dispose([gates, cand, rh]); // the gradient keeps its own saved copies
  if (!args.h0) h0.dispose();
  return { outputs, h };
}
