/**
 * The two wasm kernels behind {@link fusedGruCell} and their gradient: `GraftGruSequence`
 * (forward over all steps; outputs: outputs, h, and the saved gates r|u, candidates and r*h) and
 * `GraftGruSequenceGrad` (the whole backward pass in one native call).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../native/addon.js';
import { overrideWasmKernel } from '../native/kernel-util.js';
import type { KernelArgs, KernelFn } from '../native/kernel-util.js';
import { requireInput } from '../native/kernel-util.js';
import { heapOf, offsetOf, opaque } from '../native/wasm-heap.js';

/** Name of the forward kernel. */
export const GRU_SEQUENCE = 'GraftGruSequence';
/** Name of the backward kernel. */
export const GRU_SEQUENCE_GRAD = 'GraftGruSequenceGrad';

/** The addon functions these kernels call (native/src/gru.cc). */
interface GruAddon {
  gruForward(heap: Uint8Array, ...args: number[]): void;
  gruBackward(heap: Uint8Array, ...args: number[]): void;
}

type Args = KernelArgs;

const need = (inputs: Args['inputs'], name: string): TensorInfo => requireInput(inputs, GRU_SEQUENCE, name);

function forward(addon: GruAddon, args: Args): TensorInfo[] {
  const b = args.backend;
  const get = (n: string): TensorInfo => need(args.inputs, n);
  const x = get('x'), cb = get('candidateBias');
  const [batch, time, inDim] = x.shape as [number, number, number];
  const units = cb.shape[0]!;
  const out = b.makeOutput([batch, time, units], 'float32');
  const h = b.makeOutput([batch, units], 'float32');
  const gates = b.makeOutput([batch, time, 2 * units], 'float32');
  const cand = b.makeOutput([batch, time, units], 'float32');
  const rh = b.makeOutput([batch, time, units], 'float32');
  addon.gruForward(heapOf(b), offsetOf(b, x), offsetOf(b, get('gateKernel')), offsetOf(b, get('gateBias')),
    offsetOf(b, get('candidateKernel')), offsetOf(b, cb), offsetOf(b, get('h0')), offsetOf(b, out), offsetOf(b, h),
    offsetOf(b, gates), offsetOf(b, cand), offsetOf(b, rh), batch, time, inDim, units);
  return [out, h, opaque(gates), opaque(cand), opaque(rh)];
}

function backward(addon: GruAddon, args: Args): TensorInfo[] {
  const b = args.backend;
  const get = (n: string): TensorInfo => need(args.inputs, n);
  const x = get('x'), gk = get('gateKernel'), ck = get('candidateKernel');
  const [batch, time, inDim] = x.shape as [number, number, number];
  const units = ck.shape[1]!;
  const dx = b.makeOutput([batch, time, inDim], 'float32');
  const dgk = b.makeOutput([...gk.shape], 'float32');
  const dgb = b.makeOutput([2 * units], 'float32');
  const dck = b.makeOutput([...ck.shape], 'float32');
  const dcb = b.makeOutput([units], 'float32');
  const dh0 = b.makeOutput([batch, units], 'float32');
  addon.gruBackward(heapOf(b), offsetOf(b, x), offsetOf(b, gk), offsetOf(b, ck), offsetOf(b, get('h0')),
    offsetOf(b, get('out')), offsetOf(b, get('gates')), offsetOf(b, get('cand')), offsetOf(b, get('rh')),
    offsetOf(b, get('dOut')), offsetOf(b, get('dh')), offsetOf(b, dx), offsetOf(b, dgk), offsetOf(b, dgb),
    offsetOf(b, dck), offsetOf(b, dcb), offsetOf(b, dh0), batch, time, inDim, units);
  return [dx, dgk, dgb, dck, dcb, dh0];
}

const gruGrad: GradConfig = {
  kernelName: GRU_SEQUENCE,
  inputsToSave: ['x', 'gateKernel', 'candidateKernel', 'h0'],
  outputsToSave: [true, false, true, true, true],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const dys = dy as Tensor[];
    const [x, gateKernel, candidateKernel, h0, out, gates, cand, rh] = saved as Tensor[];
    // computed once, outside the per-input tidy scopes of the tape (see lstm-kernels.ts)
    const g = tf.engine().runKernel(GRU_SEQUENCE_GRAD,
      { x: x!, gateKernel: gateKernel!, candidateKernel: candidateKernel!, h0: h0!, out: out!, gates: gates!, cand: cand!, rh: rh!, dOut: dys[0]!, dh: dys[1]! },
      attrs) as Tensor[];
    return { x: () => g[0]!, gateKernel: () => g[1]!, gateBias: () => g[2]!, candidateKernel: () => g[3]!,
      candidateBias: () => g[4]!, h0: () => g[5]! };
  },
};

/**
 * Register the fused GRU kernels on wasm over any registered before (the JS kernel pack ships
 * kernels with the same names and contract; they become the fallback that unregisterNativeKernels
 * restores), plus the gradient when none is registered yet (the pack's is the same function).
 * Returns the kernel names.
 */
export function registerGruKernels(addon: NativeAddon): string[] {
  const native = addon as unknown as GruAddon;
  overrideWasmKernel(GRU_SEQUENCE, addon, () => ((a: KernelArgs) => forward(native, a as Args)) as KernelFn);
  overrideWasmKernel(GRU_SEQUENCE_GRAD, addon, () => ((a: KernelArgs) => backward(native, a as Args)) as KernelFn);
  if (tf.getGradient(GRU_SEQUENCE) === undefined) tf.registerGradient(gruGrad);
  return [GRU_SEQUENCE, GRU_SEQUENCE_GRAD];
}
