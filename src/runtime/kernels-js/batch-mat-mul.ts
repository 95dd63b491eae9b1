/**
 * Re-route of wasm's BatchMatMul and _FusedMatMul with transposeA / transposeB: the stock kernels
 * are 6-43x slower with a transposed operand than without (dense1's weight gradient: 685 vs 16 ms;
 * ENGINE-STUDY.md §2). An explicit Transpose of the last two axes, then the plain kernel, is exact
 * up to float summation order.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { disposeAll, run, view, wasmKernel } from './wasm-backend.js';
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

/**
 * For a plain 2-D product with one transposed operand, computing the transposed product and
 * transposing its result can move far fewer elements than transposing the big operand (dense1's
 * input gradient dy[64,1024] @ W[3136,1024]^T: 264 K elements instead of 3.2 M, and the plain
 * product W·dyᵀ is 20 ms where dy·Wᵀ (W transposed first) is 60 ms on wasm). TF.js's matMul op
 * hands the kernel rank-3 operands ([1, M, K]), so a batch of one counts as 2-D. Returns the
 * result, or undefined when the direct route is cheaper or the shapes are batched.
 */
function viaTransposedProduct(stock: KernelFn, backend: WasmBackend, a3: TensorInfo, b3: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | undefined {
  if (transposeA === transposeB) return undefined;
  const a = asMatrix(a3), b = asMatrix(b3);
  if (a === undefined || b === undefined) return undefined;
  // a·bᵀ = (b·aᵀ)ᵀ and aᵀ·b = (bᵀ·a)ᵀ
  const [M, N] = transposeB ? [a.shape[0]!, b.shape[0]!] : [a.shape[1]!, b.shape[1]!];
  const K = transposeB ? a.shape[1]! : a.shape[0]!;
  const direct = transposeB ? N * K : K * M;
  const flipped = (transposeB ? M * K : K * N) + M * N;
  if (2 * flipped >= direct) return undefined;
  const t = swapLastTwo(backend, transposeB ? a : b);
  const product = transposeB
    ? run(stock, backend, { a: view(b, [1, N, K]), b: view(t, [1, K, M]) }, { transposeA: false, transposeB: false }) // [1, N, M]
    : run(stock, backend, { a: view(t, [1, N, K]), b: view(a, [1, K, M]) }, { transposeA: false, transposeB: false }); // [1, N, M]
  disposeAll(backend, t);
  const out = swapLastTwo(backend, view(product, [N, M]));
  disposeAll(backend, product);
  const rank = Math.max(a3.shape.length, b3.shape.length);
  out.shape = [...Array(rank - 2).fill(1) as number[], M, N];
  return out;
}

/** The 2-D view of a matrix given as [M, K] or with leading dimensions of 1, else undefined. */
function asMatrix(t: TensorInfo): TensorInfo | undefined {
  const r = t.shape.length;
  if (r < 2 || t.shape.slice(0, r - 2).some((d) => d !== 1)) return undefined;
  return r === 2 ? t : view(t, t.shape.slice(r - 2));
}

/** Wrap a matmul kernel (inputs `a`, `b`, …) so transposed operands are transposed explicitly first. */
export function makeTransposeFreeMatMul(stock: KernelFn, allowFlip = false): (args: Args) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    if (!attrs.transposeA && !attrs.transposeB) return run(stock, backend, inputs, attrs);
    if (allowFlip) {
      const flipped = viaTransposedProduct(stock, backend, inputs.a!, inputs.b!, attrs.transposeA, attrs.transposeB);
      if (flipped) return flipped;
    }
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

/**
 * Registration record for `kernelName` ('BatchMatMul' or '_FusedMatMul') wrapping its stock kernel.
 * Only BatchMatMul may flip the product (a fused bias/activation would not survive a transpose).
 */
export function transposeFreeMatMulConfig(kernelName: string, stock: KernelFn): KernelConfig {
  return { kernelName, backendName: 'wasm', kernelFunc: makeTransposeFreeMatMul(stock, kernelName === 'BatchMatMul') as unknown as KernelFunc };
}
