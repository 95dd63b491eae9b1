/**
 * `tf.train.ExponentialMovingAverage` (`python/training/moving_averages.py`, TF-SEMANTICS §7.1,
 * read in TF source this session): shadows named `<var>/ExponentialMovingAverage` initialised to
 * the variable's value, updated by `shadow -= (shadow - var) * (1 - decay)` in float32, with
 * `decay = min(decay, (1 + n) / (10 + n))` when `numUpdates` is given (n cast to float32).
 * Plain values (losses, metrics: TF's `apply([tensor])`) get zero-initialised averages, zero-debiased
 * with `zeroDebias` as TF's `_zero_debias`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet, stripOutputSuffix, type Parameter } from '../variables/parameter-set.js';
import { newVariable } from '../variables/create.js';
import { fusedOptimizers } from './fused.js';

const f = Math.fround;

/** Options of {@link ExponentialMovingAverage}. */
export interface ExponentialMovingAverageOptions {
  /** Number of updates so far (usually the global step); lowers the decay early in training. */
  numUpdates?: tf.Variable | (() => number);
  /** Default `ExponentialMovingAverage`; the shadow-name suffix. */
  name?: string;
  /**
   * TF's `zero_debias`: averages of plain values ({@link ExponentialMovingAverage.applyValues})
   * start at zero and are divided by `1 - decay^t` (Adam's bias correction), with the biased
   * estimate in `<shadow>/biased` and t in `<shadow>/local_step`. Default false, as TF.
   */
  zeroDebias?: boolean;
  /**
   * The VariableStore whose scopes name the shadows, as TF's graph does: `apply` creates each
   * shadow with `slot_creator.create_slot`, i.e. `variable_scope(None, var_name + "/" + name)`
   * under the CURRENT variable scope, so inside `variable_scope("scope2")` the average of
   * `scope1/v0` is `scope2/scope1/v0/<name>`; `averageName` of a not-yet-applied variable uses the
   * current name scope (`graph.unique_name`). Without it (or at the root scope) names are
   * `<var>/<name>`.
   */
  store?: EmaScopeSource;
}

/** What the EMA reads from a VariableStore to name shadows (a VariableStore satisfies it). */
export interface EmaScopeSource {
  getNameScope(): string;
  getVariableScope(): { readonly name: string };
}

interface TrackedValue {
  shadow: tf.Variable;
  shadowName: string;
  biased?: tf.Variable;
  localStep?: tf.Variable;
}

interface Tracked {
  param: Parameter;
  shadow: tf.Variable;
  shadowName: string;
}

/** Moving averages of parameters, TF1-style. */
export class ExponentialMovingAverage {
  /** Suffix of shadow names. */
  readonly name: string;
  private readonly decay: number;
  private readonly numUpdates?: tf.Variable | (() => number);
  private readonly byName = new Map<string, Tracked>();
  private readonly shadows = new ParameterSet();
  private readonly values = new Map<string, TrackedValue>();
  private readonly zeroDebias: boolean;
  private readonly store?: EmaScopeSource;

  constructor(decay: number, options: ExponentialMovingAverageOptions = {}) {
    if (!(decay >= 0 && decay <= 1)) {
      throw new InvalidArgumentError('invalid_decay', `ExponentialMovingAverage: decay must be in [0, 1], got ${decay}`, { hint: 'typical values are 0.999 or 0.9999' });
    }
    this.decay = decay;
    if (options.numUpdates !== undefined) this.numUpdates = options.numUpdates;
    this.name = options.name ?? 'ExponentialMovingAverage';
    this.zeroDebias = options.zeroDebias ?? false;
    if (options.store) this.store = options.store;
  }

  /** `scope/` of the current variable scope (where create_slot puts shadows), `''` at the root or without a store. */
  private slotPrefix(): string {
    const n = this.store?.getVariableScope().name ?? '';
    return n ? `${n}/` : '';
  }

  private uniqueShadowName(base: string, taken?: ParameterSet): string {
    const full = this.slotPrefix() + base;
    let name = `${full}/${this.name}`;
    for (let i = 1; this.shadows.has(name) || taken?.has(name); i++) name = `${full}/${this.name}_${i}`;
    return name;
  }

  private zerosVariable(name: string, shape: number[]): tf.Variable {
    const initial = tf.zeros(shape, 'float32');
    const v = newVariable(name, initial, { trainable: false });
    initial.dispose();
    this.shadows.add(name, v, { trainable: false });
    return v;
  }

