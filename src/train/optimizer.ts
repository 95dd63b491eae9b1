/**
 * TF1's `tf.train.Optimizer` over a ParameterSet (`python/training/optimizer.py`,
 * TF-SEMANTICS §7.3): `minimize` = gradients of the loss for the chosen variables only, then
 * `apply_gradients` (per-variable dense updates in TF's kernel op order, then `_finish`), then
 * the step's update ops, the EMA update, and `global_step += 1`.
 *
 * Slots are variables named like TF's `slot_creator` names them: `<var>/<OptimizerName>`, then
 * `<var>/<OptimizerName>_1` for a second slot of the same variable (Adam's m and v). Non-slot
 * variables (`beta1_power`) keep their bare names. Slots exist only for variables that received
 * a gradient, so a frozen variable gets none and is never written: frozen means bit-identical.
 */
import * as tf from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { newVariable, scopedNameOf } from '../variables/create.js';
import { captureLookupGradients } from '../variables/embedding-lookup.js';
import { globalStepValue, incrementGlobalStep } from './global-step.js';
import { learningRateAt, type LearningRate } from './schedules.js';
import { applyConstraints } from '../variables/create.js';
import type { ExponentialMovingAverage } from './ema.js';
import { clipByGlobalNorm } from './clip.js';
import { deduplicateIndexedSlices, isIndexedSlices, toDense, type Gradient, type IndexedSlices } from './indexed-slices.js';
import { disposeGradients, mergeLookupGradients, type GradAndVar } from './lookup-gradients.js';

export { disposeGradients, type GradAndVar } from './lookup-gradients.js';

export { clipByGlobalNorm } from './clip.js';

/** Options every optimizer takes. */
export interface OptimizerOptions {
  /**
   * A float, a schedule of the global step (then `globalStep` must be passed to each step), or a
   * zero-argument function evaluated once per step (TF's callable hyper-parameters,
   * `Optimizer._call_if_callable`).
   */
  learningRate: LearningRate | (() => number);
  /** Optimizer name, used in slot names; defaults to TF's (`Adam`, `Momentum`, …). */
  name?: string;
}


/** Which variables a step trains. */
export interface VarListOptions {
  /**
   * A ParameterSet (its trainable members are trained; frozen ones stay frozen) or an explicit
   * variable list (trained as given, as TF's `var_list`). Default: every trainable parameter of
   * the optimizer's `params`.
   */
  varList?: ParameterSet | tf.Variable[];
  /** Keep only variables under these scopes (`/`-boundary prefixes, e.g. `inference/conv`). */
  scopes?: string[];
}

/** Options of {@link Optimizer.computeGradients}. */
export interface ComputeGradientsOptions extends VarListOptions {
  /** TF's `grad_loss`: the gradient fed back from the loss (same shape); default ones. */
  gradLoss?: tf.Tensor;
  /**
   * Gradients of embedding lookups (`embedding`, `embeddingLookup`) as IndexedSlices, as TF's
   * gather gradient, so the optimizers' sparse paths update only the looked-up rows. Default
   * false: TF.js's dense gather gradient (Graft's behaviour before sparse updates existed).
   */
  sparseLookups?: boolean;
}

/** What {@link Optimizer.computeGradients} returns; the caller owns the tensors ({@link disposeGradients}). */
export interface ComputedGradients {
  /** The loss (a scalar, or any shape with `gradLoss`). */
  loss: tf.Tensor;
  gradsAndVars: GradAndVar[];
}

/** Options of {@link Optimizer.applyGradients}. */
export interface ApplyGradientsOptions {
  /** Incremented after the update; also the step learning-rate schedules read. */
  globalStep?: tf.Variable;
}

/** Options of {@link Optimizer.minimize}. */
export interface MinimizeOptions extends VarListOptions, Pick<ComputeGradientsOptions, 'sparseLookups' | 'gradLoss'> {
  /** Incremented last in the step; the step the learning-rate schedule reads (before the increment). */
  globalStep?: tf.Variable;
  /** Clip the gradients by their global norm (`tf.clip_by_global_norm`) to this value. */
  clipGradientNorm?: number;
  /** Run after the update, in order (TF1's UPDATE_OPS, e.g. batch-norm moving statistics). */
  updateOps?: (() => void)[];
  /** Updated after the update ops (`ema.apply` under `control_dependencies([train_op])`). */
  ema?: ExponentialMovingAverage;
}

/** What one step did; plain data. */
export interface MinimizeReport {
  /** The loss before the update. */
  loss: number;
  /** Learning rate used (float32 value). */
  learningRate: number;
  /** Global step after the increment, or null without a global step. */
  globalStep: number | null;
  /** Global gradient norm before clipping, when clipping was asked for. */
  gradientNorm: number | null;
  /** Number of variables updated. */
  updated: number;
}

