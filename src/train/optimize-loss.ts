/**
 * `tf.contrib.layers.optimize_loss` (`contrib/layers/python/layers/optimizers.py`) for Graft:
 * built once, run once per step (`sess.run(train_op)` ↔ `trainOp.run()`). Each run does, in TF's
 * order: the loss and gradients of `variables` (`compute_gradients`), the update ops, gradient
 * noise (`_add_scaled_noise_to_gradients`: `truncated_normal(shape) * scale`, slices made dense
 * as `IndexedSlices + Tensor` is in TF), gradient multipliers (`_multiply_gradients`, by variable
 * or by name), the `global_norm/gradient_norm` summary, clipping by global norm (a number) or a
 * clip function, the `loss` summary, per-variable `gradients/<var>` histograms and
 * `gradient_norm/<var>` scalars, `global_norm/clipped_gradient_norm`, then `apply_gradients`
 * with the global step.
 *
 * Summary tags carry the name scope as in TF (`OptimizeLoss/loss`, `OptimizeLoss/learning_rate`,
 * `OptimizeLoss/global_norm/gradient_norm`, `OptimizeLoss/gradients/inference/conv1/weights_0`);
 * like TF, `learning_rate` is logged only when a `learningRateDecayFn` is given. Summaries are
 * written at the step the update read (before the increment). A float learning rate becomes the
 * non-trainable variable `OptimizeLoss/learning_rate` (TF's `get_variable("learning_rate")`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { newVariable } from '../variables/create.js';
import { defaultStore } from '../variables/store.js';
import { assertGlobalStep, globalStepValue, incrementGlobalStep } from './global-step.js';
import { disposeGradients, type GradAndVar, Optimizer } from './optimizer.js';
import { AdagradOptimizer, AdamOptimizer, GradientDescentOptimizer, MomentumOptimizer, RMSPropOptimizer } from './optimizers.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { gradientValues, scaleGradient, toDense } from './indexed-slices.js';
import type { SummaryWriter } from './summary/summary-writer.js';

/** TF's `OPTIMIZER_CLS_NAMES` that Graft has (TF's `Ftrl` is not implemented). */
export const OPTIMIZER_CLS_NAMES = ['Adagrad', 'Adam', 'Momentum', 'RMSProp', 'SGD'] as const;
/** TF's `OPTIMIZER_SUMMARIES`. */
export const OPTIMIZER_SUMMARIES = ['learning_rate', 'loss', 'gradients', 'gradient_norm', 'global_gradient_norm'] as const;

export type OptimizerName = (typeof OPTIMIZER_CLS_NAMES)[number];
export type OptimizerSummary = (typeof OPTIMIZER_SUMMARIES)[number];

