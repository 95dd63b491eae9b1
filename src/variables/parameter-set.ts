/**
 * ParameterSet: the ordered map from a scoped name (`inference/conv1/weights`) to a TF.js
 * variable and its trainable flag. Every layer above variables/ speaks ParameterSets
 * (docs/design/ARCHITECTURE.md): savers, restore plans, optimizers, EMA, transfer.
 *
 * Scopes are matched as path prefixes on `/` boundaries (`Logits` matches `Logits/fc/weights`,
 * not `LogitsExtra/w`); regular expressions only where the option says `regex`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { declaredInt64, saveSliceInfoOf, type SaveSliceInfo } from './create.js';

/** One named parameter. */
export interface Parameter {
  /** Checkpoint key: TF-style scoped name without `:0`. */
  name: string;
  variable: tf.Variable;
  /** Whether optimizers may change it (frozen when false). */
  trainable: boolean;
  /**
   * Dtype to use in checkpoints when it differs from the TF.js dtype: TF.js has no int64, so
   * `global_step` is an int32 variable saved as `int64`, as TF writes it.
   */
  saveDtype?: 'int64';
  /**
   * A part of a partitioned variable (`emb/part_1`): savers write it as a slice of the tensor
   * `saveSliceInfo.fullName` and restore it from that slice, as TF's Saver does.
   */
  saveSliceInfo?: SaveSliceInfo;
  /**
   * Who owns the trainable flag when it is not this object (a LayersModel's layer: see
   * layers-trainable.ts). `freeze`/`unfreeze` hand the whole selection to it at once, so it can
   * refuse a selection that covers part of a layer before anything changes.
   */
  control?: TrainableControl;
}

/** Sets the trainable flag of parameters whose flag lives elsewhere (e.g. `layer.trainable`). */
export interface TrainableControl {
  /** Make `params` (all owned by this control) trainable or frozen; throws before changing anything when it cannot. */
  setTrainable(params: readonly Parameter[], value: boolean): void;
}

/** Selection of parameters by scope and/or regular expression. */
export interface SelectOptions {
  /** Keep names under any of these scopes (`/`-boundary prefix); default: all. */
  include?: readonly string[];
  /** Drop names under any of these scopes (`/`-boundary prefix). */
  exclude?: readonly string[];
  /** Keep names matching any of these regular expressions (searched anywhere in the name). */
  includeRegex?: readonly (string | RegExp)[];
  /** Drop names matching any of these regular expressions. */
  excludeRegex?: readonly (string | RegExp)[];
  /** Keep only trainable (true) or only frozen (false) parameters. */
  trainable?: boolean;
}

/** Strip a trailing `:0` (TF display suffix) from a name. */
export function stripOutputSuffix(name: string): string {
  return name.replace(/:\d+$/, '');
}

/** Whether `name` lies in `scope` on a `/` boundary (`''` and `'/'` match everything). */
export function inScope(name: string, scope: string): boolean {
  const s = scope.replace(/\/+$/, '');
  if (s === '') return true;
  return name === s || name.startsWith(s + '/');
}

function toRegex(r: string | RegExp): RegExp {
  return typeof r === 'string' ? new RegExp(r) : r;
}

/** Ordered, name-unique collection of parameters. */
export class ParameterSet implements Iterable<Parameter> {
  private readonly byName = new Map<string, Parameter>();

  constructor(params: Iterable<Parameter> = []) {
    for (const p of params) {
      if (p.control) this.insert(p);
      else this.add(p.name, p.variable, { trainable: p.trainable, saveDtype: p.saveDtype, saveSliceInfo: p.saveSliceInfo });
    }
  }

  /** Add a parameter object as it is (its flag may be owned by a `control`); duplicate names are an error. */
  insert(param: Parameter): this {
    const key = stripOutputSuffix(param.name);
    if (this.byName.has(key)) {
      throw new InvalidArgumentError('duplicate_parameter', `parameter "${key}" is already in this ParameterSet`, {
        hint: 'give each variable a unique scoped name (variableScope / nameScope)',
        details: { name: key },
      });
    }
    this.byName.set(key, param);
    return this;
  }

