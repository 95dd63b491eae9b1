/**
 * TF's `IndexedSlices` (`python/framework/indexed_slices.py`): a sparse gradient — rows
 * `indices` of a `denseShape` tensor get `values` (`[indices.length, ...denseShape.slice(1)]`),
 * duplicate indices summing. Embedding lookups produce them (variables/embedding-lookup.ts) and
 * every optimizer's sparse path takes them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { scatterRowsInPlace } from '../runtime/scatter-rows.js';

/** A sparse gradient, as TF's `IndexedSlices`. */
export interface IndexedSlices {
  readonly kind: 'indexed_slices';
  /** int32 `[n]`, possibly with duplicates. */
  indices: tf.Tensor1D;
  /** `[n, ...denseShape.slice(1)]`. */
  values: tf.Tensor;
  /** Shape of the dense tensor (the variable's). */
  denseShape: number[];
}

/** A dense or sparse gradient. */
export type Gradient = tf.Tensor | IndexedSlices;

/** Make an IndexedSlices (no copy). */
export function indexedSlices(indices: tf.Tensor1D, values: tf.Tensor, denseShape: number[]): IndexedSlices {
  return { kind: 'indexed_slices', indices, values, denseShape };
}

/** Whether a gradient is sparse. */
export function isIndexedSlices(g: Gradient | null | undefined): g is IndexedSlices {
  return g != null && (g as IndexedSlices).kind === 'indexed_slices';
}

/** The dense tensor of a gradient (`tf.convert_to_tensor(IndexedSlices)`: an unsorted segment sum). */
export function toDense(g: Gradient): tf.Tensor {
  if (!isIndexedSlices(g)) return g;
  return tf.unsortedSegmentSum(g.values, g.indices, g.denseShape[0]!);
}

/** The values of a gradient (`grad.values` for slices, the tensor itself otherwise), as optimize_loss's summaries read them. */
export function gradientValues(g: Gradient): tf.Tensor {
  return isIndexedSlices(g) ? g.values : g;
}

/** Scale a gradient by a scalar, keeping its kind (`IndexedSlices(values * m, indices)`). */
export function scaleGradient(g: Gradient, factor: tf.Scalar | number): Gradient {
  if (isIndexedSlices(g)) return indexedSlices(g.indices, tf.tidy(() => tf.mul(g.values, factor)), g.denseShape);
  return tf.tidy(() => tf.mul(g, factor));
}

/**
 * TF's `_deduplicate_indexed_slices` (`python/training/optimizer.py`): unique indices (in order
 * of first appearance, as `array_ops.unique`) and the values of each summed
 * (`unsorted_segment_sum`). What `Optimizer._apply_sparse_duplicate_indices` does before `_apply_sparse`.
 */
export function deduplicateIndexedSlices(g: IndexedSlices): IndexedSlices {
  const { values: unique, indices: positions } = tf.unique(g.indices);
  const summed = tf.unsortedSegmentSum(g.values, positions, unique.shape[0]!);
  positions.dispose();
  return indexedSlices(unique as tf.Tensor1D, summed, g.denseShape);
}

/**
 * Write `rows` into rows `indices` (unique) of `variable` (TF's `scatter_update`): in place when
 * the backend allows (runtime/scatter-rows.ts), else through a copy of the table.
 */
export function scatterUpdate(variable: tf.Variable, indices: tf.Tensor1D, rows: tf.Tensor): void {
  if (scatterRowsInPlace(variable, indices.dataSync() as Int32Array, rows)) return;
  const next = tf.tensorScatterUpdate(variable, tf.expandDims(indices, 1), rows);
  variable.assign(next);
  next.dispose();
}
