/**
 * Re-route of wasm's Sum when it reduces leading axes and keeps the trailing ones — the bias
 * gradient of every conv and dense layer (NHWC: sum over batch, height, width). The stock kernel
 * first transposes the reduced axes to the end (a full copy of the tensor). Here, while the row
 * count is even and above 64, the lower half of the rows is added to the upper half with wasm's
 * SIMD `Add` (pairwise float32 summation, on aliases of the two halves); the remaining rows are
 * added in one JS pass into per-column float64 accumulators (conv1's bias gradient, 64x28x28x32:
 * 10 levels, then 49 rows in JS). Other cases go to stock.
 */
import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { aliasOf, disposeAll, dropAlias, run, wasmKernel } from './wasm-backend.js';
import type { KernelFn, WasmBackend } from './wasm-backend.js';

type Args = { inputs: { x: TensorInfo }; backend: WasmBackend; attrs: { axis: number | number[]; keepDims: boolean } };

/** Below this many input elements the stock kernel is as fast. */
const MIN_SIZE = 4096;

let acc = new Float64Array(0);

/** Build the re-routed Sum around the stock kernel. */
export function makeSum(stock: KernelFn): (args: Args) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < rank && axes.every((a, i) => a === i);
    const size = util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || !leading || size < MIN_SIZE) return run(stock, backend, inputs, attrs);
    const rest = x.shape.slice(k);
    const cols = util.sizeFromShape(rest);
    const rows = size / cols;
    const outShape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest;
    const out = backend.makeOutput(outShape, 'float32');
    let cur = x, n = rows;
    while (n % 2 === 0 && n > 64) {
      const half = n / 2;
      const lo = aliasOf(backend, cur, [half, cols]), hi = aliasOf(backend, cur, [half, cols], half * cols);
      const next = run(wasmKernel('Add'), backend, { a: lo, b: hi });
      dropAlias(backend, lo);
      dropAlias(backend, hi);
      if (cur !== x) disposeAll(backend, cur);
      cur = next;
      n = half;
    }
    const src = backend.typedArrayFromHeap({ ...cur, shape: [n * cols] }) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    if (acc.length < cols) acc = new Float64Array(cols);
    acc.fill(0, 0, cols);
    for (let r = 0, o = 0; r < n; r++, o += cols) {
      for (let j = 0; j < cols; j++) acc[j] += src[o + j]!;
    }
    for (let j = 0; j < cols; j++) dst[j] = acc[j]!;
    if (cur !== x) disposeAll(backend, cur);
    return out;
  };
}

/** Registration record for the wasm backend, wrapping the stock kernel. */
export function sumConfig(stock: KernelFn): KernelConfig {
  return { kernelName: 'Sum', backendName: 'wasm', kernelFunc: makeSum(stock) as unknown as KernelFunc };
}
