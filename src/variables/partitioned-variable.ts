/**
 * `PartitionedVariable` and its getter (python/ops/variables.py `PartitionedVariable`,
 * python/ops/variable_scope.py `_VariableStore._get_partitioned_variable`):
 *
 * - parts are ordinary variables named `<name>/part_<i>` (in `variables`, `trainable_variables`,
 *   saved and optimized one by one), each carrying the SaveSliceInfo (full name, full shape,
 *   offset, part shape) a Saver uses to write them as slices of one tensor `<name>`;
 * - reuse follows TF: "Partitioned variable with name … already exists", "Trying to reuse
 *   partitioned variable …, but specified shape / dtype / partitions …", "PartitionedVariable …
 *   does not exist"; a partitioner given for a name an unpartitioned variable holds is refused;
 * - initial values: TF calls the initializer per part with the part's shape and a PartitionInfo
 *   (so glorot uses the FULL shape's fans); Graft calls it once with the full shape, seeded by the
 *   full name, and slices it — same distribution, and a partitioned variable starts equal to the
 *   unpartitioned variable of the same name and seed. A tensor or numbers are sliced as TF does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import { deriveSeed, type Initializer } from './initializers.js';
import { formatShape } from './names.js';
import { callPartitioner, iterSlices, type Partitioner } from './partitioners.js';
import type { VariableDtype } from './scope-stack.js';
import { defaultInitializer, getSingleVariable, shapesCompatible, storageDtype, type SingleVariableRequest, type StoreCore } from './single-variable.js';

/** A variable stored as parts along one axis (TF's `PartitionedVariable`). */
export class PartitionedVariable implements Iterable<tf.Variable> {
  constructor(
    /** Full name (`emb`): the checkpoint key of the whole tensor. */
    readonly name: string,
    /** Full shape. */
    readonly shape: number[],
    readonly dtype: VariableDtype,
    /** The parts, `<name>/part_0` first. */
    readonly variables: tf.Variable[],
    /** Partitions per axis (`[3, 1]`); TF `_get_partitions()`. */
    readonly partitions: number[],
  ) {}

  /** Number of parts (`len(pv)`). */
  get length(): number {
    return this.variables.length;
  }

  [Symbol.iterator](): Iterator<tf.Variable> {
    return this.variables[Symbol.iterator]();
  }

  /** TF `_get_variable_list()`. */
  getVariableList(): tf.Variable[] {
    return [...this.variables];
  }

  /** The axis the parts split (TF `_partition_axes()[0]`; 0 when unsplit). */
  get partitionAxis(): number {
    const i = this.partitions.findIndex((p) => p > 1);
    return i < 0 ? 0 : i;
  }

  /** TF `as_tensor()`: the parts concatenated along the partition axis (a new tensor, differentiable). */
  asTensor(): tf.Tensor {
    if (this.variables.length === 1) return tf.clone(this.variables[0]!);
    return tf.concat(this.variables, this.partitionAxis);
  }
}

/** The options of a partitioned get_variable, completed with the scope's defaults (those of one variable, its slice info aside, and the partitioner). */
export interface PartitionedRequest extends Omit<SingleVariableRequest, 'saveSliceInfo'> {
  partitioner?: Partitioner;
}

function scopeError(code: string, message: string, name: string, hint: string, details: Record<string, unknown> = {}): ScopeError {
  return new ScopeError(code, message, { hint, details: { name, ...details } });
}

