/**
 * Freezing a LayersModel's layers while training is under way: `freezeLayers` / `unfreezeLayers`
 * set `layer.trainable` (whole layers, via the adapter's trainable control) and move the tfjs
 * optimizer's per-variable state with it, since tfjs keeps it by position (optimizer-state.ts).
 * Before the first step (or for a model not compiled) `parametersFromLayersModel(model).freeze()`
 * does the same synchronously.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { SelectOptions } from '../variables/parameter-set.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';
import { REALIGNING_OPTIMIZER } from '../variables/layers-trainable.js';
import { disposeOptimizerState, readOptimizerState, writeOptimizerState } from './optimizer-state.js';

/** Scopes (on `/` boundaries, TF-Keras names) or a full selection. */
export type LayerSelection = readonly string[] | SelectOptions;

function selection(s: LayerSelection): SelectOptions {
  return Array.isArray(s) ? { include: [...(s as readonly string[])] } : (s as SelectOptions);
}

async function setTrainable(model: LayersModel, which: LayerSelection, value: boolean): Promise<string[]> {
  const params = parametersFromLayersModel(model);
  const stepped = model.optimizer && model.optimizer.iterations > 0;
  if (!stepped) return value ? params.unfreeze(selection(which)) : params.freeze(selection(which));
  const state = await readOptimizerState(model);
  REALIGNING_OPTIMIZER.add(model);
  try {
    const changed = value ? params.unfreeze(selection(which)) : params.freeze(selection(which));
    await writeOptimizerState(model, state);
    return changed;
  } finally {
    REALIGNING_OPTIMIZER.delete(model);
    disposeOptimizerState(state);
  }
}

/**
 * Freeze the layers under the given scopes (`layer.trainable = false`); returns the parameter
 * names that changed. The optimizer state of the weights still training stays on them.
 * @example
 * await freezeLayers(model, ['conv2d', 'batch_normalization']);
 * @throws InvalidArgumentError `partial_layer_freeze` when a scope covers part of a layer.
 */
export function freezeLayers(model: LayersModel, which: LayerSelection): Promise<string[]> {
  return setTrainable(model, which, false);
}

/** Unfreeze the layers under the given scopes; their optimizer state starts fresh (zeros). */
export function unfreezeLayers(model: LayersModel, which: LayerSelection): Promise<string[]> {
  return setTrainable(model, which, true);
}
