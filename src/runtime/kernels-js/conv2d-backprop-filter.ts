/**
 * Conv2DBackpropFilter for wasm, which TF.js 4.22's wasm backend lacks (docs/design/ENGINE-STUDY.md §2), composed
 * from kernels it has: dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh−pT, ow·s+kw−pL, ci] · dy[b,oh,ow,co]
 * is a Conv2D whose "batch" is ci, whose "channels" are the batch b and whose filter is dy:
 * Transpose(x → [ci,H,W,B]) ⊛ Transpose(dy → [oh,ow,B,co]) with strides = 1 and dilations = the
 * forward strides, then Transpose([ci,kh,kw,co] → [kh,kw,ci,co]). Padding becomes explicit; rows the
 * forward conv never read (VALID with a remainder) are cropped with Slice first. Layers with a small
 * patch matrix (few input channels) use im2col + one matmul instead (see IM2COL_MAX).
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from '../../errors.js';
import { aliasOf, disposeAll, dropAlias, run, view, wasmKernel } from './wasm-backend.js';
import type { WasmBackend } from './wasm-backend.js';

/** Kernel name as TF.js registers it. */
export const CONV2D_BACKPROP_FILTER = 'Conv2DBackpropFilter';

interface Attrs {
  strides: number | [number, number];
  pad: backend_util.PadInfo['type'] | number | backend_util.ExplicitPadding | 'valid' | 'same';
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** dW for one 2-D convolution, NHWC or NCHW, any strides and padding (dilations are 1 in TF.js grads). */
export function conv2DBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: WasmBackend; attrs: Attrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1,
    attrs.pad as 'same', attrs.dimRoundingMode, false, format,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
  const { outHeight: oh, outWidth: ow, inChannels: ci, outChannels: co } = info;
  const padT = info.padInfo.top;
  const padL = info.padInfo.left;
  const channelsLast = format === 'channelsLast';
  const rows = kh * kw * ci;
  if (channelsLast && rows * info.batchSize * oh * ow <= IM2COL_MAX) {
    return viaIm2col(backend, x, dy, info);
  }
  const transpose = wasmKernel('Transpose');
  // x → [ci, H, W, B]; dy → [oh, ow, B, co]
  let xT = run(transpose, backend, { x }, { perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0] });
  const dyT = run(transpose, backend, { x: dy }, { perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1] });
  // The padded extent the forward conv read: (k−1) + (o−1)·s + 1 rows starting at −pad.
  const needH = kh + (oh - 1) * sh - padT;
  const needW = kw + (ow - 1) * sw - padL;
  if (needH < H || needW < W) {
    const cropped = run(wasmKernel('Slice'), backend, { x: xT }, {
      begin: [0, 0, 0, 0], size: [ci, Math.min(H, needH), Math.min(W, needW), xT.shape[3]!],
    });
    disposeAll(backend, xT);
    xT = cropped;
  }
  const pad: backend_util.ExplicitPadding = [
    [0, 0], [padT, Math.max(0, needH - H)], [padL, Math.max(0, needW - W)], [0, 0],
  ];
  const conv = run(wasmKernel('Conv2D'), backend, { x: xT, filter: dyT }, {
    strides: [1, 1], pad, dilations: [sh, sw], dataFormat: 'NHWC', dimRoundingMode: undefined,
  });
  disposeAll(backend, xT, dyT);
  const dw = run(transpose, backend, { x: conv }, { perm: [1, 2, 0, 3] });
  disposeAll(backend, conv);
  if (dw.shape.join() !== [kh, kw, ci, co].join()) {
    disposeAll(backend, dw);
    throw new BackendError('kernel_shape_mismatch',
      `composed Conv2DBackpropFilter made [${dw.shape}] but the filter is [${kh},${kw},${ci},${co}]`,
      { hint: 'report this with the conv shapes; GRAFT_BACKEND=cpu avoids the JS kernel pack' });
  }
  return dw;
}

/**
 * Patch matrices up to this many elements (16 MB) take the im2col route. For few input channels
 * (the first conv of a CNN: kh·kw·ci = 25) the composed conv is a poor XNNPACK shape (a 28x28
 * filter over 64 channels, 5x5 outputs) and im2col + one matmul is several times faster; for wide
 * layers the patch matrix gets large and the composed conv wins.
 */