/** One optimizer slot, as {@link Optimizer.slots} lists it. */
export interface SlotInfo {
  /** The variable the slot belongs to, and its scoped name. */
  owner: tf.Variable;
  ownerName: string;
  /** TF's internal slot name: `m`, `v` (Adam), `momentum`, `rms`, `accumulator`. */
  slotName: string;
  /** The slot's checkpoint name (`<var>/Adam`, `<var>/Adam_1`). */
  name: string;
  slot: tf.Variable;
}

/** Base class of the TF1 optimizers. */
export abstract class Optimizer {
  /** Name used in slot names (`<var>/<name>`). */
  readonly name: string;
  protected readonly params: ParameterSet;
  protected readonly learningRate: LearningRate | (() => number);
  private readonly state = new ParameterSet();
  private readonly slotsByVar = new Map<tf.Variable, Map<string, tf.Variable>>();
  private readonly nonSlotVars = new Map<string, tf.Variable>();
  private readonly constants = new Map<number, tf.Scalar>();
  private iterations = 0;

  protected constructor(params: ParameterSet, options: OptimizerOptions, defaultName: string) {
    this.params = params;
    this.learningRate = options.learningRate;
    this.name = options.name ?? defaultName;
    if (typeof options.learningRate === 'number' && !Number.isFinite(options.learningRate)) {
      throw new InvalidArgumentError('invalid_learning_rate', `${this.name}: learningRate must be a finite number, got ${options.learningRate}`, {
        hint: 'pass a number such as 0.001 or a schedule such as exponentialDecay(0.1, {...})',
      });
    }
  }

  /** Create this optimizer's slots for `vars` (TF's `_create_slots`); idempotent. */
  protected abstract createSlotsFor(vars: tf.Variable[]): void;

  /** Apply dense updates for all pairs at learning rate `lr` (float32 value). */
  protected abstract applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void;

  /**
   * Apply sparse updates (TF's `_apply_sparse`) of slices already deduplicated by sum; by
   * default they are applied densely. The TF1 optimizers override it with TF's sparse kernels.
   */
  protected applySparse(items: { grad: IndexedSlices; variable: tf.Variable }[], lr: number): void {
    const dense = items.map(({ grad, variable }) => ({ variable, grad: toDense(grad) }));
    this.applyDense(dense, lr);
    for (const d of dense) d.grad.dispose();
  }

  /** TF's `_prepare`: evaluate callable hyper-parameters once per step, before any update. */
  protected prepare(): void {}

  /** TF's `_finish`: runs once after all variable updates (Adam's beta powers). */
  protected finish(): void {}

  /** Slot and non-slot variables under their TF checkpoint names, for savers. */
  variables(): ParameterSet {
    return new ParameterSet(this.state);
  }

  /** The slot `slotName` (TF's internal name: `m`, `v`, `momentum`, …) of a variable, if created. */
  getSlot(variable: tf.Variable | string, slotName: string): tf.Variable | undefined {
    const v = typeof variable === 'string' ? this.params.get(variable)?.variable : variable;
    return v ? this.slotsByVar.get(v)?.get(slotName) : undefined;
  }

  /**
   * Every slot created so far: the variable it belongs to, TF's internal slot name (`m`, `v`,
   * `momentum`, …), its checkpoint name (`<var>/Adam_1`) and the slot variable. Non-slot
   * variables (`beta1_power`) are in {@link variables} only.
   */
  slots(): SlotInfo[] {
    const names = new Map<tf.Variable, string>();
    for (const p of this.state) names.set(p.variable, p.name);
    const out: SlotInfo[] = [];
    for (const [owner, slots] of this.slotsByVar) {
      for (const [slotName, slot] of slots) out.push({ owner, ownerName: this.nameOf(owner), slotName, name: names.get(slot)!, slot });
    }
    return out;
  }

  /**
   * Create slots and non-slot variables for the variables a step would train, without updating
   * anything — do this before restoring optimizer state into a fresh process.
   */
  createSlots(options: VarListOptions = {}): void {
    this.createSlotsFor(this.resolveVarList(options));
  }

