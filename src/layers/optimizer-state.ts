/**
 * The state of a tfjs optimizer attached to a LayersModel (`model.optimizer`), read and written
 * under stable names — the TF-Keras slot names: `optimizer/<keras variable>/<slot>` and
 * `optimizer/iter` (Keras `OptimizerV2` names its slots `m`, `v`, `momentum`, `rms`, `mg`,
 * `accumulator`, `accum_grad`, `accum_var`, and tfjs uses the same words).
 *
 * tfjs keeps slots by *position*: slot i belongs to the i-th trainable variable of the step
 * (tfjs-core optimizers/adam_optimizer.ts `applyGradients`, `accumulatedFirstMoment[i]`), and
 * `getWeights()` / `setWeights()` exchange `[iter, …slot kind 1 for every variable, …slot kind 2 …]`.
 * So state is read into a map keyed by variable and written back in the order of the model's
 * current trainable weights: a restore into a rebuilt model, and a realignment after the trainable
 * set changed, put each slot back on its own variable.
 *
 * Adam's β^t powers are private to tfjs and recomputed from `iter` by `pow` in `setWeights`
 * (while a running Adam multiplies them step by step), so a run that restored its state differs in
 * the last bits from one that did not. {@link reanchorOptimizer} makes a run-through take the
 * same path at the same points (the checkpoint callback does it at every save), which is what
 * makes a resumed `fit` bit-identical to one that ran through.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';

/** Scope of optimizer state names. */
export const OPTIMIZER_SCOPE = 'optimizer';
/** Name of the step counter (Keras `optimizer.iterations`, saved as `optimizer/iter`). */
export const ITERATIONS_NAME = `${OPTIMIZER_SCOPE}/iter`;

/** The optimizer state of a model, keyed by the tfjs variable name, then slot. */
export interface OptimizerState {
  /** tfjs class name (`Adam`, `RMSProp`, …). */
  className: string;
  iterations: number;
  /** tfjs variable name → slot → value (owned by this object; dispose with {@link disposeOptimizerState}). */
  slots: Map<string, Map<string, tf.Tensor>>;
}

/** The slot kinds a tfjs optimizer keeps per variable, in `getWeights()` order. */
export function optimizerSlotNames(optimizer: tf.Optimizer): string[] {
  const cls = optimizer.getClassName();
  switch (cls) {
    case 'SGD': return [];
    case 'Momentum': return ['momentum'];
    case 'Adam': return ['m', 'v'];
    case 'Adagrad': return ['accumulator'];
    case 'Adadelta': return ['accum_grad', 'accum_var'];
    case 'RMSProp': return optimizer.getConfig()['centered'] ? ['rms', 'momentum', 'mg'] : ['rms', 'momentum'];
    default:
      throw new InvalidArgumentError('unsupported_optimizer', `the ${cls} optimizer's state cannot be saved or restored (tfjs ${cls === 'Adamax' ? 'does not implement getWeights/setWeights for Adamax' : 'optimizer unknown to Graft'})`, {
        hint: 'use sgd, momentum, adam, adagrad, adadelta or rmsprop from tf.train', details: { optimizer: cls },
      });
  }
}

/** The optimizer of a compiled model. @throws InvalidArgumentError `model_not_compiled` */
export function requireOptimizer(model: LayersModel, what = 'this'): tf.Optimizer {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (!optimizer) {
    throw new InvalidArgumentError('model_not_compiled', `${what} needs a compiled model (model.optimizer is not set)`, {
      hint: 'call model.compile({optimizer, loss}) first',
    });
  }
  return optimizer;
}

/** The variables the optimizer steps, in its slot order (the model's trainable weights). */
export function steppedVariables(model: LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read()).filter((v): v is tf.Variable => v instanceof tf.Variable && v.trainable);
}

