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
import type { GetVariableOptions } from './store.js';
import type { VariableScope } from './variable-scope.js';

/** The options the custom getter (and then the true getter) receives. */
export function completeOptions(scope: VariableScope, fullName: string, options: GetVariableOptions): GetVariableOptions {
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
    partitioner: options.partitioner ?? scope.partitioner,
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
