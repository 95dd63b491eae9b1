/**
 * Partitioners (python/ops/partitioned_variables.py) and the slicing arithmetic of
 * `get_variable(partitioner=…)` (python/ops/variable_scope.py `_call_partitioner`,
 * `_get_slice_dim_and_num_slices`, `_iter_slices`), with TF's numbers and messages:
 *
 * - a partitioner maps (full shape, dtype) to a partition count per axis; at most one axis may
 *   have more than one partition;
 * - along that axis the first `dim % n` parts get one extra row: `[20, 43]` in 3 along axis 1 →
 *   columns 0–14, 15–28, 29–42 (save specs `20 43 0,20:0,15`, `…:15,14`, `…:29,14`).
 */
import { ScopeError } from '../errors.js';
import type { VariableDtype } from './scope-stack.js';

/** `partitioner(shape, dtype)` → partitions per axis (TF passes `shape=` and `dtype=`). */
export type Partitioner = (shape: number[], dtype: VariableDtype) => number[];

function badArg(message: string, details: Record<string, unknown>): ScopeError {
  return new ScopeError('bad_partitioner_argument', message, { hint: 'see the partitioner arguments in docs/variables.md', details });
}

/** Bytes per element as TF's `dtype.size` (strings: `bytesPerStringElement`). */
function elementSize(dtype: VariableDtype, bytesPerStringElement: number): number {
  switch (dtype) {
    case 'string':
      return bytesPerStringElement;
    case 'bool':
      return 1;
    case 'int64':
    case 'complex64':
      return 8;
    default:
      return 4;
  }
}

