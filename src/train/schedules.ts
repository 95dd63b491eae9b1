/**
 * Learning-rate schedules with TF1's exact formulas (`python/training/learning_rate_decay.py`,
 * the v1 functions `tf.train.exponential_decay` … `cosine_decay_restarts`; TF-SEMANTICS §7.2).
 *
 * A schedule is a plain function of the global step. TF computes every schedule in the dtype of
 * the learning rate (float32) with the step cast to it, one op at a time; we emulate that with
 * `Math.fround` after every operation, so results equal TF's bit for bit except where `pow`,
 * `exp`, `log` or `cos` round differently in TF's C++ (at most 1 ulp). Denormal results are
 * flushed to zero, as TF's CPU kernels do.
 */
import { InvalidArgumentError } from '../errors.js';
import { seededRng } from '../models/data/random.js';

/** A learning rate as a function of the global step (the value TF's decayed tensor would hold). */
export type LearningRateSchedule = (step: number) => number;

/** A constant learning rate or a schedule. */
export type LearningRate = number | LearningRateSchedule;

/** Smallest normal float32. */
const FLT_MIN = 1.1754943508222875e-38;
/**
 * Round to float32 as one TF op does on CPU, where denormal results are flushed to zero (TF's
 * executor threads run with FTZ; seen in TF-written Adam checkpoints).
 */
function f(x: number): number {
  const y = Math.fround(x);
  return Math.abs(y) < FLT_MIN ? 0 : y;
}
/** `constant_op.constant(math.pi)` as float32. */
const PI32 = f(Math.PI);

/** Options of {@link exponentialDecay}, {@link naturalExpDecay}, {@link inverseTimeDecay}. */
export interface DecayOptions {
  /** Steps per decay period; must be > 0. */
  decaySteps: number;
  /** Decay rate. */
  decayRate: number;
  /** Use `floor(step / decaySteps)` (a staircase); default false. */
  staircase?: boolean;
}

function positive(fn: string, what: string, v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new InvalidArgumentError('invalid_schedule', `${fn}: ${what} must be a positive number, got ${v}`, {
      hint: `pass ${what} > 0`,
      details: { schedule: fn, [what]: v },
    });
  }
}

function progress(step: number, decaySteps: number, staircase: boolean | undefined): number {
  const p = f(f(step) / f(decaySteps));
  return staircase ? Math.floor(p) : p;
}

/** Resolve a {@link LearningRate} at a step (constants are rounded to float32, as TF's tensor). */
export function learningRateAt(lr: LearningRate, step: number): number {
  return f(typeof lr === 'number' ? lr : lr(step));
}

/** `tf.train.exponential_decay`: `lr * decayRate ^ (step / decaySteps)` (floored when staircase). */
export function exponentialDecay(learningRate: number, options: DecayOptions): LearningRateSchedule {
  positive('exponentialDecay', 'decaySteps', options.decaySteps);
  const lr = f(learningRate);
  const rate = f(options.decayRate);
  return (step) => f(lr * f(Math.pow(rate, progress(step, options.decaySteps, options.staircase))));
}

/** `tf.train.natural_exp_decay`: `lr * exp(-decayRate * step / decaySteps)`. */
export function naturalExpDecay(learningRate: number, options: DecayOptions): LearningRateSchedule {
  positive('naturalExpDecay', 'decaySteps', options.decaySteps);
  const lr = f(learningRate);
  const negRate = f(-f(options.decayRate));
  return (step) => f(lr * f(Math.exp(f(negRate * progress(step, options.decaySteps, options.staircase)))));
}

/** `tf.train.inverse_time_decay`: `lr / (1 + decayRate * step / decaySteps)`. */
export function inverseTimeDecay(learningRate: number, options: DecayOptions): LearningRateSchedule {
  positive('inverseTimeDecay', 'decaySteps', options.decaySteps);
  const lr = f(learningRate);
  const rate = f(options.decayRate);
  return (step) => f(lr / f(1 + f(rate * progress(step, options.decaySteps, options.staircase))));
}

/** Options of {@link polynomialDecay}. */
export interface PolynomialDecayOptions {
  /** Steps to reach `endLearningRate`; must be > 0. */
  decaySteps: number;
  /** Default 0.0001 (TF's default). */
  endLearningRate?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Restart after each multiple of decaySteps; default false. */
  cycle?: boolean;
}

/**
 * `tf.train.polynomial_decay`. Without cycle the step is clamped to decaySteps; with cycle
 * decaySteps is multiplied by `ceil(step / decaySteps)` (1 at step 0).
 */
