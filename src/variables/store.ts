/**
 * VariableStore: what a TF1 graph is to its variables — the `_VariableStore` of get_variable, the
 * name-scope stack, the variable-scope stack and the collections — on TF.js variables.
 * One store per model. Rules reproduced (docs/design/TF-SEMANTICS.md §1–2, python/ops/variable_scope.py,
 * python/framework/ops.py, python/training/training_util.py); each concern has its file:
 *
 * - scopes, reuse inheritance, default-name counting: scope-stack.ts;
 * - get_variable of one variable (reuse checks, initial values, regularization losses):
 *   single-variable.ts; of a partitioned one: partitioned-variable.ts, partitioners.ts;
 * - custom getters and variable creators: custom-getter.ts; regularizers: regularizers.ts;
 * - `tf.Variable` (`variable()`) is named by the name scope and uniquified (`w`, `w_1`); both ops
 *   share one case-insensitive namespace, so a `tf.Variable` holding `foo/v` makes a later
 *   get_variable `foo/v` get the op name `foo/v_1` (its store key stays `foo/v`).
 *
 * Scope bodies run synchronously (TF.js compute is synchronous); an async body is refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import { newVariable, type Constraint, type SaveSliceInfo } from './create.js';
import { GraphKeys, type ReuseMode } from './graph-keys.js';
import { Collections } from './collections.js';
import type { VariableScope } from './variable-scope.js';
import { ParameterSet, type SelectOptions } from './parameter-set.js';
import { findGlobalStep, GLOBAL_STEP_OPTIONS } from './global-step-check.js';
import { ScopeStack, type VariableDtype, type VariableScopeOptions } from './scope-stack.js';
import { storageDtype, variableInitialValue, type StoreCore } from './single-variable.js';
import type { PartitionedVariable } from './partitioned-variable.js';
import { completeOptions, getTrueVariable, type GetVariableOptions } from './get-variable.js';
import type { Partitioner } from './partitioners.js';
import { evaluateLosses, sumLosses } from './regularizers.js';
import { chainCreators, type GetVariableResult, type VariableCreator, type VariableCreatorArgs } from './custom-getter.js';

export type { VariableDtype, VariableScopeOptions } from './scope-stack.js';
export { storageDtype };
export type { GetVariableOptions } from './get-variable.js';

/** Options of {@link VariableStore.variable} (`tf.Variable`). */
export interface VariableOptions {
  /** Op name under the current name scope, uniquified; default `Variable`. */
  name?: string;
  /** Default true. */
  trainable?: boolean;
  /** Default `[variables]` (+ `trainable_variables` when trainable). */
  collections?: string[];
  /** Default: the tensor's dtype; for numbers int32 if all are integers (as Python ints), else float32. */
  dtype?: VariableDtype;
  /** Projection applied after each optimizer update. */
  constraint?: Constraint;
}

type Item = unknown;

let defaultStoreInstance: VariableStore | undefined;

/** The process-wide default store (TF's default graph), created on first use. */
export function defaultStore(): VariableStore {
  defaultStoreInstance ??= new VariableStore();
  return defaultStoreInstance;
}

/** `tf.reset_default_graph()`: the next defaultStore() is a fresh store (old variables are not disposed). */
export function resetDefaultStore(): void {
  defaultStoreInstance = undefined;
}

/** Scoped variables, collections and naming for one model (a TF1 graph). */
export class VariableStore {
  /** Seed that, with each variable's full name, determines its initial value. */
  readonly seed: number;
  private readonly scopes: ScopeStack;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly partitionedVars = new Map<string, PartitionedVariable>();
  private readonly opNames = new Map<tf.Variable, string>();
  private readonly int64 = new Set<tf.Variable>();
  private readonly collections: Collections;
  private readonly creators: VariableCreator[] = [];
  private readonly core: StoreCore;