  /**
   * Start averaging plain values that are not variables — losses, metrics (TF's `apply([tensor])`):
   * one shadow `<name>/<ema name>` per name, of the given shape, initialised to zero; with
   * `zeroDebias` also `<shadow>/biased` and `<shadow>/local_step`. Names already applied are
   * skipped. Feed the values with {@link updateValues}.
   */
  applyValues(shapes: Record<string, number[]>): void {
    for (const [name, shape] of Object.entries(shapes)) {
      const key = stripOutputSuffix(name);
      if (this.values.has(key)) continue;
      const shadowName = this.uniqueShadowName(key);
      const t: TrackedValue = { shadowName, shadow: this.zerosVariable(shadowName, shape) };
      if (this.zeroDebias) {
        // TF's _zero_debias creates these under the scope once more: inside variable_scope("scope2")
        // they are scope2/scope2/scope1/add/foo/biased (moving_averages_test.py
        // averageVariablesNamesRespectScopeHelper: `sc + ema.average_name(tensor2) + "/biased"`).
        const debiasName = this.slotPrefix() + shadowName;
        t.biased = this.zerosVariable(`${debiasName}/biased`, shape);
        t.localStep = this.zerosVariable(`${debiasName}/local_step`, []);
      }
      this.values.set(key, t);
    }
  }

  /**
   * One update of the named values' averages with this step's values, in TF's float32 op order
   * (`assign_moving_average`; zero-debiased: `biased -= (biased - v)(1 - d)`, `t += 1`,
   * `shadow -= shadow - biased / (1 - d^t)`).
   * @throws InvalidArgumentError `not_averaged` (name not applied), `shape_mismatch`.
   */
  updateValues(values: Record<string, tf.Tensor | number>): void {
    const oneMinusDecay = f(1 - this.currentDecay());
    const items = Object.entries(values).map(([name, value]) => {
      const t = this.values.get(stripOutputSuffix(name));
      if (!t) {
        throw new InvalidArgumentError('not_averaged', `no moving average is kept for value "${name}" (${this.values.size} values averaged)`, {
          hint: `call ema.applyValues({ '${name}': shape }) first`,
        });
      }
      return { name, t, value };
    });
    tf.tidy(() => {
      const c = tf.scalar(oneMinusDecay);
      for (const { name, t, value } of items) {
        const v = typeof value === 'number' ? tf.scalar(value) : tf.cast(value, 'float32');
        if (v.shape.join() !== t.shadow.shape.join()) {
          throw new InvalidArgumentError('shape_mismatch', `value "${name}" has shape [${v.shape}], its average [${t.shadow.shape}]`, { hint: 'pass the same shape every step' });
        }
        if (!t.biased || !t.localStep) {
          t.shadow.assign(tf.sub(t.shadow, tf.mul(tf.sub(t.shadow, v), c)));
          continue;
        }
        const biased = tf.sub(t.biased, tf.mul(tf.sub(t.biased, v), c));
        const step = tf.add(t.localStep, tf.scalar(1));
        t.biased.assign(biased);
        t.localStep.assign(step);
        const debiased = tf.div(biased, tf.sub(tf.scalar(1), tf.pow(tf.sub(tf.scalar(1), c), step)));
        t.shadow.assign(tf.sub(t.shadow, tf.sub(t.shadow, debiased)));
      }
    });
  }

  /**
   * Start averaging these parameters: one shadow per float parameter, initialised to its current
   * value. Parameters already averaged are skipped.
   * @throws InvalidArgumentError `invalid_dtype` for non-float parameters ("The variables must be half, float, or double").
   */
  apply(params: ParameterSet): void {
    for (const p of params) {
      if (this.byName.has(p.name)) continue;
      if (p.variable.dtype !== 'float32') {
        throw new InvalidArgumentError('invalid_dtype', `The variables must be half, float, or double: ${p.name} is ${p.saveDtype ?? p.variable.dtype}`, {
          hint: 'apply the moving average to float parameters only, e.g. params.trainable()',
          details: { name: p.name, dtype: p.variable.dtype },
        });
      }
      const shadowName = this.uniqueShadowName(p.name, params);
      // A real copy (not a shared buffer), so in-place kernels on the variable cannot touch it.
      const initial = tf.tensor(p.variable.dataSync().slice(), p.variable.shape, 'float32');
      const shadow = newVariable(shadowName, initial, { trainable: false });
      initial.dispose();
      this.shadows.add(shadowName, shadow, { trainable: false });
      this.byName.set(p.name, { param: p, shadow, shadowName });
    }
  }