  /** Add a parameter; a name already present is an error (`duplicate_parameter`). */
  add(name: string, variable: tf.Variable, options: { trainable?: boolean; saveDtype?: 'int64'; saveSliceInfo?: SaveSliceInfo } = {}): this {
    const key = stripOutputSuffix(name);
    if (this.byName.has(key)) {
      throw new InvalidArgumentError('duplicate_parameter', `parameter "${key}" is already in this ParameterSet`, {
        hint: 'give each variable a unique scoped name (variableScope / nameScope)',
        details: { name: key },
      });
    }
    const param: Parameter = { name: key, variable, trainable: options.trainable ?? variable.trainable };
    // A variable declared int64 (store int64 variables, the global step) keeps TF's DT_INT64.
    if (options.saveDtype || declaredInt64(variable)) param.saveDtype = 'int64';
    const slice = options.saveSliceInfo ?? saveSliceInfoOf(variable);
    if (slice) param.saveSliceInfo = slice;
    this.byName.set(key, param);
    return this;
  }

  /** Number of parameters. */
  get size(): number {
    return this.byName.size;
  }

  /** Names in insertion order. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Whether a name (with or without `:0`) is present. */
  has(name: string): boolean {
    return this.byName.has(stripOutputSuffix(name));
  }

  /** The parameter of that name, or undefined. */
  get(name: string): Parameter | undefined {
    return this.byName.get(stripOutputSuffix(name));
  }

  /** The parameter of that name; throws `parameter_not_found` when absent. */
  require(name: string): Parameter {
    const p = this.get(name);
    if (!p) {
      throw new InvalidArgumentError('parameter_not_found', `no parameter named "${name}" in this ParameterSet (${this.size} parameters)`, {
        hint: 'list the names with params.names()',
        details: { name },
      });
    }
    return p;
  }

  [Symbol.iterator](): Iterator<Parameter> {
    return this.byName.values();
  }

  /** Parameters as an array, in order. */
  toArray(): Parameter[] {
    return [...this.byName.values()];
  }

  /** A new ParameterSet holding the selected parameters (same variables, same order). */
  select(options: SelectOptions = {}): ParameterSet {
    const inc = options.include ?? [];
    const exc = options.exclude ?? [];
    const incR = (options.includeRegex ?? []).map(toRegex);
    const excR = (options.excludeRegex ?? []).map(toRegex);
    const out = new ParameterSet();
    for (const p of this.byName.values()) {
      const included =
        (inc.length === 0 && incR.length === 0) ||
        inc.some((s) => inScope(p.name, s)) ||
        incR.some((r) => r.test(p.name));
      if (!included) continue;
      if (exc.some((s) => inScope(p.name, s)) || excR.some((r) => r.test(p.name))) continue;
      if (options.trainable !== undefined && p.trainable !== options.trainable) continue;
      out.byName.set(p.name, p);
    }
    return out;
  }

  /** Parameters optimizers may change. */
  trainable(): ParameterSet {
    return this.select({ trainable: true });
  }

  /** Mark the selected parameters frozen (not trainable); returns the names changed. */
  freeze(options: SelectOptions = {}): string[] {
    return this.setTrainable(options, false);
  }

  /** Mark the selected parameters trainable; returns the names changed. */
  unfreeze(options: SelectOptions = {}): string[] {
    return this.setTrainable(options, true);
  }

  private setTrainable(options: SelectOptions, value: boolean): string[] {
    const changed = this.select(options).toArray().filter((p) => p.trainable !== value);
    const byControl = new Map<TrainableControl, Parameter[]>();
    for (const p of changed) if (p.control) byControl.set(p.control, [...(byControl.get(p.control) ?? []), p]);
    // Every control validates its whole share first (a partial layer is refused), then flags change.
    for (const [control, params] of byControl) control.setTrainable(params, value);
    for (const p of changed) if (!p.control) p.trainable = value;
    // a control may leave some alone (a BatchNorm's moving statistics are never trainable)
    return changed.filter((p) => p.trainable === value).map((p) => p.name);
  }

  /** Plain `{name, dtype, shape, trainable}` records, JSON-serialisable. */
  describe(): { name: string; dtype: string; shape: number[]; trainable: boolean }[] {
    return this.toArray().map((p) => ({ name: p.name, dtype: p.variable.dtype, shape: [...p.variable.shape], trainable: p.trainable }));
  }
}
