/**
 * Re-route of wasm's Conv2DBackpropInput, which is ~8x slower than a forward conv of the same size
 * (514 vs 62 ms for the reference CNN's conv2; docs/design/ENGINE-STUDY.md §2). For stride 1 in NHWC,
 * dx = Conv2D(dy, W reversed in space with in/out channels swapped), padded by (k−1−pad) on each
 * side. Other cases (strides > 1, NCHW, padding wider than the filter) go to the stock kernel.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { disposeAll, run, wasmKernel } from './wasm-backend.js';
import type { KernelFn, WasmBackend } from './wasm-backend.js';

/** Kernel name as TF.js registers it. */
export const CONV2D_BACKPROP_INPUT = 'Conv2DBackpropInput';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

type Args = { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: WasmBackend; attrs: Attrs };

/** Build the re-routed kernel around the stock one (used for the cases the re-route does not cover). */
export function makeConv2DBackpropInput(stock: KernelFn): (args: Args) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32') return run(stock, backend, inputs, { ...attrs });
    const info = backend_util.computeConv2DInfo(
      attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1,
      attrs.pad as 'same', attrs.dimRoundingMode, false, 'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw } = info;
    const p = info.padInfo;
    const pads = [kh - 1 - p.top, kh - 1 - p.bottom, kw - 1 - p.left, kw - 1 - p.right];
    if (info.strideHeight !== 1 || info.strideWidth !== 1 || pads.some((v) => v < 0)) {
      return run(stock, backend, inputs, { ...attrs });
    }
    const reversed = run(wasmKernel('Reverse'), backend, { x: filter }, { dims: [0, 1] });
    const swapped = run(wasmKernel('Transpose'), backend, { x: reversed }, { perm: [0, 1, 3, 2] });
    disposeAll(backend, reversed);
    const dx = run(wasmKernel('Conv2D'), backend, { x: dy, filter: swapped }, {
      strides: [1, 1],
      pad: [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]],
      dilations: [1, 1],
      dataFormat: 'NHWC',
      dimRoundingMode: undefined,
    });
    disposeAll(backend, swapped);
    return dx;
  };
}

/** Registration record for the wasm backend, wrapping the stock kernel. */
export function conv2DBackpropInputConfig(stock: KernelFn): KernelConfig {
  return {
    kernelName: CONV2D_BACKPROP_INPUT,
    backendName: 'wasm',
    kernelFunc: makeConv2DBackpropInput(stock) as unknown as KernelFunc,
  };
}