export function polynomialDecay(learningRate: number, options: PolynomialDecayOptions): LearningRateSchedule {
  positive('polynomialDecay', 'decaySteps', options.decaySteps);
  const lr = f(learningRate);
  const end = f(options.endLearningRate ?? 0.0001);
  const power = f(options.power ?? 1);
  const ds0 = f(options.decaySteps);
  return (step) => {
    let s = f(step);
    let ds = ds0;
    if (options.cycle) {
      const multiplier = s === 0 ? 1 : Math.ceil(f(s / ds));
      ds = f(ds * multiplier);
    } else {
      s = Math.min(s, ds);
    }
    const p = f(s / ds);
    return f(f(f(lr - end) * f(Math.pow(f(1 - p), power))) + end);
  };
}

/**
 * `tf.train.piecewise_constant`: `values[0]` while `step <= boundaries[0]`, `values[i]` while
 * `boundaries[i-1] < step <= boundaries[i]`, `values[last]` after the last boundary.
 * @throws InvalidArgumentError `invalid_schedule` when `values.length !== boundaries.length + 1`.
 */
export function piecewiseConstant(boundaries: readonly number[], values: readonly number[]): LearningRateSchedule {
  if (boundaries.length !== values.length - 1) {
    throw new InvalidArgumentError(
      'invalid_schedule',
      `piecewiseConstant: The length of boundaries should be 1 less than the length of values (got ${boundaries.length} boundaries, ${values.length} values)`,
      { hint: 'give one more value than boundaries', details: { boundaries: [...boundaries], values: [...values] } },
    );
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!(boundaries[i]! > boundaries[i - 1]!)) {
      throw new InvalidArgumentError('invalid_schedule', `piecewiseConstant: boundaries must increase strictly; ${boundaries[i - 1]} then ${boundaries[i]}`, {
        hint: 'sort the boundaries and remove duplicates',
        details: { boundaries: [...boundaries] },
      });
    }
  }
  const vals = values.map((v) => f(v));
  return (step) => {
    for (let i = 0; i < boundaries.length; i++) if (step <= boundaries[i]!) return vals[i]!;
    return vals[vals.length - 1]!;
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** Steps to decay over; must be > 0. */
  decaySteps: number;
  /** Floor as a fraction of the learning rate; default 0. */
  alpha?: number;
}

/** `tf.train.cosine_decay`: `lr * ((1-alpha) * 0.5 * (1 + cos(pi * min(step,D)/D)) + alpha)`. */
export function cosineDecay(learningRate: number, options: CosineDecayOptions): LearningRateSchedule {
  positive('cosineDecay', 'decaySteps', options.decaySteps);
  const lr = f(learningRate);
  const ds = f(options.decaySteps);
  const alpha = options.alpha ?? 0;
  // TF: `(1 - alpha) * cosine_decayed + alpha` with alpha a Python float, so 1 - alpha is
  // computed in double and converted once.
  const oneMinusAlpha = f(1 - alpha);
  const alpha32 = f(alpha);
  return (step) => {
    const s = Math.min(f(step), ds);
    const frac = f(s / ds);
    const cosined = f(0.5 * f(1 + f(Math.cos(f(PI32 * frac)))));
    return f(lr * f(f(oneMinusAlpha * cosined) + alpha32));
  };
}

/** Options of {@link cosineDecayRestarts}. */
export interface CosineDecayRestartsOptions {
  /** Length of the first period; must be > 0. */
  firstDecaySteps: number;
  /** Each period is tMul times longer; default 2. */
  tMul?: number;
  /** Each restart starts mMul times lower; default 1. */
  mMul?: number;
  /** Floor as a fraction of the learning rate; default 0. */
  alpha?: number;
}

/** `tf.train.cosine_decay_restarts` (SGDR), including TF's geometric period arithmetic. */
export function cosineDecayRestarts(learningRate: number, options: CosineDecayRestartsOptions): LearningRateSchedule {
  positive('cosineDecayRestarts', 'firstDecaySteps', options.firstDecaySteps);
  const lr = f(learningRate);
  const first = f(options.firstDecaySteps);
  const alpha = f(options.alpha ?? 0);
  const tMul = f(options.tMul ?? 2);
  const mMul = f(options.mMul ?? 1);
  return (step) => {
    let frac = f(f(step) / first);
    let iRestart: number;
    if (tMul === 1) {
      iRestart = Math.floor(frac);
      frac = f(frac - iRestart);
    } else {
      iRestart = Math.floor(f(f(Math.log(f(1 - f(frac * f(1 - tMul))))) / f(Math.log(tMul))));
      const tPow = f(Math.pow(tMul, iRestart));
      const sumR = f(f(1 - tPow) / f(1 - tMul));
      frac = f(f(frac - sumR) / tPow);
    }
    const mFac = f(Math.pow(mMul, iRestart));
    const cosined = f(f(0.5 * mFac) * f(1 + f(Math.cos(f(PI32 * frac)))));
    return f(lr * f(f(f(1 - alpha) * cosined) + alpha));
  };
}

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Steps of linear warm-up; must be > 0. */
  warmupSteps: number;
  /** Rate at step 0; default 0. */
  initialLearningRate?: number;
}

