/**
 * TF's `assert_global_step` (python/training/training_util.py), shared by the VariableStore's
 * `getGlobalStep` and train/'s `assertGlobalStep`: the global step must be an integer scalar. The
 * messages are TF's (`Existing "global_step" does not have integer type: <dtype: 'float32'>`,
 * `Existing "global_step" is not scalar: (2,)`). TF.js's only integer dtype is int32 (an int64
 * variable is held as int32), so int32 is the one accepted.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, ScopeError } from '../errors.js';
import { GraphKeys } from './graph-keys.js';
import { zerosInitializer } from './initializers.js';

/** Python's `str(TensorShape)`: `()`, `(2,)`, `(2, 3)`. */
function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * `assert_global_step(global_step_tensor)`: integer dtype, then rank 0.
 * @throws InvalidArgumentError `invalid_global_step` (TF raises TypeError) with TF's message.
 */
export function checkGlobalStep(variable: tf.Variable, name: string = variable.name): void {
  const details = { name, dtype: variable.dtype, shape: [...variable.shape] };
  if (variable.dtype !== 'int32') {
    throw new InvalidArgumentError('invalid_global_step', `Existing "global_step" does not have integer type: <dtype: '${variable.dtype}'>`, {
      hint: 'the global step must be an integer scalar: create it with getOrCreateGlobalStep() / createGlobalStep()',
      details,
    });
  }
  if (variable.rank !== 0) {
    throw new InvalidArgumentError('invalid_global_step', `Existing "global_step" is not scalar: ${pyShape(variable.shape)}`, {
      hint: 'the global step must be a scalar (shape []): create it with getOrCreateGlobalStep() / createGlobalStep()',
      details,
    });
  }
}

/** get_variable options of the global step (training_util.py `create_global_step`). */
export const GLOBAL_STEP_OPTIONS = {
  shape: [] as number[],
  dtype: 'int64' as const,
  initializer: zerosInitializer(),
  trainable: false,
  collections: [GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP],
};

/**
 * `tf.train.get_global_step()`: the one variable in the `global_step` collection, else a
 * variable whose op name is `global_step`, else undefined; checked by {@link checkGlobalStep}.
 * @throws ScopeError `multiple_global_steps`
 */
export function findGlobalStep(inCollection: readonly tf.Variable[], opNames: ReadonlyMap<tf.Variable, string>): tf.Variable | undefined {
  if (inCollection.length > 1) {
    throw new ScopeError('multiple_global_steps', 'Multiple tensors in global_step collection.', {
      hint: 'create the global step once, with getOrCreateGlobalStep()',
      details: { count: inCollection.length },
    });
  }
  let found: tf.Variable | undefined = inCollection[0];
  if (found === undefined) for (const [v, n] of opNames) if (n === 'global_step') found = v;
  if (found !== undefined) checkGlobalStep(found, opNames.get(found) ?? found.name);
  return found;
}
