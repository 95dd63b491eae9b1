/**
 * Re-route of wasm's BatchMatMul and _FusedMatMul with transposeA / transposeB: the stock kernels
 * are 6-43x slower with a transposed operand than without (dense1's weight gradient: 685 vs 16 ms;
 * ENGINE-STUDY.md §2). An explicit Transpose of the last two axes, then the plain kernel, is exact
 * up to float summation order.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { disposeAll, run, wasmKernel } from './wasm-backend.js';
import type { KernelFn, WasmBackend } from './wasm-backend.js';

type Args = {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: { transposeA: boolean; transposeB: boolean } & Record<string, unknown>;
};

function swapLastTwo(backend: WasmBackend, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return run(wasmKernel('Transpose'), backend, { x: t }, { perm });
}

/** Wrap a matmul kernel (inputs `a`, `b`, …) so transposed operands are transposed explicitly first. */
export function makeTransposeFreeMatMul(stock: KernelFn): (args: Args) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    if (!attrs.transposeA && !attrs.transposeB) return run(stock, backend, inputs, attrs);
    const a = attrs.transposeA ? swapLastTwo(backend, inputs.a!) : inputs.a!;
    const b = attrs.transposeB ? swapLastTwo(backend, inputs.b!) : inputs.b!;
    try {
      return run(stock, backend, { ...inputs, a, b }, { ...attrs, transposeA: false, transposeB: false });
    } finally {
      if (a !== inputs.a) disposeAll(backend, a);
      if (b !== inputs.b) disposeAll(backend, b);
    }
  };
}

/** Registration record for `kernelName` ('BatchMatMul' or '_FusedMatMul') wrapping its stock kernel. */
export function transposeFreeMatMulConfig(kernelName: string, stock: KernelFn): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: makeTransposeFreeMatMul(stock) as unknown as KernelFunc };
}
