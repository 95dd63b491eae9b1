/**
 * The two wasm kernels behind {@link fusedBasicLstm} and the gradient that links them:
 * `GraftLstmSequence` (forward over all steps; outputs: outputs, h, c, and the saved activated
 * gates and cell states) and `GraftLstmSequenceGrad` (the whole backward pass in one native call).
 * The gradient is registered on the forward kernel, so the TF.js tape sees one node per sequence
 * instead of ~70 per time step.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/addon.js';
import { overrideWasmKernel } from '../native/kernel-util.js';
import type { KernelArgs, KernelFn } from '../native/kernel-util.js';
import { requireInput } from '../native/kernel-util.js';
import { heapOf, offsetOf, opaque } from '../native/wasm-heap.js';
// The kernel names and the gradient are the JS pack's: one contract, served by whichever kernels are registered.
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD, lstmSequenceGradient } from '../kernels-js/lstm-sequence.js';

export { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD };

type Args = KernelArgs;

const need = (inputs: Args['inputs'], name: string): TensorInfo => requireInput(inputs, LSTM_SEQUENCE, name);

function forward(addon: NativeAddon, args: Args): TensorInfo[] {
  const b = args.backend;
  const x = need(args.inputs, 'x'), kernel = need(args.inputs, 'kernel'), bias = need(args.inputs, 'bias');
  const h0 = need(args.inputs, 'h0'), c0 = need(args.inputs, 'c0');
  const [batch, time, inDim] = x.shape as [number, number, number];
  const units = bias.shape[0]! / 4;
  const out = b.makeOutput([batch, time, units], 'float32');
  const h = b.makeOutput([batch, units], 'float32');
  const c = b.makeOutput([batch, units], 'float32');
  const gates = b.makeOutput([batch, time, 4 * units], 'float32');
  const cs = b.makeOutput([batch, time, units], 'float32');
  addon.lstmForward(heapOf(b), offsetOf(b, x), offsetOf(b, kernel), offsetOf(b, bias), offsetOf(b, h0), offsetOf(b, c0),
    offsetOf(b, out), offsetOf(b, h), offsetOf(b, c), offsetOf(b, gates), offsetOf(b, cs), batch, time, inDim, units,
    Number(args.attrs?.forgetBias ?? 1));
  return [out, h, c, opaque(gates), opaque(cs)];
}

function backward(addon: NativeAddon, args: Args): TensorInfo[] {
  const b = args.backend;
  const get = (n: string): TensorInfo => need(args.inputs, n);
  const x = get('x'), kernel = get('kernel'), h0 = get('h0'), c0 = get('c0');
  const [batch, time, inDim] = x.shape as [number, number, number];
  const units = kernel.shape[1]! / 4;
  const dx = b.makeOutput([batch, time, inDim], 'float32');
  const dKernel = b.makeOutput([...kernel.shape], 'float32');
  const dBias = b.makeOutput([4 * units], 'float32');
  const dh0 = b.makeOutput([batch, units], 'float32');
  const dc0 = b.makeOutput([batch, units], 'float32');
  addon.lstmBackward(heapOf(b), offsetOf(b, x), offsetOf(b, kernel), offsetOf(b, h0), offsetOf(b, c0),
    offsetOf(b, get('out')), offsetOf(b, get('gates')), offsetOf(b, get('cs')), offsetOf(b, get('dOut')),
    offsetOf(b, get('dh')), offsetOf(b, get('dc')), offsetOf(b, dx), offsetOf(b, dKernel), offsetOf(b, dBias),
    offsetOf(b, dh0), offsetOf(b, dc0), batch, time, inDim, units);
  return [dx, dKernel, dBias, dh0, dc0];
}

/**
 * Register the fused LSTM kernels on wasm over any registered before (the JS kernel pack ships
 * kernels with the same names and contract; they become the fallback that unregisterNativeKernels
 * restores), plus the gradient when none is registered yet (the pack's is the same function).
 * Returns the kernel names.
 */
export function registerLstmKernels(addon: NativeAddon): string[] {
  const native = addon;
  overrideWasmKernel(LSTM_SEQUENCE, addon, () => ((a: KernelArgs) => forward(native, a as Args)) as KernelFn);
  overrideWasmKernel(LSTM_SEQUENCE_GRAD, addon, () => ((a: KernelArgs) => backward(native, a as Args)) as KernelFn);
  if (tf.getGradient(LSTM_SEQUENCE) === undefined) tf.registerGradient(lstmSequenceGradient);
  return [LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD];
}
