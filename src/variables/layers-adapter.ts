/**
 * Adapt a tfjs-layers `LayersModel` into a ParameterSet under the names TF-Keras gives the same
 * model built fresh in a Python session — so savers, restore plans, transfer, freezing and EMA
 * treat Keras-style models like scope-built ones.
 *
 * TF-Keras rules reproduced: a default layer name is the snake_case class name made unique per
 * session (`dense`, `dense_1`; Keras `to_snake_case` + `unique_object_name`); an explicit name is
 * kept; weights are `<layer>/<weight>` (`conv2d/kernel`, `batch_normalization/moving_mean`,
 * `embedding/embeddings`); recurrent layers build their cell inside the cell's name scope, and
 * the cell's own default name is uniquified separately: `lstm/lstm_cell/kernel`,
 * `lstm_1/lstm_cell_1/recurrent_kernel`, `gru/gru_cell/bias`, `simple_rnn/simple_rnn_cell/kernel`.
 * tfjs's default names (`dense_Dense1`) are recognised and replaced; nested models are flattened
 * (Keras names their weights by the inner layers). Wrapper layers (Bidirectional, TimeDistributed)
 * keep `<layer>/<tfjs weight name>`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from './parameter-set.js';
import { LayersTrainableControl, patchFrozenBatchNorm, type LayerLike } from './layers-trainable.js';

/** Options of {@link parametersFromLayersModel}. */
export interface LayersAdapterOptions {
  /** `keras` (default): TF-Keras names; `tfjs`: the tfjs weight names as they are. */
  names?: 'keras' | 'tfjs';
}

/** Keras `generic_utils.to_snake_case`. */
export function toSnakeCase(name: string): string {
  const intermediate = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2');
  const insecure = intermediate.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return insecure[0] !== '_' ? insecure : 'private' + insecure;
}

const CELL_CLASS: Record<string, string> = { LSTM: 'LSTMCell', GRU: 'GRUCell', SimpleRNN: 'SimpleRNNCell' };

/** Whether a layer carries tfjs's automatic name (`dense_Dense1`) rather than one the user gave. */
export function hasTfjsDefaultName(layer: { name: string; getClassName(): string }): boolean {
  const className = layer.getClassName();
  return new RegExp(`^${escapeRegex(toSnakeCase(className))}_${escapeRegex(className)}\\d+$`).test(layer.name);
}

/** Leaf layers in creation order with their enclosing nested models (outermost first). */
export function leafLayers(model: LayersModel): { layer: LayerLike; ancestors: LayerLike[] }[] {
  const out: { layer: LayerLike; ancestors: LayerLike[] }[] = [];
  const visit = (layer: LayerLike, ancestors: LayerLike[]): void => {
    if (Array.isArray(layer.layers) && layer.layers.length > 0) {
      for (const l of layer.layers) visit(l, [...ancestors, layer]);
      return;
    }
    out.push({ layer, ancestors });
  };
  for (const l of (model as unknown as LayerLike).layers ?? []) visit(l, []);
  return out;
}

/**
 * The TF-Keras name of every leaf layer (same order as {@link leafLayers}). An automatic tfjs
 * name becomes the next unused snake_case name; names the user gave explicitly are kept and never
 * handed out to an auto-named layer (an explicit `dense_1` next to two auto-named Dense layers
 * gives `dense`, `dense_1`, `dense_2` — Keras's `unique_object_name(avoid_names=…)` rule).
 */
export function kerasLayerNames(model: LayersModel): string[] {
  const leaves = leafLayers(model);
  const explicit = new Set(leaves.filter(({ layer }) => !hasTfjsDefaultName(layer)).map(({ layer }) => layer.name));
  const counts = new Map<string, number>();
  const unique = (base: string, avoid: Set<string>): string => {
    for (;;) {
      const n = counts.get(base) ?? 0;
      counts.set(base, n + 1);
      const name = n === 0 ? base : `${base}_${n}`;
      if (!avoid.has(name)) return name;
    }
  };
  return leaves.map(({ layer }) => (hasTfjsDefaultName(layer) ? unique(toSnakeCase(layer.getClassName()), explicit) : layer.name));
}

/**
 * A ParameterSet over a LayersModel's weights (same tf.Variables), named as TF-Keras names them.
 * Each parameter's `trainable` is its layer's `layer.trainable`, read live; freezing through the
 * set sets `layer.trainable` (whole layers only) — see layers-trainable.ts.
 * @throws InvalidArgumentError `not_a_variable` for an unbuilt model.
 */
export function parametersFromLayersModel(model: LayersModel, options: LayersAdapterOptions = {}): ParameterSet {
  const mode = options.names ?? 'keras';
  const cellCounts = new Map<string, number>();
  const uniqueCell = (base: string): string => {
    const n = cellCounts.get(base) ?? 0;
    cellCounts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  const set = new ParameterSet();
  const seen = new Set<tf.Variable>();
  const control = new LayersTrainableControl(model);
  const names = kerasLayerNames(model);
  leafLayers(model).forEach(({ layer, ancestors }, i) => {
    const kerasName = names[i]!;
    const cellClass = CELL_CLASS[layer.getClassName()];
    const cellName = cellClass ? uniqueCell(toSnakeCase(cellClass)) : undefined;
    patchFrozenBatchNorm(layer, ancestors);
    for (const w of layer.weights) {
      const variable = w.read();
      if (!(variable instanceof tf.Variable)) {
        throw new InvalidArgumentError('not_a_variable', `weight ${w.originalName} of layer ${layer.name} is not backed by a tf.Variable`, {
          hint: 'build the model (call it once or model.build) before adapting it',
        });
      }
      if (seen.has(variable)) continue;
      seen.add(variable);
      const short = w.originalName.startsWith(layer.name + '/') ? w.originalName.slice(layer.name.length + 1) : w.originalName;
      let name: string;
      if (mode === 'tfjs') name = w.originalName;
      else if (cellName) name = `${kerasName}/${cellName}/${short}`;
      else name = `${kerasName}/${short}`;
      set.insert(control.parameter(name, variable, { layer, weight: w, ancestors, layerName: kerasName }));
    }
  });
  return set;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