/** Read the optimizer's state (copies). */
export async function readOptimizerState(model: LayersModel): Promise<OptimizerState> {
  const optimizer = requireOptimizer(model, 'reading optimizer state');
  const kinds = optimizerSlotNames(optimizer);
  const weights = await optimizer.getWeights();
  const iterations = (await weights[0]!.tensor.data())[0]!;
  weights[0]!.tensor.dispose();
  const slots = new Map<string, Map<string, tf.Tensor>>();
  for (const w of weights.slice(1)) {
    const kind = kinds.find((k) => w.name.endsWith(`/${k}`));
    if (!kind) continue;
    const varName = w.name.slice(0, -kind.length - 1);
    const m = slots.get(varName) ?? new Map<string, tf.Tensor>();
    m.set(kind, tf.clone(w.tensor));
    slots.set(varName, m);
  }
  return { className: optimizer.getClassName(), iterations, slots };
}

/**
 * Write a state into the model's optimizer, in the order of the model's current trainable
 * weights; a variable without saved slots starts from the optimizer's initial value (0, or
 * Adagrad's `initialAccumulatorValue`). The optimizer's previous slot variables are disposed.
 */
export async function writeOptimizerState(model: LayersModel, state: OptimizerState): Promise<void> {
  const optimizer = requireOptimizer(model, 'writing optimizer state');
  const kinds = optimizerSlotNames(optimizer);
  if (state.className !== optimizer.getClassName()) {
    throw new InvalidArgumentError('optimizer_mismatch', `the saved optimizer state is ${state.className}'s but the model is compiled with ${optimizer.getClassName()}`, {
      hint: `compile with the ${state.className} optimizer to resume, or start the optimizer fresh`, details: { saved: state.className, model: optimizer.getClassName() },
    });
  }
  const init = optimizer.getClassName() === 'Adagrad' ? Number(optimizer.getConfig()['initialAccumulatorValue'] ?? 0.1) : 0;
  const vars = steppedVariables(model);
  const old = await optimizer.getWeights();
  const fresh: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }];
  for (const kind of kinds) {
    for (const v of vars) {
      const saved = state.slots.get(v.name)?.get(kind);
      if (saved && !tf.util.arraysEqual(saved.shape, v.shape)) {
        throw new InvalidArgumentError('optimizer_state_shape', `optimizer slot ${v.name}/${kind} is [${saved.shape}] but the variable is [${v.shape}]`, { hint: 'the model changed since the state was saved; start the optimizer fresh' });
      }
      fresh.push({ name: `${v.name}/${kind}`, tensor: saved ? tf.clone(saved) : tf.fill(v.shape, init, v.dtype) });
    }
  }
  if (kinds.length > 0 || state.iterations !== optimizer.iterations) await optimizer.setWeights(fresh);
  tf.dispose(fresh.map((f) => f.tensor));
  tf.dispose(old.map((o) => o.tensor));
}

/** Dispose the tensors a state holds. */
export function disposeOptimizerState(state: OptimizerState): void {
  for (const m of state.slots.values()) tf.dispose([...m.values()]);
  state.slots.clear();
}

/**
 * Write the optimizer's state back into itself: the same path a restore takes (Adam's β^t from
 * `pow`), so a run-through and a resumed run stay bit-identical (see the file comment).
 */
export async function reanchorOptimizer(model: LayersModel): Promise<void> {
  const state = await readOptimizerState(model);
  try {
    await writeOptimizerState(model, state);
  } finally {
    disposeOptimizerState(state);
  }
}

/**
 * Stable names of a model's optimizer state: `optimizer/iter` and `optimizer/<keras name>/<slot>`
 * for every trainable weight, in slot order, with each tfjs variable name.
 */
export function optimizerStateNames(model: LayersModel): { name: string; variable?: tf.Variable; slot?: string }[] {
  const optimizer = requireOptimizer(model, 'naming optimizer state');
  const kinds = optimizerSlotNames(optimizer);
  const keras = new Map(parametersFromLayersModel(model).toArray().map((p) => [p.variable, p.name] as const));
  const out: { name: string; variable?: tf.Variable; slot?: string }[] = [{ name: ITERATIONS_NAME }];
  for (const kind of kinds) for (const v of steppedVariables(model)) out.push({ name: `${OPTIMIZER_SCOPE}/${keras.get(v) ?? v.name}/${kind}`, variable: v, slot: kind });
  return out;
}
