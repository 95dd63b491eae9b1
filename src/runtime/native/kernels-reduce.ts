/**
 * Native GatherV2 (axis-0 row lookups, as embeddings do) and Sum for the wasm backend, the latter
 * when the reduced axes are a leading block (bias gradients: [N, H, W, C] → [C]) or a trailing
 * block (row sums) of a float32 tensor. Other axes, dtypes and out-of-range indices go to the
 * kernel registered before.
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

/** GatherV2 on axis 0 with batchDims 0 of a float32 table and int32 indices (embedding lookups). */
export const gatherV2Factory: KernelFactory = (addon, fallback) => (args) => {
  const { x, indices } = args.inputs;
  if (!x || !indices || x.dtype !== 'float32' || indices.dtype !== 'int32' || x.shape.length < 1) return fallback(args);
  const axis = tf.util.parseAxisParam(args.attrs?.axis as number, x.shape)[0];
  if (axis !== 0 || Number(args.attrs?.batchDims ?? 0) !== 0) return fallback(args);
  const rows = x.shape[0]!, rowSize = sizeOf(x.shape.slice(1)), count = sizeOf(indices.shape);
  if (count === 0 || rowSize === 0) return fallback(args);
  const b = args.backend;
  // an index out of range goes to the stock kernel, which throws TF.js's own error for it
  const idx = new Int32Array(heapOf(b).buffer, offsetOf(b, indices), count);
  for (let i = 0; i < count; i++) if (idx[i]! < 0 || idx[i]! >= rows) return fallback(args);
  const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
  addon.gatherRows(heapOf(b), offsetOf(b, x), offsetOf(b, indices), offsetOf(b, out), rows, rowSize, count);
  return out;
};