  /**
   * `compute_gradients`: the loss and the gradient of each chosen variable (null where the loss
   * does not reach it). With `sparseLookups`, lookups give IndexedSlices; with `gradLoss`, the
   * backward pass starts from it instead of ones. The caller owns the returned tensors.
   * @throws InvalidArgumentError `empty_var_list`; `bad_grad_loss` when `gradLoss`'s shape is not the loss's.
   * @example
   * const { loss, gradsAndVars } = opt.computeGradients(() => lossOf(batch), { scopes: ['inference/conv'] });
   * opt.applyGradients(gradsAndVars, { globalStep });
   * disposeGradients(gradsAndVars); loss.dispose();
   */
  computeGradients(lossFn: () => tf.Tensor, options: ComputeGradientsOptions = {}): ComputedGradients {
    const vars = this.resolveVarList(options);
    const dy = options.gradLoss;
    const run = (): { value: tf.Tensor; grads: (tf.Tensor | null)[] } => {
      const checked = (): tf.Tensor => {
        const value = lossFn();
        if (dy && !util.arraysEqual(dy.shape, value.shape)) {
          throw new InvalidArgumentError('bad_grad_loss', `${this.name}: gradLoss has shape [${dy.shape.join(',')}] but the loss has shape [${value.shape.join(',')}]`, {
            hint: 'pass a gradLoss tensor shaped like the loss (a scalar loss takes a scalar)',
          });
        }
        return value;
      };
      const r = tf.engine().gradients(checked, vars, dy, true);
      return { value: r.value, grads: vars.map((_, i) => r.grads[i] ?? null) };
    };
    if (!options.sparseLookups) {
      const { value, grads } = run();
      return { loss: value, gradsAndVars: vars.map((variable, i) => ({ variable, grad: grads[i] ?? null })) };
    }
    const { result, captured } = captureLookupGradients(run);
    const gradsAndVars = mergeLookupGradients(vars, result.grads, captured);
    return { loss: result.value, gradsAndVars };
  }

  /**
   * `apply_gradients`: `_prepare`, the dense and sparse updates, `_finish`, then
   * `global_step += 1` if given. Pairs with a null gradient are skipped; all null is an error.
   * The gradients stay the caller's.
   * @throws InvalidArgumentError `no_gradients`, `global_step_required`.
   */
  applyGradients(gradsAndVars: GradAndVar[], options: ApplyGradientsOptions = {}): { learningRate: number; globalStep: number | null } {
    const lr = this.applyUpdates(gradsAndVars, options.globalStep);
    if (options.globalStep) incrementGlobalStep(options.globalStep);
    return { learningRate: lr, globalStep: options.globalStep ? globalStepValue(options.globalStep) : null };
  }

  /**
   * One TF1 training step over the chosen variables: gradients, update, `updateOps`, EMA update,
   * global step. Variables outside the list are not read for gradients and never written.
   * @throws InvalidArgumentError `empty_var_list`, `no_gradients`, `global_step_required`.
   * @example
   * const opt = new AdamOptimizer(params, { learningRate: 1e-3 });
   * const { loss } = opt.minimize(() => lossOf(batch), { scopes: ['inference/conv'], globalStep });
   */
  minimize(lossFn: () => tf.Scalar, options: MinimizeOptions = {}): MinimizeReport {
    let gradientNorm: number | null = null;
    const { loss: lossTensor, gradsAndVars } = this.computeGradients(lossFn, options);
    let lr: number;
    let applied = gradsAndVars;
    let loss: number;
    try {
      loss = lossTensor.dataSync()[0]!;
      if (options.clipGradientNorm !== undefined) {
        const clipped = clipByGlobalNorm(gradsAndVars.map((g) => g.grad), options.clipGradientNorm);
        applied = gradsAndVars.map((g, i) => ({ variable: g.variable, grad: clipped.grads[i] ?? null }));
        gradientNorm = clipped.norm;
      }
      lr = this.applyUpdates(applied, options.globalStep, lossTensor);
    } finally {
      disposeGradients(gradsAndVars);
      if (applied !== gradsAndVars) disposeGradients(applied);
      lossTensor.dispose();
    }
    for (const op of options.updateOps ?? []) op();
    options.ema?.update();
    if (options.globalStep) incrementGlobalStep(options.globalStep);
    return {
      loss,
      learningRate: lr,
      globalStep: options.globalStep ? globalStepValue(options.globalStep) : null,
      gradientNorm,
      updated: gradsAndVars.length,
    };
  }

  /** The variables a step trains, per {@link VarListOptions}. */
  resolveVarList(options: VarListOptions = {}): tf.Variable[] {
    let vars: tf.Variable[];
    if (options.varList === undefined) {
      vars = this.params.trainable().select({ include: options.scopes ?? [] }).toArray().map((p) => p.variable);
    } else if (options.varList instanceof ParameterSet) {
      vars = options.varList.trainable().select({ include: options.scopes ?? [] }).toArray().map((p) => p.variable);
    } else {
      const scopes = options.scopes ?? [];
      vars = options.varList.filter((v) => scopes.length === 0 || this.params.select({ include: scopes }).toArray().some((p) => p.variable === v));
    }
    if (vars.length === 0) {
      throw new InvalidArgumentError(
        'empty_var_list',
        `${this.name}: no trainable variables selected${options.scopes ? ` under scopes [${options.scopes.join(', ')}]` : ''} (${this.params.size} parameters, ${this.params.trainable().size} trainable)`,
        { hint: 'check the scope names (matched on "/" boundaries) and that the variables are not frozen', details: { scopes: options.scopes ?? [] } },
      );
    }
    return vars;
  }