/** Options of {@link optimizeLoss} (TF's arguments in camelCase). */
export interface OptimizeLossOptions {
  /** A float (must be ≥ 0), or null when `optimizer` is an instance or a zero-argument factory. */
  learningRate: number | null;
  /**
   * A name (`'SGD'`, `'Adam'`, `'Adagrad'`, `'Momentum'` (momentum 0.9), `'RMSProp'`), an
   * Optimizer instance (used as is), or a factory `(lr) => Optimizer` (`() => Optimizer` when
   * `learningRate` is null); `lr` is a zero-argument function giving the step's learning rate.
   */
  optimizer: OptimizerName | Optimizer | ((lr: () => number) => Optimizer) | (() => Optimizer);
  /** Variables to optimize (TF's `variables`); default every trainable variable of `params`. */
  variables?: ParameterSet | tf.Variable[];
  /** Parameters the optimizer names its slots from; default `variables` when a ParameterSet, else the default store's. */
  params?: ParameterSet;
  /** Standard deviation factor of the added truncated-normal gradient noise; default none. */
  gradientNoiseScale?: number;
  /** Seed of the gradient noise; default 0. */
  seed?: number;
  /** Gradient multipliers by variable or by name (`name` or `name:0`). */
  gradientMultipliers?: Map<tf.Variable | string, number> | Record<string, number>;
  /** Clip by global norm to this value, or a function over the (gradient, variable) pairs (the tensors it returns are disposed after the update). */
  clipGradients?: number | ((gradsAndVars: GradAndVar[]) => GradAndVar[]);
  /** `(learningRate, globalStep) => decayed` (e.g. `(lr, s) => exponentialDecay(lr, {...})(s)`); needs `globalStep`. */
  learningRateDecayFn?: (learningRate: number, globalStep: number) => number;
  /** Run each step after the forward pass (TF: the UPDATE_OPS collection by default; here: none by default). */
  updateOps?: (() => void)[];
  /** Scope of the summaries and of the learning-rate variable; default `OptimizeLoss`. */
  name?: string;
  /** Which summaries; default `['loss', 'learning_rate', 'global_gradient_norm']`. */
  summaries?: OptimizerSummary[];
  /** Where summaries go; none are written without one. */
  summaryWriter?: SummaryWriter;
  /** Write summaries every N steps (by global step, else by run count); default 1. */
  summaryEvery?: number;
  /** Increment `globalStep` after the update; default true. */
  incrementGlobalStep?: boolean;
  /** Embedding-lookup gradients as IndexedSlices (sparse updates); default false. */
  sparseLookups?: boolean;
}

/** What one run did; plain data. */
export interface OptimizeLossReport {
  /** The loss before the update. */
  loss: number;
  /** Learning rate of this step (after decay), or null when the optimizer owns it. */
  learningRate: number | null;
  /** Global step after the run, or null without one. */
  globalStep: number | null;
  /** Global gradient norm after noise and multipliers, before clipping. */
  gradientNorm: number;
  /** Global gradient norm after clipping, or null without clipping. */
  clippedGradientNorm: number | null;
}

/** The train op {@link optimizeLoss} returns. */
export interface OptimizeLossOp {
  /** The optimizer it built or was given. */
  readonly optimizer: Optimizer;
  /** `OptimizeLoss/learning_rate` (when the learning rate was a float) and the optimizer's slots, for savers. */
  variables(): ParameterSet;
  /** One step (`sess.run(train_op)`). */
  run(): OptimizeLossReport;
}

/**
 * Build a TF1 train op over `lossFn` (which reads the current batch each call).
 * @throws InvalidArgumentError `invalid_learning_rate`, `unknown_optimizer`, `unknown_summary`,
 *   `global_step_required` ("global_step is required for learning_rate_decay_fn."),
 *   `learning_rate_required`, `invalid_global_step`, `invalid_clip_norm`.
 * @example
 * const trainOp = optimizeLoss(() => lossOf(batch), globalStep, {
 *   learningRate: 0.01, optimizer: 'Adam', variables: store.trainableVariables('inference/conv'),
 *   params: store.parameters(), learningRateDecayFn: (lr, s) => exponentialDecay(lr, { decaySteps: 100, decayRate: 0.9 })(s),
 *   summaryWriter: writer, summaries: ['loss', 'learning_rate', 'gradient_norm'] });
 * for (…) trainOp.run();
 */
