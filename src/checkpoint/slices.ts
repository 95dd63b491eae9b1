/**
 * Partitioned variables in checkpoints, as TF1's Saver handles them (python/training/saver.py,
 * saving/saveable_object_util.py `op_list_to_dict`: the parts of a PartitionedVariable, or
 * variables carrying a SaveSliceInfo, are saved under their FULL name, each as a slice):
 *
 * - TF bundle: one full-name entry with a TensorSliceProto per part plus one data entry per part
 *   (formats/tf-bundle/partitioned.ts, BundleWriter::AddSlice); TF's reader and Graft's assemble
 *   the full tensor from them;
 * - safetensors (no slices in that format): the parts are assembled into the full tensor;
 * - restoring a part reads the full tensor (whatever partitioning, or none, it was saved with)
 *   and takes the part's box out of it, so a checkpoint saved with 2 parts restores into 3 parts
 *   or into an unpartitioned variable, and back (TF saver_test `testPartitionedVariables`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { copyBox, type PartitionedTensor } from '../formats/tf-bundle/index.js';
import { DTYPE_SIZE, type TensorValue } from '../formats/types.js';
import type { NamedParameter } from './var-list.js';

/** A snapshot tensor; `slice` marks a part of the full tensor `name`. */
export interface SnapshotTensor extends TensorValue {
  slice?: NonNullable<NamedParameter['slice']>;
}

/** Split a snapshot into whole tensors and partitioned tensors (parts in snapshot order). */
export function splitSlices(tensors: readonly SnapshotTensor[]): { plain: TensorValue[]; partitioned: PartitionedTensor[] } {
  const plain: TensorValue[] = [];
  const byName = new Map<string, PartitionedTensor>();
  for (const t of tensors) {
    if (!t.slice) {
      plain.push(t);
      continue;
    }
    let p = byName.get(t.name);
    if (!p) {
      p = { name: t.name, dtype: t.dtype as PartitionedTensor['dtype'], fullShape: [...t.slice.fullShape], parts: [] };
      byName.set(t.name, p);
    }
    p.parts.push({ offset: [...t.slice.varOffset], shape: [...t.slice.varShape], data: t.data });
  }
  return { plain, partitioned: [...byName.values()] };
}

/** The snapshot with every partitioned tensor assembled into one full tensor (formats without slices). */
export function assembleSlices(tensors: readonly SnapshotTensor[]): TensorValue[] {
  const { plain, partitioned } = splitSlices(tensors);
  const full = partitioned.map((p): TensorValue => {
    const width = DTYPE_SIZE[p.dtype];
    const data = new Uint8Array(p.fullShape.reduce((a, b) => a * b, 1) * width);
    for (const part of p.parts) copyBox(data, p.fullShape, { starts: part.offset, lengths: part.shape }, part.data, width);
    return { name: p.name, dtype: p.dtype, shape: p.fullShape, data };
  });
  return [...plain, ...full].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The part `slice` of a full tensor already converted for the variable (a new tensor). */
export function takeSlice(full: tf.Tensor, slice: NonNullable<NamedParameter['slice']>): tf.Tensor {
  return tf.tidy(() => tf.slice(full, slice.varOffset, slice.varShape));
}
