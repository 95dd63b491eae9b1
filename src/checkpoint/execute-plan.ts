/**
 * Executing a restore plan, all or nothing: every tensor is read, checked against the plan and
 * converted into a new TF.js tensor first; only when all of them succeeded are the variables
 * assigned (assignment of a checked tensor cannot fail). A failure anywhere before that leaves
 * every variable as it was.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RestoreMismatchError, GraftError, InvalidArgumentError } from '../errors.js';
import type { RestorePlan, RestorePlanOptions } from './restore-plan.js';
import { planInternals, planRestore } from './restore-plan.js';
import type { CheckpointReader } from '../formats/types.js';
import type { VarList } from './var-list.js';
import { restoreMismatchError, formatShape } from './format-report.js';
import { openSource } from './reader.js';
import { withLayout } from '../formats/layout/index.js';
import { tensorFromTensorValue } from './tensor-bytes.js';
import { takeSlice } from './slices.js';

/**
 * Restore what `plan` says; returns the plan, which is the report of what happened.
 * @throws RestoreMismatchError (codes `missing_in_checkpoint`, `shape_mismatch`,
 *   `dtype_mismatch`) when the plan has untolerated problems — nothing is changed; also
 *   `checkpoint_changed` when the file no longer matches the plan, and any read error (CRC,
 *   truncation) wrapped as `restore_failed` — in every case no variable was changed.
 * @example
 * const plan = await planRestore(params, 'ckpt/model.ckpt-1000', { exclude: ['Logits'], ignoreMissing: true });
 * await executeRestorePlan(plan);
 */
export async function executeRestorePlan(plan: RestorePlan): Promise<RestorePlan> {
  if (!plan.ok) throw restoreMismatchError(plan);
  const exec = planInternals(plan);
  if (!exec) {
    throw new InvalidArgumentError('not_a_plan', 'executeRestorePlan needs a plan made by planRestore (this one carries no variables)', {
      hint: 'call planRestore(params, checkpoint, options) and pass its result',
    });
  }
  if (exec.params.size === 0) return plan;
  const { reader, owned } = await openSource(exec.source);
  const laidOut = exec.layout ? withLayout(reader, exec.layout) : reader;
  const staged: [tf.Variable, tf.Tensor][] = [];
  const fullTensors = new Map<string, tf.Tensor>(); // full tensors the parts of partitioned variables come from
  try {
    for (const [entry, param] of exec.params) {
      const key = entry.source!;
      const slice = exec.slices?.get(entry);
      const cached = slice ? fullTensors.get(key) : undefined;
      if (slice && cached) {
        staged.push([param.variable, takeSlice(cached, slice)]);
        continue;
      }
      const value = await laidOut.read(key);
      const found = entry.found!;
      if (value.dtype !== found.dtype || formatShape(value.shape) !== formatShape(found.shape)) {
        throw new RestoreMismatchError('checkpoint_changed', `${reader.path}: "${key}" is now ${value.dtype} ${formatShape(value.shape)}; the plan was made for ${found.dtype} ${formatShape(found.shape)}`, plan.toJSON(), {
          hint: 'the checkpoint changed after planning; plan again',
          details: { path: reader.path, name: key },
        });
      }
      if (slice) {
        const full = tensorFromTensorValue(value, param.variable, slice.fullShape);
        fullTensors.set(key, full);
        staged.push([param.variable, takeSlice(full, slice)]);
      } else {
        staged.push([param.variable, tensorFromTensorValue(value, param.variable)]);
      }
    }
  } catch (e) {
    for (const [, t] of staged) t.dispose();
    if (e instanceof GraftError) throw e;
    throw new RestoreMismatchError('restore_failed', `${reader.path}: reading the checkpoint failed; no variable was changed`, plan.toJSON(), {
      hint: 'check the file (graft inspect), then retry',
      details: { path: reader.path },
      cause: e,
    });
  } finally {
    for (const t of fullTensors.values()) t.dispose();
    if (owned) await reader.close();
  }
  for (const [variable, t] of staged) {
    variable.assign(t);
    t.dispose();
  }
  return plan;
}

/** Plan and execute in one call; returns the report (a failing plan is thrown inside RestoreMismatchError). */
export async function restoreFromCheckpoint(target: VarList, source: string | CheckpointReader, options: RestorePlanOptions = {}): Promise<RestorePlan> {
  return executeRestorePlan(await planRestore(target, source, options));
}
