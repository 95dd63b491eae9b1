/**
 * TF's `assignment_map` (`tf.train.init_from_checkpoint`, checkpoint_utils.py): checkpoint
 * name → variable name, in three forms —
 *   `'old/w': 'new/w'`        one tensor into one variable;
 *   `'old_scope/': 'scope/'`  every variable under `scope/` from `old_scope/` + the same rest;
 *   `'/': 'scope/'`           every variable under `scope/` from the checkpoint root
 *                             (and `'old_scope/': '/'`: every variable from under `old_scope/`).
 * Exact entries win over scope entries; among scopes the longest variable scope wins.
 */
import { InvalidArgumentError } from '../errors.js';
import { stripOutputSuffix } from '../variables/parameter-set.js';

/** An assignment map as TF takes it: a record or a list of pairs, checkpoint name → variable name. */
export type AssignmentMap = Readonly<Record<string, string>> | readonly (readonly [string, string])[];

/** A parsed assignment map. */
export interface CompiledAssignmentMap {
  /** variable name → checkpoint key. */
  exact: Map<string, string>;
  /** Scope rules, longest variable scope first. `''` is the root. */
  scopes: { checkpointScope: string; variableScope: string }[];
}

function scopePart(s: string): string {
  return s === '/' ? '' : s;
}

/**
 * Parse and validate an assignment map.
 * @throws InvalidArgumentError `bad_assignment_map` with TF's text when a scope maps to a
 *   single name: "Assignment map with scope only name {} should map to scope only {}. Should be
 *   'scope/': 'other_scope/'."
 */
export function compileAssignmentMap(map: AssignmentMap | undefined): CompiledAssignmentMap {
  const pairs: (readonly [string, string])[] = map === undefined ? [] : Array.isArray(map) ? [...map] : Object.entries(map as Record<string, string>);
  // TF processes the map sorted by checkpoint name.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: CompiledAssignmentMap = { exact: new Map(), scopes: [] };
  for (const [rawKey, rawValue] of pairs) {
    const key = stripOutputSuffix(rawKey);
    const value = stripOutputSuffix(rawValue);
    const keyIsScope = key.endsWith('/');
    const valueIsScope = value.endsWith('/');
    if (keyIsScope !== valueIsScope) {
      // TF formats (scopes, tensor_name_in_ckpt), scopes = the value up to its last '/'.
      const message = keyIsScope
        ? `Assignment map with scope only name ${key} should map to scope only ${value}. Should be 'scope/': 'other_scope/'.`
        : `Assignment map with scope only name ${value.slice(0, Math.max(0, value.lastIndexOf('/')))} should map to scope only ${key}. Should be 'scope/': 'other_scope/'.`;
      throw new InvalidArgumentError('bad_assignment_map', message, {
        hint: "map a name to a name ('old/w': 'new/w') or a scope to a scope ('old/': 'new/', '/': 'new/')",
        details: { checkpointName: key, variableName: value },
      });
    }
    if (keyIsScope) out.scopes.push({ checkpointScope: scopePart(key), variableScope: scopePart(value) });
    else {
      const prev = out.exact.get(value);
      if (prev !== undefined) {
        throw new InvalidArgumentError('bad_assignment_map', `assignment map gives variable "${value}" two checkpoint names: "${prev}" and "${key}"`, {
          hint: 'map each variable from one checkpoint name',
          details: { variableName: value, names: [prev, key] },
        });
      }
      out.exact.set(value, key);
    }
  }
  out.scopes.sort((a, b) => b.variableScope.length - a.variableScope.length);
  return out;
}

/** Whether the map has any rule. */
export function isEmptyMap(map: CompiledAssignmentMap): boolean {
  return map.exact.size === 0 && map.scopes.length === 0;
}

/** The checkpoint key a variable is mapped from, or undefined when no rule covers it. */
export function mappedKeyFor(map: CompiledAssignmentMap, variableName: string): string | undefined {
  const exact = map.exact.get(variableName);
  if (exact !== undefined) return exact;
  for (const { checkpointScope, variableScope } of map.scopes) {
    if (variableScope === '' || variableName.startsWith(variableScope)) {
      return checkpointScope + variableName.slice(variableScope.length);
    }
  }
  return undefined;
}

/** Parse CLI `--map CKPT=VAR` items into an assignment map. */
export function parseMapFlags(items: readonly string[]): [string, string][] {
  return items.map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) {
      throw new InvalidArgumentError('bad_assignment_map', `--map "${item}" is not CHECKPOINT_NAME=VARIABLE_NAME`, {
        hint: "write --map old/w=new/w for one tensor or --map old/=new/ for a scope ('/' is the root)",
        details: { item },
      });
    }
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}