  constructor(options: { seed?: number } = {}) {
    this.seed = options.seed ?? 0;
    this.scopes = new ScopeStack(this);
    this.collections = new Collections((item) => this.itemName(item));
    this.core = {
      seed: this.seed,
      vars: this.vars,
      isInt64: (v) => this.int64.has(v),
      hasPartitioned: (n) => this.partitionedVars.has(n),
      uniqueOpName: (n) => this.scopes.registry.uniqueName(n, ''),
      create: (opName, initial, dtype, trainable, collections, extra) => this.register(opName, initial, dtype, trainable, collections, extra),
      addToCollection: (k, v) => this.collections.add(k, v),
    };
  }

  // ---- scopes -------------------------------------------------------------------------------

  /** The current variable scope (`tf.get_variable_scope()`). */
  getVariableScope(): VariableScope {
    return this.scopes.current;
  }

  /** The current name scope without trailing `/` (`ops.get_name_scope()`), `''` at the root. */
  getNameScope(): string {
    return this.scopes.nameStack;
  }

  /**
   * `tf.name_scope(name)`: `fn` receives the scope string (`foo/`, `''` at the root). A name
   * ending in `/` re-enters that scope as is; null or `''` resets to the root.
   * @throws ScopeError `invalid_scope_name`, `async_scope_body`
   */
  nameScope<T>(name: string | null, fn: (scopeName: string) => T): T {
    return this.scopes.nameScope(name, fn);
  }

  /**
   * `tf.variable_scope(name_or_scope, default_name, reuse=…, initializer=…, dtype=…)`.
   * @throws ScopeError `invalid_reuse`, `scope_name_required`, `reuse_without_name`, `invalid_scope_name`, `async_scope_body`
   * @example
   * store.variableScope('inference', { reuse: AUTO_REUSE }, () => conv2d(store, x, 32, 3, { scope: 'conv1' }));
   */
  variableScope<T>(nameOrScope: string | VariableScope | null, options: VariableScopeOptions | undefined, fn: (scope: VariableScope) => T): T {
    return this.scopes.variableScope(nameOrScope, options, fn);
  }


  // ---- variables ----------------------------------------------------------------------------

  /**
   * `tf.get_variable(name, shape, dtype, initializer, regularizer, trainable, collections,
   * partitioner, custom_getter, constraint)` in the current variable scope, with TF's reuse rules
   * and error texts. Options the call leaves out come from the scope (initializer, regularizer,
   * partitioner, custom getter, constraint, dtype, trainable), then the scope's custom getter (if
   * any) is called with the full name and the completed options (custom-getter.ts).
   * With a partitioner it returns a {@link PartitionedVariable}; under a custom getter, whatever
   * the getter returns (the type parameter says what the caller expects; default tf.Variable).
   * @throws ScopeError `variable_exists`, `variable_not_found`, `shape_mismatch`, `dtype_mismatch`,
   *   `constant_initializer_with_shape`, `shape_not_fully_defined`, `initializer_dtype_mismatch`,
   *   `initializer_required`, `partitioned_variable_exists`, `unpartitioned_variable_exists`,
   *   `partitions_mismatch`, `bad_partitions`
   */
  getVariable(name: string, options: GetVariableOptions & { partitioner: Partitioner }): PartitionedVariable;
  getVariable<T extends GetVariableResult = tf.Variable>(name: string, options?: GetVariableOptions): T;
  getVariable(name: string, options: GetVariableOptions = {}): GetVariableResult {
    const scope = this.scopes.current;
    const fullName = scope.name ? `${scope.name}/${name}` : name;
    const completed = completeOptions(scope, fullName, options);
    const customGetter = options.customGetter ?? scope.customGetter;
    const trueGetter = (n: string, o: GetVariableOptions = {}): GetVariableResult => getTrueVariable(this.core, this.partitionedVars, n, o);
    return customGetter ? customGetter(trueGetter, fullName, completed) : trueGetter(fullName, completed);
  }

