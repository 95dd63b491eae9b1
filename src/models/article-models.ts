/**
 * The two models of the original articles as registry entries: `crnn` (article 000's CNN+LSTM
 * cascade under `inference/`, built by `buildCrnn`) and `text-rnn` (article 004's RNN text
 * classifier under `Model/` with `softmax_w`/`softmax_b`, built by `buildTextRnn`). The body and
 * the head live in two stores so `withNewHead` can change the class count under the same names.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { VariableStore } from '../variables/store.js';
import { crnnFeatures, crnnHead } from './crnn.js';
import { textRnnFeatures, textRnnHead } from './text-rnn.js';
import type { ClassifierModel, ForwardOptions, ModelDefinition, ModelInputs } from './types.js';

/** Config of `crnn` (JSON). */
export interface CrnnModelConfig extends Record<string, unknown> {
  numClasses: number;
  convFilters: number[];
  finalConvFilters: number;
  lstmUnits: number;
  seed: number;
}

/** Defaults: small enough to train in seconds on 2 cores. */
export const CRNN_DEFAULTS: CrnnModelConfig = { numClasses: 10, convFilters: [8, 16], finalConvFilters: 32, lstmUnits: 32, seed: 1 };

/** Config of `text-rnn` (JSON). */
export interface TextRnnModelConfig extends Record<string, unknown> {
  numClasses: number;
  vocabSize: number;
  maxLength: number;
  embedDim: number;
  hiddenSize: number;
  numLayers: number;
  seed: number;
}

/** Defaults of `text-rnn`. */
export const TEXT_RNN_DEFAULTS: TextRnnModelConfig = { numClasses: 77, vocabSize: 2000, maxLength: 16, embedDim: 32, hiddenSize: 48, numLayers: 1, seed: 4 };

function positive(name: string, config: Record<string, unknown>, keys: string[], defaults: Record<string, unknown>): void {
  for (const k of keys) {
    const v = config[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new InvalidArgumentError('bad_model_config', `${name}: config.${k} must be a positive integer, got ${JSON.stringify(v)}`, { hint: `omit ${k} for the default (${JSON.stringify(defaults[k])})` });
    }
  }
}

abstract class TwoStoreModel implements ClassifierModel {
  abstract readonly name: string;
  abstract readonly headScopes: string[];
  abstract readonly headWeights: string;
  abstract readonly headBiases: string;
  abstract readonly firstLayerScope: string;
  abstract readonly inputKind: 'image' | 'tokens';
  abstract readonly inputShape: number[];
  params!: ParameterSet;
  abstract readonly featureWidth: number;
  readonly numClasses: number;

  constructor(readonly config: Record<string, unknown> & { numClasses: number; seed: number }, protected readonly body: VariableStore, protected readonly headStore: VariableStore) {
    this.numClasses = config.numClasses;
  }

  protected init(sample: ModelInputs): void {
    tf.tidy(() => {
      this.logits(sample);
    });
    this.params = new ParameterSet([...this.body.parameters(), ...this.headStore.parameters()]);
  }

  abstract features(inputs: ModelInputs, options?: ForwardOptions): tf.Tensor2D;
  abstract head(features: tf.Tensor2D, options?: ForwardOptions): tf.Tensor2D;

  logits(inputs: ModelInputs, options: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.head(this.features(inputs, options), options));
  }

  protected headStoreFor(numClasses: number): VariableStore {
    return new VariableStore({ seed: this.config.seed + 1 + 7919 * numClasses });
  }

  abstract withNewHead(numClasses: number): ClassifierModel;
}

class CrnnModel extends TwoStoreModel {
  readonly name = 'crnn';
  readonly headScopes = ['inference/lstm_layer/logits'];
  readonly headWeights = 'inference/lstm_layer/logits/weights';
  readonly headBiases = 'inference/lstm_layer/logits/biases';
  readonly firstLayerScope = 'inference/conv1';
  readonly inputKind = 'image' as const;
  readonly inputShape = [28, 28, 1];
  readonly featureWidth: number;

  constructor(readonly config: CrnnModelConfig, body: VariableStore, headStore: VariableStore) {
    super(config, body, headStore);
    this.featureWidth = config.lstmUnits;
    this.init({ x: tf.zeros([1, 28, 28, 1]) });
  }

  features(inputs: ModelInputs, options: ForwardOptions = {}): tf.Tensor2D {
    const c = this.config;
    return tf.tidy(() => crnnFeatures(this.body, inputs.x as tf.Tensor4D, { convFilters: c.convFilters, finalConvFilters: c.finalConvFilters, lstmUnits: c.lstmUnits, training: options.training ?? false }));
  }

