/**
 * The forms a list of variables may take (TF `Saver(var_list)`): a ParameterSet, an array of
 * Parameters, an array of TF.js variables created by `newVariable` (named by their scoped name,
 * as TF names them by `var.op.name`), a record from checkpoint name to variable or Parameter
 * (`tf.train.Saver({"v1": v1})`), or anything with `parameters()` (a VariableStore).
 * Normalised to `[checkpoint name, Parameter]` pairs with TF's duplicate checks.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ParameterSet, type Parameter, stripOutputSuffix } from '../variables/parameter-set.js';
import { scopedNameOf, declaredInt64, saveSliceInfoOf, type SaveSliceInfo } from '../variables/create.js';
import { PartitionedVariable } from '../variables/partitioned-variable.js';
import { InvalidArgumentError } from '../errors.js';

/** Anything that can stand for "these variables" in Saver and restore APIs. */
export type VarList =
  | ParameterSet
  | readonly Parameter[]
  | readonly (tf.Variable | PartitionedVariable)[]
  | Readonly<Record<string, tf.Variable | Parameter | PartitionedVariable>>
  | { parameters(): ParameterSet };

/** One variable with the checkpoint name it is saved under. */
export interface NamedParameter {
  /** Checkpoint key. */
  key: string;
  param: Parameter;
  /**
   * Set for a part of a partitioned variable: the part is the slice `varOffset`/`varShape` of the
   * tensor `key` of shape `fullShape` (TF saves every part as a slice of one entry).
   */
  slice?: Omit<SaveSliceInfo, 'fullName'>;
}

/** Whether `x` is a Parameter (a tf.Variable also has a `variable` member: a method). */
export function isParameter(x: unknown): x is Parameter {
  return typeof x === 'object' && x !== null && typeof (x as { variable?: unknown }).variable === 'object';
}

/** A bare variable as a Parameter; one declared int64 is saved as DT_INT64, as TF's Saver writes it. */
function fromVariable(v: tf.Variable): Parameter {
  const p: Parameter = { name: scopedNameOf(v), variable: v, trainable: v.trainable };
  if (declaredInt64(v)) p.saveDtype = 'int64';
  const slice = saveSliceInfoOf(v);
  if (slice) p.saveSliceInfo = slice;
  return p;
}

/** The pair of a parameter listed by itself: a part is saved under its full name (TF op_list_to_dict). */
function pairOf(p: Parameter): NamedParameter {
  const s = p.saveSliceInfo;
  return s ? { key: s.fullName, param: p, slice: { fullShape: s.fullShape, varOffset: s.varOffset, varShape: s.varShape } } : { key: p.name, param: p };
}

function sliceOf(p: Parameter): NamedParameter['slice'] {
  const s = p.saveSliceInfo;
  return s ? { fullShape: s.fullShape, varOffset: s.varOffset, varShape: s.varShape } : undefined;
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
    pairs = varList.toArray().map(pairOf);
  } else if (Array.isArray(varList)) {
    pairs = (varList as readonly (Parameter | tf.Variable | PartitionedVariable)[]).flatMap((x) => {
      if (x instanceof PartitionedVariable) return x.variables.map((v) => pairOf(fromVariable(v)));
      return [pairOf(isParameter(x) ? x : fromVariable(x as tf.Variable))];
    });
  } else if (typeof (varList as { parameters?: unknown }).parameters === 'function') {
    return normalizeVarList((varList as { parameters(): ParameterSet }).parameters());
  } else {
    pairs = Object.entries(varList as Record<string, tf.Variable | Parameter | PartitionedVariable>).flatMap(([key, x]) => {
      // `Saver({name: partitioned})`: every part under `name`, each with its slice.
      const params = x instanceof PartitionedVariable ? x.variables.map(fromVariable) : [isParameter(x) ? x : fromVariable(x as tf.Variable)];
      return params.map((param) => ({ key: stripOutputSuffix(key), param, slice: sliceOf(param) }));
    });
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
  const sliced = new Map<string, boolean>();
  for (const { key, slice } of pairs) {
    const other = sliced.get(key);
    if (other !== undefined && other !== (slice !== undefined)) {
      throw new InvalidArgumentError('mixed_slices', `Mixing slices and non-slices with the same name: ${key}`, {
        hint: 'save a partitioned variable under a name no whole variable uses',
        details: { name: key },
      });
    }
    sliced.set(key, slice !== undefined);
    const id = slice ? `${key}\u0000${slice.varOffset.join(',')}` : key;
    if (keys.has(id)) {
      throw new InvalidArgumentError('duplicate_variable_name', `At least two variables have the same name: ${key}`, {
        hint: 'give the variables distinct scoped names, or pass a record from checkpoint name to variable',
        details: { name: key },
      });
    }
    keys.add(id);
  }
  return pairs;
}
