/**
 * TF's `assert_global_step` (python/training/training_util.py), shared by the VariableStore's
 * `getGlobalStep` and train/'s `assertGlobalStep`: the global step must be an integer scalar. The
 * messages are TF's (`Existing "global_step" does not have integer type: <dtype: 'float32'>`,
 * `Existing "global_step" is not scalar: (2,)`). TF.js's only integer dtype is int32 (an int64
 * variable is held as int32), so int32 is the one accepted.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';

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
