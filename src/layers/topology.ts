/**
 * A LayersModel's topology in `.meta.json`: `model: {name: "tfjs-layers", config: model.toJSON()}`
 * (the Keras-format `model_config` tfjs writes into `model.json` as `modelTopology`), so a
 * checkpoint of a user's own LayersModel can be rebuilt with no code (`layersModelFromMeta`,
 * `graft eval`, `graft transfer`), as a `model.json` is by `tf.loadLayersModel`.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import type { CheckpointMeta, MetaInput } from '../checkpoint/meta.js';

/** The `model.name` of a meta that holds a LayersModel topology. */
export const LAYERS_MODEL_META_NAME = 'tfjs-layers';

/** The meta `model` entry describing a LayersModel (its Keras-format topology). */
export function layersModelMeta(model: tfl.LayersModel): NonNullable<MetaInput['model']> {
  return { name: LAYERS_MODEL_META_NAME, config: { modelTopology: model.toJSON(null, false) } };
}

/** Whether a meta describes a LayersModel topology. */
export function isLayersModelMeta(meta: Pick<CheckpointMeta, 'model'>): boolean {
  return meta.model?.name === LAYERS_MODEL_META_NAME;
}

/**
 * Rebuild the LayersModel a meta describes (fresh weights: restore them next).
 * @throws InvalidArgumentError `meta_without_model` / `not_a_layers_model_meta` / `bad_topology`
 */
export async function layersModelFromMeta(meta: Pick<CheckpointMeta, 'model'>, where = 'meta'): Promise<tfl.LayersModel> {
  if (!meta.model) {
    throw new InvalidArgumentError('meta_without_model', `${where}: the .meta.json names no model, so it cannot be rebuilt without code`, { hint: 'save with checkpointCallback (it records model.toJSON()) or build the model in code' });
  }
  if (!isLayersModelMeta(meta)) {
    throw new InvalidArgumentError('not_a_layers_model_meta', `${where}: the .meta.json describes the built-in model "${meta.model.name}", not a LayersModel`, { hint: 'rebuild it with buildModel / graft eval' });
  }
  const topology = (meta.model.config as { modelTopology?: unknown } | null)?.modelTopology;
  if (typeof topology !== 'object' || topology === null) {
    throw new InvalidArgumentError('bad_topology', `${where}: model.config.modelTopology is missing`, { hint: 'the meta file is damaged; re-save the checkpoint' });
  }
  try {
    return await tfl.loadLayersModel({ load: async () => ({ modelTopology: topology as object }) });
  } catch (cause) {
    throw new InvalidArgumentError('bad_topology', `${where}: tfjs-layers cannot build the recorded topology: ${(cause as Error).message}`, { hint: 'the topology uses a layer class tfjs does not know; build the model in code', cause });
  }
}
