/**
 * Native Sum for the wasm backend when the reduced axes are a leading block (bias gradients:
 * [N, H, W, C] → [C]) or a trailing block (row sums) of a float32 tensor. Other axis sets and
 * dtypes go to the kernel registered before.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFactory } from './kernel-util.js';
import { heapOf, offsetOf, sizeOf } from './wasm-heap.js';

/** Sum. */
export const sumFactory: KernelFactory = (addon, fallback) => (args) => {
  const { x } = args.inputs;
  if (!x || x.dtype !== 'float32' || sizeOf(x.shape) === 0) return fallback(args);
  const rank = x.shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(args.attrs?.axis as number | number[], x.shape))].sort((a, b) => a - b);
  if (axes.length === 0) return fallback(args);
  const leading = axes.every((a, i) => a === i);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (!leading && !trailing) return fallback(args);
  const keepDims = args.attrs?.keepDims === true;
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const mode = leading && axes.length < rank ? 0 : 1;
  const reduced = sizeOf(axes.map((a) => x.shape[a]!));
  const total = sizeOf(x.shape);
  const [outer, inner] = mode === 0 ? [reduced, total / reduced] : [total / reduced, reduced];
  const b = args.backend;
  const y = b.makeOutput(outShape, 'float32');
  addon.sum(heapOf(b), offsetOf(b, x), offsetOf(b, y), outer, inner, mode);
  return y;
};