/** `_get_partitioned_variable(name, …)`; `partitioned` is the store's registry of them. */
export function getPartitionedVariable(core: StoreCore, partitioned: Map<string, PartitionedVariable>, name: string, req: PartitionedRequest): PartitionedVariable {
  const fromValue = req.initializer instanceof tf.Tensor || Array.isArray(req.initializer);
  if (core.vars.has(name)) {
    throw scopeError('unpartitioned_variable_exists', `A partitioner was provided, but an unpartitioned version of the variable was found: ${name}. Perhaps a variable of the same name was already created without partitioning?`, name, 'drop the partitioner to get the existing variable, or use another name');
  }
  let value: tf.Tensor | undefined;
  let shape = req.shape;
  if (fromValue) {
    value = req.initializer instanceof tf.Tensor ? req.initializer : tf.tensor(req.initializer as number[], undefined, storageDtype(req.dtype));
    shape = [...value.shape];
  }
  const ownsValue = value !== undefined && value !== req.initializer;
  try {
    let partitions: number[] | undefined;
    let sliceDim = 0;
    let numSlices = 1;
    if (req.reuse !== true || req.partitioner) {
      if (shape === undefined || shape.some((d) => d === null || d < 0)) {
        throw scopeError('shape_not_fully_defined', `Shape of a new partitioned variable must be fully defined, but instead was ${formatShape(shape)}.`, name, 'pass shape with every dimension known, or a constant initializer');
      }
      ({ partitions, sliceDim, numSlices } = callPartitioner(req.partitioner!, name, shape, req.dtype));
    }
    const existing = partitioned.get(name);
    if (existing) {
      if (req.reuse === false) {
        throw scopeError('variable_exists', `Partitioned variable with name ${name} already exists. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?`, name, 'open the scope with { reuse: true } or { reuse: AUTO_REUSE } to share it');
      }
      if (shape !== undefined && !shapesCompatible(shape, existing.shape)) {
        throw scopeError('shape_mismatch', `Trying to reuse partitioned variable ${name}, but specified shape ${formatShape(shape)} and found shape ${formatShape(existing.shape)}.`, name, 'ask for the shape it was created with', { expected: shape, found: existing.shape });
      }
      if (req.dtype !== existing.dtype) {
        throw scopeError('dtype_mismatch', `Trying to reuse partitioned variable ${name}, but specified dtype ${req.dtype} and found dtype ${existing.dtype}.`, name, 'ask for the dtype it was created with');
      }
      if (partitions !== undefined && partitions.join(',') !== existing.partitions.join(',')) {
        throw scopeError('partitions_mismatch', `Trying to reuse partitioned variable ${name}, but specified partitions [${partitions.join(', ')}] and found partitions [${existing.partitions.join(', ')}].`, name, 'reuse it with the partitioner it was created with (or none)', { expected: partitions, found: existing.partitions });
      }
      return existing;
    }
    if (req.reuse === true) {
      throw scopeError('variable_not_found', `PartitionedVariable ${name} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?`, name, 'create it first (reuse: false), or open the scope with { reuse: AUTO_REUSE }');
    }
    const full = shape!;
    if (core.vars.has(`${name}/part_0`)) {
      if (!core.vars.has(`${name}/part_${numSlices - 1}`)) {
        throw scopeError('partitions_mismatch', `Partitioner returned a different partitioning than what was already found.  Partitioner returned ${numSlices} shards, and shard ${name}/part_0 was found, but ${name}/part_${numSlices - 1} was not.`, name, 'use the partitioner the parts were made with');
      }
      if (core.vars.has(`${name}/part_${numSlices}`)) {
        throw scopeError('partitions_mismatch', `Partitioner returned a different partitioning than what was already found.  Partitioner returned ${numSlices} shards, and shard ${name}/part_0 was found, but so was the extra shard ${name}/part_${numSlices}.`, name, 'use the partitioner the parts were made with');
      }
    }
    // One full value, sliced per part (see the file comment).
    const fullValue = value ?? fullInitialValue(core, name, full, req);
    const ownsFull = value === undefined;
    const vs: tf.Variable[] = [];
    try {
      for (const [i, { offset, shape: partShape }] of iterSlices(full, numSlices, sliceDim).entries()) {
        const part = tf.slice(fullValue, offset, partShape);
        try {
          vs.push(getSingleVariable(core, `${name}/part_${i}`, {
            dtype: req.dtype,
            initializer: part,
            regularizer: req.regularizer,
            trainable: req.trainable,
            collections: req.collections,
            reuse: req.reuse,
            constraint: req.constraint,
            saveSliceInfo: { fullName: name, fullShape: [...full], varOffset: offset, varShape: partShape },
          }));
        } finally {
          part.dispose();
        }
      }
    } finally {
      if (ownsFull) fullValue.dispose();
    }
    const pv = new PartitionedVariable(name, [...full], req.dtype, vs, partitions!);
    partitioned.set(name, pv);
    return pv;
  } finally {
    if (ownsValue) value!.dispose();
  }
}

function fullInitialValue(core: StoreCore, name: string, shape: number[], req: PartitionedRequest): tf.Tensor {
  const fn = (req.initializer as Initializer | undefined) ?? defaultInitializer(name, req.dtype);
  const value = fn([...shape], storageDtype(req.dtype), deriveSeed(core.seed, name));
  const made = value instanceof tf.Tensor ? value : tf.tensor(value as number[], undefined, storageDtype(req.dtype));
  if (!shapesCompatible(shape, made.shape)) {
    made.dispose();
    throw scopeError('initializer_shape_mismatch', `Initializer of ${name} made shape ${formatShape(made.shape)}, but the variable's shape is ${formatShape(shape)}.`, name, 'make the initializer return a value of the full shape');
  }
  return made;
}
