/**
 * The two scope stacks of a TF1 graph (python/ops/variable_scope.py, python/framework/ops.py;
 * docs/design/TF-SEMANTICS.md §1.2, §1.4): the name stack with `Graph.unique_name`, and the variable-scope
 * stack with its reuse inheritance, default-name counting (`variable_scopes_count`) and the
 * count reset / restore on exit. {@link VariableStore} owns one and exposes it.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ScopeError } from '../errors.js';
import { AUTO_REUSE, type ReuseMode } from './graph-keys.js';
import type { Constraint } from './create.js';
import { wrapCustomGetter, type CustomGetter } from './custom-getter.js';
import type { Partitioner } from './partitioners.js';
import type { Regularizer } from './regularizers.js';
import type { InitializerLike } from './single-variable.js';
import { NameRegistry, checkScopeName } from './names.js';
import { VariableScope, type ScopeOwner } from './variable-scope.js';

/** Dtypes a variable may be declared with; `int64` is stored as int32 (TF.js has no int64) and saved as int64. */
export type VariableDtype = tf.DataType | 'int64';

/** Options of {@link VariableStore.variableScope} (TF's `variable_scope` arguments). */
export interface VariableScopeOptions {
  /** `true`, `AUTO_REUSE`, or `false`/undefined (= inherit from the parent, as TF turns False into None). */
  reuse?: ReuseMode;
  /** Name to uniquify (`Conv` → `Conv_1`) when `nameOrScope` is null. */
  defaultName?: string;
  /** Default initializer of getVariable inside (inherited by children): a function, a constant, or a zero-argument function. */
  initializer?: InitializerLike;
  /** Default regularizer of getVariable inside (inherited; `noRegularizer` turns an outer one off). */
  regularizer?: Regularizer | null;
  /** Default partitioner of getVariable inside (inherited). */
  partitioner?: Partitioner;
  /** Custom getter; composed with the enclosing scope's (this one runs first and its `getter` is the outer one). */
  customGetter?: CustomGetter;
  /** Default constraint of getVariable inside (inherited). */
  constraint?: Constraint;
  /** Default dtype of getVariable inside (inherited; TF default float32). */
  dtype?: VariableDtype;
  /** Default trainable flag of getVariable inside (Graft extension; inherited). */
  trainable?: boolean;
  /** Open a name scope too (default true); false re-enters the current name scope. */
  auxiliaryNameScope?: boolean;
}

/** Name stack + variable-scope stack of one store. */
export class ScopeStack {
  /** Op names in use (one namespace for tf.Variable and get_variable ops). */
  readonly registry = new NameRegistry();
  /** Current name scope without trailing `/`, `''` at the root. */
  nameStack = '';
  /** Current variable scope. */
  current: VariableScope;
  private scopeCounts = new Map<string, number>();

  constructor(private readonly owner: ScopeOwner) {
    this.current = new VariableScope(owner, { name: '', reuse: false, originalNameScope: '' });
  }

  /** The current variable scope (`tf.get_variable_scope()`). */
  getVariableScope(): VariableScope {
    return this.current;
  }

  /** The current name scope without trailing `/` (`ops.get_name_scope()`), `''` at the root. */
  getNameScope(): string {
    return this.nameStack;
  }

  /** `Graph.name_scope(name)` around `fn` (documented on VariableStore.nameScope). */
  nameScope<T>(name: string | null, fn: (scopeName: string) => T): T {
    const old = this.nameStack;
    try {
      const scopeName = this.openNameScope(name);
      return this.runSync(fn(scopeName));
    } finally {
      this.nameStack = old;
    }
  }

  /** `variable_scope.__enter__/__exit__` around `fn` (documented on VariableStore.variableScope). */
  variableScope<T>(nameOrScope: string | VariableScope | null, options: VariableScopeOptions | undefined, fn: (scope: VariableScope) => T): T {
    const opts = options ?? {};
    const reuse: ReuseMode | undefined = opts.reuse === false ? undefined : opts.reuse;
    if (reuse !== undefined && reuse !== true && reuse !== AUTO_REUSE) {
      throw new ScopeError('invalid_reuse', 'The reuse parameter must be True or False or None.', {
        hint: 'pass reuse: true, false or AUTO_REUSE',
        details: { reuse: String(reuse) },
      });
    }
    if (nameOrScope === null && opts.defaultName === undefined) {
      throw new ScopeError('scope_name_required', 'If default_name is None then name_or_scope is required', {
        hint: 'give a scope name, or defaultName to get a unique one',
      });
    }
    const aux = opts.auxiliaryNameScope ?? true;
    const oldStack = this.nameStack;
    const oldScope = this.current;
    let exit: () => void = () => undefined;
    try {
      // With auxiliaryNameScope false the current name scope is re-entered instead of opening one.
      let nameScopeString: string | undefined = aux ? undefined : oldStack ? oldStack + '/' : '';
      let entered: VariableScope;
      if (nameOrScope !== null) {
        const nsName = typeof nameOrScope === 'string' ? nameOrScope : (nameOrScope.name.split('/').pop() ?? '');
        if (nsName || !aux) {
          if (aux) nameScopeString = this.openNameScope(nsName);
          const oldNameScope = typeof nameOrScope === 'string' ? nameScopeString : nameOrScope.originalNameScope;
          [entered, exit] = this.enterPure(nameOrScope, reuse, opts, oldNameScope);
        } else {
          [entered, exit] = this.enterPure(nameOrScope, reuse, opts, undefined);
        }
      } else {
        if (reuse !== undefined) {
          throw new ScopeError('reuse_without_name', 'reuse=True cannot be used without a name_or_scope', {
            hint: 'name the scope (or pass the VariableScope object) when asking for reuse',
          });
        }
        const defaultName = opts.defaultName as string;
        if (aux) nameScopeString = this.openNameScope(defaultName);
        const unique = this.uniqueVariableScope(defaultName);
        [entered, exit] = this.enterPure(unique, reuse, opts, nameScopeString);
      }
      return this.runSync(fn(entered));
    } finally {
      exit();
      this.current = oldScope;
      this.nameStack = oldStack;
    }
  }

