/**
 * The global step (`training_util.py` `create_global_step`): a scalar integer variable named
 * `global_step`, zero-initialised, not trainable, that `apply_gradients` increments once per
 * completed update. TF stores it as int64; TF.js has no int64, so the variable is int32 and the
 * ParameterSet marks it `saveDtype: 'int64'` so checkpoints carry TF's dtype.
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkGlobalStep } from '../variables/global-step-check.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { newVariable } from '../variables/create.js';

/** Checkpoint key of the global step (`tf.GraphKeys.GLOBAL_STEP`). */
export const GLOBAL_STEP_NAME = 'global_step';

/** A fresh global step variable (value 0) and a ParameterSet holding it as `global_step`. */
export function createGlobalStep(options: { initialValue?: number } = {}): { variable: tf.Variable; params: ParameterSet } {
  const initial = tf.scalar(options.initialValue ?? 0, 'int32');
  const variable = newVariable(GLOBAL_STEP_NAME, initial, { trainable: false, dtype: 'int32', declaredDtype: 'int64' });
  initial.dispose();
  const params = new ParameterSet().add(GLOBAL_STEP_NAME, variable, { trainable: false, saveDtype: 'int64' });
  return { variable, params };
}

/** Current value of a global step variable as a number. */
export function globalStepValue(variable: tf.Variable): number {
  assertGlobalStep(variable);
  return variable.dataSync()[0]!;
}

/**
 * TF's `assert_global_step` (training_util.py): an integer scalar variable, with TF's messages
 * (`Existing "global_step" does not have integer type: …`, `Existing "global_step" is not scalar: …`).
 * @throws InvalidArgumentError `invalid_global_step`.
 */
export function assertGlobalStep(variable: tf.Variable): void {
  checkGlobalStep(variable);
}

/** `global_step += 1` (int32 add, kept on the device). */
export function incrementGlobalStep(variable: tf.Variable): void {
  tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(1, 'int32'))));
}
