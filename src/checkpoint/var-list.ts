/**
 * The forms a list of variables may take (TF `Saver(var_list)`): a ParameterSet, an array of
 * Parameters, an array of TF.js variables created by `newVariable` (named by their scoped name,
 * as TF names them by `var.op.name`), a record from checkpoint name to variable or Parameter
 * (`tf.train.Saver({"v1": v1})`), or anything with `parameters()` (a VariableStore).
 * Normalised to `[checkpoint name, Parameter]` pairs with TF's duplicate checks.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ParameterSet, type Parameter, stripOutputSuffix } from '../variables/parameter-set.js';
import { scopedNameOf, declaredInt64 } from '../variables/create.js';
import { InvalidArgumentError } from '../errors.js';

/** Anything that can stand for "these variables" in Saver and restore APIs. */
export type VarList =
  | ParameterSet
  | readonly Parameter[]
  | readonly tf.Variable[]
  | Readonly<Record<string, tf.Variable | Parameter>>
  | { parameters(): ParameterSet };

/** One variable with the checkpoint name it is saved under. */
export interface NamedParameter {
  /** Checkpoint key. */
  key: string;
  param: Parameter;
}

/** Whether `x` is a Parameter (a tf.Variable also has a `variable` member: a method). */
export function isParameter(x: unknown): x is Parameter {
  return typeof x === 'object' && x !== null && typeof (x as { variable?: unknown }).variable === 'object';
}

/** A bare variable as a Parameter; one declared int64 is saved as DT_INT64, as TF's Saver writes it. */
function fromVariable(v: tf.Variable): Parameter {
  const p: Parameter = { name: scopedNameOf(v), variable: v, trainable: v.trainable };
  if (declaredInt64(v)) p.saveDtype = 'int64';
  return p;
}

/**
 * Normalise a {@link VarList} into `[key, Parameter]` pairs, in the given order.
 * @throws InvalidArgumentError `duplicate_variable_name` ("At least two variables have the same
 *   name: %s") and `same_variable_two_names` ("The same saveable will be restored with two
 *   names: %s"), as TF's Saver.
 */
export function normalizeVarList(varList: VarList): NamedParameter[] {
  let pairs: NamedParameter[];
  if (varList instanceof ParameterSet) {
    pairs = varList.toArray().map((p) => ({ key: p.name, param: p }));
  } else if (Array.isArray(varList)) {
    pairs = (varList as readonly (Parameter | tf.Variable)[]).map((x) => {
      const p = isParameter(x) ? x : fromVariable(x as tf.Variable);
      return { key: p.name, param: p };
    });
  } else if (typeof (varList as { parameters?: unknown }).parameters === 'function') {
    return normalizeVarList((varList as { parameters(): ParameterSet }).parameters());
  } else {
    pairs = Object.entries(varList as Record<string, tf.Variable | Parameter>).map(([key, x]) => ({
      key: stripOutputSuffix(key),
      param: isParameter(x) ? x : fromVariable(x as tf.Variable),
    }));
    const seen = new Map<tf.Variable, string>();
    for (const { key, param } of pairs) {
      const other = seen.get(param.variable);
      if (other !== undefined) {
        throw new InvalidArgumentError('same_variable_two_names', `The same saveable will be restored with two names: ${other}, ${key}`, {
          hint: 'map each variable to one checkpoint name',
          details: { names: [other, key] },
        });
      }
      seen.set(param.variable, key);
    }
  }
  const keys = new Set<string>();
  for (const { key } of pairs) {
    if (keys.has(key)) {
      throw new InvalidArgumentError('duplicate_variable_name', `At least two variables have the same name: ${key}`, {
        hint: 'give the variables distinct scoped names, or pass a record from checkpoint name to variable',
        details: { name: key },
      });
    }
    keys.add(key);
  }
  return pairs;
}