  private enterPure(nameOrScope: string | VariableScope, reuse: ReuseMode | undefined, opts: VariableScopeOptions, oldNameScope: string | undefined): [VariableScope, () => void] {
    const old = this.current;
    let scope: VariableScope;
    if (nameOrScope instanceof VariableScope) {
      // Jump to a shared scope: its own reuse unless reuse is asked for; parent's not inherited.
      scope = new VariableScope(this.owner, {
        name: nameOrScope.name,
        reuse: reuse ?? nameOrScope.reuse,
        initializer: opts.initializer ?? nameOrScope.initializer,
        dtype: opts.dtype ?? nameOrScope.dtype,
        trainable: opts.trainable ?? nameOrScope.trainable,
        regularizer: opts.regularizer ?? nameOrScope.regularizer,
        partitioner: opts.partitioner ?? nameOrScope.partitioner,
        customGetter: opts.customGetter ? wrapCustomGetter(opts.customGetter, nameOrScope.customGetter) : nameOrScope.customGetter,
        constraint: opts.constraint ?? nameOrScope.constraint,
        originalNameScope: nameOrScope.originalNameScope,
      });
      this.scopeCounts.set(scope.name, (this.scopeCounts.get(scope.name) ?? 0) + 1);
      const saved = new Map(this.scopeCounts);
      this.current = scope;
      return [scope, () => void (this.scopeCounts = saved)];
    }
    const newName = old.name ? `${old.name}/${nameOrScope}` : nameOrScope;
    scope = new VariableScope(this.owner, {
      name: newName,
      reuse: reuse ?? old.reuse, // reuse is inherited and cannot be switched off inside
      initializer: opts.initializer ?? old.initializer,
      dtype: opts.dtype ?? old.dtype,
      trainable: opts.trainable ?? old.trainable,
      regularizer: opts.regularizer ?? old.regularizer,
      partitioner: opts.partitioner ?? old.partitioner,
      customGetter: opts.customGetter ? wrapCustomGetter(opts.customGetter, old.customGetter) : old.customGetter,
      constraint: opts.constraint ?? old.constraint,
      originalNameScope: oldNameScope ?? nameOrScope,
    });
    this.scopeCounts.set(newName, (this.scopeCounts.get(newName) ?? 0) + 1);
    this.current = scope;
    return [scope, () => this.closeSubscopes(newName)];
  }

  /** TF `close_variable_subscopes`: leaving a string scope restarts numbering of its sub-scopes. */
  private closeSubscopes(name: string): void {
    const prefix = name + '/';
    for (const k of this.scopeCounts.keys()) if (k.startsWith(prefix)) this.scopeCounts.set(k, 0);
  }

  /** TF `_get_unique_variable_scope(prefix)`. */
  private uniqueVariableScope(prefix: string): string {
    const base = this.current.name ? `${this.current.name}/${prefix}` : prefix;
    if ((this.scopeCounts.get(base) ?? 0) === 0) return prefix;
    let idx = 1;
    while ((this.scopeCounts.get(`${base}_${idx}`) ?? 0) > 0) idx += 1;
    return `${prefix}_${idx}`;
  }

  /** `Graph.name_scope(name)` entry: sets the stack and returns the scope string. */
  openNameScope(name: string | null): string {
    if (!name) {
      this.nameStack = '';
      return '';
    }
    checkScopeName(name, this.nameStack === '');
    if (name.endsWith('/')) {
      this.nameStack = name.slice(0, -1);
      return name;
    }
    this.nameStack = this.registry.uniqueName(name, this.nameStack);
    return this.nameStack + '/';
  }

  /** Refuse a Promise returned by a scope body (scopes cover synchronous code only). */
  runSync<T>(value: T): T {
    if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') {
      throw new ScopeError('async_scope_body', 'a variableScope/nameScope body returned a Promise; scopes only cover synchronous code', {
        hint: 'build the model synchronously inside the scope and await outside it',
      });
    }
    return value;
  }

  /** The op name `tf.Variable(name=base)` gets: `name_scope(base)` under the current stack. */
  variableOpName(base: string): string {
    const old = this.nameStack;
    try {
      return this.openNameScope(base).replace(/\/$/, '');
    } finally {
      this.nameStack = old;
    }
  }
}

