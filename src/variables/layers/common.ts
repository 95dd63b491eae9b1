/** Shared option types and activation handling of the slim-style layer helpers. */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors.js';

/** Activation of a layer; `null` = linear (slim `activation_fn=None`). */
export type Activation = 'relu' | 'relu6' | 'tanh' | 'sigmoid' | 'elu' | null | ((x: tf.Tensor) => tf.Tensor);

/** Apply an activation by name. */
export function applyActivation<T extends tf.Tensor>(x: T, activation: Activation): T {
  if (activation === null) return x;
  if (typeof activation === 'function') return activation(x) as T;
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'elu':
      return tf.elu(x);
    default:
      throw new InvalidArgumentError('unknown_activation', `unknown activation "${String(activation)}"`, {
        hint: "use 'relu', 'relu6', 'tanh', 'sigmoid', 'elu', null or a function",
        details: { activation: String(activation) },
      });
  }
}

/** A size given as one number or `[height, width]` (slim's int-or-pair arguments). */
export type Pair = number | [number, number];

/** Expand a slim int-or-pair argument. */
export function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}
