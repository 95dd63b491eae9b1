/**
 * The two halves of `get_variable` around the custom getter (python/ops/variable_scope.py):
 *
 * - `VariableScope.get_variable`: the explicit dtype is checked against a constant initializer
 *   BEFORE defaults are filled in ("Initializer type '%s' and explicit dtype '%s' don't match."),
 *   then every option the call leaves out comes from the scope (initializer, regularizer,
 *   partitioner, constraint, dtype, trainable, reuse) — {@link completeOptions};
 * - `_VariableStore.get_variable`'s `_true_getter`: "If initializer is a constant, do not specify
 *   shape."; a partitioner (for a non-scalar) makes a partitioned variable, `reuse: true` without
 *   one finds an existing partitioned variable; otherwise one variable — {@link getTrueVariable}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import type { GetVariableResult } from './custom-getter.js';
import { getPartitionedVariable, type PartitionedVariable } from './partitioned-variable.js';
import type { VariableDtype } from './scope-stack.js';
import { getSingleVariable, inferDtype, storageDtype, type SingleVariableRequest, type StoreCore } from './single-variable.js';
import type { ReuseMode } from './graph-keys.js';
import type { VariableScope } from './variable-scope.js';
import type { Constraint } from './create.js';
import type { CustomGetter } from './custom-getter.js';
import type { Partitioner } from './partitioners.js';
import type { Regularizer } from './regularizers.js';
import type { InitializerLike } from './single-variable.js';

/** Options of `VariableStore.getVariable`. */
export interface GetVariableOptions {
  /** Required unless `initializer` is a constant (then it must be omitted, as in TF) or a zero-argument function. */
  shape?: number[];
  /** Default: the scope's dtype, else float32 (or the constant's dtype). */
  dtype?: VariableDtype;
  /**
   * An initializer function of (shape, dtype, seed); a constant initial value (tensor or
   * numbers; no shape); or, without shape, a zero-argument function returning the value.
   * Default: the scope's initializer, else glorot uniform (floats) / zeros (ints, bool, string).
   */
  initializer?: InitializerLike;
  /** Penalty recorded in `regularization_losses` when the variable is created; default the scope's. `noRegularizer` turns the scope's off. */
  regularizer?: Regularizer | null;
  /** Default: the scope's `trainable`, else true. */
  trainable?: boolean;
  /** Collections to add to; default `[variables]` (+ `trainable_variables` when trainable). */
  collections?: string[];
  /** Overrides the scope's reuse for this call. */
  reuse?: ReuseMode;
  /** Split the variable into parts (`<name>/part_<i>`); default the scope's. Returns a PartitionedVariable. */
  partitioner?: Partitioner;
  /** Custom getter for this call; default the scope's (composed ones included). */
  customGetter?: CustomGetter;
  /** Projection applied after each optimizer update (`var.assign(constraint(var))`); default the scope's. */
  constraint?: Constraint;
}


/** The options the custom getter (and then the true getter) receives. */
export function completeOptions(scope: VariableScope, fullName: string, options: GetVariableOptions): GetVariableOptions {
  const getter = options.customGetter ?? scope.customGetter;
  if (getter !== undefined && typeof getter !== 'function') {
    throw new ScopeError('custom_getter_not_callable', `Passed a custom_getter which is not callable: ${String(getter)}`, {
      hint: 'pass a function (getter, name, options) => variable',
      details: { name: fullName },
    });
  }
  const partitioner = options.partitioner ?? scope.partitioner;
  if (partitioner !== undefined && typeof partitioner !== 'function') {
    throw new ScopeError('partitioner_not_callable', `Partitioner must be callable, but received: ${String(partitioner)}`, {
      hint: 'pass a partitioner such as fixedSizePartitioner(2)',
      details: { name: fullName },
    });
  }
  const init = options.initializer;
  const constant = init !== undefined && typeof init !== 'function';
  if (constant && options.dtype !== undefined) {
    const initDtype = init instanceof tf.Tensor ? init.dtype : inferDtype(init as number[]);
    if (initDtype !== storageDtype(options.dtype)) {
      throw new ScopeError('initializer_dtype_mismatch', `Initializer type '${initDtype}' and explicit dtype '${options.dtype}' don't match.`, {
        hint: 'make the constant initial value the same dtype as the variable',
        details: { name: fullName, initializer: initDtype, dtype: options.dtype },
      });
    }
  }
  let dtype: VariableDtype = options.dtype ?? scope.dtype ?? 'float32';
  if (constant && options.dtype === undefined) dtype = init instanceof tf.Tensor ? init.dtype : inferDtype(init as number[]);
  return {
    ...options,
    dtype,
    initializer: init ?? scope.initializer,
    regularizer: options.regularizer ?? scope.regularizer,
    partitioner,
    constraint: options.constraint ?? scope.constraint,
    trainable: options.trainable ?? scope.trainable ?? true,
    reuse: options.reuse ?? scope.reuse,
  };
}

/** `_true_getter(name, …)`: a partitioned variable, or one variable. */
export function getTrueVariable(core: StoreCore, partitioned: Map<string, PartitionedVariable>, fullName: string, o: GetVariableOptions): GetVariableResult {
  const init = o.initializer;
  const constant = init !== undefined && typeof init !== 'function';
  if (constant && o.shape !== undefined) {
    throw new ScopeError('constant_initializer_with_shape', 'If initializer is a constant, do not specify shape.', {
      hint: `drop shape for "${fullName}": it is taken from the constant`,
      details: { name: fullName },
    });
  }
  const reuse: ReuseMode = o.reuse ?? false;
  const dtype = o.dtype ?? (init instanceof tf.Tensor ? init.dtype : Array.isArray(init) ? inferDtype(init) : 'float32');
  const req: SingleVariableRequest = { shape: o.shape, dtype, initializer: init, regularizer: o.regularizer, trainable: o.trainable ?? true, collections: o.collections, reuse, constraint: o.constraint };
  const isScalar = o.shape !== undefined && o.shape.length === 0;
  if ((o.partitioner && !isScalar) || (reuse === true && !o.partitioner && partitioned.has(fullName))) {
    return getPartitionedVariable(core, partitioned, fullName, { ...req, partitioner: o.partitioner });
  }
  return getSingleVariable(core, fullName, req);
}
