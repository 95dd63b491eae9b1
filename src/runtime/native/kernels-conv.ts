/**
 * Native Conv2D, FusedConv2D (bias + relu/relu6), Conv2DBackpropInput and Conv2DBackpropFilter
 * for the wasm backend: shapes and padding come from TF.js's own `computeConv2DInfo`, the data
 * stays where TF.js keeps it (NHWC x/dy, HWIO filters in the wasm heap) and oneDNN reads and
 * writes it there. Unsupported cases (NCHW, non-float32, other activations, padding that would be
 * negative on the far side) go to the kernel that was registered before.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './addon.js';
import { activationCode, allFloat32 } from './kernel-util.js';
import type { KernelArgs, KernelFactory } from './kernel-util.js';
import { heapOf, offsetOf, sizeOf } from './wasm-heap.js';

type Conv2DInfo = backend_util.Conv2DInfo;

/** The 17 shape numbers the addon's conv functions take, or undefined when oneDNN cannot take it. */
function convShape(ci: Conv2DInfo): number[] | undefined {
  if (ci.dataFormat !== 'channelsLast') return undefined;
  const pt = ci.padInfo.top, pl = ci.padInfo.left;
  const pb = (ci.outHeight - 1) * ci.strideHeight + ci.effectiveFilterHeight - ci.inHeight - pt;
  const pr = (ci.outWidth - 1) * ci.strideWidth + ci.effectiveFilterWidth - ci.inWidth - pl;
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return undefined;
  if (ci.batchSize * ci.outHeight * ci.outWidth * ci.outChannels === 0) return undefined;
  return [ci.batchSize, ci.inHeight, ci.inWidth, ci.inChannels, ci.filterHeight, ci.filterWidth, ci.outChannels,
    ci.strideHeight, ci.strideWidth, ci.dilationHeight, ci.dilationWidth, pt, pl, pb, pr, ci.outHeight, ci.outWidth];
}

function forwardInfo(args: KernelArgs, x: TensorInfo, filter: TensorInfo): Conv2DInfo {
  const a = args.attrs ?? {};
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    a.strides as number | [number, number], a.dilations as number | [number, number],
    a.pad as 'same' | 'valid' | number, a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false,
    backend_util.convertConv2DDataFormat((a.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC'));
}

function conv(addon: NativeAddon, args: KernelArgs, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined,
  act: number, shape: number[], outShape: number[]): TensorInfo {
  const b = args.backend;
  const out = b.makeOutput(outShape, 'float32');
  addon.conv2d(heapOf(b), offsetOf(b, x), offsetOf(b, filter), bias ? offsetOf(b, bias) : -1, offsetOf(b, out), act, ...shape);
  return out;
}

/** Conv2D. */
export const conv2DFactory: KernelFactory = (addon, fallback) => (args) => {
  const { x, filter } = args.inputs;
  if (!x || !filter || !allFloat32(x, filter)) return fallback(args);
  const ci = forwardInfo(args, x, filter);
  const shape = convShape(ci);
  if (!shape) return fallback(args);
  return conv(addon, args, x, filter, undefined, 0, shape, ci.outShape);
};

/** FusedConv2D with no bias or a [outChannels] bias, and linear / relu / relu6. */
export const fusedConv2DFactory: KernelFactory = (addon, fallback) => (args) => {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const act = activationCode(args.attrs?.activation);
  if (!x || !filter || preluActivationWeights || act < 0 || !allFloat32(x, filter, bias)) return fallback(args);
  const ci = forwardInfo(args, x, filter);
  const shape = convShape(ci);
  if (!shape || (bias && (bias.shape.length !== 1 || bias.shape[0] !== ci.outChannels))) return fallback(args);
  return conv(addon, args, x, filter, bias, act, shape, ci.outShape);
};

/** Conv2DBackpropInput (attrs.inputShape is the shape of x). */
export const conv2DBackpropInputFactory: KernelFactory = (addon, fallback) => (args) => {
  const { dy, filter } = args.inputs;
  const a = args.attrs ?? {};
  if (!dy || !filter || !allFloat32(dy, filter)) return fallback(args);
  const inputShape = a.inputShape as [number, number, number, number];
  const ci = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number],
    a.strides as number | [number, number], 1, a.pad as 'same' | 'valid' | number,
    a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false,
    backend_util.convertConv2DDataFormat((a.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC'));
  const shape = convShape(ci);
  if (!shape || sizeOf(inputShape) === 0) return fallback(args);
  const b = args.backend;
  const dx = b.makeOutput([...inputShape], 'float32');
  addon.conv2dBackpropInput(heapOf(b), offsetOf(b, dy), offsetOf(b, filter), offsetOf(b, dx), ...shape);
  return dx;
};

/** Conv2DBackpropFilter (attrs.filterShape is the HWIO filter shape). */
export const conv2DBackpropFilterFactory: KernelFactory = (addon, fallback) => (args) => {
  const { x, dy } = args.inputs;
  const a = args.attrs ?? {};
  if (!x || !dy || !allFloat32(x, dy)) return fallback(args);
  const filterShape = a.filterShape as [number, number, number, number];
  const ci = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape,
    a.strides as number | [number, number], 1, a.pad as 'same' | 'valid' | number,
    a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined, false,
    backend_util.convertConv2DDataFormat((a.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC'));
  const shape = convShape(ci);
  if (!shape || sizeOf(filterShape) === 0) return fallback(args);
  const b = args.backend;
  const dw = b.makeOutput([...filterShape], 'float32');
  addon.conv2dBackpropFilter(heapOf(b), offsetOf(b, x), offsetOf(b, dy), offsetOf(b, dw), ...shape);
  return dw;
};
