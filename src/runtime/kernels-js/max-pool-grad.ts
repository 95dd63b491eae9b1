/**
 * MaxPoolGrad for wasm in JS over the wasm heap. The stock wasm kernel visits every input pixel and
 * every window containing it (42 ms for 64x28x28x32 2x2/2; docs/design/ENGINE-STUDY.md §4); here each output
 * window is scanned once per channel row (contiguous in NHWC), the arg-max is kept per channel and
 * dy is added at it. Tie-break as tfjs-backend-cpu: the first maximum in row-major window order
 * (strict `>`), NaN never selected. float32 NHWC only; other dtypes go to the stock kernel.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { run } from './wasm-backend.js';
import type { KernelFn, WasmBackend } from './wasm-backend.js';

/** Kernel name as TF.js registers it. */
export const MAX_POOL_GRAD = 'MaxPoolGrad';

interface Attrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
type Args = { inputs: { dy: TensorInfo; input: TensorInfo; output: TensorInfo }; backend: WasmBackend; attrs: Attrs };

let bestVal = new Float32Array(0);
let bestIdx = new Int32Array(0);

/** Build the JS MaxPoolGrad, falling back to `stock` for non-float32 tensors. */
export function makeMaxPoolGrad(stock: KernelFn): (args: Args) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, input } = inputs;
    if (input.dtype !== 'float32' || dy.dtype !== 'float32') return run(stock, backend, inputs, { ...attrs });
    const info = backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1,
      attrs.pad as 'same', attrs.dimRoundingMode,
    );
    const dx = backend.makeOutput(input.shape, 'float32');
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    const x = backend.typedArrayFromHeap(input) as Float32Array;
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    const C = info.inChannels;
    if (info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
        info.padInfo.top === 0 && info.padInfo.left === 0 && info.inHeight === 2 * info.outHeight && info.inWidth === 2 * info.outWidth) {
      tiles2x2(out, x, backend.typedArrayFromHeap(dy) as Float32Array, info.batchSize * info.outHeight, info.outWidth, C);
      return dx;
    }
    out.fill(0);
    if (bestVal.length < C) {
      bestVal = new Float32Array(C);
      bestIdx = new Int32Array(C);
    }
    const { batchSize, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const padT = info.padInfo.top;
    const padL = info.padInfo.left;
    let gi = 0; // index into dy, which is [B, OH, OW, C] in order
    for (let b = 0; b < batchSize; b++) {
      const xb = b * H * W * C;
      for (let r = 0; r < OH; r++) {
        const r0 = r * sh - padT;
        const rLo = Math.max(0, r0);
        const rHi = Math.min(H, r0 + fh);
        for (let c = 0; c < OW; c++) {
          const c0 = c * sw - padL;
          const cLo = Math.max(0, c0);
          const cHi = Math.min(W, c0 + fw);
          bestVal.fill(Number.NEGATIVE_INFINITY, 0, C);
          bestIdx.fill(-1, 0, C);
          for (let xr = rLo; xr < rHi; xr++) {
            for (let xc = cLo; xc < cHi; xc++) {
              const base = xb + (xr * W + xc) * C;
              for (let d = 0; d < C; d++) {
                const v = x[base + d];
                if (v > bestVal[d]) {
                  bestVal[d] = v;
                  bestIdx[d] = base + d;
                }
              }
            }
          }
          for (let d = 0; d < C; d++, gi++) {
            const at = bestIdx[d];
            if (at >= 0) out[at] += g[gi];
          }
        }
      }
    }
    return dx;
  };
}

/**
 * The reference CNN's case: 2x2 windows, stride 2, no padding, covering the input exactly. Each
 * input pixel is in one window, so every dx value is written once (dy at the arg-max, else 0).
 * `rows` = batch × output rows; window (r, c) starts at input row 2r (batch rows are contiguous).
 */
function tiles2x2(out: Float32Array, x: Float32Array, g: Float32Array, rows: number, OW: number, C: number): void {
  const rowStride = 2 * OW * C; // one input row
  let gi = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < OW; c++) {
      const p0 = (2 * r) * rowStride + 2 * c * C;
      const p1 = p0 + C;
      const p2 = p0 + rowStride;
      const p3 = p2 + C;
      for (let d = 0; d < C; d++, gi++) {
        const v0 = x[p0 + d], v1 = x[p1 + d], v2 = x[p2 + d], v3 = x[p3 + d];
        // first maximum in row-major order (strict >), NaN never chosen: as tfjs-backend-cpu
        let best = -1;
        let m = Number.NEGATIVE_INFINITY;
        if (v0 > m) { m = v0; best = 0; }
        if (v1 > m) { m = v1; best = 1; }
        if (v2 > m) { m = v2; best = 2; }
        if (v3 > m) { best = 3; }
        const gv = g[gi];
        out[p0 + d] = best === 0 ? gv : 0;
        out[p1 + d] = best === 1 ? gv : 0;
        out[p2 + d] = best === 2 ? gv : 0;
        out[p3 + d] = best === 3 ? gv : 0;
      }
    }
  }
}

/** Registration record for the wasm backend, wrapping the stock kernel. */
export function maxPoolGradConfig(stock: KernelFn): KernelConfig {
  return { kernelName: MAX_POOL_GRAD, backendName: 'wasm', kernelFunc: makeMaxPoolGrad(stock) as unknown as KernelFunc };
}
