/**
 * The TF1 optimizers: update rules in the op order of `core/kernels/training_ops.cc` (CPU
 * functors), slot names as `python/training/{gradient_descent,momentum,adam,rmsprop,adagrad}.py`
 * create them (TF-SEMANTICS §7.3, checked in TF source this session). Every elementwise step is
 * one float32 TF.js op, so each intermediate rounds exactly as TF's Eigen expression does;
 * scalar prefactors (Adam's alpha) are computed on the host with `Math.fround` after each op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import type { ParameterSet } from '../variables/parameter-set.js';
import { Optimizer, type OptimizerOptions } from './optimizer.js';
import { fusedOptimizers } from './fused.js';
import type { IndexedSlices } from './indexed-slices.js';
import { adagradSparse, adamSparse, lazyAdamSparse, momentumSparse, rmsPropSparse, sgdSparse } from './sparse-updates.js';

/** Sparse items: deduplicated slices and their variables. */
type SparseItems = { grad: IndexedSlices; variable: tf.Variable }[];

const f = Math.fround;

/** Smallest normal float32; TF's CPU kernels run with denormals flushed to zero (FTZ). */
const FLT_MIN = 1.1754943508222875e-38;

/**
 * TF1 Adam's `_finish` for one beta power: `beta_power * beta` in float32 with denormal results
 * flushed to zero, as TF's CPU thread pool does — after 20000 steps TF stores `beta1_power = 0`
 * where IEEE arithmetic would keep a denormal (checked against a TF-written checkpoint).
 */
export function nextBetaPower(betaPower: number, beta: number): number {
  const x = f(f(betaPower) * f(beta));
  return Math.abs(x) < FLT_MIN ? 0 : x;
}

/** `tf.train.GradientDescentOptimizer`: `var -= grad * lr`. No slots. */
export class GradientDescentOptimizer extends Optimizer {
  constructor(params: ParameterSet, options: OptimizerOptions) {
    super(params, options, 'GradientDescent');
  }

  protected createSlotsFor(): void {}

  protected applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void {
    if (fusedOptimizers()?.applySgdFused?.(items, { lr })) return;
    const lrT = tf.scalar(lr);
    for (const { grad, variable } of items) tf.tidy(() => variable.assign(tf.sub(variable, tf.mul(grad, lrT))));
    lrT.dispose();
  }

  protected override applySparse(items: SparseItems, lr: number): void {
    for (const { grad, variable } of items) sgdSparse(variable, grad, lr);
  }
}

/** Options of {@link MomentumOptimizer}. */
export interface MomentumOptions extends OptimizerOptions {
  momentum: number;
  /** Nesterov momentum; default false. */
  useNesterov?: boolean;
}

/**
 * `tf.train.MomentumOptimizer`: slot `<var>/Momentum` (zeros);
 * `accum = accum * momentum + grad; var -= accum * lr`; Nesterov:
 * `var -= grad * lr + accum * momentum * lr`.
 */
export class MomentumOptimizer extends Optimizer {
  private readonly momentum: number;
  private readonly useNesterov: boolean;

  constructor(params: ParameterSet, options: MomentumOptions) {
    super(params, options, 'Momentum');
    this.momentum = f(options.momentum);
    this.useNesterov = options.useNesterov ?? false;
  }

  protected createSlotsFor(vars: tf.Variable[]): void {
    for (const v of vars) this.slot(v, 'momentum', () => tf.zerosLike(v));
  }

  protected applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void {
    const fusedItems = items.map(({ grad, variable }) => ({ variable, grad, accum: this.getSlot(variable, 'momentum')! }));
    if (fusedOptimizers()?.applyMomentumFused?.(fusedItems, { lr, momentum: this.momentum, nesterov: this.useNesterov })) return;
    const lrT = tf.scalar(lr);
    const mom = this.constant(this.momentum);
    for (const { grad, variable } of items) {
      const accum = this.getSlot(variable, 'momentum')!;
      tf.tidy(() => {
        const a = tf.add(tf.mul(accum, mom), grad);
        accum.assign(a);
        const delta = this.useNesterov ? tf.add(tf.mul(grad, lrT), tf.mul(tf.mul(a, mom), lrT)) : tf.mul(a, lrT);
        variable.assign(tf.sub(variable, delta));
      });
    }
    lrT.dispose();
  }

