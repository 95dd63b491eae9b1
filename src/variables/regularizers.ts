/**
 * Weight regularizers the TF1 way (tensorflow/contrib/layers/python/layers/regularizers.py):
 *
 * - `l1Regularizer(scale)`: `scale * sum(|w|)`, op `l1_regularizer`;
 * - `l2Regularizer(scale)`: `scale * nn.l2_loss(w)` = `scale * sum(w²) / 2`, op `l2_regularizer`;
 * - `l1L2Regularizer(scaleL1 = 1, scaleL2 = 1)`: their sum (`sum_regularizer`), op
 *   `l1_l2_regularizer`; with one scale 0 it is the other regularizer under that name;
 * - a scale of 0 disables the regularizer (it returns null, TF's `lambda _: None`); a negative
 *   scale is refused with TF's message. (TF also refuses a Python int scale such as `0`; a JS
 *   number cannot say whether it was written `1` or `1.0`, so that check is not reproduced.)
 *
 * `getVariable({regularizer})` (or a scope's `regularizer`) records a {@link RegularizationLoss}
 * in `regularization_losses` when the variable is created (variable_scope.py
 * `_VariableStore._get_single_variable`: `name_scope(name + "/Regularizer/")`, only when the
 * regularizer returns a value). TF.js is eager, so the item keeps the function and the variable
 * and is evaluated on demand: `getRegularizationLoss()` inside a training step's loss function
 * reads the current values and is differentiated with the rest of the loss.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { GraphKeys } from './graph-keys.js';

/** A regularizer: a scalar penalty of the weights, or null when disabled. */
export type Regularizer = ((weights: tf.Tensor) => tf.Tensor | null) & {
  /** Op name of the penalty (`l2_regularizer`); names the collection item. */
  readonly opName?: string;
};

/** `tf.no_regularizer` (variable_scope.py): turns a scope's regularizer off for one variable or a sub-scope. */
export const noRegularizer: Regularizer = Object.assign((_weights: tf.Tensor): tf.Tensor | null => null, { opName: 'no_regularizer' });

function checkScale(scale: number, what: string): void {
  if (typeof scale !== 'number' || Number.isNaN(scale)) {
    throw new InvalidArgumentError('bad_regularizer_scale', `${what} must be a real number, got ${String(scale)}`, {
      hint: 'pass a non-negative float such as 1e-4',
      details: { scale: String(scale) },
    });
  }
  if (scale < 0) {
    throw new InvalidArgumentError('bad_regularizer_scale', `Setting a scale less than 0 on a regularizer: ${scale}`, {
      hint: 'pass a non-negative scale (0 disables the regularizer)',
      details: { scale },
    });
  }
}

function named(opName: string, fn: (weights: tf.Tensor) => tf.Tensor | null): Regularizer {
  return Object.assign(fn, { opName });
}

/** `tf.contrib.layers.l1_regularizer(scale, scope)`: `scale * sum(|w|)`. @throws InvalidArgumentError `bad_regularizer_scale` */
export function l1Regularizer(scale: number, scope?: string): Regularizer {
  checkScale(scale, 'scale');
  if (scale === 0) return named(scope ?? 'l1_regularizer', () => null);
  return named(scope ?? 'l1_regularizer', (w) => tf.tidy(() => tf.mul(tf.scalar(scale, w.dtype), tf.sum(tf.abs(w)))));
}

/** `tf.contrib.layers.l2_regularizer(scale, scope)`: `scale * sum(w²) / 2` (`nn.l2_loss`). @throws InvalidArgumentError `bad_regularizer_scale` */
export function l2Regularizer(scale: number, scope?: string): Regularizer {
  checkScale(scale, 'scale');
  if (scale === 0) return named(scope ?? 'l2_regularizer', () => null);
  return named(scope ?? 'l2_regularizer', (w) => tf.tidy(() => tf.mul(tf.scalar(scale, w.dtype), tf.div(tf.sum(tf.square(w)), 2))));
}

/**
 * `tf.contrib.layers.sum_regularizer(regularizers, scope)`: the sum of the non-null penalties,
 * null when all are null.
 */
export function sumRegularizer(regularizers: readonly (Regularizer | null | undefined)[], scope?: string): Regularizer {
  const list = regularizers.filter((r): r is Regularizer => r != null);
  return named(scope ?? 'sum_regularizer', (w) => {
    const parts = list.map((r) => r(w)).filter((t): t is tf.Tensor => t !== null);
    if (parts.length === 0) return null;
    if (parts.length === 1) return parts[0]!;
    const total = tf.addN(parts);
    for (const p of parts) p.dispose();
    return total;
  });
}

