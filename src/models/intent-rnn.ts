/**
 * Two BANKING77 intent classifiers of different architecture that share their first two layers
 * (article 003, "automate the transfer of the common layers"): the same embedding and first LSTM
 * shapes, under different scope prefixes, then different tops.
 *
 * - `intent-a` (`IntentA/`): `embedding/weights` [vocab, dim] → `lstm1/basic_lstm_cell/{kernel,bias}`
 *   → final h → `fc/{weights,biases}` (relu) → `IntentA/Logits/{weights,biases}`.
 * - `intent-b` (`IntentB/`): `embedding/weights` → `lstm1/basic_lstm_cell` → `lstm2/basic_lstm_cell`
 *   (lstm2Units) → final h → `IntentB/Logits/{weights,biases}`.
 *
 * Token ids are pre-padded (padding first), so the final state follows the last real token.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { AUTO_REUSE } from '../variables/graph-keys.js';
import { embedding, fullyConnected } from '../variables/layers/index.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { BasicLSTMCell, dynamicRnn } from '../variables/rnn/index.js';
import { VariableStore } from '../variables/store.js';
import type { ClassifierModel, ForwardOptions, ModelDefinition, ModelInputs } from './types.js';

/** Config of the intent models (JSON; stored in `.meta.json`). */
export interface IntentRnnConfig extends Record<string, unknown> {
  numClasses: number;
  vocabSize: number;
  maxLength: number;
  embeddingDim: number;
  lstmUnits: number;
  /** intent-a: units of `fc`; intent-b: units of `lstm2`. */
  topUnits: number;
  seed: number;
  headSeed?: number;
}

/** Defaults shared by both variants. */
export const INTENT_RNN_DEFAULTS: IntentRnnConfig = { numClasses: 77, vocabSize: 2000, maxLength: 16, embeddingDim: 32, lstmUnits: 48, topUnits: 32, seed: 3 };

type Variant = 'a' | 'b';

class IntentRnn implements ClassifierModel {
  readonly name: string;
  readonly root: string;
  readonly headScopes: string[];
  readonly headWeights: string;
  readonly headBiases: string;
  readonly firstLayerScope: string;
  readonly inputKind = 'tokens' as const;
  readonly inputShape: number[];
  readonly params: ParameterSet;
  readonly featureWidth: number;
  readonly numClasses: number;
  private readonly lstm1: BasicLSTMCell;
  private readonly lstm2: BasicLSTMCell | undefined;

  constructor(readonly variant: Variant, readonly config: IntentRnnConfig, private readonly body: VariableStore, private readonly headStore: VariableStore, cells?: [BasicLSTMCell, BasicLSTMCell | undefined]) {
    this.name = `intent-${variant}`;
    this.root = variant === 'a' ? 'IntentA' : 'IntentB';
    this.headScopes = [`${this.root}/Logits`];
    this.headWeights = `${this.root}/Logits/weights`;
    this.headBiases = `${this.root}/Logits/biases`;
    this.firstLayerScope = `${this.root}/embedding`;
    this.inputShape = [config.maxLength];
    this.featureWidth = config.topUnits;
    this.numClasses = config.numClasses;
    this.lstm1 = cells?.[0] ?? new BasicLSTMCell(config.lstmUnits);
    this.lstm2 = cells ? cells[1] : variant === 'b' ? new BasicLSTMCell(config.topUnits) : undefined;
    tf.tidy(() => {
      this.logits({ x: tf.zeros([1, config.maxLength], 'int32') });
    });
    this.params = new ParameterSet([...body.parameters(), ...headStore.parameters()]);
  }

  features(inputs: ModelInputs, _options: ForwardOptions = {}): tf.Tensor2D {
    const s = this.body;
    const c = this.config;
    return tf.tidy(() =>
      s.variableScope(this.root, { reuse: AUTO_REUSE }, () => {
        const emb = embedding(s, inputs.x, c.vocabSize, c.embeddingDim, { scope: 'embedding', name: 'weights' }) as tf.Tensor3D;
        const r1 = dynamicRnn(s, this.lstm1, emb, { scope: 'lstm1' });
        if (this.variant === 'a') {
          return fullyConnected(s, r1.state[1]!, c.topUnits, { scope: 'fc' }) as tf.Tensor2D;
        }
        const r2 = dynamicRnn(s, this.lstm2!, r1.outputs, { scope: 'lstm2' });
        return r2.state[1]!;
      }),
    );
  }

  head(features: tf.Tensor2D, _options: ForwardOptions = {}): tf.Tensor2D {
    const h = this.headStore;
    return h.variableScope(this.root, { reuse: AUTO_REUSE }, () =>
      fullyConnected(h, features, this.numClasses, { scope: 'Logits', activation: null }) as tf.Tensor2D,
    );
  }

  logits(inputs: ModelInputs, options: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.head(this.features(inputs, options), options));
  }

  withNewHead(numClasses: number): ClassifierModel {
    const config = { ...this.config, numClasses };
    const headSeed = (config.headSeed ?? config.seed + 1) + 7919 * numClasses;
    return new IntentRnn(this.variant, config, this.body, new VariableStore({ seed: headSeed }), [this.lstm1, this.lstm2]);
  }
}

function define(variant: Variant): ModelDefinition<IntentRnnConfig> {
  const root = variant === 'a' ? 'IntentA' : 'IntentB';
  return {
    name: `intent-${variant}`,
    description: variant === 'a'
      ? 'BANKING77 intents: embedding → LSTM → fc → Logits, under IntentA/'
      : 'BANKING77 intents: embedding → LSTM → LSTM → Logits, under IntentB/',
    defaultConfig: INTENT_RNN_DEFAULTS,
    inputKind: 'tokens',
    headScopes: [`${root}/Logits`],
    build(config: Partial<IntentRnnConfig> = {}): ClassifierModel {
      const c: IntentRnnConfig = { ...INTENT_RNN_DEFAULTS, ...config };
      for (const k of ['numClasses', 'vocabSize', 'maxLength', 'embeddingDim', 'lstmUnits', 'topUnits'] as const) {
        if (!Number.isInteger(c[k]) || c[k] < 1) {
          throw new InvalidArgumentError('bad_model_config', `intent-${variant}: config.${k} must be a positive integer, got ${JSON.stringify(c[k])}`, { hint: `omit ${k} for the default (${INTENT_RNN_DEFAULTS[k]})` });
        }
      }
      return new IntentRnn(variant, c, new VariableStore({ seed: c.seed }), new VariableStore({ seed: c.headSeed ?? c.seed + 1 }));
    },
  };
}

/** `intent-a`: embedding → LSTM → fc → Logits under `IntentA/`. */
export const intentA = define('a');
/** `intent-b`: embedding → LSTM → LSTM → Logits under `IntentB/`. */
export const intentB = define('b');
