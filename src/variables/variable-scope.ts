/**
 * VariableScope: the object `tf.variable_scope` yields (python/ops/variable_scope.py). It carries
 * the scope's full name, its reuse mode and the defaults (initializer, dtype, trainable) that
 * getVariable uses inside it. Scopes are made by {@link VariableStore.variableScope}.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { GraphKeys, type ReuseMode } from './graph-keys.js';
import type { Constraint } from './create.js';
import type { CustomGetter } from './custom-getter.js';
import type { Partitioner } from './partitioners.js';
import type { Regularizer } from './regularizers.js';
import type { InitializerLike } from './single-variable.js';

/** What a scope remembers; see VariableStore.variableScope for how children inherit it. */
export interface VariableScopeInit {
  name: string;
  reuse: ReuseMode;
  initializer?: InitializerLike;
  dtype?: tf.DataType | 'int64';
  trainable?: boolean;
  regularizer?: Regularizer | null;
  partitioner?: Partitioner;
  customGetter?: CustomGetter;
  constraint?: Constraint;
  /** The name scope opened when the scope was first entered (`foo/`), `''` at the root. */
  originalNameScope: string;
}

/** Minimal view of the store a scope needs (its collections). */
export interface ScopeOwner {
  getCollection<T = unknown>(key: string, scope?: string): T[];
}

/** A variable scope: full name, reuse mode and inherited defaults. */
export class VariableScope {
  /** Full name (`inference/conv1`), `''` for the root scope. */
  readonly name: string;
  /** `true`, `AUTO_REUSE`, or `false` (create; TF's None). Inherited by child scopes. */
  reuse: ReuseMode;
  /** Default initializer for getVariable in this scope (else glorot uniform / zeros). */
  initializer?: InitializerLike;
  /** Default regularizer of getVariable (TF `regularizer`; inherited). */
  regularizer?: Regularizer | null;
  /** Default partitioner of getVariable (inherited). */
  partitioner?: Partitioner;
  /** The custom getter of this scope: its own composed with its parents' (custom-getter.ts). */
  customGetter?: CustomGetter;
  /** Default constraint of getVariable (inherited). */
  constraint?: Constraint;
  /** Default dtype (TF: float32). */
  dtype?: tf.DataType | 'int64';
  /** Default trainable flag for getVariable (Graft extension; TF's default is true). */
  trainable?: boolean;
  /** The name scope of the first entry (`foo/`); re-entries may open `foo_1/` for ops. */
  readonly originalNameScope: string;
  private readonly owner: ScopeOwner;

  constructor(owner: ScopeOwner, init: VariableScopeInit) {
    this.owner = owner;
    this.name = init.name;
    this.reuse = init.reuse;
    this.initializer = init.initializer;
    this.dtype = init.dtype;
    this.trainable = init.trainable;
    this.regularizer = init.regularizer;
    this.partitioner = init.partitioner;
    this.customGetter = init.customGetter;
    this.constraint = init.constraint;
    this.originalNameScope = init.originalNameScope;
  }

  /** `scope.reuse_variables()`: reuse=true for the rest of this block and scopes opened in it. */
  reuseVariables(): void {
    this.reuse = true;
  }

  /** `scope.set_initializer(initializer)`: the default initializer for the rest of this block. */
  setInitializer(initializer: InitializerLike | undefined): void {
    this.initializer = initializer;
  }

  /** `scope.set_regularizer(regularizer)`. */
  setRegularizer(regularizer: Regularizer | null | undefined): void {
    this.regularizer = regularizer;
  }

  /** `scope.set_partitioner(partitioner)`. */
  setPartitioner(partitioner: Partitioner | undefined): void {
    this.partitioner = partitioner;
  }

  /** `scope.set_custom_getter(getter)`: REPLACES this scope's getter (no composition, as TF). */
  setCustomGetter(customGetter: CustomGetter | undefined): void {
    this.customGetter = customGetter;
  }

  /** `scope.set_dtype(dtype)`. */
  setDtype(dtype: tf.DataType | 'int64' | undefined): void {
    this.dtype = dtype;
  }

  /**
   * `scope.get_collection(key)`: the collection filtered by `name + "/"` (TF's regex match); at
   * the root scope the filter is `''`, so every named item (variable_scope.py
   * `VariableScope.get_collection`: `scope = self._name + "/" if self._name else ""`).
   */
  getCollection<T = unknown>(key: string): T[] {
    return this.owner.getCollection<T>(key, this.name ? this.name + '/' : '');
  }

  /** `scope.trainable_variables()`: `get_collection(TRAINABLE_VARIABLES)` of this scope. */
  trainableVariables(): tf.Variable[] {
    return this.getCollection<tf.Variable>(GraphKeys.TRAINABLE_VARIABLES);
  }

  /** `scope.global_variables()`: `get_collection(GLOBAL_VARIABLES)` of this scope. */
  globalVariables(): tf.Variable[] {
    return this.getCollection<tf.Variable>(GraphKeys.GLOBAL_VARIABLES);
  }

  /** `scope.local_variables()`: `get_collection(LOCAL_VARIABLES)` of this scope. */
  localVariables(): tf.Variable[] {
    return this.getCollection<tf.Variable>(GraphKeys.LOCAL_VARIABLES);
  }
}
