/**
 * The destination of `graft transfer-common SRC DST` when it is a user's LayersModel: a Graft
 * checkpoint of one (rebuilt from its `.meta.json`, values loaded), a model file (model.json,
 * `.h5`, `.keras`: topology and weights), or a builder module built for the data — `--data`, else
 * the source's data — with the source's text encoding (its vocabulary and sequence length), so
 * the token ids the copied embedding rows stand for keep their meaning. The `.meta.json` written
 * with the result carries the topology and that data spec, so `graft train --classes-from OUT`
 * and `graft eval` continue from it with no code.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { CheckpointMeta } from '../../checkpoint/meta.js';
import { layersModelMeta, layersModelFromMeta, isLayersModelMeta } from '../../layers/topology.js';
import { restoreIntoLayersModel } from '../../layers/restore.js';
import { loadUserLayersModel, userModelFormat } from '../../layers/load-model.js';
import type { Vocabulary } from '../../models/data/vocabulary.js';
import { readCheckpointMeta, resolveCheckpoint } from '../checkpoints.js';
import { dataInput, loadUserTask, modelInput, type UserDataSpec } from './user-task.js';
import { userDataOf } from './data-spec.js';

/** A destination LayersModel and what its saved `.meta.json` should say. */
export interface LayersDestination {
  model: tfl.LayersModel;
  meta: { model: NonNullable<CheckpointMeta['model']>; labels?: string[]; extra: Record<string, unknown> };
}

async function sourceData(src: string): Promise<{ spec: UserDataSpec; vocabulary?: Vocabulary } | null> {
  try {
    const ckpt = await resolveCheckpoint(src);
    const meta = await readCheckpointMeta(ckpt);
    return isLayersModelMeta(meta) ? userDataOf(meta, ckpt) : null;
  } catch {
    return null; // a source without a Graft meta (a Keras file, a TF checkpoint): no encoding to inherit
  }
}

/** Whether `dst` names a LayersModel destination (a model file or a LayersModel checkpoint). */
export async function isLayersDestination(dst: string): Promise<boolean> {
  if (userModelFormat(dst) !== null) return true;
  try {
    return isLayersModelMeta(await readCheckpointMeta(await resolveCheckpoint(dst)));
  } catch {
    return false;
  }
}

/**
 * Build or load the destination (see the file comment).
 * @throws InvalidArgumentError from the loaders (`builder_needs_data` when a builder has no data).
 */
export async function layersDestination(dst: string, options: { src: string; data?: string; seed?: number }): Promise<LayersDestination> {
  const inherited = await sourceData(options.src);
  const format = userModelFormat(dst);
  if (format === null) {
    const ckpt = await resolveCheckpoint(dst);
    const meta = await readCheckpointMeta(ckpt);
    const model = await layersModelFromMeta(meta, ckpt);
    await restoreIntoLayersModel(model, ckpt);
    return { model, meta: { model: layersModelMeta(model), ...(meta.labels ? { labels: meta.labels } : {}), extra: { ...(meta.extra ?? {}) } } };
  }
  const data = options.data ?? inherited?.spec.path;
  if (format !== 'js-module') {
    const loaded = await loadUserLayersModel(dst);
    const extra: Record<string, unknown> = { model: { source: dst, format } };
    let labels: string[] | undefined;
    if (data !== undefined) {
      const input = modelInput(loaded.model, inherited?.spec.input.kind === 'tokens' ? inherited.spec.input.maxLength : undefined);
      const { vocabCap, ...plain } = input;
      const task = await loadUserTask(data, { input: plain, seed: options.seed ?? 0, ...(inherited?.vocabulary ? { vocabulary: inherited.vocabulary } : vocabCap ? { vocabSize: vocabCap } : {}) });
      extra.userData = task.spec;
      if (task.vocabulary) extra.vocabulary = task.vocabulary.toJSON();
      labels = task.train.classNames;
    }
    return { model: loaded.model, meta: { model: layersModelMeta(loaded.model), ...(labels ? { labels } : {}), extra } };
  }
  const input = inherited?.spec.input ?? (data !== undefined ? await dataInput(data) : undefined);
  if (data === undefined || input === undefined) {
    return loadUserLayersModel(dst).then((l) => ({ model: l.model, meta: { model: layersModelMeta(l.model), extra: {} } })); // builder_needs_data
  }
  const seed = options.seed ?? inherited?.spec.seed ?? 0;
  const task = await loadUserTask(data, { input, seed, testSplit: inherited?.spec.testSplit ?? 0.2, ...(inherited?.vocabulary ? { vocabulary: inherited.vocabulary } : {}) });
  const classNames = task.train.classNames;
  const loaded = await loadUserLayersModel(dst, {
    builder: { numClasses: classNames.length, inputShape: input.kind === 'image' ? [...input.shape] : [input.maxLength], classNames, seed, ...(task.vocabulary ? { vocabSize: task.vocabulary.size, maxLength: (input as { maxLength: number }).maxLength } : {}) },
  });
  const extra: Record<string, unknown> = { userData: task.spec, model: { source: dst, format } };
  if (task.vocabulary) extra.vocabulary = task.vocabulary.toJSON();
  return { model: loaded.model, meta: { model: layersModelMeta(loaded.model), labels: classNames, extra } };
}
