/**
 * The RNN text classifier of the class-change article (article 004; its `RNN_Model`, TF 1.2):
 * built under `variable_scope("Model", initializer=random_uniform(-init_scale, init_scale))`,
 * an embedding, a MultiRNNCell of BasicLSTMCells (forget_bias 0.0, output dropout in training)
 * run under `LSTM_layer`, mean pooling over the valid steps, and the softmax layer
 * `softmax_w` / `softmax_b` created with get_variable directly in `Model` (its name scope
 * `Softmax_layer_and_output` does not count for get_variable). Checkpoint keys:
 * ```
 * Model/embedding                                              [vocabSize, embedDim]
 * Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/kernel [embedDim + hidden, 4·hidden]
 * Model/LSTM_layer/multi_rnn_cell/cell_0/basic_lstm_cell/bias   [4·hidden]
 * …cell_1/… for numLayers = 2 (kernel [2·hidden, 4·hidden])
 * Model/softmax_w                                              [hidden, numClasses]
 * Model/softmax_b                                              [numClasses]
 * ```
 * The article's change of classes drops exactly `softmax_w:0` and `softmax_b:0`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { AUTO_REUSE, type ReuseMode } from '../variables/graph-keys.js';
import { randomUniformInitializer } from '../variables/initializers.js';
import { dropout, embedding } from '../variables/layers/index.js';
import { BasicLSTMCell, DropoutWrapper, MultiRNNCell, dynamicRnn, type RnnCell } from '../variables/rnn/index.js';
import type { VariableStore } from '../variables/store.js';

/** Options of {@link buildTextRnn} (the article's config names in camelCase). */
export interface TextRnnOptions {
  numClasses: number;
  vocabSize: number;
  /** `embed_dim`; default 64. */
  embedDim?: number;
  /** `hidden_neural_size`; default 64. */
  hiddenSize?: number;
  /** `hidden_layer_num`; default 1. */
  numLayers?: number;
  /** BasicLSTMCell forget_bias; default 0.0 as in the article. */
  forgetBias?: number;
  /** Scope initializer range: uniform(-initScale, initScale); default 0.1. */
  initScale?: number;
  /** `keep_prob` for the input and the cell outputs in training; default 1. */
  keepProb?: number;
  /** Training mode (dropout); default false. */
  training?: boolean;
  /** Top variable scope; default `Model`. */
  scope?: string;
  /** Reuse of the top scope; default AUTO_REUSE so repeated calls share variables (the article: None, then True). */
  reuse?: ReuseMode;
}

/** Outputs of {@link buildTextRnn}. */
export type TextRnnOutputs = {
  /** `[batch, numClasses]` (the article's `scores`). */
  logits: tf.Tensor2D;
  /** Mean-pooled LSTM outputs `[batch, hiddenSize]`. */
  features: tf.Tensor2D;
};

/** Names of the head variables relative to the top scope. */
export const TEXT_RNN_HEAD = ['softmax_w', 'softmax_b'] as const;

/**
 * Build (first call) or run (later calls) the classifier on token ids `[batch, time]` (int32,
 * padding after the text) with their lengths.
 * @throws InvalidArgumentError `sequence_length_shape` when lengths do not match the batch
 * @example
 * const store = new VariableStore({ seed: 4 });
 * const { logits } = buildTextRnn(store, ids, lengths, { numClasses: 77, vocabSize: 2000 });
 * // keep everything but the classifier when the classes change (article 004):
 * const keep = store.globalVariables().filter((v) => !['softmax_w:0', 'softmax_b:0'].includes(store.displayNameOf(v).split('/').pop()!));
 */
export function buildTextRnn(store: VariableStore, ids: tf.Tensor2D, lengths: number[] | tf.Tensor1D, options: TextRnnOptions): TextRnnOutputs {
  const features = textRnnFeatures(store, ids, lengths, options);
  return { features, logits: textRnnHead(store, features, options) };
}

function topScope<T>(store: VariableStore, options: Pick<TextRnnOptions, 'scope' | 'reuse' | 'initScale'>, fn: () => T): T {
  const s = options.initScale ?? 0.1;
  return store.variableScope(options.scope ?? 'Model', { reuse: options.reuse ?? AUTO_REUSE, initializer: randomUniformInitializer({ minval: -s, maxval: s }) }, fn);
}

/** The body: ids → mean-pooled LSTM outputs `[batch, hiddenSize]`. */
export function textRnnFeatures(store: VariableStore, ids: tf.Tensor2D, lengths: number[] | tf.Tensor1D, options: Omit<TextRnnOptions, 'numClasses'> & { numClasses?: number }): tf.Tensor2D {
  const hidden = options.hiddenSize ?? 64;
  const keep = options.keepProb ?? 1;
  const training = options.training ?? false;
  const [batch] = ids.shape;
  const lengthValues = Array.isArray(lengths) ? lengths : Array.from(lengths.dataSync());
  if (lengthValues.length !== batch) {
    throw new InvalidArgumentError('sequence_length_shape', `text-rnn: ${lengthValues.length} lengths for a batch of ${batch} sequences`, {
      hint: 'pass one length per row of ids',
    });
  }
  return topScope(store, options, () => {
    let inputs = embedding(store, ids, options.vocabSize, options.embedDim ?? 64) as tf.Tensor3D;
    if (training && keep < 1) inputs = dropout(inputs, 1 - keep, { training });
    const cells: RnnCell[] = [];
    for (let i = 0; i < (options.numLayers ?? 1); i++) {
      const lstm = new BasicLSTMCell(hidden, { forgetBias: options.forgetBias ?? 0.0 });
      cells.push(training && keep < 1 ? new DropoutWrapper(lstm, { outputKeepProb: keep }) : lstm);
    }
    const { outputs } = dynamicRnn(store, new MultiRNNCell(cells), inputs, { sequenceLength: lengthValues, scope: 'LSTM_layer' });
    // mean_pooling_layer: outputs past each length are zeros, so sum / length is the masked mean
    const denom = tf.tensor2d(lengthValues.map((l) => Math.max(1, Math.min(l, ids.shape[1]))), [batch, 1]);
    return tf.div(tf.sum(outputs, 1), denom) as tf.Tensor2D;
  });
}

/** The head: features → logits with `<scope>/softmax_w`, `<scope>/softmax_b` (the article's `xw_plus_b`). */
export function textRnnHead(store: VariableStore, features: tf.Tensor2D, options: Pick<TextRnnOptions, 'numClasses' | 'scope' | 'reuse' | 'initScale'>): tf.Tensor2D {
  const hidden = features.shape[1];
  return topScope(store, options, () =>
    store.nameScope('Softmax_layer_and_output', () => {
      const w = store.getVariable('softmax_w', { shape: [hidden, options.numClasses] });
      const b = store.getVariable('softmax_b', { shape: [options.numClasses] });
      return tf.add(tf.matMul(features, w as tf.Tensor2D), b) as tf.Tensor2D;
    }),
  );
}
