/**
 * `Saver(reshape=True)` restore (TF1 `saver.py`: `BaseSaverBuilder` adds
 * `array_ops.reshape(restored, shape)` before each assign): a checkpoint tensor whose shape
 * differs from its variable's but whose element count matches is restored in row-major order.
 * A different element count fails as TF's reshape does. All or nothing, as every restore: the
 * reshaped tensors are read before anything is assigned.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { RestoreMismatchError } from '../errors.js';
import type { Parameter } from '../variables/parameter-set.js';
import { executeRestorePlan } from './execute-plan.js';
import { formatShape } from './format-report.js';
import { loadVariable } from './reader.js';
import { planRestore, type RestorePlan } from './restore-plan.js';
import { tensorFromTensorValue } from './tensor-bytes.js';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Restore `record` from `path`, reshaping same-size tensors; reshaped entries become `restored` with a note. */
export async function restoreReshaped(record: Record<string, Parameter>, path: string): Promise<RestorePlan> {
  const plan = await planRestore(record, path, { allowShapeMismatch: true });
  const mismatched = plan.entries.filter((e) => e.status === 'shape_mismatch');
  const wrong = mismatched.filter((e) => size(e.expected!.shape) !== size(e.found!.shape));
  if (wrong.length > 0) {
    const e = wrong[0]!;
    throw new RestoreMismatchError(
      'shape_mismatch',
      `${path}: Input to reshape is a tensor with ${size(e.found!.shape)} values, but the requested shape has ${size(e.expected!.shape)} (${e.source} ${formatShape(e.found!.shape)} → ${e.name} ${formatShape(e.expected!.shape)})${wrong.length > 1 ? ` and ${wrong.length - 1} more` : ''}`,
      plan.toJSON(),
      { hint: 'reshape only changes the layout of the same number of values; restore these variables from a matching checkpoint', details: { names: wrong.map((w) => w.name) } },
    );
  }
  const staged: [tf.Variable, tf.Tensor][] = [];
  try {
    for (const e of mismatched) {
      const param = record[e.source!] ?? Object.values(record).find((p) => p.name === e.name)!;
      staged.push([param.variable, tensorFromTensorValue(await loadVariable(path, e.source!), param.variable)]);
    }
    await executeRestorePlan(plan);
  } catch (err) {
    for (const [, t] of staged) t.dispose();
    throw err;
  }
  for (const [variable, t] of staged) {
    variable.assign(t);
    t.dispose();
  }
  for (const e of mismatched) {
    e.status = 'restored';
    e.note = `reshaped ${formatShape(e.found!.shape)} → ${formatShape(e.expected!.shape)} (Saver reshape)`;
    plan.summary.shape_mismatch -= 1;
    plan.summary.restored += 1;
  }
  return plan;
}
