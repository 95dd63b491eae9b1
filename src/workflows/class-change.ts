/**
 * Restoring a classifier whose classes changed (article 004), beyond the article: the label list
 * saved beside the checkpoint (`.meta.json` `labels`) is compared with the new one
 * (class-plan.ts). Same classes → everything restored (rows reordered when the order changed);
 * changed → everything but the head restored, and the head built slot by slot: kept and moved
 * classes keep their weights, merged classes start from the mean of their sources, split and new
 * classes start fresh, removed ones are dropped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { restoreFromCheckpoint } from '../checkpoint/execute-plan.js';
import { loadVariable } from '../checkpoint/reader.js';
import type { RestoreReport } from '../checkpoint/restore-plan.js';
import { valuesFromTensorValue } from '../checkpoint/tensor-bytes.js';
import type { ClassifierModel } from '../models/types.js';
import { applyClassChange, planClassChange, type ClassChangePlan, type MergeSpec, type SplitSpec } from '../checkpoint/class-plan.js';
import { readCheckpointMeta, resolveCheckpoint } from './checkpoints.js';

/** Options of {@link classAwareRestore}. */
export interface ClassAwareRestoreOptions {
  merges?: MergeSpec[];
  splits?: SplitSpec[];
}

/** What a class-aware restore did. */
export interface ClassAwareRestoreReport {
  checkpoint: string;
  plan: ClassChangePlan;
  /** Summary of the restore of everything but the head. */
  body: RestoreReport['summary'];
  /** First-layer variables restored into more rows than saved (embedding of a grown vocabulary). */
  grownRows: { name: string; savedRows: number; rows: number }[];
  /** `continue` (same classes, restored as is), `reorder` or `transfer` (head rebuilt). */
  action: 'continue' | 'reorder' | 'transfer';
}

/**
 * Restore `model` (built with the new class count) from `from`, mapping head rows by class.
 * @throws InvalidArgumentError `labels_not_saved` when the checkpoint has no label list.
 */
export async function classAwareRestore(model: ClassifierModel, from: string, newClasses: string[], options: ClassAwareRestoreOptions = {}): Promise<ClassAwareRestoreReport> {
  const ckpt = await resolveCheckpoint(from);
  const meta = await readCheckpointMeta(ckpt);
  if (!meta.labels) {
    throw new InvalidArgumentError('labels_not_saved', `${ckpt}: the .meta.json has no label list, so class rows cannot be matched`, {
      hint: 'save classifier checkpoints with meta labels (graft train does), or restore with excludeScopes set to the head',
    });
  }
  if (newClasses.length !== model.numClasses) {
    throw new InvalidArgumentError('class_count_mismatch', `${newClasses.length} class names for a head with ${model.numClasses} outputs`, { hint: 'build the model with numClasses = the new label count' });
  }
  const plan = planClassChange(meta.labels, newClasses, options);
  // First-layer variables with more rows than saved (an embedding whose vocabulary grew): the
  // saved rows are copied, the added ones keep their initial values.
  const grownRows: ClassAwareRestoreReport['grownRows'] = [];
  for (const p of model.params.select({ include: [model.firstLayerScope] })) {
    const saved = await loadVariable(ckpt, p.name).catch(() => undefined);
    const shape = p.variable.shape;
    if (!saved || saved.shape.length !== shape.length || saved.shape[0]! >= shape[0]! || saved.shape.slice(1).some((d, i) => d !== shape[i + 1])) continue;
    const values = Float32Array.from(p.variable.dataSync() as Float32Array);
    values.set(valuesFromTensorValue(saved, 'float32') as Float32Array);
    tf.tidy(() => p.variable.assign(tf.tensor(values, shape, 'float32')));
    grownRows.push({ name: p.name, savedRows: saved.shape[0]!, rows: shape[0]! });
  }
  const bodyParams = model.params.select({ exclude: [...model.headScopes, ...grownRows.map((g) => g.name)] });
  const bodyPlan = await restoreFromCheckpoint(bodyParams, ckpt);
  const oldW = valuesFromTensorValue(await loadVariable(ckpt, model.headWeights), 'float32') as Float32Array;
  const oldB = valuesFromTensorValue(await loadVariable(ckpt, model.headBiases), 'float32') as Float32Array;
  const wVar = model.params.require(model.headWeights).variable;
  const bVar = model.params.require(model.headBiases).variable;
  const { weights, biases } = applyClassChange(plan, oldW, oldB, wVar.dataSync() as Float32Array, bVar.dataSync() as Float32Array);
  tf.tidy(() => {
    wVar.assign(tf.tensor(weights, wVar.shape, 'float32'));
    bVar.assign(tf.tensor(biases, bVar.shape, 'float32'));
  });
  return { checkpoint: ckpt, plan, body: bodyPlan.summary, grownRows, action: plan.kind === 'same' ? 'continue' : plan.kind === 'reordered' ? 'reorder' : 'transfer' };
}
