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

interface LayerLike {
  name: string;
  getClassName(): string;
  weights: { originalName: string; name: string; trainable: boolean; read(): tf.Tensor }[];
  layers?: LayerLike[];
}

/** A ParameterSet over a LayersModel's weights (same tf.Variables), named as TF-Keras names them. */
export function parametersFromLayersModel(model: LayersModel, options: LayersAdapterOptions = {}): ParameterSet {
  const mode = options.names ?? 'keras';
  const counts = new Map<string, number>();
  const unique = (base: string): string => {
    const n = counts.get(base) ?? 0;
    counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  const set = new ParameterSet();
  const seen = new Set<tf.Variable>();
  const visit = (layer: LayerLike): void => {
    if (Array.isArray(layer.layers) && layer.layers.length > 0 && layer !== (model as unknown as LayerLike)) {
      layer.layers.forEach(visit);
      return;
    }
    const className = layer.getClassName();
    const snake = toSnakeCase(className);
    const isDefault = new RegExp(`^${escapeRegex(snake)}_${escapeRegex(className)}\\d+$`).test(layer.name);
    const kerasName = isDefault ? unique(snake) : layer.name;
    const cellClass = CELL_CLASS[className];
    const cellName = cellClass ? unique(toSnakeCase(cellClass)) : undefined;
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
      set.add(name, variable, { trainable: w.trainable });
    }
  };
  (model as unknown as LayerLike).layers?.forEach(visit);
  return set;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
