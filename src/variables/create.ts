/**
 * The one place Graft creates `tf.Variable`s. TF.js requires variable names to be unique per
 * engine, while Graft's names are checkpoint keys that legitimately repeat (two models with the
 * same TF1 names in one process, a fresh model to restore into). So the TF.js-side name is the
 * scoped name plus a process-unique suffix; the scoped name lives in the ParameterSet.
 */
import * as tf from '@tensorflow/tfjs-core';

let counter = 0;

/** Options for {@link newVariable}. */
export interface NewVariableOptions {
  /** Default true, as in TF. */
  trainable?: boolean;
  /** Dtype of the variable; default the initial value's. */
  dtype?: tf.DataType;
  /**
   * The dtype the variable was DECLARED with when TF.js cannot hold it: `'int64'` (held as
   * int32). Remembered per variable ({@link declaredInt64}) so every way of listing it for a
   * Saver (a bare variable, `{name: v}`, a ParameterSet) writes DT_INT64 as TF does.
   */
  declaredDtype?: 'int64';
  /** TF `Variable.SaveSliceInfo` of a part of a partitioned variable (remembered: {@link saveSliceInfoOf}). */
  saveSliceInfo?: SaveSliceInfo;
  /** TF `constraint=`: projection applied after each optimizer update (remembered: {@link constraintOf}). */
  constraint?: Constraint;
}

/**
 * TF's `Variable.SaveSliceInfo` (python/ops/variables.py): the part `varOffset`/`varShape` of the
 * full variable `fullName` of shape `fullShape`. A Saver writes every part under `fullName` as
 * a TensorSliceProto slice of one full-shape entry, as TF's saver does.
 */
export interface SaveSliceInfo {
  fullName: string;
  fullShape: number[];
  varOffset: number[];
  varShape: number[];
}

/** TF's `SaveSliceInfo.spec`: `"<full shape> <o0>,<l0>:<o1>,<l1>…"` (e.g. `"20 43 0,20:22,21"`). */
export function saveSliceSpec(info: SaveSliceInfo): string {
  return `${info.fullShape.join(' ')} ${info.varOffset.map((o, i) => `${o},${info.varShape[i]}`).join(':')}`;
}

/** A variable constraint (`tf.get_variable(constraint=…)`): new value from the updated value. */
export type Constraint = (value: tf.Tensor) => tf.Tensor;

const sliceInfos = new WeakMap<tf.Variable, SaveSliceInfo>();
const constraints = new WeakMap<tf.Variable, Constraint>();

/** The SaveSliceInfo of a part of a partitioned variable, or undefined for a whole variable. */
export function saveSliceInfoOf(variable: tf.Variable): SaveSliceInfo | undefined {
  return sliceInfos.get(variable);
}

/** The constraint given when the variable was created, or undefined. */
export function constraintOf(variable: tf.Variable): Constraint | undefined {
  return constraints.get(variable);
}

/**
 * Apply the constraints of `variables` after an optimizer update, as TF1's optimizer does
 * (optimizer.py `_RefVariableProcessor.update_op` / `_DenseResourceVariableProcessor.update_op`:
 * after `_apply_dense`, `var.assign(var.constraint(var))`). Variables without one are untouched.
 */
export function applyConstraints(variables: Iterable<tf.Variable>): void {
  for (const v of variables) {
    const c = constraints.get(v);
    if (!c) continue;
    const next = tf.tidy(() => {
      const y = c(v);
      return y.dtype === v.dtype ? y : tf.cast(y, v.dtype);
    });
    if (next === v) continue; // an identity constraint
    v.assign(next);
    next.dispose();
  }
}

/** Variables declared int64 (held as int32); weak, so disposal is not blocked. */
const int64Vars = new WeakSet<tf.Variable>();

/** Whether `variable` was created by {@link newVariable} with `declaredDtype: 'int64'`. */
export function declaredInt64(variable: tf.Variable): boolean {
  return int64Vars.has(variable);
}

/** Create a TF.js variable for the scoped name `name` holding `initialValue` (copied). */
export function newVariable(name: string, initialValue: tf.Tensor, options: NewVariableOptions = {}): tf.Variable {
  counter += 1;
  const v = tf.variable(initialValue, options.trainable ?? true, `${name}#${counter}`, options.dtype);
  if (options.declaredDtype === 'int64') int64Vars.add(v);
  if (options.saveSliceInfo) sliceInfos.set(v, options.saveSliceInfo);
  if (options.constraint) constraints.set(v, options.constraint);
  return v;
}

/** The scoped name a variable was created with by {@link newVariable} (its TF.js name without the suffix). */
export function scopedNameOf(variable: tf.Variable): string {
  const i = variable.name.lastIndexOf('#');
  return i < 0 ? variable.name : variable.name.slice(0, i);
}