export function optimizeLoss(lossFn: () => tf.Scalar, globalStep: tf.Variable | null, options: OptimizeLossOptions): OptimizeLossOp {
  if (globalStep) assertGlobalStep(globalStep);
  const scope = options.name ?? 'OptimizeLoss';
  const lr0 = options.learningRate;
  if (lr0 !== null && !(Number.isFinite(lr0) && lr0 >= 0)) {
    throw new InvalidArgumentError('invalid_learning_rate', `Invalid learning_rate ${lr0}.`, { hint: 'pass a float >= 0, or null with an Optimizer instance' });
  }
  const summaries = options.summaries ?? ['loss', 'learning_rate', 'global_gradient_norm'];
  for (const s of summaries) {
    if (!(OPTIMIZER_SUMMARIES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError('unknown_summary', `Summaries should be one of [${OPTIMIZER_SUMMARIES.join(', ')}], you provided ${s}.`, { hint: 'drop the unknown summary name' });
    }
  }
  const decay = lr0 !== null ? options.learningRateDecayFn : undefined;
  if (decay && !globalStep) {
    throw new InvalidArgumentError('global_step_required', 'global_step is required for learning_rate_decay_fn.', { hint: 'pass a global step from createGlobalStep()' });
  }
  const state = new ParameterSet();
  const lrVar = lr0 !== null ? tf.tidy(() => newVariable(`${scope}/learning_rate`, tf.scalar(lr0, 'float32'), { trainable: false, dtype: 'float32' })) : null;
  if (lrVar) state.add(`${scope}/learning_rate`, lrVar, { trainable: false });
  let currentLr = lr0 === null ? null : Math.fround(lr0);
  const lrFn = (): number => currentLr ?? 0;

  const variables = options.variables;
  const params = options.params ?? (variables instanceof ParameterSet ? variables : defaultStore().parameters());
  const optimizer = makeOptimizer(options.optimizer, params, lr0 === null ? null : lrFn);
  const varList = variables ?? params;
  const noise = options.gradientNoiseScale;
  const seed = options.seed ?? 0;
  let runs = 0;

  return {
    optimizer,
    variables: () => new ParameterSet([...state, ...optimizer.variables()]),
    run(): OptimizeLossReport {
      const step = globalStep ? globalStepValue(globalStep) : runs;
      if (lrVar && lr0 !== null) {
        currentLr = Math.fround(decay ? decay(lrVar.dataSync()[0]!, step) : lrVar.dataSync()[0]!);
      }
      const writer = step % (options.summaryEvery ?? 1) === 0 ? options.summaryWriter : undefined;
      const { loss, gradsAndVars } = optimizer.computeGradients(lossFn, { varList, ...(options.sparseLookups ? { sparseLookups: true } : {}) });
      // every stage's list is disposed after the update (stages share unchanged tensors; a second dispose is a no-op)
      const owned: GradAndVar[][] = [gradsAndVars];
      try {
        for (const op of options.updateOps ?? []) op();
        let gv = gradsAndVars;
        if (noise !== undefined) {
          gv = gv.map(({ grad, variable }, i) => ({
            variable,
            grad: grad === null ? null : tf.tidy(() => tf.add(toDense(grad), tf.mul(tf.truncatedNormal(variable.shape, 0, 1, 'float32', seed + runs * 7919 + i), noise))),
          }));
          owned.push(gv);
        }
        if (options.gradientMultipliers) {
          gv = multiplyGradients(gv, options.gradientMultipliers, (v) => nameOf(params, v));
          owned.push(gv);
        }
        const gradientNorm = globalNorm(gv.map((g) => g.grad));
        const wantNorms = summaries.includes('global_gradient_norm') || summaries.includes('gradient_norm');
        if (wantNorms) writer?.scalar(`${scope}/global_norm/gradient_norm`, gradientNorm, step);
        let clippedGradientNorm: number | null = null;
        if (typeof options.clipGradients === 'number') {
          const c = clipByGlobalNorm(gv.map((g) => g.grad), options.clipGradients);
          gv = gv.map((g, i) => ({ variable: g.variable, grad: c.grads[i] ?? null }));
          owned.push(gv);
        } else if (typeof options.clipGradients === 'function') {
          gv = options.clipGradients(gv);
          owned.push(gv);
        }
        const lossValue = loss.dataSync()[0]!;
        if (summaries.includes('loss')) writer?.scalar(`${scope}/loss`, lossValue, step);
        if (decay && summaries.includes('learning_rate')) writer?.scalar(`${scope}/learning_rate`, currentLr!, step);
        for (const { grad, variable } of gv) {
          if (grad === null || !writer) continue;
          const tag = `${nameOf(params, variable)}:0`.replace(/:/g, '_');
          const values = gradientValues(grad);
          if (summaries.includes('gradients')) writer.histogram(`${scope}/gradients/${tag}`, values.dataSync(), step);
          if (summaries.includes('gradient_norm')) writer.scalar(`${scope}/gradient_norm/${tag}`, globalNorm([values]), step);
        }
        if (options.clipGradients !== undefined) {
          clippedGradientNorm = globalNorm(gv.map((g) => g.grad));
          if (wantNorms) writer?.scalar(`${scope}/global_norm/clipped_gradient_norm`, clippedGradientNorm, step);
        }
        const increment = (options.incrementGlobalStep ?? true) && globalStep;
        optimizer.applyGradients(gv, increment ? { globalStep } : {});
        runs += 1;
        return {
          loss: lossValue,
          learningRate: lr0 === null ? null : currentLr,
          globalStep: globalStep ? globalStepValue(globalStep) : null,
          gradientNorm,
          clippedGradientNorm,
        };
      } finally {
        loss.dispose();
        for (const list of owned) disposeGradients(list);
      }
    },
  };
}

function makeOptimizer(spec: OptimizeLossOptions['optimizer'], params: ParameterSet, lr: (() => number) | null): Optimizer {
  if (spec instanceof Optimizer) return spec;
  if (typeof spec === 'string') {
    if (lr === null) {
      throw new InvalidArgumentError('learning_rate_required', `Learning rate is None, but should be specified if optimizer is string (${spec}).`, { hint: 'pass learningRate' });
    }
    switch (spec) {
      case 'SGD': return new GradientDescentOptimizer(params, { learningRate: lr });
      case 'Adam': return new AdamOptimizer(params, { learningRate: lr });
      case 'Adagrad': return new AdagradOptimizer(params, { learningRate: lr });
      case 'Momentum': return new MomentumOptimizer(params, { learningRate: lr, momentum: 0.9 });
      case 'RMSProp': return new RMSPropOptimizer(params, { learningRate: lr });
      default:
        throw new InvalidArgumentError('unknown_optimizer', `Optimizer name should be one of [${OPTIMIZER_CLS_NAMES.join(', ')}], you provided ${String(spec)}.`, {
          hint: "use one of the names, an Optimizer instance or a factory (lr) => new MomentumOptimizer(params, { learningRate: lr, momentum: 0.5 })",
        });
    }
  }
  if (typeof spec === 'function') {
    const opt = lr === null ? (spec as () => Optimizer)() : (spec as (lr: () => number) => Optimizer)(lr);
    if (!(opt instanceof Optimizer)) {
      throw new InvalidArgumentError('unknown_optimizer', `Unrecognized optimizer: function should return subclass of Optimizer. Got ${String(opt)}.`, { hint: 'return a Graft Optimizer from the factory' });
    }
    return opt;
  }
  throw new InvalidArgumentError('unknown_optimizer', `Unrecognized optimizer: should be string, instance of subclass of Optimizer or function. Got ${String(spec)}.`, {
    hint: "pass 'SGD', 'Adam', …, an Optimizer, or a factory",
  });
}

/** TF's `_multiply_gradients`: multiply the gradients of the listed variables (by variable or name). */
function multiplyGradients(gv: GradAndVar[], multipliers: NonNullable<OptimizeLossOptions['gradientMultipliers']>, name: (v: tf.Variable) => string): GradAndVar[] {
  const lookup = (v: tf.Variable): number | undefined => {
    const n = name(v);
    if (multipliers instanceof Map) return multipliers.get(v) ?? multipliers.get(n) ?? multipliers.get(`${n}:0`);
    return multipliers[n] ?? multipliers[`${n}:0`];
  };
  return gv.map(({ grad, variable }) => {
    const m = grad === null ? undefined : lookup(variable);
    if (grad === null || m === undefined) return { variable, grad };
    return { variable, grad: scaleGradient(grad, Math.fround(m)) };
  });
}

function nameOf(params: ParameterSet, v: tf.Variable): string {
  for (const p of params) if (p.variable === v) return p.name;
  return v.name;
}
