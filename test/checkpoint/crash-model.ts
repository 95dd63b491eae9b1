/** The small model of the crash-safety test and its values at each step (shared by parent and child). */
import * as tf from '@tensorflow/tfjs-core';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';
import { seededValues } from './helpers.js';

/** Variables: two float32 tensors (~70 KB) and an int64-saved step counter. */
export const CRASH_SPECS: [string, number[]][] = [['dense/kernel', [256, 64]], ['dense/bias', [64]], ['global_step', []]];

/** A fresh model with zeros. */
export function crashModel(): ParameterSet {
  const ps = new ParameterSet();
  for (const [name, shape] of CRASH_SPECS) {
    const int = name === 'global_step';
    ps.add(name, newVariable(name, tf.zeros(shape, int ? 'int32' : 'float32')), int ? { trainable: false, saveDtype: 'int64' } : {});
  }
  return ps;
}

/** The value every variable holds when `step` is saved. */
export function crashValues(name: string, step: number): tf.Tensor {
  const [, shape] = CRASH_SPECS.find(([n]) => n === name)!;
  if (name === 'global_step') return tf.scalar(step, 'int32');
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(seededValues(n, step * 7 + shape.length), shape, 'float32');
}
