/**
 * tf-slim's variable helpers (tf_slim/ops/variables.py, also contrib/framework), with slim's
 * matching: scopes are regular expressions matched at the START of the display name (`:0`
 * included), exactly as `tf.get_collection` — so ported slim code selects the same variables.
 * For Graft's `/`-boundary selection use `store.parameters({ include, exclude })`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ScopeError } from '../errors.js';
import { GraphKeys } from './graph-keys.js';
import type { VariableStore } from './store.js';
import type { VariableScope } from './variable-scope.js';

/** slim `get_variables(scope, suffix, collection)`: suffix gets `:` appended, then `scope + '.*' + suffix`. */
export function getVariables(store: VariableStore, options: { scope?: string | VariableScope; suffix?: string; collection?: string } = {}): tf.Variable[] {
  let scope = typeof options.scope === 'object' && options.scope !== null ? options.scope.name : options.scope;
  if (options.suffix !== undefined) {
    const suffix = options.suffix.includes(':') ? options.suffix : options.suffix + ':';
    scope = (scope ?? '') + '.*' + suffix;
  }
  return store.getCollection(options.collection ?? GraphKeys.GLOBAL_VARIABLES, scope);
}

/** slim `get_model_variables(scope, suffix)`. */
export function getModelVariables(store: VariableStore, options: { scope?: string | VariableScope; suffix?: string } = {}): tf.Variable[] {
  return getVariables(store, { ...options, collection: GraphKeys.MODEL_VARIABLES });
}

/** slim `get_variables_by_name(name, scope)`: variables whose last path component is `name`. */
export function getVariablesByName(store: VariableStore, givenName: string, options: { scope?: string } = {}): tf.Variable[] {
  return getVariables(store, { scope: options.scope, suffix: `/${givenName}:|^${givenName}:` });
}

/** slim `get_variables_by_suffix(suffix, scope)`. */
export function getVariablesBySuffix(store: VariableStore, suffix: string, options: { scope?: string } = {}): tf.Variable[] {
  return getVariables(store, { scope: options.scope, suffix });
}

/**
 * slim `get_unique_variable(var_op_name)`.
 * @throws ScopeError `variable_not_found`, `variable_not_unique`
 */
export function getUniqueVariable(store: VariableStore, varOpName: string): tf.Variable {
  const candidates = getVariables(store, { scope: varOpName });
  if (candidates.length === 0) {
    throw new ScopeError('variable_not_found', `Couldn't find variable ${varOpName}`, {
      hint: 'list the names with store.parameters().names()',
      details: { name: varOpName },
    });
  }
  for (const c of candidates) if (store.nameOf(c) === varOpName) return c;
  throw new ScopeError('variable_not_unique', `Variable ${varOpName} does not uniquely identify a variable`, {
    hint: 'pass the full op name of one variable',
    details: { name: varOpName, candidates: candidates.map((c) => store.nameOf(c)) },
  });
}

/**
 * slim `get_variables_to_restore(include, exclude)`: include (default all global variables) is
 * the concatenation of getVariables(scope) per entry (duplicates kept, as slim), minus the union
 * of exclude's matches; order kept. Matching is TF's start-anchored regex, not a `/` prefix.
 * @throws InvalidArgumentError `not_a_list`
 */
export function getVariablesToRestore(store: VariableStore, options: { include?: readonly string[]; exclude?: readonly string[] } = {}): tf.Variable[] {
  let included: tf.Variable[];
  if (options.include === undefined || options.include === null) {
    included = getVariables(store);
  } else {
    if (!Array.isArray(options.include)) throw notAList('include');
    included = [];
    for (const s of options.include) included.push(...getVariables(store, { scope: s }));
  }
  const excluded = new Set<tf.Variable>();
  if (options.exclude !== undefined && options.exclude !== null) {
    if (!Array.isArray(options.exclude)) throw notAList('exclude');
    for (const s of options.exclude) for (const v of getVariables(store, { scope: s })) excluded.add(v);
  }
  return included.filter((v) => !excluded.has(v));
}

function notAList(which: string): InvalidArgumentError {
  return new InvalidArgumentError('not_a_list', `${which} is provided but is not a list or a tuple.`, {
    hint: `pass ${which} as an array of scope patterns`,
    details: { option: which },
  });
}

/**
 * slim `filter_variables(var_list, include_patterns, exclude_patterns, reg_search=True)`:
 * patterns searched anywhere in the display name (`regSearch: false` = matched at the start).
 */
export function filterVariables(
  store: VariableStore,
  varList: readonly tf.Variable[],
  options: { includePatterns?: readonly string[]; excludePatterns?: readonly string[]; regSearch?: boolean } = {},
): tf.Variable[] {
  const search = options.regSearch ?? true;
  const test = (pattern: string, name: string): boolean => (search ? new RegExp(pattern) : new RegExp(pattern, 'y')).test(name);
  const out: tf.Variable[] = [];
  for (const v of varList) {
    const name = store.displayNameOf(v);
    if (options.includePatterns && !options.includePatterns.some((p) => test(p, name))) continue;
    if (options.excludePatterns && options.excludePatterns.some((p) => test(p, name))) continue;
    out.push(v);
  }
  return out;
}
