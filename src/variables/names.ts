/**
 * TF1 op naming: `Graph.unique_name` and the name-validity regexes of python/framework/ops.py
 * (docs/design/TF-SEMANTICS.md §1.2), kept per VariableStore (one store = one graph).
 *
 * Uniqueness is case-insensitive (`Foo` after `foo` gives `Foo_1`); an explicit `foo_1` is
 * remembered so the next `foo` gives `foo_2`.
 */
import { ScopeError } from '../errors.js';

/** TF1 `_VALID_OP_NAME_REGEX`: names at the root must start with a letter, digit or dot. */
export const VALID_OP_NAME_REGEX = /^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$/;
/** TF1 `_VALID_SCOPE_NAME_REGEX`: nested scopes may also start with `_`, `-` or `/`. */
export const VALID_SCOPE_NAME_REGEX = /^[A-Za-z0-9_.\-/]*$/;

/** The names used in one graph, with TF's uniquifying rule. */
export class NameRegistry {
  private readonly namesInUse = new Map<string, number>();

  /** `Graph.unique_name(name)` under `stack` (the current name scope, '' at the root). */
  uniqueName(name: string, stack: string, options: { markAsUsed?: boolean } = {}): string {
    const mark = options.markAsUsed ?? true;
    let full = stack ? `${stack}/${name}` : name;
    let key = full.toLowerCase();
    let i = this.namesInUse.get(key) ?? 0;
    if (mark) this.namesInUse.set(key, i + 1);
    if (i > 0) {
      const baseKey = key;
      while (this.namesInUse.has(key)) {
        key = `${baseKey}_${i}`;
        i += 1;
      }
      if (mark) this.namesInUse.set(key, 1);
      full = `${full}_${i - 1}`;
    }
    return full;
  }
}

/** Throw TF's "'%s' is not a valid scope name" unless `name` may open a name scope here. */
export function checkScopeName(name: string, atRoot: boolean): void {
  const ok = atRoot ? VALID_OP_NAME_REGEX.test(name) : VALID_SCOPE_NAME_REGEX.test(name);
  if (!ok) {
    throw new ScopeError('invalid_scope_name', `'${name}' is not a valid scope name`, {
      hint: atRoot
        ? 'names at the root start with a letter, digit or "." and use only A-Z a-z 0-9 _ . - /'
        : 'scope names use only A-Z a-z 0-9 _ . - /',
      details: { name },
    });
  }
}

/** Python's `str(TensorShape)`: `(2, 3)`, `(2,)`, `()`, `?` for unknown dims, `<unknown>` for no shape. */
export function formatShape(shape: readonly (number | null)[] | undefined): string {
  if (shape === undefined) return '<unknown>';
  const dims = shape.map((d) => (d === null || d < 0 ? '?' : String(d)));
  return dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
}
