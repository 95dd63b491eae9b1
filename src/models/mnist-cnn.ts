/**
 * A small MNIST CNN with TF1/slim names, the base model of the transfer scenarios (article 002):
 * `conv1/{weights,biases}` 5×5×1×c1 → max-pool → `conv2/…` 5×5×c1×c2 → max-pool → flatten →
 * `fc1/…` (the features) → `Logits/{weights,biases}` (the head). Small on purpose: it trains in
 * seconds on wasm on 2 cores, and still reaches ~97 % on MNIST.
 *
 * Built with the variables layer (VariableStore + slim-style conv2d / fullyConnected): the body
 * lives in one store and the head in another, so `withNewHead` swaps the head (different class
 * count, same `Logits/…` names) while sharing every body variable.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';
import { AUTO_REUSE } from '../variables/graph-keys.js';
import { conv2d, flatten, fullyConnected, maxPool2d } from '../variables/layers/index.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { VariableStore } from '../variables/store.js';
import type { ClassifierModel, ForwardOptions, ModelDefinition, ModelInputs } from './types.js';

/** Config of the MNIST CNN (JSON; stored in `.meta.json`). */
export interface MnistCnnConfig extends Record<string, unknown> {
  numClasses: number;
  conv1Filters: number;
  conv2Filters: number;
  kernelSize: number;
  fcUnits: number;
  /** Initialisation seed of the body. */
  seed: number;
  /** Initialisation seed of the head (default: seed + 1). */
  headSeed?: number;
}

/** Defaults: conv 5×5×8 / 5×5×16, fc 64, 10 classes. */
export const MNIST_CNN_DEFAULTS: MnistCnnConfig = { numClasses: 10, conv1Filters: 8, conv2Filters: 16, kernelSize: 5, fcUnits: 64, seed: 1 };

function checkPositive(config: Record<string, unknown>, keys: string[]): void {
  for (const k of keys) {
    const v = config[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new InvalidArgumentError('bad_model_config', `mnist-cnn: config.${k} must be a positive integer, got ${JSON.stringify(v)}`, { hint: `omit ${k} for the default (${String(MNIST_CNN_DEFAULTS[k])})` });
    }
  }
}

class MnistCnn implements ClassifierModel {
  readonly name = 'mnist-cnn';
  readonly headScopes = ['Logits'];
  readonly headWeights = 'Logits/weights';
  readonly headBiases = 'Logits/biases';
  readonly firstLayerScope = 'conv1';
  readonly inputKind = 'image' as const;
  readonly inputShape = [28, 28, 1];
  readonly params: ParameterSet;
  readonly featureWidth: number;
  readonly numClasses: number;
  private headVars: { weights: tf.Variable<tf.Rank.R2>; biases: tf.Variable<tf.Rank.R1> } | undefined;

  constructor(readonly config: MnistCnnConfig, private readonly body: VariableStore, private readonly headStore: VariableStore) {
    this.featureWidth = config.fcUnits;
    this.numClasses = config.numClasses;
    tf.tidy(() => {
      this.logits({ x: tf.zeros([1, 28, 28, 1]) });
    });
    this.params = new ParameterSet([...body.parameters(), ...headStore.parameters()]);
  }

  features(inputs: ModelInputs, _options: ForwardOptions = {}): tf.Tensor2D {
    const s = this.body;
    const c = this.config;
    return tf.tidy(() => {
      let x = inputs.x as tf.Tensor4D;
      x = conv2d(s, x, c.conv1Filters, c.kernelSize, { scope: 'conv1', reuse: AUTO_REUSE });
      x = maxPool2d(x, 2);
      x = conv2d(s, x, c.conv2Filters, c.kernelSize, { scope: 'conv2', reuse: AUTO_REUSE });
      x = maxPool2d(x, 2);
      return fullyConnected(s, flatten(x), c.fcUnits, { scope: 'fc1', reuse: AUTO_REUSE }) as tf.Tensor2D;
    });
  }

  head(features: tf.Tensor2D, _options: ForwardOptions = {}): tf.Tensor2D {
    // After the first call created Logits/{weights,biases}, read them directly: the same
    // matMul + add as fullyConnected, without the scope lookups (a head step on precomputed
    // features is a few dozen microseconds of kernels, and the lookups were as much again).
    if (this.headVars) return tf.add(tf.matMul(features, this.headVars.weights), this.headVars.biases);
    const y = fullyConnected(this.headStore, features, this.numClasses, { scope: 'Logits', activation: null, reuse: AUTO_REUSE }) as tf.Tensor2D;
    const weights = this.headStore.parameters().get('Logits/weights')?.variable as tf.Variable<tf.Rank.R2> | undefined;
    const biases = this.headStore.parameters().get('Logits/biases')?.variable as tf.Variable<tf.Rank.R1> | undefined;
    if (weights && biases) this.headVars = { weights, biases };
    return y;
  }

  logits(inputs: ModelInputs, options: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.head(this.features(inputs, options), options));
  }

  withNewHead(numClasses: number): ClassifierModel {
    const config = { ...this.config, numClasses };
    const headSeed = (config.headSeed ?? config.seed + 1) + 7919 * numClasses;
    return new MnistCnn(config, this.body, new VariableStore({ seed: headSeed }));
  }
}

/** The MNIST CNN definition (registry entry `mnist-cnn`). */
export const mnistCnn: ModelDefinition<MnistCnnConfig> = {
  name: 'mnist-cnn',
  description: 'small MNIST CNN: conv1 5x5x8, conv2 5x5x16, fc1 64, Logits (slim names)',
  defaultConfig: MNIST_CNN_DEFAULTS,
  inputKind: 'image',
  headScopes: ['Logits'],
  build(config: Partial<MnistCnnConfig> = {}): ClassifierModel {
    const c: MnistCnnConfig = { ...MNIST_CNN_DEFAULTS, ...config };
    checkPositive(c, ['numClasses', 'conv1Filters', 'conv2Filters', 'kernelSize', 'fcUnits']);
    return new MnistCnn(c, new VariableStore({ seed: c.seed }), new VariableStore({ seed: c.headSeed ?? c.seed + 1 }));
  },
};