let IM2COL_MAX = 4 * 1024 * 1024;

/** Set the im2col limit (elements of the patch matrix; 0 = never) and return the previous one; for tests. */
export function setIm2colLimit(elements: number): number {
  const previous = IM2COL_MAX;
  IM2COL_MAX = elements;
  return previous;
}

/** dW = Pᵀ·dy: Pᵀ [kh·kw·ci, B·oh·ow] written in JS from x (zeros where the window is in padding). */
function viaIm2col(backend: WasmBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideWidth: sw } = info;
  const { outHeight: oh, outWidth: ow, inChannels: ci, outChannels: co, batchSize: B } = info;
  const n = B * oh * ow;
  const patchesT = backend.makeOutput([kh * kw * ci, n], 'float32');
  const pt = backend.typedArrayFromHeap(patchesT) as Float32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array;
  if (ci === 1 && sw === 1) {
    im2colRuns(pt, xv, info);
  } else {
    im2colGather(pt, xv, info);
  }
  const b = aliasOf(backend, dy, [1, n, co]);
  const dw = run(wasmKernel('BatchMatMul'), backend, { a: view(patchesT, [1, kh * kw * ci, n]), b }, { transposeA: false, transposeB: false });
  dropAlias(backend, b);
  disposeAll(backend, patchesT);
  dw.shape = [kh, kw, ci, co]; // rows are (i, j, c) in HWIO order
  return dw;
}

/**
 * Pᵀ for one input channel and column stride 1: each output row of a patch row is a contiguous run
 * of an input row, so it is one `copyWithin` on the wasm heap (x and Pᵀ live in the same memory)
 * plus zeros where the window hangs over the padding (conv1 of the reference CNN: 11 -> 6 ms).
 */
function im2colRuns(pt: Float32Array, xv: Float32Array, info: backend_util.Conv2DInfo): void {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, inHeight: H, inWidth: W } = info;
  const { outHeight: oh, outWidth: ow, batchSize: B } = info;
  const padT = info.padInfo.top, padL = info.padInfo.left;
  const heap = new Float32Array(pt.buffer);
  const ptAt = pt.byteOffset >> 2, xAt = xv.byteOffset >> 2;
  const n = B * oh * ow;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // output columns q whose input column q + j − padL is inside [0, W)
      const qLo = Math.max(0, padL - j), qHi = Math.min(ow, W + padL - j);
      let dst = ptAt + (i * kw + j) * n;
      for (let b = 0; b < B; b++) {
        for (let r = 0; r < oh; r++, dst += ow) {
          const xr = r * sh + i - padT;
          if (xr < 0 || xr >= H || qHi <= qLo) {
            heap.fill(0, dst, dst + ow);
            continue;
          }
          if (qLo > 0) heap.fill(0, dst, dst + qLo);
          const src = xAt + (b * H + xr) * W + qLo + j - padL;
          heap.copyWithin(dst + qLo, src, src + (qHi - qLo));
          if (qHi < ow) heap.fill(0, dst + qHi, dst + ow);
        }
      }
    }
  }
}

/** Pᵀ [kh·kw·ci, B·oh·ow] gathered element by element (any channels and strides). */
function im2colGather(pt: Float32Array, xv: Float32Array, info: backend_util.Conv2DInfo): void {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
  const { outHeight: oh, outWidth: ow, inChannels: ci, batchSize: B } = info;
  const padT = info.padInfo.top, padL = info.padInfo.left;
  const n = B * oh * ow;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < ci; c++) {
        const rowBase = ((i * kw + j) * ci + c) * n;
        let col = 0;
        for (let b = 0; b < B; b++) {
          const xb = b * H * W * ci + c;
          for (let r = 0; r < oh; r++) {
            const xr = r * sh + i - padT;
            if (xr < 0 || xr >= H) {
              pt.fill(0, rowBase + col, rowBase + col + ow);
              col += ow;
              continue;
            }
            const rowOff = xb + xr * W * ci;
            for (let q = 0; q < ow; q++, col++) {
              const xc = q * sw + j - padL;
              pt[rowBase + col] = xc >= 0 && xc < W ? xv[rowOff + xc * ci] : 0;
            }
          }
        }
      }
    }
  }
}

/** Registration record for the wasm backend. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: CONV2D_BACKPROP_FILTER,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
