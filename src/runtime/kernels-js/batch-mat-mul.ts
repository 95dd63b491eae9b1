/**
 * Re-route of wasm's BatchMatMul and _FusedMatMul with transposeA / transposeB: the stock kernels
 * are 6-43x slower with a transposed operand than without (dense1's weight gradient: 685 vs 16 ms;
 * docs/design/ENGINE-STUDY.md §2). An explicit Transpose of the last two axes, then the plain kernel, is exact
 * up to float summation order.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { aliasOf, disposeAll, dropAlias, run, view, wasmKernel } from './wasm-backend.js';
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
  // the right operand is a fresh tensor, or an alias of the caller's `a` (wasm caches by b's id)
  const right = transposeB ? view(t, [1, K, M]) : aliasOf(backend, a, [1, K, M]);
  const product = transposeB
    ? run(stock, backend, { a: view(b, [1, N, K]), b: right }, { transposeA: false, transposeB: false }) // [1, N, M]
    : run(stock, backend, { a: view(t, [1, N, K]), b: right }, { transposeA: false, transposeB: false }); // [1, N, M]
  if (!transposeB) dropAlias(backend, right);
  disposeAll(backend, t);
  const out = swapLastTwo(backend, view(product, [N, M]));
  disposeAll(backend, product);
  const rank = Math.max(a3.shape.length, b3.shape.length);
  out.shape = [...Array(rank - 2).fill(1) as number[], M, N];
  return out;
}

/**
 * Plain a·b where b is large against a (dense1's forward x[64,3136]·W[3136,1024]): wasm packs b
 * into XNNPACK's layout on every call (b is a new tensor each step, and the packing dominates:
 * 60 ms), so (bᵀ·aᵀ)ᵀ with two explicit transposes and only aᵀ packed is cheaper (24 ms).
 * A b seen here before goes to the stock kernel: wasm keeps the packed b of a tensor it has seen
 * (inference with fixed weights), so from the second use on packing costs nothing.
 * Returns undefined when the shapes are batched, b is not large enough for this to pay, or b was seen.
 */
function viaPackingTheSmallOperand(stock: KernelFn, backend: WasmBackend, a3: TensorInfo, b3: TensorInfo): TensorInfo | undefined {
  const a = asMatrix(a3), b = asMatrix(b3);
  if (a === undefined || b === undefined) return undefined;
  const [M, K] = a.shape as [number, number];
  const N = b.shape[1]!;
  if (K * N < PACK_MIN || K * N < 4 * (M * K + M * N) || seenAsRight.has(b3.dataId)) return undefined;
  seenAsRight.add(b3.dataId);
  const bT = swapLastTwo(backend, b); // [N, K]
  const aT = swapLastTwo(backend, a); // [K, M]
  const product = run(stock, backend, { a: view(bT, [1, N, K]), b: view(aT, [1, K, M]) }, { transposeA: false, transposeB: false });
  disposeAll(backend, aT, bT);
  const out = swapLastTwo(backend, view(product, [N, M]));
  disposeAll(backend, product);
  const rank = Math.max(a3.shape.length, b3.shape.length);
  out.shape = [...Array(rank - 2).fill(1) as number[], M, N];
  return out;
}

/** Right operands below this many elements are packed as they are. */
const PACK_MIN = 256 * 1024;
/** The data of large right operands already multiplied once (see viaPackingTheSmallOperand). */
const seenAsRight = new WeakSet<object>();

/** The 2-D view of a matrix given as [M, K] or with leading dimensions of 1, else undefined. */
function asMatrix(t: TensorInfo): TensorInfo | undefined {
  const r = t.shape.length;
  if (r < 2 || t.shape.slice(0, r - 2).some((d) => d !== 1)) return undefined;
  return r === 2 ? t : view(t, t.shape.slice(r - 2));
}

/** Wrap a matmul kernel (inputs `a`, `b`, …) so transposed operands are transposed explicitly first. */
export function makeTransposeFreeMatMul(stock: KernelFn, allowFlip = false): (args: Args) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    if (!attrs.transposeA && !attrs.transposeB) {
      const small = allowFlip ? viaPackingTheSmallOperand(stock, backend, inputs.a!, inputs.b!) : undefined;
      return small ?? run(stock, backend, inputs, attrs);
    }
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
