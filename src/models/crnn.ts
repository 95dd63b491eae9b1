/**
 * The CNN+LSTM cascade of the staged-training article (article 000): everything under
 * `variable_scope('inference', reuse=AUTO_REUSE)`, a slim CNN whose scopes all start with `conv`
 * and an LSTM part under `lstm_layer`, so the article's selections work unchanged —
 * `get_collection(TRAINABLE_VARIABLES, 'inference/conv')` is the CNN,
 * `'inference/lstm_layer'` the LSTM + classifier, and `v.name.split('/')[1].split('_')[0] == 'lstm'`
 * splits the two the same way.
 *
 * Checkpoint keys (defaults, 1-channel input):
 * ```
 * inference/conv1/weights [3,3,1,16]          inference/conv1/biases [16]
 * inference/conv2/weights [3,3,16,32]         inference/conv2/biases [32]
 * inference/conv2d_1a_3x3/weights [3,3,32,64] inference/conv2d_1a_3x3/biases [64]
 * inference/lstm_layer/rnn/basic_lstm_cell/kernel [h·64 + u, 4u]  …/bias [4u]   (u = lstmUnits = 64;
 *                                                   [256, 256] for 28×28 MNIST: h = 3)
 * inference/lstm_layer/logits/weights [u, classes]  inference/lstm_layer/logits/biases [classes]
 * ```
 * conv1, conv2: 3×3 SAME relu + 2×2 max-pool; `conv2d_1a_3x3`: 3×3 stride 2 VALID (the article's
 * line). The feature map's columns are the time steps (CRNN style): `[batch, width, height·channels]`
 * into a BasicLSTMCell (`lstmUnits`) whose last output feeds `logits`. With `batchNorm` the convs
 * get `…/BatchNorm/{beta,moving_mean,moving_variance}` instead of biases and register update ops.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { AUTO_REUSE, type ReuseMode } from '../variables/graph-keys.js';
import { conv2d, dropout, fullyConnected, maxPool2d } from '../variables/layers/index.js';
import { BasicLSTMCell, dynamicRnn } from '../variables/rnn/index.js';
import type { VariableStore } from '../variables/store.js';

/** Options of {@link buildCrnn}. */
export interface CrnnOptions {
  numClasses: number;
  /** Filters of conv1, conv2, … (3×3 SAME + 2×2 pool each); default [16, 32]. */
  convFilters?: number[];
  /** Filters of `conv2d_1a_3x3` (3×3, stride 2, VALID); default 64. */
  finalConvFilters?: number;
  /** Units of the LSTM; default 64. */
  lstmUnits?: number;
  /** BasicLSTMCell forget_bias; default 1.0. */
  forgetBias?: number;
  /** slim batch_norm as the convs' normalizer (update ops in `update_ops`); default false. */
  batchNorm?: boolean;
  /** Dropout rate on the LSTM output in training; default 0. */
  dropoutRate?: number;
  /** Training mode (batch statistics, dropout); default false. */
  training?: boolean;
  /** Top variable scope; default `inference`. */
  scope?: string;
  /** Reuse of the top scope; default AUTO_REUSE (as the article), so repeated calls share variables. */
  reuse?: ReuseMode;
}

/** Outputs of {@link buildCrnn}. */
export type CrnnOutputs = {
  /** `[batch, numClasses]`. */
  logits: tf.Tensor2D;
  /** The LSTM's last output `[batch, lstmUnits]` (what the head reads). */
  features: tf.Tensor2D;
};

/** Scope of the classifier head inside the top scope. */
export const CRNN_HEAD_SCOPE = 'lstm_layer/logits';

/**
 * Build (first call) or run (later calls) the CNN+LSTM on `images` `[batch, h, w, c]`.
 * @throws InvalidArgumentError `bad_model_config` when the feature map vanishes
 * @example
 * const store = new VariableStore({ seed: 1 });
 * const { logits } = buildCrnn(store, images, { numClasses: 10 });
 * store.trainableVariables('inference/conv');        // the CNN part (TF regex, as in the article)
 */
export function buildCrnn(store: VariableStore, images: tf.Tensor4D, options: CrnnOptions): CrnnOutputs {
  const features = crnnFeatures(store, images, options);
  return { features, logits: crnnHead(store, features, options) };
}

/** The body: images → the LSTM's last output `[batch, lstmUnits]`. */
export function crnnFeatures(store: VariableStore, images: tf.Tensor4D, options: Omit<CrnnOptions, 'numClasses'> & { numClasses?: number }): tf.Tensor2D {
  const filters = options.convFilters ?? [16, 32];
  const training = options.training ?? false;
  const norm = options.batchNorm ? { normalizer: 'batch_norm' as const, normalizerParams: { training } } : {};
  return store.variableScope(options.scope ?? 'inference', { reuse: options.reuse ?? AUTO_REUSE }, () => {
    let net = images;
    filters.forEach((f, i) => {
      net = conv2d(store, net, f, 3, { scope: `conv${i + 1}`, ...norm });
      net = maxPool2d(net, 2);
    });
    net = conv2d(store, net, options.finalConvFilters ?? 64, [3, 3], { stride: 2, padding: 'VALID', scope: 'conv2d_1a_3x3', ...norm });
    const [batch, height, width, channels] = net.shape;
    if (height < 1 || width < 1) {
      throw new InvalidArgumentError('bad_model_config', `crnn: input ${images.shape.slice(1).join('×')} leaves no feature map after ${filters.length} pools and conv2d_1a_3x3`, {
        hint: 'use larger images or fewer convFilters entries',
      });
    }
    // CRNN: feature-map columns are the time steps.
    const sequence = tf.reshape(tf.transpose(net, [0, 2, 1, 3]), [batch, width, height * channels]) as tf.Tensor3D;
    return store.variableScope('lstm_layer', {}, () => {
      const cell = new BasicLSTMCell(options.lstmUnits ?? 64, { forgetBias: options.forgetBias ?? 1.0 });
      const { outputs } = dynamicRnn(store, cell, sequence);
      const last = tf.squeeze(tf.slice(outputs, [0, width - 1, 0], [batch, 1, -1]), [1]) as tf.Tensor2D;
      return dropout(last, options.dropoutRate ?? 0, { training });
    });
  });
}

/** The head: features → logits, as `<scope>/lstm_layer/logits/{weights,biases}`. */
export function crnnHead(store: VariableStore, features: tf.Tensor2D, options: Pick<CrnnOptions, 'numClasses' | 'scope' | 'reuse'>): tf.Tensor2D {
  return store.variableScope(options.scope ?? 'inference', { reuse: options.reuse ?? AUTO_REUSE }, () =>
    store.variableScope('lstm_layer', {}, () => fullyConnected(store, features, options.numClasses, { activation: null, scope: 'logits' }) as tf.Tensor2D),
  );
}
