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
  return v;
}

/** The scoped name a variable was created with by {@link newVariable} (its TF.js name without the suffix). */
export function scopedNameOf(variable: tf.Variable): string {
  const i = variable.name.lastIndexOf('#');
  return i < 0 ? variable.name : variable.name.slice(0, i);
}