  /** The decay this update uses: `min(decay, (1+n)/(10+n))` in float32, or `decay`. */
  currentDecay(): number {
    const d = f(this.decay);
    if (this.numUpdates === undefined) return d;
    const n = f(typeof this.numUpdates === 'function' ? this.numUpdates() : this.numUpdates.dataSync()[0]!);
    return Math.min(d, f(f(1 + n) / f(10 + n)));
  }

  /** One update of every shadow (TF's `assign_moving_average` without zero-debias). */
  update(): void {
    const oneMinusDecay = f(1 - this.currentDecay());
    // the native kernels do the same float32 ops in two passes over the weights (runtime/fused-optimizers.ts)
    const tracked = [...this.byName.values()];
    if (tracked.length === 0) return;
    if (fusedOptimizers()?.applyMovingAverageFused(tracked.map((t) => ({ shadow: t.shadow, variable: t.param.variable })), oneMinusDecay)) return;
    tf.tidy(() => {
      const c = tf.scalar(oneMinusDecay);
      for (const t of tracked) t.shadow.assign(tf.sub(t.shadow, tf.mul(tf.sub(t.shadow, t.param.variable), c)));
    });
  }

  /**
   * The shadow variable of a parameter (by scoped name or variable).
   * @throws InvalidArgumentError `not_averaged`.
   */
  average(nameOrVariable: string | tf.Variable): tf.Variable {
    if (typeof nameOrVariable === 'string') {
      const v = this.values.get(stripOutputSuffix(nameOrVariable));
      if (v) return v.shadow;
    }
    const t = this.find(nameOrVariable);
    if (!t) {
      const name = typeof nameOrVariable === 'string' ? nameOrVariable : nameOrVariable.name;
      throw new InvalidArgumentError('not_averaged', `no moving average is kept for "${name}" (${this.byName.size} variables averaged)`, {
        hint: 'call ema.apply(params) with a ParameterSet that contains it',
        details: { name },
      });
    }
    return t.shadow;
  }

  /** Checkpoint name of the average of `name`: the shadow's name, or `<name>/<ema name>` if not applied yet. */
  averageName(nameOrVariable: string | tf.Variable): string {
    if (typeof nameOrVariable === 'string') {
      const v = this.values.get(stripOutputSuffix(nameOrVariable));
      if (v) return v.shadowName;
    }
    const t = this.find(nameOrVariable);
    if (t) return t.shadowName;
    if (typeof nameOrVariable !== 'string') {
      throw new InvalidArgumentError('not_averaged', `variable "${nameOrVariable.name}" is not averaged and has no scoped name here`, {
        hint: 'pass the scoped name instead of the variable',
      });
    }
    const scope = this.store?.getNameScope() ?? '';
    return `${scope ? scope + '/' : ''}${stripOutputSuffix(nameOrVariable)}/${this.name}`;
  }

  /** The shadow variables under their checkpoint names (not trainable). */
  variables(): ParameterSet {
    return new ParameterSet(this.shadows);
  }

  /**
   * TF's `variables_to_restore()`: trainable and averaged parameters map from their average's
   * name; every other parameter from its own name unless that name is already a key. Give the
   * result to a Saver to load the averages into the live variables.
   */
  variablesToRestore(params: ParameterSet): Record<string, Parameter> {
    const out: Record<string, Parameter> = {};
    const averaged = new Set<string>();
    for (const p of params) {
      if (p.trainable || this.byName.has(p.name)) {
        out[this.averageName(p.name)] = p;
        averaged.add(p.name);
      }
    }
    for (const p of params) if (!averaged.has(p.name) && !(p.name in out)) out[p.name] = p;
    return out;
  }

  /**
   * Run `fn` with every averaged parameter holding its moving average, then put the raw values
   * back — also when `fn` throws.
   */
  async withAveragesSwapped<T>(fn: () => T | Promise<T>): Promise<T> {
    const saved = [...this.byName.values()].map((t) => {
      const raw = tf.tensor(t.param.variable.dataSync().slice(), t.param.variable.shape, 'float32');
      const avg = tf.tensor(t.shadow.dataSync().slice(), t.shadow.shape, 'float32');
      t.param.variable.assign(avg);
      avg.dispose();
      return { t, raw };
    });
    try {
      return await fn();
    } finally {
      for (const { t, raw } of saved) {
        t.param.variable.assign(raw);
        raw.dispose();
      }
    }
  }

  private find(nameOrVariable: string | tf.Variable): Tracked | undefined {
    if (typeof nameOrVariable === 'string') return this.byName.get(stripOutputSuffix(nameOrVariable));
    for (const t of this.byName.values()) if (t.param.variable === nameOrVariable) return t;
    return undefined;
  }
}