  /**
   * `tf.get_local_variable`: getVariable with `trainable: false` and collections
   * `[...collections, local_variables]` (not `variables`, so a default Saver leaves it out).
   */
  getLocalVariable<T extends GetVariableResult = tf.Variable>(name: string, options: GetVariableOptions = {}): T {
    const collections = [...(options.collections ?? []), GraphKeys.LOCAL_VARIABLES];
    return this.getVariable<T>(name, { ...options, trainable: false, collections });
  }

  /** The partitioned variables made by getVariable, by full name. */
  partitionedVariables(): PartitionedVariable[] {
    return [...this.partitionedVars.values()];
  }

  /**
   * `tf.variable_creator_scope(creator)`: every variable created inside `fn` (getVariable's and
   * variable()'s) goes through `creator(next, args)`; nested creators run innermost first.
   */
  variableCreatorScope<T>(creator: VariableCreator, fn: () => T): T {
    this.creators.push(creator);
    try {
      return this.scopes.runSync(fn());
    } finally {
      this.creators.pop();
    }
  }

  /** slim `model_variable`: getVariable, also added to `model_variables`. */
  modelVariable(name: string, options: GetVariableOptions = {}): tf.Variable {
    const collections = [...(options.collections ?? []), GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES];
    return this.getVariable(name, { ...options, collections: [...new Set(collections)] });
  }

  /**
   * `tf.Variable(initial_value, name=…)`: named by the current NAME scope (variable scopes count
   * only through the name scope they open), uniquified (`w`, `w_1`); never reusable by getVariable.
   */
  variable(initialValue: tf.Tensor | number | number[] | (() => tf.Tensor), options: VariableOptions = {}): tf.Variable {
    const opName = this.scopes.variableOpName(options.name || 'Variable');
    const { initial, dtype, release } = variableInitialValue(initialValue, options.dtype);
    try {
      return this.register(opName, initial, dtype, options.trainable ?? true, options.collections, { constraint: options.constraint });
    } finally {
      release();
    }
  }

  /** Create a variable through the creator stack (variable_creator_scope); the last creator is {@link defaultCreator}. */
  private register(opName: string, initial: tf.Tensor, dtype: VariableDtype, trainable: boolean, collections: string[] | undefined, extra: { constraint?: Constraint; saveSliceInfo?: SaveSliceInfo } = {}): tf.Variable {
    const keys = [...(collections && collections.length > 0 ? collections : [GraphKeys.GLOBAL_VARIABLES])];
    const args: VariableCreatorArgs = { initialValue: initial, name: opName, trainable, dtype, collections: keys, constraint: extra.constraint };
    const create = chainCreators(this.creators, (a) => this.defaultCreator(a, opName, extra.saveSliceInfo));
    const v = create(args);
    if (!(v instanceof tf.Variable)) {
      throw new ScopeError('bad_variable_creator', `a variable creator returned ${typeof v} for ${opName}, not a tf.Variable`, {
        hint: 'a creator must return next(args) (or another tf.Variable)',
        details: { name: opName },
      });
    }
    if (!this.opNames.has(v)) {
      // A creator that made its own tf.Variable: adopt it under the name asked for.
      this.opNames.set(v, opName);
      for (const k of new Set(args.collections)) this.collections.add(k, v);
    }
    return v;
  }

  /** TF's `default_variable_creator`: a TF.js variable named by `args.name`, in `args.collections` (+ trainable_variables). */
  private defaultCreator(args: VariableCreatorArgs, reserved: string, saveSliceInfo: SaveSliceInfo | undefined): tf.Variable {
    // A creator that renamed the variable gets the new name made unique, as an op name would be.
    const name = args.name === reserved ? reserved : this.scopes.registry.uniqueName(args.name, '');
    const stored = storageDtype(args.dtype);
    const value = args.initialValue.dtype === stored ? args.initialValue : tf.cast(args.initialValue, stored);
    let v: tf.Variable;
    try {
      v = newVariable(name, value, { trainable: args.trainable, dtype: stored, declaredDtype: args.dtype === 'int64' ? 'int64' : undefined, constraint: args.constraint, saveSliceInfo });
    } finally {
      if (value !== args.initialValue) value.dispose();
    }
    this.opNames.set(v, name);
    if (args.dtype === 'int64') this.int64.add(v);
    const keys = [...args.collections];
    if (args.trainable && !keys.includes(GraphKeys.TRAINABLE_VARIABLES)) keys.push(GraphKeys.TRAINABLE_VARIABLES);
    for (const k of new Set(keys)) this.collections.add(k, v);
    return v;
  }

