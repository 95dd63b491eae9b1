/**
 * The real getter of one (unpartitioned) variable: variable_scope.py
 * `_VariableStore._get_single_variable`, with TF's reuse rules and error texts:
 *
 * - full name present + reuse false → "already exists"; + reuse true/AUTO_REUSE → shape
 *   (compatibility: unknown dims pass) and dtype checks, then the same variable; absent + reuse
 *   true → "does not exist"; else create;
 * - `<name>/part_0` present (a partitioned variable of that name) → "No partitioner was provided";
 * - the initial value: a tensor or numbers (no shape allowed), an initializer function of
 *   (shape, dtype, seed), or — when no shape is given — a zero-argument function returning the
 *   value (TF `_needs_no_arguments`);
 * - after creating, the regularizer (if any) is recorded in `regularization_losses` when it
 *   returns a value for the new variable; a reused variable adds no loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import type { Constraint, SaveSliceInfo } from './create.js';
import { GraphKeys, type ReuseMode } from './graph-keys.js';
import { glorotUniformInitializer, zerosInitializer, deriveSeed, type Initializer } from './initializers.js';
import { checkScopeName, formatShape } from './names.js';
import { RegularizationLoss, type Regularizer } from './regularizers.js';
import type { VariableDtype } from './scope-stack.js';

/** An initial value: initializer function, constant (tensor or numbers), or a zero-argument function. */
export type InitializerLike = Initializer | tf.Tensor | number[] | (() => tf.Tensor | number[]);

/** What the getters need from the store that owns the variables. */
export interface StoreCore {
  readonly seed: number;
  /** get_variable's variables by full name (TF `_vars`). */
  readonly vars: Map<string, tf.Variable>;
  isInt64(v: tf.Variable): boolean;
  /** Whether `name` is a partitioned variable of this store (TF `_partitioned_vars`). */
  hasPartitioned(name: string): boolean;
  /** The op name a new get_variable `fullName` gets (uniquified against tf.Variables). */
  uniqueOpName(fullName: string): string;
  /** Create and register a variable through the creator stack. */
  create(opName: string, initial: tf.Tensor, dtype: VariableDtype, trainable: boolean, collections: string[] | undefined, extra: { constraint?: Constraint; saveSliceInfo?: SaveSliceInfo }): tf.Variable;
  addToCollection(key: string, value: unknown): void;
}

/** The options of one variable, completed with the scope's defaults. */
export interface SingleVariableRequest {
  shape?: number[];
  dtype: VariableDtype;
  initializer?: InitializerLike;
  regularizer?: Regularizer | null;
  trainable: boolean;
  collections?: string[];
  reuse: ReuseMode;
  constraint?: Constraint;
  saveSliceInfo?: SaveSliceInfo;
}

/** `_get_single_variable(name, …)`. */
export function getSingleVariable(core: StoreCore, fullName: string, req: SingleVariableRequest): tf.Variable {
  const found = core.vars.get(fullName);
  if (found) {
    if (req.reuse === false) {
      throw new ScopeError('variable_exists', `Variable ${fullName} already exists, disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?`, {
        hint: 'open the scope with { reuse: true } or { reuse: AUTO_REUSE } to share it, or use another name',
        details: { name: fullName },
      });
    }
    if (req.shape !== undefined && !shapesCompatible(req.shape, found.shape)) {
      throw new ScopeError('shape_mismatch', `Trying to share variable ${fullName}, but specified shape ${formatShape(req.shape)} and found shape ${formatShape(found.shape)}.`, {
        hint: 'ask for the shape the variable was created with, or use another name',
        details: { name: fullName, expected: req.shape, found: [...found.shape] },
      });
    }
    const foundDtype: VariableDtype = core.isInt64(found) ? 'int64' : found.dtype;
    if (req.dtype !== foundDtype) {
      throw new ScopeError('dtype_mismatch', `Trying to share variable ${fullName}, but specified dtype ${req.dtype} and found dtype ${foundDtype}.`, {
        hint: 'ask for the dtype the variable was created with',
        details: { name: fullName, expected: req.dtype, found: foundDtype },
      });
    }
    return found;
  }
  if (core.vars.has(`${fullName}/part_0`) || core.hasPartitioned(fullName)) {
    throw new ScopeError('partitioned_variable_exists', `No partitioner was provided, but a partitioned version of the variable was found: ${fullName}/part_0. Perhaps a variable of the same name was already created with partitioning?`, {
      hint: `pass the same partitioner (or reuse: true) to get ${fullName}, or use another name`,
      details: { name: fullName },
    });
  }
  if (req.reuse === true) {
    throw new ScopeError('variable_not_found', `Variable ${fullName} does not exist, or was not created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?`, {
      hint: 'create it first (reuse: false), or open the scope with { reuse: AUTO_REUSE }',
      details: { name: fullName },
    });
  }
  const { initial, owned } = initialValue(core, fullName, req);
  if (req.shape !== undefined && !shapesCompatible(req.shape, initial.shape)) {
    if (owned) initial.dispose();
    throw new ScopeError('initializer_shape_mismatch', `Initializer of ${fullName} made shape ${formatShape(initial.shape)}, but the variable's shape is ${formatShape(req.shape)}.`, {
      hint: 'make the initializer return a value of the shape asked for',
      details: { name: fullName, expected: req.shape, found: [...initial.shape] },
    });
  }
  // get_variable opens name_scope(None): the op is named at the root, uniquified against
  // tf.Variables. A full name ending in "/" (get_variable("") in a scope, as slot_creator does
  // for `w/Adam`) is taken as an absolute name scope: the op is the name without the slash.
  checkScopeName(fullName, true);
  const opName = fullName.endsWith('/') ? fullName.slice(0, -1) : core.uniqueOpName(fullName);
  let v: tf.Variable;
  try {
    v = core.create(opName, initial, req.dtype, req.trainable, req.collections, { constraint: req.constraint, saveSliceInfo: req.saveSliceInfo });
  } finally {
    if (owned) initial.dispose();
  }
  core.vars.set(fullName, v);
  if (req.regularizer) {
    const loss = new RegularizationLoss(opName, v, req.regularizer);
    // TF adds the loss only when `regularizer(v)` is not None.
    const probe = req.regularizer(v);
    if (probe !== null) {
      probe.dispose();
      core.addToCollection(GraphKeys.REGULARIZATION_LOSSES, loss);
    }
  }
  return v;
}

