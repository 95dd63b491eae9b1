/**
 * Custom getters and variable creators (python/ops/variable_scope.py):
 *
 * - `variable_scope(name, custom_getter=g)`: every `get_variable` inside calls
 *   `g(getter, name, options)` with the FULL name and the options already completed with the
 *   scope's defaults (initializer, regularizer, partitioner, constraint, dtype, trainable);
 *   `getter(name, options)` is the real one. Nested scopes compose as
 *   `_maybe_wrap_custom_getter`: the inner scope's getter runs first and its `getter` argument
 *   is the outer scope's getter bound to the real one — outer wraps the true getter, inner wraps
 *   the outer.
 * - `variable_creator_scope(creator)`: every variable creation (get_variable's and `tf.Variable`'s)
 *   calls `creator(next, args)`; nested creators chain the same way, innermost first, and the
 *   last `next` creates the variable (variables.py `_variable_call`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Constraint } from './create.js';
import type { GetVariableOptions } from './get-variable.js';
import type { PartitionedVariable } from './partitioned-variable.js';
import type { VariableDtype } from './scope-stack.js';

/** What get_variable may return: a variable, a partitioned variable, or (from a custom getter) any tensor. */
export type GetVariableResult = tf.Tensor | PartitionedVariable;

/** The getter a custom getter receives: `getter(fullName, options)`. */
export type VariableGetter = (name: string, options?: GetVariableOptions) => GetVariableResult;

/** `custom_getter(getter, name, **kwargs)`: `name` is the full name, `options` the completed options. */
export type CustomGetter = (getter: VariableGetter, name: string, options: GetVariableOptions) => GetVariableResult;

/** TF `_maybe_wrap_custom_getter(custom_getter, old_getter)`: the new getter calls the old one. */
export function wrapCustomGetter(customGetter: CustomGetter, oldGetter: CustomGetter | undefined): CustomGetter {
  if (oldGetter === undefined) return customGetter;
  return (getter, name, options) => customGetter((n, o) => oldGetter(getter, n, o ?? {}), name, options);
}

/** The arguments of a variable creation, as a creator sees (and may change) them. */
export interface VariableCreatorArgs {
  /** Initial value (the creator does not own it). */
  initialValue: tf.Tensor;
  /** Op name, already made unique in the store (`w`, `foo/v_1`). */
  name: string;
  trainable: boolean;
  /** Declared dtype (`int64` is held as int32). */
  dtype: VariableDtype;
  /** Collections the variable joins (`trainable_variables` is added when trainable). */
  collections: string[];
  constraint?: Constraint;
}

/** `variable_creator(next_creator, **kwargs)`. */
export type VariableCreator = (next: (args: VariableCreatorArgs) => tf.Variable, args: VariableCreatorArgs) => tf.Variable;

/** Chain creators (oldest first in `stack`) around the default creator: the newest runs first. */
export function chainCreators(stack: readonly VariableCreator[], base: (args: VariableCreatorArgs) => tf.Variable): (args: VariableCreatorArgs) => tf.Variable {
  let next = base;
  for (const creator of stack) {
    const previous = next;
    next = (args) => creator(previous, args);
  }
  return next;
}
