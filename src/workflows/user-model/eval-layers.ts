/**
 * `graft eval` on a checkpoint of a user's LayersModel: the model rebuilt from the topology in
 * `.meta.json` (no code), its weights restored (restoreIntoLayersModel, reported), and the data
 * re-derived from the stored spec — same path, split, seed, vocabulary and input encoding — so
 * the accuracy is the one training reported. With `data`, every example of that data set is
 * evaluated instead, its classes matched to the checkpoint's labels by name.
 */
import { InvalidArgumentError } from '../../errors.js';
import type { CheckpointMeta } from '../../checkpoint/meta.js';
import type { RestoreReport } from '../../checkpoint/restore-plan.js';
import { layersModelFromMeta } from '../../layers/topology.js';
import { restoreIntoLayersModel } from '../../layers/restore.js';
import { take } from '../../models/data/example-set.js';
import { loadUserTask, type UserInput } from './user-task.js';
import { compileClassifier, evaluateClassifier } from './classifier.js';
import { userDataOf } from './data-spec.js';

/** Options of {@link evalLayersCheckpoint}. */
export interface EvalLayersOptions {
  /** Evaluate on all of this data set instead of the stored test split. */
  data?: string;
  /** Evaluate on the first N test examples. */
  testLimit?: number;
}

/** The result (the fields of `graft eval`'s report). */
export interface EvalLayersReport {
  checkpoint: string;
  model: string;
  config: Record<string, unknown>;
  labels: string[];
  weights: 'raw';
  accuracy: number;
  loss: number;
  examples: number;
  restored: { from: string; include: string[]; summary: RestoreReport['summary'] }[];
  data: { path: string; split: 'test' | 'all'; input: UserInput };
}

/**
 * Evaluate a LayersModel checkpoint (its meta already read).
 * @throws InvalidArgumentError `meta_without_data_spec`, `unknown_class`; topology and restore errors.
 */
export async function evalLayersCheckpoint(ckpt: string, meta: CheckpointMeta, options: EvalLayersOptions = {}): Promise<EvalLayersReport> {
  const model = await layersModelFromMeta(meta, ckpt);
  try {
    const restore = await restoreIntoLayersModel(model, ckpt);
    const { spec, vocabulary } = userDataOf(meta, ckpt);
    const labels = meta.labels ?? spec.classNames;
    if (labels.length !== spec.classNames.length) {
      throw new InvalidArgumentError('bad_meta_labels', `${ckpt}: .meta.json lists ${labels.length} labels but its data spec ${spec.classNames.length} classes`, { hint: 'the meta file is damaged; re-save the checkpoint' });
    }
    const task = await loadUserTask(options.data ?? spec.path, {
      input: spec.input, testSplit: spec.testSplit, seed: spec.seed, classNames: labels, allForTest: options.data !== undefined, ...(vocabulary ? { vocabulary } : {}),
    });
    const set = options.testLimit !== undefined ? take(task.test, options.testLimit) : task.test;
    compileClassifier(model, 1e-3); // evaluate needs a compiled loss; the optimizer is not used
    const r = await evaluateClassifier(model, set);
    return {
      checkpoint: ckpt, model: model.name, config: {}, labels, weights: 'raw', accuracy: r.accuracy, loss: r.loss, examples: set.count,
      restored: [{ from: ckpt, include: [], summary: restore.report.summary }],
      data: { path: task.spec.path, split: options.data !== undefined ? 'all' : 'test', input: spec.input },
    };
  } finally {
    model.dispose();
  }
}