  /** The op name of a variable of this store (`inference/conv1/weights`): its checkpoint key. */
  nameOf(v: tf.Variable): string {
    const n = this.opNames.get(v);
    if (n === undefined) {
      throw new ScopeError('unknown_variable', `TF.js variable "${v.name}" was not created by this VariableStore`, {
        hint: 'create variables with store.getVariable / store.variable, or adapt a LayersModel with parametersFromLayersModel',
        details: { variable: v.name },
      });
    }
    return n;
  }

  /** The display name TF prints (`inference/conv1/weights:0`). */
  displayNameOf(v: tf.Variable): string {
    return this.nameOf(v) + ':0';
  }

  /** Whether the variable was declared int64 (held as int32, saved as int64). */
  isInt64(v: tf.Variable): boolean {
    return this.int64.has(v);
  }

  // ---- collections --------------------------------------------------------------------------

  private itemName(item: Item): string | undefined {
    if (item instanceof tf.Variable) {
      const n = this.opNames.get(item);
      return n === undefined ? undefined : n + ':0';
    }
    if ((typeof item === 'object' || typeof item === 'function') && item !== null) {
      const n = (item as { name?: unknown }).name;
      return typeof n === 'string' && n !== '' ? n : undefined;
    }
    return undefined;
  }

  /**
   * `tf.get_collection(key, scope)`: insertion order; `scope` is a REGULAR EXPRESSION matched at
   * the start of the name with `:0` (so `Logits` also matches `LogitsExtra/w:0`). For `/`-boundary
   * selection use {@link parameters} with `include`/`exclude`.
   * @throws InvalidArgumentError `invalid_scope_regex`
   */
  getCollection<T = tf.Variable>(key: string, scope?: string): T[] {
    return this.collections.get<T>(key, scope);
  }

  /** `tf.add_to_collection(key, value)`. */
  addToCollection(key: string, value: unknown): void {
    this.collections.add(key, value);
  }

  /** `tf.add_to_collections(keys, value)`: each distinct key once. */
  addToCollections(keys: readonly string[], value: unknown): void {
    for (const k of new Set(keys)) this.collections.add(k, value);
  }

  /** `tf.get_collection_ref(key)`: the live list. */
  getCollectionRef(key: string): unknown[] {
    return this.collections.ref(key);
  }

  /** `tf.trainable_variables(scope)` (TF regex semantics). */
  trainableVariables(scope?: string): tf.Variable[] {
    return this.getCollection(GraphKeys.TRAINABLE_VARIABLES, scope);
  }

  /** `tf.global_variables(scope)` (TF regex semantics). */
  globalVariables(scope?: string): tf.Variable[] {
    return this.getCollection(GraphKeys.GLOBAL_VARIABLES, scope);
  }

  /** `tf.model_variables(scope)` (TF regex semantics). */
  modelVariables(scope?: string): tf.Variable[] {
    return this.getCollection(GraphKeys.MODEL_VARIABLES, scope);
  }

  /** `tf.local_variables(scope)` (TF regex semantics). */
  localVariables(scope?: string): tf.Variable[] {
    return this.getCollection(GraphKeys.LOCAL_VARIABLES, scope);
  }