/** `tf.contrib.layers.l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope)`. @throws InvalidArgumentError `bad_regularizer_scale` */
export function l1L2Regularizer(scaleL1 = 1.0, scaleL2 = 1.0, scope?: string): Regularizer {
  checkScale(scaleL1, 'scale_l1');
  checkScale(scaleL2, 'scale_l2');
  const name = scope ?? 'l1_l2_regularizer';
  if (scaleL1 === 0 && scaleL2 === 0) return named(name, () => null);
  if (scaleL1 === 0) return l2Regularizer(scaleL2, name);
  if (scaleL2 === 0) return l1Regularizer(scaleL1, name);
  return sumRegularizer([l1Regularizer(scaleL1), l2Regularizer(scaleL2)], name);
}

/**
 * One entry of `regularization_losses`: TF's `_LazyEvalTensor` of `regularizer(variable)`,
 * named `<variable>/Regularizer/<op>:0` (`<op>` = the regularizer's `opName`, else `value`).
 * {@link value} computes it from the variable's current value.
 */
export class RegularizationLoss {
  /** Tensor name TF would give it (`w/Regularizer/l2_regularizer:0`); collection scope filters match it. */
  readonly name: string;
  constructor(
    /** Op name of the regularized variable (`conv1/weights`). */
    readonly variableName: string,
    readonly variable: tf.Variable,
    readonly regularizer: Regularizer,
  ) {
    this.name = `${variableName}/Regularizer/${regularizer.opName ?? 'value'}:0`;
  }

  /** The penalty now (a new tensor the caller owns); inside a gradient tape it is differentiated. */
  value(): tf.Tensor {
    const t = this.regularizer(this.variable);
    if (t === null) return tf.scalar(0, this.variable.dtype === 'int32' ? 'int32' : 'float32');
    return t;
  }
}

/**
 * `tf.losses.get_regularization_loss` over evaluated losses: `add_n(losses)`, or the constant
 * 0.0 when there are none (losses/util.py). Disposes the inputs.
 */
export function sumLosses(losses: tf.Tensor[]): tf.Scalar {
  if (losses.length === 0) return tf.scalar(0);
  if (losses.length === 1 && losses[0]!.rank === 0) return losses[0] as tf.Scalar;
  const total = tf.addN(losses) as tf.Scalar;
  for (const l of losses) l.dispose();
  return total;
}

/** The values of `regularization_losses` items now: lazy losses evaluated, tensors cloned, others skipped. */
export function evaluateLosses(items: readonly unknown[]): tf.Tensor[] {
  return items.flatMap((item) => {
    if (item instanceof RegularizationLoss || item instanceof RegularizationPenalty) return [item.value()];
    if (item instanceof tf.Tensor) return [tf.clone(item)];
    return [];
  });
}

/** What {@link applyRegularization} needs of a store (a VariableStore satisfies it). */
export interface RegularizationHost {
  getCollection<T = unknown>(key: string, scope?: string): T[];
  addToCollection(key: string, value: unknown): void;
}

/**
 * The penalty of {@link applyRegularization}: `add_n(regularizer(w) for w in weights)` (a null
 * penalty counts 0), named `get_regularization_penalty:0`, evaluated on demand like the others.
 */
export class RegularizationPenalty {
  readonly name = 'get_regularization_penalty:0';
  constructor(readonly weights: readonly tf.Tensor[], readonly regularizer: Regularizer) {}

  /** The summed penalty now (a new scalar). @throws InvalidArgumentError `regularizer_not_scalar` */
  value(): tf.Tensor {
    const penalties = this.weights.map((w) => this.regularizer(w) ?? tf.scalar(0));
    for (const p of penalties) {
      if (p.rank !== 0) {
        const rank = p.rank;
        tf.dispose(penalties);
        throw new InvalidArgumentError('regularizer_not_scalar', `regularizer must return a scalar Tensor instead of a Tensor with rank ${rank}.`, {
          hint: 'make the regularizer reduce to a scalar (tf.sum / tf.mean)',
          details: { rank },
        });
      }
    }
    return sumLosses(penalties);
  }
}

/**
 * `tf.contrib.layers.apply_regularization(regularizer, weights_list=None)`: the summed penalty of
 * `weightsList` (default: the `weights` collection), recorded in `regularization_losses` and
 * returned as its current value.
 * @throws InvalidArgumentError `no_weights` ("No weights to regularize."), `regularizer_not_scalar`
 */
export function applyRegularization(store: RegularizationHost, regularizer: Regularizer, weightsList?: readonly tf.Tensor[]): tf.Tensor {
  const weights = weightsList && weightsList.length > 0 ? weightsList : store.getCollection<tf.Tensor>(GraphKeys.WEIGHTS);
  if (weights.length === 0) {
    throw new InvalidArgumentError('no_weights', 'No weights to regularize.', { hint: 'pass the weights, or add them to the "weights" collection' });
  }
  const penalty = new RegularizationPenalty([...weights], regularizer);
  const value = penalty.value();
  store.addToCollection(GraphKeys.REGULARIZATION_LOSSES, penalty);
  return value;
}