  /** Scoped name of a variable: its name in `params`, else the name it was created with. */
  protected nameOf(variable: tf.Variable): string {
    for (const p of this.params) if (p.variable === variable) return p.name;
    return scopedNameOf(variable);
  }

  /** TF's unique naming: `base`, then `base_1`, `base_2`, … against params and this optimizer's state. */
  private uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.state.has(name) || this.params.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  /** Get or create slot `slotName` of `variable`, named `<var>/<optimizer name>[_N]`. */
  protected slot(variable: tf.Variable, slotName: string, init: () => tf.Tensor): tf.Variable {
    let slots = this.slotsByVar.get(variable);
    if (!slots) {
      slots = new Map();
      this.slotsByVar.set(variable, slots);
    }
    let s = slots.get(slotName);
    if (!s) {
      const name = this.uniqueName(`${this.nameOf(variable)}/${this.name}`);
      const initial = tf.tidy(init);
      s = newVariable(name, initial, { trainable: false, dtype: variable.dtype });
      initial.dispose();
      this.state.add(name, s, { trainable: false });
      slots.set(slotName, s);
    }
    return s;
  }

  /** Get or create a scalar float32 non-slot variable (`beta1_power`). */
  protected nonSlot(name: string, initialValue: number): tf.Variable {
    let v = this.nonSlotVars.get(name);
    if (!v) {
      const key = this.uniqueName(name);
      const initial = tf.scalar(initialValue, 'float32');
      v = newVariable(key, initial, { trainable: false, dtype: 'float32' });
      initial.dispose();
      this.state.add(key, v, { trainable: false });
      this.nonSlotVars.set(name, v);
    }
    return v;
  }

  /** A cached float32 scalar tensor (kept across steps). */
  protected constant(value: number): tf.Scalar {
    let c = this.constants.get(value);
    if (!c) {
      c = tf.keep(tf.scalar(value, 'float32'));
      this.constants.set(value, c);
    }
    return c;
  }

  private applyUpdates(gradsAndVars: GradAndVar[], globalStep: tf.Variable | undefined, loss?: tf.Tensor): number {
    const items = gradsAndVars.filter((g): g is { grad: Gradient; variable: tf.Variable } => g.grad != null);
    if (items.length === 0) {
      throw new InvalidArgumentError(
        'no_gradients',
        `No gradients provided for any variable, check your graph for ops that do not support gradients, between variables [${gradsAndVars.map((g) => this.nameOf(g.variable)).join(', ')}] and loss${loss ? ` (shape [${loss.shape.join(',')}])` : ''}.`,
        { hint: 'make sure lossFn reads the selected variables (a frozen or unused scope gets no gradient)' },
      );
    }
    if (typeof this.learningRate === 'function' && this.learningRate.length > 0 && !globalStep) {
      throw new InvalidArgumentError('global_step_required', `${this.name}: a learning-rate schedule needs the global step, but none was passed`, {
        hint: 'create one with createGlobalStep() and pass { globalStep } to minimize/applyGradients',
      });
    }
    const step = globalStep ? globalStepValue(globalStep) : this.iterations;
    const lr = learningRateAt(this.learningRate as LearningRate, step);
    if (!Number.isFinite(lr)) {
      throw new InvalidArgumentError('invalid_learning_rate', `${this.name}: the learning rate at step ${step} is ${lr}`, { hint: 'check the schedule or the callable learning rate' });
    }
    // callable hyper-parameters can give a new value each step: keep the cache of constants bounded
    if (this.constants.size > 32) {
      for (const c of this.constants.values()) c.dispose();
      this.constants.clear();
    }
    this.prepare();
    this.createSlotsFor(items.map((i) => i.variable));
    const dense = items.filter((i): i is { grad: tf.Tensor; variable: tf.Variable } => !isIndexedSlices(i.grad));
    const sparse = items.filter((i): i is { grad: IndexedSlices; variable: tf.Variable } => isIndexedSlices(i.grad));
    if (dense.length > 0) this.applyDense(dense, lr);
    if (sparse.length > 0) {
      // TF's `_apply_sparse_duplicate_indices`: sum the values of repeated indices first
      const unique = sparse.map(({ grad, variable }) => ({ variable, grad: deduplicateIndexedSlices(grad) }));
      try {
        this.applySparse(unique, lr);
      } finally {
        for (const { grad } of unique) tf.dispose([grad.indices, grad.values]);
      }
    }
    this.finish();
    applyConstraints(items.map((i) => i.variable)); // TF: var.assign(var.constraint(var)) after the update
    this.iterations += 1;
    return lr;
  }
}
