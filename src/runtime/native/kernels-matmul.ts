/**
 * Native BatchMatMul and _FusedMatMul for the wasm backend (oneDNN matmul): every transposeA /
 * transposeB combination is read in place through strides (no transposed copy), batch dimensions
 * may be equal or 1 on either side, and _FusedMatMul's [N] bias and relu/relu6 run as post-ops.
 * Other broadcasts, bias shapes and activations go to the kernel registered before.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { activationCode, allFloat32 } from './kernel-util.js';
import type { KernelArgs, KernelFactory, KernelFn } from './kernel-util.js';
import { heapOf, offsetOf, sizeOf } from './wasm-heap.js';

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function run(addon: NativeAddon, args: KernelArgs, fallback: KernelFn, bias: TensorInfo | undefined, act: number): TensorInfo | TensorInfo[] {
  const { a, b } = args.inputs;
  if (!a || !b || a.shape.length < 2 || b.shape.length < 2 || !allFloat32(a, b, bias)) return fallback(args);
  const tA = args.attrs?.transposeA === true, tB = args.attrs?.transposeB === true;
  const ra = a.shape.length, rb = b.shape.length;
  const m = tA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = tA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = tB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = tB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return fallback(args); // let TF.js report the mismatch
  const batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const bA = sizeOf(batchA), bB = sizeOf(batchB);
  let outBatch: number[];
  if (sameDims(batchA, batchB)) outBatch = batchA;
  else if (bA === 1 && batchA.length <= batchB.length) outBatch = batchB;
  else if (bB === 1 && batchB.length <= batchA.length) outBatch = batchA;
  else return fallback(args);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== n)) return fallback(args);
  const be = args.backend;
  const out = be.makeOutput([...outBatch, m, n], 'float32');
  if (sizeOf(out.shape) > 0) {
    addon.matmul(heapOf(be), offsetOf(be, a), offsetOf(be, b), bias ? offsetOf(be, bias) : -1, offsetOf(be, out),
      bA, bB, m, k, n, tA, tB, act);
  }
  return out;
}

/** BatchMatMul. */
export const batchMatMulFactory: KernelFactory = (addon, fallback) => (args) => run(addon, args, fallback, undefined, 0);

/** _FusedMatMul with an optional [N] bias and linear / relu / relu6. */
export const fusedMatMulFactory: KernelFactory = (addon, fallback) => (args) => {
  const act = activationCode(args.attrs?.activation);
  if (act < 0 || args.inputs.preluActivationWeights) return fallback(args);
  return run(addon, args, fallback, args.inputs.bias, act);
};
