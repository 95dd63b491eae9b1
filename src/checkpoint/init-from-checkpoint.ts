/**
 * Warm-start helpers with TF's contracts (docs/design/TF-SEMANTICS.md §3.7):
 * - `initFromCheckpoint(ckpt, assignmentMap, params)` — `tf.train.init_from_checkpoint`: only the
 *   variables the map covers are loaded; every mapped tensor must exist with a matching shape, or
 *   nothing is loaded (TF's ValueError texts).
 * - `assignFromCheckpoint(modelPath, varList, {ignoreMissingVars})` and `assignFromCheckpointFn`
 *   — slim's `assign_from_checkpoint_fn`: variables by name, missing ones optionally skipped
 *   (reported), shape mismatches never ignored.
 * Both return the restore report (restore-plan.ts); TF applies the values at initialisation,
 * Graft applies them when called (call it after building, before training).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { CheckpointReader } from '../formats/types.js';
import { ParameterSet, type Parameter } from '../variables/parameter-set.js';
import { InvalidArgumentError, RestoreMismatchError } from '../errors.js';
import { compileAssignmentMap } from './assignment-map.js';
import { isParameter, normalizeVarList, type VarList } from './var-list.js';
import { planRestore, type RestorePlan } from './restore-plan.js';
import { executeRestorePlan } from './execute-plan.js';
import { formatShape } from './format-report.js';
import { scopedNameOf } from '../variables/create.js';

/** TF's assignment map, where a value may also be the variable itself. */
export type InitAssignmentMap =
  | Readonly<Record<string, string | tf.Variable | Parameter>>
  | readonly (readonly [string, string | tf.Variable | Parameter])[];

function asParameter(x: tf.Variable | Parameter): Parameter {
  return isParameter(x) ? x : { name: scopedNameOf(x), variable: x, trainable: x.trainable };
}

/**
 * Load the variables `assignmentMap` covers from `ckpt` (a prefix or a directory), all or none.
 * @throws RestoreMismatchError with TF's messages: "Tensor %s is not found in %s checkpoint",
 *   "Tensor %s (%s in %s) is not found in %s checkpoint", "Shape of variable %s (%s) doesn't
 *   match with shape of tensor %s (%s) from checkpoint reader."; InvalidArgumentError
 *   `bad_assignment_map` for a name that is no variable or a scope mapped to a name.
 * @example
 * await initFromCheckpoint('pretrained/', { 'old_scope_1/': 'new_scope_1/' }, store);
 * await initFromCheckpoint('pretrained/', { '/': 'encoder/' }, params); // checkpoint root → encoder/
 */
export async function initFromCheckpoint(ckpt: string | CheckpointReader, assignmentMap: InitAssignmentMap, params: VarList = new ParameterSet()): Promise<RestorePlan> {
  const pairs: (readonly [string, string | tf.Variable | Parameter])[] = Array.isArray(assignmentMap)
    ? [...assignmentMap]
    : Object.entries(assignmentMap as Record<string, string | tf.Variable | Parameter>);
  const targets = new Map<string, Parameter>();
  for (const { param } of normalizeVarList(params)) targets.set(param.name, param);
  const stringPairs: [string, string][] = [];
  for (const [key, value] of pairs) {
    if (typeof value === 'string') {
      if (!key.endsWith('/') && !value.endsWith('/') && !targets.has(value)) {
        const scopes = value.includes('/') ? value.slice(0, value.lastIndexOf('/')) : '';
        throw new InvalidArgumentError('bad_assignment_map', `Assignment map with scope only name ${scopes} should map to scope only ${key}. Should be 'scope/': 'other_scope/'.`, {
          hint: `there is no variable "${value}" among the ${targets.size} given; check the name or map scopes ('old/': 'new/')`,
          details: { checkpointName: key, variableName: value },
        });
      }
      stringPairs.push([key, value]);
    } else {
      const p = asParameter(value);
      targets.set(p.name, p);
      stringPairs.push([key, p.name]);
    }
  }
  const compiled = compileAssignmentMap(stringPairs);
  const plan = await planRestore([...targets.values()], ckpt, { assignmentMap: stringPairs, onlyMapped: true });
  const where = typeof ckpt === 'string' ? ckpt : ckpt.path;
  for (const e of plan.problems) {
    const fromScope = !compiled.exact.has(e.name);
    let message: string;
    if (e.status === 'missing_in_checkpoint') {
      const rule = compiled.scopes.find((s) => s.variableScope === '' || e.name.startsWith(s.variableScope));
      message = fromScope && rule
        ? `Tensor ${e.source} (${e.name.slice(rule.variableScope.length)} in ${rule.checkpointScope || '/'}) is not found in ${where} checkpoint`
        : `Tensor ${e.source} is not found in ${where} checkpoint`;
    } else if (e.status === 'shape_mismatch') {
      message = `Shape of variable ${e.name} (${formatShape(e.expected!.shape)}) doesn't match with shape of tensor ${e.source} (${formatShape(e.found!.shape)}) from checkpoint reader.`;
    } else {
      message = `Dtype of variable ${e.name} (${e.expected!.dtype}) cannot hold tensor ${e.source} (${e.found!.dtype}) from checkpoint reader.`;
    }
    throw new RestoreMismatchError(e.status, message, plan.toJSON(), {
      hint: 'fix the assignment map (graft restore-plan TARGET SOURCE --map CKPT=VAR shows every entry); nothing was loaded',
      details: { path: where, name: e.name, source: e.source },
    });
  }
  return executeRestorePlan(plan);
}

/** Options for {@link assignFromCheckpoint}. */
export interface AssignFromCheckpointOptions {
  /** Skip (and report) variables the checkpoint lacks instead of failing; default false (slim `ignore_missing_vars`). */
  ignoreMissingVars?: boolean;
}

/**
 * slim's `assign_from_checkpoint_fn(model_path, var_list, ignore_missing_vars)`, applied now.
 * @throws InvalidArgumentError `empty_var_list` ("var_list cannot be empty"); RestoreMismatchError
 *   for missing variables (unless ignoreMissingVars) and for any shape mismatch.
 */
export async function assignFromCheckpoint(modelPath: string | CheckpointReader, varList: VarList, options: AssignFromCheckpointOptions = {}): Promise<RestorePlan> {
  return (await assignFromCheckpointFn(modelPath, varList, options))();
}

/** slim's `assign_from_checkpoint_fn`: checks now, returns the function that restores (as the article's `load_fn(sess)`). */
export async function assignFromCheckpointFn(modelPath: string | CheckpointReader, varList: VarList, options: AssignFromCheckpointOptions = {}): Promise<() => Promise<RestorePlan>> {
  if (normalizeVarList(varList).length === 0) {
    throw new InvalidArgumentError('empty_var_list', 'var_list cannot be empty', { hint: 'pass the variables to restore' });
  }
  const plan = await planRestore(varList, modelPath, { ignoreMissing: options.ignoreMissingVars ?? false });
  return () => executeRestorePlan(plan);
}