  head(features: tf.Tensor2D): tf.Tensor2D {
    return crnnHead(this.headStore, features, { numClasses: this.numClasses });
  }

  withNewHead(numClasses: number): ClassifierModel {
    return new CrnnModel({ ...this.config, numClasses }, this.body, this.headStoreFor(numClasses));
  }
}

class TextRnnModel extends TwoStoreModel {
  readonly name = 'text-rnn';
  readonly headScopes = ['Model/softmax_w', 'Model/softmax_b'];
  readonly headWeights = 'Model/softmax_w';
  readonly headBiases = 'Model/softmax_b';
  readonly firstLayerScope = 'Model/embedding';
  readonly inputKind = 'tokens' as const;
  readonly tokenPadding = 'post' as const;
  readonly inputShape: number[];
  readonly featureWidth: number;

  constructor(readonly config: TextRnnModelConfig, body: VariableStore, headStore: VariableStore) {
    super(config, body, headStore);
    this.inputShape = [config.maxLength];
    this.featureWidth = config.hiddenSize;
    this.init({ x: tf.zeros([1, config.maxLength], 'int32'), lengths: tf.tensor1d([config.maxLength], 'int32') });
  }

  features(inputs: ModelInputs, options: ForwardOptions = {}): tf.Tensor2D {
    const c = this.config;
    const x = inputs.x as tf.Tensor2D;
    const lengths = inputs.lengths ?? Array(x.shape[0]).fill(c.maxLength);
    return tf.tidy(() => textRnnFeatures(this.body, x, lengths, { vocabSize: c.vocabSize, embedDim: c.embedDim, hiddenSize: c.hiddenSize, numLayers: c.numLayers, training: options.training ?? false }));
  }

  head(features: tf.Tensor2D): tf.Tensor2D {
    return textRnnHead(this.headStore, features, { numClasses: this.numClasses });
  }

  withNewHead(numClasses: number): ClassifierModel {
    return new TextRnnModel({ ...this.config, numClasses }, this.body, this.headStoreFor(numClasses));
  }
}

/** Article 000's CNN+LSTM cascade (`inference/conv*`, `inference/lstm_layer/*`). */
export const crnn: ModelDefinition<CrnnModelConfig> = {
  name: 'crnn',
  description: 'CNN+LSTM cascade of the staged-training article, under inference/ (conv*, lstm_layer)',
  defaultConfig: CRNN_DEFAULTS,
  inputKind: 'image',
  headScopes: ['inference/lstm_layer/logits'],
  build(config: Partial<CrnnModelConfig> = {}): ClassifierModel {
    const c: CrnnModelConfig = { ...CRNN_DEFAULTS, ...config };
    positive('crnn', c, ['numClasses', 'finalConvFilters', 'lstmUnits'], CRNN_DEFAULTS);
    if (!Array.isArray(c.convFilters) || c.convFilters.some((f) => !Number.isInteger(f) || f < 1)) {
      throw new InvalidArgumentError('bad_model_config', `crnn: config.convFilters must be a list of positive integers, got ${JSON.stringify(c.convFilters)}`, { hint: 'e.g. [8, 16]' });
    }
    return new CrnnModel(c, new VariableStore({ seed: c.seed }), new VariableStore({ seed: c.seed + 1 }));
  },
};

/** Article 004's RNN text classifier (`Model/embedding`, `Model/LSTM_layer/…`, `Model/softmax_w|b`). */
export const textRnn: ModelDefinition<TextRnnModelConfig> = {
  name: 'text-rnn',
  description: 'RNN text classifier of the class-change article, under Model/ with softmax_w/softmax_b',
  defaultConfig: TEXT_RNN_DEFAULTS,
  inputKind: 'tokens',
  headScopes: ['Model/softmax_w', 'Model/softmax_b'],
  tokenPadding: 'post',
  build(config: Partial<TextRnnModelConfig> = {}): ClassifierModel {
    const c: TextRnnModelConfig = { ...TEXT_RNN_DEFAULTS, ...config };
    positive('text-rnn', c, ['numClasses', 'vocabSize', 'maxLength', 'embedDim', 'hiddenSize', 'numLayers'], TEXT_RNN_DEFAULTS);
    return new TextRnnModel(c, new VariableStore({ seed: c.seed }), new VariableStore({ seed: c.seed + 1 }));
  },
};