  protected override applySparse(items: SparseItems, lr: number): void {
    for (const { grad, variable } of items) momentumSparse(variable, this.getSlot(variable, 'momentum')!, grad, lr, this.momentum, this.useNesterov);
  }
}

/** Options of {@link AdamOptimizer}. */
export interface AdamOptions extends Partial<OptimizerOptions> {
  /** Default 0.001. */
  learningRate?: OptimizerOptions['learningRate'];
  /** Default 0.9. A zero-argument function is evaluated once per step (TF's callable hyper-parameters, adam.py `_prepare`). */
  beta1?: number | (() => number);
  /** Default 0.999; may be a zero-argument function. */
  beta2?: number | (() => number);
  /** "epsilon hat", added to sqrt(v) after the bias correction; default 1e-8; may be a zero-argument function. */
  epsilon?: number | (() => number);
  /**
   * Sparse gradients update only the touched rows of m, v and the variable (contrib's
   * `LazyAdamOptimizer`); default false: TF's AdamOptimizer decays every row (non-lazy).
   */
  lazy?: boolean;
}

/**
 * `tf.train.AdamOptimizer`: slots `<var>/Adam` (m) and `<var>/Adam_1` (v), non-slot
 * `beta1_power`/`beta2_power` (initialised to beta1/beta2, multiplied by them after each step).
 * `alpha = lr * sqrt(1 - beta2_power) / (1 - beta1_power)`; `m += (g - m) * (1 - beta1)`;
 * `v += (g*g - v) * (1 - beta2)`; `var -= m * alpha / (sqrt(v) + epsilon)`.
 * Uses the runtime's fused kernel when available (same op order); so do GradientDescent,
 * Momentum and non-centered RMSProp.
 */
export class AdamOptimizer extends Optimizer {
  private beta1: number;
  private beta2: number;
  private epsilon: number;
  private readonly hyper: Required<Pick<AdamOptions, 'beta1' | 'beta2' | 'epsilon'>>;
  private readonly lazy: boolean;

  constructor(params: ParameterSet, options: AdamOptions = {}) {
    super(params, { learningRate: options.learningRate ?? 0.001, ...(options.name ? { name: options.name } : {}) }, 'Adam');
    this.hyper = { beta1: options.beta1 ?? 0.9, beta2: options.beta2 ?? 0.999, epsilon: options.epsilon ?? 1e-8 };
    this.beta1 = this.beta2 = this.epsilon = 0;
    this.lazy = options.lazy ?? false;
    this.prepare();
  }

  /** TF's `_prepare`: evaluate callable beta1, beta2, epsilon for this step (float32). */
  protected override prepare(): void {
    const value = (name: 'beta1' | 'beta2' | 'epsilon'): number => {
      const h = this.hyper[name];
      const x = typeof h === 'function' ? h() : h;
      if (!Number.isFinite(x)) {
        throw new InvalidArgumentError('invalid_optimizer_option', `${this.name}: ${name} is ${x}`, { hint: `pass a finite ${name} (or a function returning one)` });
      }
      return f(x);
    };
    this.beta1 = value('beta1');
    this.beta2 = value('beta2');
    this.epsilon = value('epsilon');
  }

  protected createSlotsFor(vars: tf.Variable[]): void {
    // TF creates the beta powers first (colocated with the first variable by name), then m, v.
    this.nonSlot('beta1_power', this.beta1);
    this.nonSlot('beta2_power', this.beta2);
    for (const v of vars) {
      this.slot(v, 'm', () => tf.zerosLike(v));
      this.slot(v, 'v', () => tf.zerosLike(v));
    }
  }

