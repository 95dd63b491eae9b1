/**
 * Graph collections (python/framework/ops.py `add_to_collection` / `get_collection`): named
 * lists in insertion order. Filtering by `scope` keeps TF's semantics exactly — `scope` is a
 * regular expression matched at the START of the item's name (Python `re.match`, not a full or
 * `/`-boundary match), and the name of a variable is its display name with `:0`. So `"conv"`
 * matches `conv1/w:0` and `conv_2/w:0`, and `"a.b"` matches `axb/w:0`. Graft's own selections
 * (ParameterSet.select, store.parameters) match scopes on `/` boundaries instead.
 */
import { InvalidArgumentError } from '../errors.js';

/** Returns the name TF would see for a collection item, or undefined (item skipped when filtering). */
export type ItemNamer = (item: unknown) => string | undefined;

/** Compile a TF scope filter: Python `re.compile(scope).match(name)` (anchored at the start only). */
export function tfScopeRegex(scope: string): RegExp {
  try {
    return new RegExp(scope, 'y');
  } catch (cause) {
    throw new InvalidArgumentError('invalid_scope_regex', `scope filter "${scope}" is not a valid regular expression`, {
      hint: 'TF-compatible scope filters are regular expressions; escape special characters such as ( [ * +',
      details: { scope },
      cause,
    });
  }
}

/** Whether `name` matches TF scope `regex` the way `re.match` does. */
export function tfMatch(regex: RegExp, name: string): boolean {
  regex.lastIndex = 0;
  return regex.test(name);
}

/** Named, ordered lists of items (variables, update ops, user values). */
export class Collections {
  private readonly byKey = new Map<string, unknown[]>();

  constructor(private readonly nameOf: ItemNamer) {}

  /** `tf.add_to_collection(key, value)`: append (duplicates allowed, as in TF). */
  add(key: string, value: unknown): void {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    list.push(value);
  }

  /** `tf.get_collection(key, scope)`: a copy, optionally filtered by TF's start-anchored regex. */
  get<T = unknown>(key: string, scope?: string): T[] {
    const list = this.byKey.get(key) ?? [];
    if (scope === undefined || scope === null) return [...list] as T[];
    const regex = tfScopeRegex(scope);
    const out: unknown[] = [];
    for (const item of list) {
      const name = this.nameOf(item);
      if (name !== undefined && tfMatch(regex, name)) out.push(item);
    }
    return out as T[];
  }

  /** `tf.get_collection_ref(key)`: the live list (created empty when absent). */
  ref(key: string): unknown[] {
    let list = this.byKey.get(key);
    if (!list) {
      list = [];
      this.byKey.set(key, list);
    }
    return list;
  }

  /** Keys in first-use order (`graph.get_all_collection_keys()`). */
  keys(): string[] {
    return [...this.byKey.keys()];
  }
}