function numElements(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * `tf.fixed_size_partitioner(num_shards, axis=0)`: `min(num_shards, shape[axis])` parts on `axis`.
 */
export function fixedSizePartitioner(numShards: number, axis = 0): Partitioner {
  return (shape) => {
    const partitions = shape.map(() => 1);
    partitions[axis] = Math.min(numShards, shape[axis]!);
    return partitions;
  };
}

/** Options of {@link minMaxVariablePartitioner}. */
export interface MinMaxVariablePartitionerOptions {
  /** Default 1. */
  maxPartitions?: number;
  /** Default 0. */
  axis?: number;
  /** Minimum bytes per part; default 256 KiB (`256 << 10`). */
  minSliceSize?: number;
  /** Default 16. */
  bytesPerStringElement?: number;
}

/**
 * `tf.min_max_variable_partitioner(max_partitions=1, axis=0, min_slice_size=256<<10,
 * bytes_per_string_element=16)`: as many parts as keep each at least `minSliceSize` bytes,
 * `max(1, min(shape[axis], maxPartitions, ceil(totalBytes / minSliceSize)))`.
 * @throws ScopeError `bad_partitioner_argument` ("Can not partition variable along axis %d when shape is only %s")
 */
export function minMaxVariablePartitioner(options: MinMaxVariablePartitionerOptions = {}): Partitioner {
  const maxPartitions = options.maxPartitions ?? 1;
  const axis = options.axis ?? 0;
  const minSliceSize = options.minSliceSize ?? 256 << 10;
  const bytesPerString = options.bytesPerStringElement ?? 16;
  return (shape, dtype) => {
    if (axis >= shape.length) {
      throw badArg(`Can not partition variable along axis ${axis} when shape is only (${shape.join(', ')})`, { axis, shape });
    }
    const totalBytes = numElements(shape) * elementSize(dtype, bytesPerString);
    const partitions = totalBytes / minSliceSize;
    const list = shape.map(() => 1);
    list[axis] = Math.max(1, Math.min(shape[axis]!, maxPartitions, Math.ceil(partitions)));
    return list;
  };
}

/** Options of {@link variableAxisSizePartitioner}. */
export interface VariableAxisSizePartitionerOptions {
  /** Default 0. */
  axis?: number;
  /** Default 16. */
  bytesPerStringElement?: number;
  /** Upper bound on the number of parts; default none. */
  maxShards?: number;
}

/**
 * `tf.variable_axis_size_partitioner(max_shard_bytes, axis=0, bytes_per_string_element=16,
 * max_shards=None)`: parts of at most `maxShardBytes` (at least one slice each):
 * `slicesPerShard = max(1, floor(maxShardBytes / bytesPerSlice))`,
 * `shards = ceil(shape[axis] / slicesPerShard)`, capped by `maxShards`.
 * @throws ScopeError `bad_partitioner_argument` (TF's "axis must be non-negative", "Both
 *   max_shard_bytes and bytes_per_string_element must be positive.", "max_shards must be positive.")
 */
export function variableAxisSizePartitioner(maxShardBytes: number, options: VariableAxisSizePartitionerOptions = {}): Partitioner {
  const axis = options.axis ?? 0;
  const bytesPerString = options.bytesPerStringElement ?? 16;
  if (axis < 0) throw badArg('axis must be non-negative', { axis });
  if (maxShardBytes < 1 || bytesPerString < 1) throw badArg('Both max_shard_bytes and bytes_per_string_element must be positive.', { maxShardBytes, bytesPerString });
  if (options.maxShards !== undefined && options.maxShards < 1) throw badArg('max_shards must be positive.', { maxShards: options.maxShards });
  return (shape, dtype) => {
    const partitions = shape.map(() => 1);
    const bytesPerSlice = (numElements(shape) / shape[axis]!) * elementSize(dtype, bytesPerString);
    const slicesPerShard = Math.max(1, Math.floor(maxShardBytes / bytesPerSlice));
    let axisShards = Math.ceil(shape[axis]! / slicesPerShard);
    if (options.maxShards) axisShards = Math.min(options.maxShards, axisShards);
    partitions[axis] = axisShards;
    return partitions;
  };
}

/**
 * variable_scope.py `_call_partitioner` + `_get_slice_dim_and_num_slices`: the partitions, the
 * axis they split (0 when none does) and their number, checked as TF checks them.
 * @throws ScopeError `bad_partitions` with TF's messages
 */
export function callPartitioner(partitioner: Partitioner, name: string, shape: readonly number[], dtype: VariableDtype): { partitions: number[]; sliceDim: number; numSlices: number } {
  const fail = (message: string): ScopeError =>
    new ScopeError('bad_partitions', message, { hint: `check the partitioner given for ${name}`, details: { name, shape: [...shape] } });
  if (shape.length < 1) throw fail(`A partitioned Variable must have rank at least 1, shape: (${shape.join(', ')})`);
  const partitions = partitioner([...shape], dtype);
  if (!Array.isArray(partitions)) throw fail(`Partitioner must return a sequence, but saw: ${String(partitions)}`);
  if (partitions.length !== shape.length) throw fail(`Partitioner returned a partition list that does not match the Variable's rank: [${partitions.join(', ')}] vs. (${shape.join(', ')})`);
  if (partitions.some((p) => !Number.isInteger(p) || p < 1)) throw fail(`Partitioner returned zero partitions for some axes: [${partitions.join(', ')}]`);
  if (partitions.filter((p) => p > 1).length > 1) throw fail(`Can only slice a variable along one dimension: shape: (${shape.join(', ')}), partitioning: [${partitions.join(', ')}]`);
  const sliceDim = partitions.findIndex((p) => p > 1);
  // TF would make empty parts past the dimension; refused here so a bad partitioner cannot ask
  // for millions of variables (TF's own partitioners never exceed the dimension).
  if (sliceDim >= 0 && partitions[sliceDim]! > shape[sliceDim]!) {
    throw fail(`Partitioner returned ${partitions[sliceDim]} partitions for axis ${sliceDim} of size ${shape[sliceDim]}`);
  }
  return sliceDim < 0 ? { partitions, sliceDim: 0, numSlices: 1 } : { partitions, sliceDim, numSlices: partitions[sliceDim]! };
}

/** variable_scope.py `_iter_slices`: `[offset, shape]` of each part; the first `dim % n` parts are one longer. */
export function iterSlices(fullShape: readonly number[], numSlices: number, sliceDim: number): { offset: number[]; shape: number[] }[] {
  const excess = fullShape[sliceDim]! % numSlices;
  const minLen = Math.floor(fullShape[sliceDim]! / numSlices);
  const offset = fullShape.map(() => 0);
  const out: { offset: number[]; shape: number[] }[] = [];
  for (let i = 0; i < numSlices; i++) {
    const shape = [...fullShape];
    shape[sliceDim] = minLen + (i < excess ? 1 : 0);
    out.push({ offset: [...offset], shape });
    offset[sliceDim]! += shape[sliceDim]!;
  }
  return out;
}