/**
 * Linear warm-up in front of a schedule (tf-models `LinearWarmup`, not a TF1 function): for
 * `step < warmupSteps` the rate goes linearly from `initialLearningRate` to
 * `schedule(warmupSteps)`; afterwards it is `schedule(step)` unchanged.
 */
export function linearWarmup(schedule: LearningRate, options: LinearWarmupOptions): LearningRateSchedule {
  positive('linearWarmup', 'warmupSteps', options.warmupSteps);
  const init = f(options.initialLearningRate ?? 0);
  const w = options.warmupSteps;
  return (step) => {
    if (step >= w) return learningRateAt(schedule, step);
    const target = learningRateAt(schedule, w);
    const stepSize = f(f(target - init) / f(w));
    return f(init + f(f(step) * stepSize));
  };
}

/** Options of {@link linearCosineDecay}. */
export interface LinearCosineDecayOptions {
  /** Steps to decay over; must be > 0. */
  decaySteps: number;
  /** Number of periods in the cosine part; default 0.5. */
  numPeriods?: number;
  /** Added to the linear part; default 0. */
  alpha?: number;
  /** Added at the end (the floor); default 0.001. */
  beta?: number;
}

/**
 * The float32 op chain shared by linear_cosine_decay and its noisy variant
 * (learning_rate_schedule.py `LinearCosineDecay.__call__` / `NoisyLinearCosineDecay.__call__`):
 * `(alpha + linear) * 0.5 * (1 + cos(pi * 2 * num_periods * min(step, D) / D)) + beta`, times lr.
 */
function linearCosine(learningRate: number, o: LinearCosineDecayOptions, noise?: (s: number, step: number) => number): LearningRateSchedule {
  const lr = f(learningRate);
  const ds = f(o.decaySteps);
  const twoPeriods = f(2 * f(o.numPeriods ?? 0.5)); // `2.0 * num_periods` (num_periods cast first)
  const alpha = f(o.alpha ?? 0);
  const beta = f(o.beta ?? 0.001);
  return (step) => {
    const s = Math.min(f(step), ds);
    let linear = f(f(ds - s) / ds);
    if (noise) linear = f(linear + noise(s, step));
    const fraction = f(twoPeriods * f(s / ds));
    const cosined = f(0.5 * f(1 + f(Math.cos(f(PI32 * fraction)))));
    return f(lr * f(f(f(alpha + linear) * cosined) + beta));
  };
}

/**
 * `tf.train.linear_cosine_decay` (learning_rate_decay.py; v2 `LinearCosineDecay`):
 * `lr * ((alpha + (D - s) / D) * 0.5 * (1 + cos(pi * 2 * num_periods * s / D)) + beta)`,
 * `s = min(step, D)`, in float32 op order.
 */
export function linearCosineDecay(learningRate: number, options: LinearCosineDecayOptions): LearningRateSchedule {
  positive('linearCosineDecay', 'decaySteps', options.decaySteps);
  return linearCosine(learningRate, options);
}

/** Options of {@link noisyLinearCosineDecay}. */
export interface NoisyLinearCosineDecayOptions extends LinearCosineDecayOptions {
  /** Initial variance of the noise; default 1. */
  initialVariance?: number;
  /** Decay of the noise variance; default 0.55. */
  varianceDecay?: number;
  /** Seed of the noise; default 0. */
  seed?: number;
}

/**
 * `tf.train.noisy_linear_cosine_decay` (learning_rate_decay.py; v2 `NoisyLinearCosineDecay`):
 * linear_cosine_decay with `N(0, std)` added to the linear part, `std = sqrt(initial_variance /
 * (1 + s)^variance_decay)`. RNG difference: TF draws with its own (Philox) `random_normal`, a new
 * sample every evaluation; here the sample is a Box-Muller normal from a Mulberry32 stream keyed
 * by (seed, step), so the rate is a pure function of the step (a resumed run sees the same rates)
 * and never TF's numbers — only its distribution.
 */
export function noisyLinearCosineDecay(learningRate: number, options: NoisyLinearCosineDecayOptions): LearningRateSchedule {
  positive('noisyLinearCosineDecay', 'decaySteps', options.decaySteps);
  const variance0 = f(options.initialVariance ?? 1);
  const varianceDecay = f(options.varianceDecay ?? 0.55);
  const seed = options.seed ?? 0;
  return linearCosine(learningRate, options, (s, step) => {
    const std = f(Math.sqrt(f(variance0 / f(Math.pow(f(1 + s), varianceDecay)))));
    const rng = seededRng((Math.imul(seed | 0, 0x9e3779b1) + Math.imul(Math.floor(step) | 0, 0x85ebca77)) >>> 0);
    const u1 = 1 - rng();
    const u2 = rng();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return f(f(z) * std);
  });
}