  protected applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void {
    const b1p = f(this.nonSlot('beta1_power', this.beta1).dataSync()[0]!);
    const b2p = f(this.nonSlot('beta2_power', this.beta2).dataSync()[0]!);
    const fused = fusedOptimizers();
    if (fused?.applyAdamFused) {
      const fusedItems = items.map(({ grad, variable }) => ({ variable, grad, m: this.getSlot(variable, 'm')!, v: this.getSlot(variable, 'v')! }));
      const ok = fused.applyAdamFused(fusedItems, { lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, beta1Power: b1p, beta2Power: b2p });
      if (ok) return;
    }
    const alpha = f(f(lr * f(Math.sqrt(f(1 - b2p)))) / f(1 - b1p));
    const alphaT = tf.scalar(alpha);
    const oneMinusB1 = this.constant(f(1 - this.beta1));
    const oneMinusB2 = this.constant(f(1 - this.beta2));
    const eps = this.constant(this.epsilon);
    for (const { grad, variable } of items) {
      const m = this.getSlot(variable, 'm')!;
      const v = this.getSlot(variable, 'v')!;
      tf.tidy(() => {
        const m1 = tf.add(m, tf.mul(tf.sub(grad, m), oneMinusB1));
        const v1 = tf.add(v, tf.mul(tf.sub(tf.square(grad), v), oneMinusB2));
        m.assign(m1);
        v.assign(v1);
        variable.assign(tf.sub(variable, tf.div(tf.mul(m1, alphaT), tf.add(tf.sqrt(v1), eps))));
      });
    }
    alphaT.dispose();
  }

  protected override applySparse(items: SparseItems, lr: number): void {
    const b1p = f(this.nonSlot('beta1_power', this.beta1).dataSync()[0]!);
    const b2p = f(this.nonSlot('beta2_power', this.beta2).dataSync()[0]!);
    const h = { alpha: f(f(lr * f(Math.sqrt(f(1 - b2p)))) / f(1 - b1p)), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
    const apply = this.lazy ? lazyAdamSparse : adamSparse;
    for (const { grad, variable } of items) apply(variable, this.getSlot(variable, 'm')!, this.getSlot(variable, 'v')!, grad, h);
  }

  protected finish(): void {
    // Scalar host arithmetic (with TF's flush-to-zero) so checkpoints hold TF's exact values.
    for (const [name, beta] of [['beta1_power', this.beta1], ['beta2_power', this.beta2]] as const) {
      const v = this.nonSlot(name, beta);
      const next = tf.scalar(nextBetaPower(v.dataSync()[0]!, beta), 'float32');
      v.assign(next);
      next.dispose();
    }
  }
}

/** Options of {@link RMSPropOptimizer}. */
export interface RMSPropOptions extends OptimizerOptions {
  /** Discount of the squared-gradient average (`rho`); default 0.9. */
  decay?: number;
  /** Default 0. */
  momentum?: number;
  /** Default 1e-10 (TF1's; Keras uses 1e-7). */
  epsilon?: number;
  /** Centered RMSProp (adds the `mg` slot); default false. */
  centered?: boolean;
}

/**
 * `tf.train.RMSPropOptimizer`: slots in TF's creation order — `rms` (`<var>/RMSProp`, ones),
 * `mg` (`<var>/RMSProp_1`, zeros, centered only), `momentum` (`<var>/RMSProp_1`, or `_2` when
 * centered, zeros). `ms += (g*g - ms) * (1 - rho)`; [`mg += (g - mg) * (1 - rho)`;]
 * `mom = mom * momentum + g * lr / sqrt(ms [- mg*mg] + epsilon)`; `var -= mom`.
 */
export class RMSPropOptimizer extends Optimizer {
  private readonly decay: number;
  private readonly momentum: number;
  private readonly epsilon: number;
  private readonly centered: boolean;

  constructor(params: ParameterSet, options: RMSPropOptions) {
    super(params, options, 'RMSProp');
    this.decay = f(options.decay ?? 0.9);
    this.momentum = f(options.momentum ?? 0);
    this.epsilon = f(options.epsilon ?? 1e-10);
    this.centered = options.centered ?? false;
  }

  protected createSlotsFor(vars: tf.Variable[]): void {
    for (const v of vars) {
      this.slot(v, 'rms', () => tf.onesLike(v));
      if (this.centered) this.slot(v, 'mg', () => tf.zerosLike(v));
      this.slot(v, 'momentum', () => tf.zerosLike(v));
    }
  }