  /**
   * All global variables as a ParameterSet (collection order; names without `:0`; trainable =
   * in `trainable_variables`; int64 variables carry saveDtype 'int64'), optionally selected with
   * Graft's `/`-boundary scopes.
   */
  parameters(options?: SelectOptions): ParameterSet {
    const trainable = new Set(this.getCollection(GraphKeys.TRAINABLE_VARIABLES));
    const set = new ParameterSet();
    for (const v of this.getCollection<unknown>(GraphKeys.GLOBAL_VARIABLES)) {
      if (!(v instanceof tf.Variable) || !this.opNames.has(v) || set.has(this.nameOf(v))) continue;
      set.add(this.nameOf(v), v, { trainable: trainable.has(v), saveDtype: this.int64.has(v) ? 'int64' : undefined });
    }
    return options ? set.select(options) : set;
  }

  // ---- regularization losses ----------------------------------------------------------------

  /**
   * `tf.losses.get_regularization_losses(scope)`: the penalties of `regularization_losses`
   * (TF regex `scope` on their names, `<var>/Regularizer/<op>:0`), each computed NOW from the
   * variables' current values — call it inside the loss function of a training step so the
   * penalties are differentiated. Tensors already in the collection are returned as they are.
   */
  getRegularizationLosses(scope?: string): tf.Tensor[] {
    return evaluateLosses(this.getCollection<unknown>(GraphKeys.REGULARIZATION_LOSSES, scope));
  }

  /**
   * `tf.losses.get_regularization_loss(scope)`: `add_n` of {@link getRegularizationLosses}, or
   * 0.0 when there are none (TF names it `total_regularization_loss`).
   * @example
   * opt.minimize(() => tf.add(crossEntropy(batch), store.getRegularizationLoss()));
   */
  getRegularizationLoss(scope?: string): tf.Scalar {
    return sumLosses(this.getRegularizationLosses(scope));
  }

  // ---- global step --------------------------------------------------------------------------

  /**
   * `tf.train.get_global_step()`: the one variable in the `global_step` collection, else a
   * variable whose op name is `global_step`, else undefined; what is found must be an integer
   * scalar (training_util.py `get_global_step` calls `assert_global_step`).
   * @throws ScopeError `multiple_global_steps`
   * @throws InvalidArgumentError `invalid_global_step` (TF's "does not have integer type" / "is not scalar")
   */
  getGlobalStep(): tf.Variable | undefined {
    return findGlobalStep(this.getCollection(GraphKeys.GLOBAL_STEP), this.opNames);
  }

  /**
   * `tf.train.create_global_step()`: like {@link getOrCreateGlobalStep} but refuses when this
   * store already has one (training_util.py: `ValueError('"global_step" already exists.')`).
   * @throws ScopeError `global_step_exists`
   */
  createGlobalStep(): tf.Variable {
    const existing = this.getGlobalStep();
    if (existing !== undefined) {
      throw new ScopeError('global_step_exists', '"global_step" already exists.', {
        hint: 'use getOrCreateGlobalStep() / getGlobalStep() to reuse the existing one',
        details: { name: this.opNames.get(existing) },
      });
    }
    return this.getOrCreateGlobalStep();
  }

  /**
   * `tf.train.get_or_create_global_step()`: `global_step`, shape [], int64 in checkpoints (int32
   * in TF.js), zeros, not trainable, collections [variables, global_step]; created with
   * get_variable at the root name scope (training_util.py `create_global_step`).
   */
  getOrCreateGlobalStep(): tf.Variable {
    // get_variable ignores the name scope, so TF's name_scope(None) changes nothing here.
    return this.getGlobalStep() ?? this.getVariable<tf.Variable>(GraphKeys.GLOBAL_STEP, { ...GLOBAL_STEP_OPTIONS, shape: [] });
  }

  /** Dispose every TF.js variable this store created; the store must not be used afterwards. */
  dispose(): void {
    for (const v of this.opNames.keys()) if (!v.isDisposed) v.dispose();
    this.opNames.clear();
    this.vars.clear();
    this.partitionedVars.clear();
  }
}
