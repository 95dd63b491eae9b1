/**
 * Native MaxPool, AvgPool, MaxPoolGrad and AvgPoolGrad (NHWC) for the wasm backend. Shapes come
 * from TF.js's `computePool2DInfo`. MaxPoolGrad recomputes each window's first maximum from the
 * input, as TF.js's cpu kernel does. AvgPool averages over the in-bounds elements and AvgPoolGrad
 * is its exact gradient (TensorFlow's AvgPoolGrad); TF.js's stock AvgPoolGrad divides by the full
 * window instead, which differs only on windows that overlap SAME padding.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { allFloat32 } from './kernel-util.js';
import type { KernelArgs, KernelFactory } from './kernel-util.js';
import { heapOf, offsetOf, sizeOf } from './wasm-heap.js';

/** The 14 shape numbers of the addon's pooling functions, or undefined for an empty tensor. */
function poolShape(args: KernelArgs, xShape: readonly number[]): number[] | undefined {
  const a = args.attrs ?? {};
  if (xShape.length !== 4) return undefined;
  const pi = backend_util.computePool2DInfo(xShape as [number, number, number, number],
    a.filterSize as number | [number, number], a.strides as number | [number, number], 1,
    a.pad as 'same' | 'valid' | number, a.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined);
  if (pi.batchSize * pi.outHeight * pi.outWidth * pi.inChannels === 0) return undefined;
  return [pi.batchSize, pi.inHeight, pi.inWidth, pi.inChannels, pi.filterHeight, pi.filterWidth,
    pi.strideHeight, pi.strideWidth, pi.dilationHeight, pi.dilationWidth, pi.padInfo.top, pi.padInfo.left,
    pi.outHeight, pi.outWidth];
}

function forward(kind: 'maxPool' | 'avgPool'): KernelFactory {
  return (addon, fallback) => (args) => {
    const { x } = args.inputs;
    if (!x || !allFloat32(x)) return fallback(args);
    const shape = poolShape(args, x.shape);
    if (!shape) return fallback(args);
    const b = args.backend;
    const y: TensorInfo = b.makeOutput([shape[0]!, shape[12]!, shape[13]!, shape[3]!], 'float32');
    addon[kind](heapOf(b), offsetOf(b, x), offsetOf(b, y), ...shape);
    return y;
  };
}

/** MaxPool. */
export const maxPoolFactory: KernelFactory = forward('maxPool');

/** AvgPool. */
export const avgPoolFactory: KernelFactory = forward('avgPool');

/** MaxPoolGrad (inputs dy, input, output). */
export const maxPoolGradFactory: KernelFactory = (addon, fallback) => (args) => {
  const { dy, input } = args.inputs;
  if (!dy || !input || !allFloat32(dy, input)) return fallback(args);
  const shape = poolShape(args, input.shape);
  if (!shape || sizeOf(dy.shape) !== shape[0]! * shape[12]! * shape[13]! * shape[3]!) return fallback(args);
  const b = args.backend;
  const dx = b.makeOutput([...input.shape], 'float32');
  addon.maxPoolGrad(heapOf(b), offsetOf(b, dy), offsetOf(b, input), offsetOf(b, dx), ...shape);
  return dx;
};

/** AvgPoolGrad (inputs dy, input). */
export const avgPoolGradFactory: KernelFactory = (addon, fallback) => (args) => {
  const { dy, input } = args.inputs;
  if (!dy || !input || !allFloat32(dy, input)) return fallback(args);
  const shape = poolShape(args, input.shape);
  if (!shape || sizeOf(dy.shape) !== shape[0]! * shape[12]! * shape[13]! * shape[3]!) return fallback(args);
  const b = args.backend;
  const dx = b.makeOutput([...input.shape], 'float32');
  addon.avgPoolGrad(heapOf(b), offsetOf(b, dy), offsetOf(b, dx), ...shape);
  return dx;
};