  protected applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void {
    if (!this.centered) {
      const fusedItems = items.map(({ grad, variable }) => ({ variable, grad, ms: this.getSlot(variable, 'rms')!, mom: this.getSlot(variable, 'momentum')! }));
      if (fusedOptimizers()?.applyRmsPropFused?.(fusedItems, { lr, rho: this.decay, momentum: this.momentum, epsilon: this.epsilon })) return;
    }
    const lrT = tf.scalar(lr);
    const oneMinusRho = this.constant(f(1 - this.decay));
    const momentum = this.constant(this.momentum);
    const eps = this.constant(this.epsilon);
    for (const { grad, variable } of items) {
      const ms = this.getSlot(variable, 'rms')!;
      const mom = this.getSlot(variable, 'momentum')!;
      const mg = this.centered ? this.getSlot(variable, 'mg')! : null;
      tf.tidy(() => {
        const ms1 = tf.add(ms, tf.mul(tf.sub(tf.square(grad), ms), oneMinusRho));
        ms.assign(ms1);
        let denom: tf.Tensor;
        if (mg) {
          const mg1 = tf.add(mg, tf.mul(tf.sub(grad, mg), oneMinusRho));
          mg.assign(mg1);
          denom = tf.add(tf.sub(ms1, tf.square(mg1)), eps);
        } else {
          denom = tf.add(ms1, eps);
        }
        const mom1 = tf.add(tf.mul(mom, momentum), tf.div(tf.mul(grad, lrT), tf.sqrt(denom)));
        mom.assign(mom1);
        variable.assign(tf.sub(variable, mom1));
      });
    }
    lrT.dispose();
  }

  protected override applySparse(items: SparseItems, lr: number): void {
    for (const { grad, variable } of items) {
      const mg = this.centered ? this.getSlot(variable, 'mg')! : null;
      rmsPropSparse(variable, this.getSlot(variable, 'rms')!, this.getSlot(variable, 'momentum')!, mg, grad, lr, this.decay, this.momentum, this.epsilon);
    }
  }
}

/** Options of {@link AdagradOptimizer}. */
export interface AdagradOptions extends OptimizerOptions {
  /** Starting accumulator value, must be > 0; default 0.1. */
  initialAccumulatorValue?: number;
}

/**
 * `tf.train.AdagradOptimizer`: slot `<var>/Adagrad` filled with `initialAccumulatorValue`;
 * `accum += g*g; var -= g * lr * rsqrt(accum)`. (TF's Eigen `rsqrt` may use a fast
 * approximation on some CPUs; results can differ from TF in the last bit.)
 */
export class AdagradOptimizer extends Optimizer {
  private readonly initialAccumulatorValue: number;

  constructor(params: ParameterSet, options: AdagradOptions) {
    super(params, options, 'Adagrad');
    const init = options.initialAccumulatorValue ?? 0.1;
    if (!(init > 0)) {
      throw new InvalidArgumentError('invalid_optimizer_option', `initial_accumulator_value must be positive: ${init}`, {
        hint: 'pass initialAccumulatorValue > 0 (TF default 0.1)',
      });
    }
    this.initialAccumulatorValue = f(init);
  }

  protected createSlotsFor(vars: tf.Variable[]): void {
    for (const v of vars) this.slot(v, 'accumulator', () => tf.fill(v.shape, this.initialAccumulatorValue, 'float32'));
  }

  protected applyDense(items: { grad: tf.Tensor; variable: tf.Variable }[], lr: number): void {
    const lrT = tf.scalar(lr);
    for (const { grad, variable } of items) {
      const acc = this.getSlot(variable, 'accumulator')!;
      tf.tidy(() => {
        const acc1 = tf.add(acc, tf.square(grad));
        acc.assign(acc1);
        variable.assign(tf.sub(variable, tf.mul(tf.mul(grad, lrT), tf.rsqrt(acc1))));
      });
    }
    lrT.dispose();
  }

  protected override applySparse(items: SparseItems, lr: number): void {
    for (const { grad, variable } of items) adagradSparse(variable, this.getSlot(variable, 'accumulator')!, grad, lr);
  }
}

/**
 * contrib's `tf.contrib.opt.LazyAdamOptimizer`: Adam whose sparse updates touch only the rows a
 * batch looked up (slots named as Adam's: `<var>/Adam`, `<var>/Adam_1`). Dense gradients are
 * updated as Adam does.
 */
export class LazyAdamOptimizer extends AdamOptimizer {
  constructor(params: ParameterSet, options: Omit<AdamOptions, 'lazy'> = {}) {
    super(params, { ...options, lazy: true });
  }
}
