/**
 * VariableStore: what a TF1 graph is to its variables — the `_VariableStore` of get_variable, the
 * name-scope stack, the variable-scope stack and the collections — on TF.js variables.
 * One store per model. Rules reproduced (docs/design/TF-SEMANTICS.md §1–2, python/ops/variable_scope.py,
 * python/framework/ops.py, python/training/training_util.py):
 *
 * - `getVariable(name)` names `<variable scope>/<name>` and ignores name scopes; `variable()`
 *   (`tf.Variable`) names `<name stack>/<name>`, uniquified (`w`, `w_1`); both ops are uniquified
 *   case-insensitively in one namespace, so a `tf.Variable` holding `foo/v` makes a later
 *   get_variable `foo/v` get the op name `foo/v_1` (its store key stays `foo/v`).
 * - Reuse: store key present + reuse false → "already exists"; + reuse true/AUTO_REUSE → shape and
 *   dtype checks, then the same variable; absent + reuse true → "does not exist"; else create.
 * - `variableScope(string)` does not uniquify the variable-scope name, but its auxiliary name
 *   scope is (`foo`, `foo_1`); reuse is inherited by children and cannot be switched off inside.
 *   Re-entering a scope object jumps to its name, keeps the object's reuse unless `reuse: true`.
 *   `defaultName` scopes are uniquified per parent (`Conv`, `Conv_1`) with TF's count/reset rules.
 *
 * Scope bodies run synchronously (TF.js compute is synchronous); an async body is refused.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import { newVariable } from './create.js';
import { GraphKeys, type ReuseMode } from './graph-keys.js';
import { glorotUniformInitializer, zerosInitializer, deriveSeed, type Initializer } from './initializers.js';
import { checkScopeName, formatShape } from './names.js';
import { Collections } from './collections.js';
import type { VariableScope } from './variable-scope.js';
import { ParameterSet, type SelectOptions } from './parameter-set.js';
import { checkGlobalStep } from './global-step-check.js';
import { ScopeStack, type VariableDtype, type VariableScopeOptions } from './scope-stack.js';

export type { VariableDtype, VariableScopeOptions } from './scope-stack.js';

/** Options of {@link VariableStore.getVariable}. */
export interface GetVariableOptions {
  /** Required unless `initializer` is a constant (then it must be omitted, as in TF). */
  shape?: number[];
  /** Default: the scope's dtype, else float32 (or the constant's dtype). */
  dtype?: VariableDtype;
  /** An initializer function, or a constant initial value (tensor or numbers). */
  initializer?: Initializer | tf.Tensor | number[];
  /** Default: the scope's `trainable`, else true. */
  trainable?: boolean;
  /** Collections to add to; default `[variables]` (+ `trainable_variables` when trainable). */
  collections?: string[];
  /** Overrides the scope's reuse for this call. */
  reuse?: ReuseMode;
}

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
  private readonly opNames = new Map<tf.Variable, string>();
  private readonly int64 = new Set<tf.Variable>();
  private readonly collections: Collections;

  constructor(options: { seed?: number } = {}) {
    this.seed = options.seed ?? 0;
    this.scopes = new ScopeStack(this);
    this.collections = new Collections((item) => this.itemName(item));
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
   * `tf.get_variable(name, shape, dtype, initializer, trainable, collections)` in the current
   * variable scope, with TF's reuse rules and error texts.
   * @throws ScopeError `variable_exists`, `variable_not_found`, `shape_mismatch`, `dtype_mismatch`,
   *   `constant_initializer_with_shape`, `shape_not_fully_defined`, `initializer_dtype_mismatch`, `initializer_required`
   */
  getVariable(name: string, options: GetVariableOptions = {}): tf.Variable {
    const scope = this.scopes.current;
    const reuse = options.reuse ?? scope.reuse;
    const fullName = scope.name ? `${scope.name}/${name}` : name;
    const constant = options.initializer !== undefined && typeof options.initializer !== 'function';
    if (constant && options.dtype !== undefined) {
      const initDtype = options.initializer instanceof tf.Tensor ? options.initializer.dtype : inferDtype(options.initializer as number[]);
      if (initDtype !== storageDtype(options.dtype)) {
        throw new ScopeError('initializer_dtype_mismatch', `Initializer type '${initDtype}' and explicit dtype '${options.dtype}' don't match.`, {
          hint: 'make the constant initial value the same dtype as the variable',
          details: { name: fullName, initializer: initDtype, dtype: options.dtype },
        });
      }
    }
    if (constant && options.shape !== undefined) {
      throw new ScopeError('constant_initializer_with_shape', 'If initializer is a constant, do not specify shape.', {
        hint: `drop shape for "${fullName}": it is taken from the constant`,
        details: { name: fullName },
      });
    }
    let dtype: VariableDtype = options.dtype ?? scope.dtype ?? 'float32';
    if (constant && options.dtype === undefined) {
      dtype = options.initializer instanceof tf.Tensor ? options.initializer.dtype : inferDtype(options.initializer as number[]);
    }
    const found = this.vars.get(fullName);
    if (found) {
      if (reuse === false) {
        throw new ScopeError('variable_exists', `Variable ${fullName} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?`, {
          hint: 'open the scope with { reuse: true } or { reuse: AUTO_REUSE } to share it, or use another name',
          details: { name: fullName },
        });
      }
      if (options.shape !== undefined && !shapesCompatible(options.shape, found.shape)) {
        throw new ScopeError('shape_mismatch', `Trying to share variable ${fullName}, but specified shape ${formatShape(options.shape)} and found shape ${formatShape(found.shape)}.`, {
          hint: 'ask for the shape the variable was created with, or use another name',
          details: { name: fullName, expected: options.shape, found: [...found.shape] },
        });
      }
      const foundDtype: VariableDtype = this.int64.has(found) ? 'int64' : found.dtype;
      if (dtype !== foundDtype) {
        throw new ScopeError('dtype_mismatch', `Trying to share variable ${fullName}, but specified dtype ${dtype} and found dtype ${foundDtype}.`, {
          hint: 'ask for the dtype the variable was created with',
          details: { name: fullName, expected: dtype, found: foundDtype },
        });
      }
      return found;
    }
    if (reuse === true) {
      throw new ScopeError('variable_not_found', `Variable ${fullName} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?`, {
        hint: 'create it first (reuse: false), or open the scope with { reuse: AUTO_REUSE }',
        details: { name: fullName },
      });
    }
    let initial: tf.Tensor;
    let owned = true;
    if (options.initializer instanceof tf.Tensor) {
      initial = options.initializer;
      owned = false;
    } else if (Array.isArray(options.initializer)) {
      initial = tf.tensor(options.initializer, undefined, storageDtype(dtype));
    } else {
      const shape = options.shape;
      if (shape === undefined || shape.some((d) => d === null || d < 0)) {
        throw new ScopeError('shape_not_fully_defined', `Shape of a new variable (${fullName}) must be fully defined, but instead was ${formatShape(shape)}.`, {
          hint: 'pass shape with every dimension known, or a constant initializer',
          details: { name: fullName, shape: shape ?? null },
        });
      }
      const init = (options.initializer as Initializer | undefined) ?? scope.initializer ?? defaultInitializer(fullName, dtype);
      initial = init([...shape], storageDtype(dtype), deriveSeed(this.seed, fullName));
    }
    const trainable = options.trainable ?? scope.trainable ?? true;
    // get_variable opens name_scope(None): the op is named at the root, uniquified against
    // tf.Variables. A full name ending in "/" (get_variable("") in a scope, as slot_creator does
    // for `w/Adam`) is taken as an absolute name scope: the op is the name without the slash.
    checkScopeName(fullName, true);
    const opName = fullName.endsWith('/') ? fullName.slice(0, -1) : this.scopes.registry.uniqueName(fullName, '');
    const v = this.register(opName, initial, dtype, trainable, options.collections);
    if (owned) initial.dispose();
    this.vars.set(fullName, v);
    return v;
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
  variable(initialValue: tf.Tensor | number | number[], options: VariableOptions = {}): tf.Variable {
    const opName = this.scopes.variableOpName(options.name || 'Variable');
    let dtype: VariableDtype;
    let initial: tf.Tensor;
    let owned = true;
    if (initialValue instanceof tf.Tensor) {
      dtype = options.dtype ?? initialValue.dtype;
      initial = initialValue.dtype === storageDtype(dtype) ? initialValue : tf.cast(initialValue, storageDtype(dtype));
      owned = initial !== initialValue;
    } else {
      const values = typeof initialValue === 'number' ? [initialValue] : initialValue;
      dtype = options.dtype ?? inferDtype(values);
      initial = typeof initialValue === 'number' ? tf.scalar(initialValue, storageDtype(dtype)) : tf.tensor(initialValue, undefined, storageDtype(dtype));
    }
    const v = this.register(opName, initial, dtype, options.trainable ?? true, options.collections);
    if (owned) initial.dispose();
    return v;
  }

  private register(opName: string, initial: tf.Tensor, dtype: VariableDtype, trainable: boolean, collections: string[] | undefined): tf.Variable {
    const v = newVariable(opName, initial, { trainable, dtype: storageDtype(dtype), declaredDtype: dtype === 'int64' ? 'int64' : undefined });
    this.opNames.set(v, opName);
    if (dtype === 'int64') this.int64.add(v);
    const keys = [...(collections && collections.length > 0 ? collections : [GraphKeys.GLOBAL_VARIABLES])];
    if (trainable && !keys.includes(GraphKeys.TRAINABLE_VARIABLES)) keys.push(GraphKeys.TRAINABLE_VARIABLES);
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

  // ---- global step --------------------------------------------------------------------------

  /**
   * `tf.train.get_global_step()`: the one variable in the `global_step` collection, else a
   * variable whose op name is `global_step`, else undefined; what is found must be an integer
   * scalar (training_util.py `get_global_step` calls `assert_global_step`).
   * @throws ScopeError `multiple_global_steps`
   * @throws InvalidArgumentError `invalid_global_step` (TF's "does not have integer type" / "is not scalar")
   */
  getGlobalStep(): tf.Variable | undefined {
    const inCollection = this.getCollection(GraphKeys.GLOBAL_STEP);
    let found: tf.Variable | undefined;
    if (inCollection.length === 1) found = inCollection[0];
    if (inCollection.length > 1) {
      throw new ScopeError('multiple_global_steps', 'Multiple tensors in global_step collection.', {
        hint: 'create the global step once, with getOrCreateGlobalStep()',
        details: { count: inCollection.length },
      });
    }
    if (found === undefined) for (const [v, n] of this.opNames) if (n === 'global_step') found = v;
    if (found !== undefined) checkGlobalStep(found, this.opNames.get(found) ?? found.name);
    return found;
  }

  /**
   * `tf.train.create_global_step()`: like {@link getOrCreateGlobalStep} but refuses when this
   * store already has one (training_util.py: `ValueError('"global_step" already exists.')`).
   * @throws ScopeError `global_step_exists`
   */
  createGlobalStep(): tf.Variable {
    if (this.getGlobalStep() !== undefined) {
      throw new ScopeError('global_step_exists', '"global_step" already exists.', {
        hint: 'use getOrCreateGlobalStep() / getGlobalStep() to reuse the existing one',
        details: { name: this.opNames.get(this.getGlobalStep()!) },
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
    const existing = this.getGlobalStep();
    if (existing) return existing;
    // get_variable ignores the name scope, so TF's name_scope(None) changes nothing here.
    return this.getVariable(GraphKeys.GLOBAL_STEP, {
      shape: [],
      dtype: 'int64',
      initializer: zerosInitializer(),
      trainable: false,
      collections: [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
    });
  }

  /** Dispose every TF.js variable this store created; the store must not be used afterwards. */
  dispose(): void {
    for (const v of this.opNames.keys()) if (!v.isDisposed) v.dispose();
    this.opNames.clear();
    this.vars.clear();
  }
}

/** The TF.js dtype that holds a variable of `dtype`. */
export function storageDtype(dtype: VariableDtype): tf.DataType {
  return dtype === 'int64' ? 'int32' : dtype;
}

function inferDtype(values: readonly number[]): tf.DataType {
  return values.flat(Infinity as 1).every((x) => Number.isInteger(x)) ? 'int32' : 'float32';
}

function shapesCompatible(asked: readonly number[], found: readonly number[]): boolean {
  if (asked.length !== found.length) return false;
  return asked.every((d, i) => d === null || d < 0 || d === found[i]);
}

/**
 * variable_scope.py `_VariableStore._get_default_initializer`: glorot uniform for floats, zeros
 * for ints/bool/string (`dtype.is_integer or … or dtype == dtypes.string`; a string's zero is
 * `""`), else required (complex).
 */
function defaultInitializer(name: string, dtype: VariableDtype): Initializer {
  if (dtype === 'float32') return glorotUniformInitializer();
  if (dtype === 'int32' || dtype === 'int64' || dtype === 'bool' || dtype === 'string') return zerosInitializer();
  throw new ScopeError('initializer_required', `An initializer for variable ${name} of ${dtype} is required`, {
    hint: 'pass initializer for this dtype',
    details: { name, dtype },
  });
}