function initialValue(core: StoreCore, fullName: string, req: SingleVariableRequest): { initial: tf.Tensor; owned: boolean } {
  const init = req.initializer;
  const storage = storageDtype(req.dtype);
  if (init instanceof tf.Tensor) return { initial: init, owned: false };
  if (Array.isArray(init)) return { initial: tf.tensor(init, undefined, storage), owned: true };
  const shape = req.shape;
  const known = shape !== undefined && !shape.some((d) => d === null || d < 0);
  if (!known && typeof init === 'function') {
    if (init.length > 0) {
      throw new ScopeError('bad_initializer', "The initializer passed is not valid. It should be a callable with no arguments and the shape should not be provided or an instance of `tf.keras.initializers.*' and `shape` should be fully defined.", {
        hint: `pass shape for ${fullName}, or an initializer that takes no arguments and returns the value`,
        details: { name: fullName },
      });
    }
    // TF `_needs_no_arguments`: a callable that needs no arguments is the initial value itself.
    const value = (init as () => tf.Tensor | number[])();
    if (Array.isArray(value)) return { initial: tf.tensor(value, undefined, storage), owned: true };
    if (!(value instanceof tf.Tensor)) {
      throw new ScopeError('bad_initializer', `The initializer of ${fullName} returned ${typeof value}, not a tensor.`, {
        hint: 'a zero-argument initializer must return the initial tf.Tensor (or an array of numbers)',
        details: { name: fullName },
      });
    }
    return { initial: value, owned: true };
  }
  if (!known) {
    throw new ScopeError('shape_not_fully_defined', `Shape of a new variable (${fullName}) must be fully defined, but instead was ${formatShape(shape)}.`, {
      hint: 'pass shape with every dimension known, a constant initializer, or a zero-argument initializer',
      details: { name: fullName, shape: shape ?? null },
    });
  }
  const fn = (init as Initializer | undefined) ?? defaultInitializer(fullName, req.dtype);
  return { initial: fn([...shape!], storage, deriveSeed(core.seed, fullName)), owned: true };
}

/** The TF.js dtype that holds a variable of `dtype`. */
export function storageDtype(dtype: VariableDtype): tf.DataType {
  return dtype === 'int64' ? 'int32' : dtype;
}

/** Python ints → int32, else float32 (TF's conversion of a list constant). */
export function inferDtype(values: readonly number[]): tf.DataType {
  return values.flat(Infinity as 1).every((x) => Number.isInteger(x)) ? 'int32' : 'float32';
}

/** TensorShape.is_compatible_with: same rank, unknown (null / negative) dims pass. */
export function shapesCompatible(asked: readonly number[], found: readonly number[]): boolean {
  if (asked.length !== found.length) return false;
  return asked.every((d, i) => d === null || d < 0 || d === found[i]);
}

/**
 * variable_scope.py `_VariableStore._get_default_initializer`: glorot uniform for floats, zeros
 * for ints/bool/string (`dtype.is_integer or … or dtype == dtypes.string`; a string's zero is
 * `""`), else required (complex).
 */
export function defaultInitializer(name: string, dtype: VariableDtype): Initializer {
  if (dtype === 'float32') return glorotUniformInitializer();
  if (dtype === 'int32' || dtype === 'int64' || dtype === 'bool' || dtype === 'string') return zerosInitializer();
  throw new ScopeError('initializer_required', `An initializer for variable ${name} of ${dtype} is required`, {
    hint: 'pass initializer for this dtype',
    details: { name, dtype },
  });
}

/**
 * The initial value of `tf.Variable(initial_value)`: a tensor (cast to `dtype`), numbers (int32
 * when all are integers, as Python ints, else float32), or a zero-argument function called once
 * (TF accepts a callable `initial_value`). `release()` frees what was made here.
 */
export function variableInitialValue(initialValue: tf.Tensor | number | number[] | (() => tf.Tensor), declared: VariableDtype | undefined): { initial: tf.Tensor; dtype: VariableDtype; release: () => void } {
  const given = typeof initialValue === 'function' ? initialValue() : initialValue;
  const ownsGiven = given !== initialValue;
  let dtype: VariableDtype;
  let initial: tf.Tensor;
  if (given instanceof tf.Tensor) {
    dtype = declared ?? given.dtype;
    initial = given.dtype === storageDtype(dtype) ? given : tf.cast(given, storageDtype(dtype));
  } else {
    const values = typeof given === 'number' ? [given] : given;
    dtype = declared ?? inferDtype(values);
    initial = typeof given === 'number' ? tf.scalar(given, storageDtype(dtype)) : tf.tensor(given, undefined, storageDtype(dtype));
  }
  const release = (): void => {
    if (initial !== given) initial.dispose();
    if (ownsGiven && given instanceof tf.Tensor && !given.isDisposed) given.dispose();
  };
  return { initial, dtype, release };
}
