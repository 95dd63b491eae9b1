/**
 * The contract every built-in model keeps (timm's `reset_classifier` / `forward_head` idea with
 * TF1 names): variables in one ParameterSet in creation order, a declared head scope whose
 * variables are the classifier, a first-layer scope, and a forward pass split into `features`
 * (everything below the head) and `head`, so transfer can freeze, precompute or replace either.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ParameterSet } from '../variables/parameter-set.js';

/** What a model reads. */
export type InputKind = 'image' | 'tokens';

/** The inputs of one batch. */
export interface ModelInputs {
  /** Images `[batch, h, w, c]` float32, or token ids `[batch, length]` int32. */
  x: tf.Tensor;
  /** Sequence lengths `[batch]` int32 (token models). */
  lengths?: tf.Tensor1D;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode (dropout on); default false. */
  training?: boolean;
}

/** A built classifier. */
export interface ClassifierModel {
  /** Registry name of the builder (`mnist-cnn`, `text-rnn`, …). */
  readonly name: string;
  /** The full config it was built with (JSON), so `.meta.json` can rebuild it. */
  readonly config: Record<string, unknown>;
  /** Every model variable, in creation order (no optimizer slots, no global step). */
  readonly params: ParameterSet;
  /**
   * Scopes (or full names) of the classifier head, matched on `/` boundaries: `['Logits']`, or
   * `['Model/softmax_w', 'Model/softmax_b']` for the article's text classifier.
   */
  readonly headScopes: string[];
  /** Name of the head's weight matrix `[featureWidth, numClasses]` (one column per class). */
  readonly headWeights: string;
  /** Name of the head's bias `[numClasses]`. */
  readonly headBiases: string;
  /** Scope of the first layer (`conv1`, `Model/embedding`). */
  readonly firstLayerScope: string;
  /** Width of the features the head reads. */
  readonly featureWidth: number;
  /** Number of classes (head outputs). */
  readonly numClasses: number;
  readonly inputKind: InputKind;
  /** Shape of one example (`[28,28,1]`, `[maxLength]`). */
  readonly inputShape: number[];
  /** Token models: where padding goes (`pre` lets an RNN's final state follow the last token). Default `pre`. */
  readonly tokenPadding?: 'pre' | 'post';
  /** Body: inputs → features `[batch, featureWidth]`. */
  features(inputs: ModelInputs, options?: ForwardOptions): tf.Tensor2D;
  /** Head: features → logits `[batch, numClasses]`. */
  head(features: tf.Tensor2D, options?: ForwardOptions): tf.Tensor2D;
  /** `head(features(inputs))`. */
  logits(inputs: ModelInputs, options?: ForwardOptions): tf.Tensor2D;
  /**
   * Drop the head's variables and create a new head with `numClasses` outputs (fresh values);
   * returns a model sharing every other variable with this one.
   */
  withNewHead(numClasses: number): ClassifierModel;
}

/** How to build a model by name (for the registry and `.meta.json` rebuilds). */
export interface ModelDefinition<C extends Record<string, unknown> = Record<string, unknown>> {
  name: string;
  /** One line for `--help` and the report. */
  description: string;
  defaultConfig: C;
  /** What it reads (selects the default dataset). */
  inputKind: InputKind;
  /** Token models: padding side (default `pre`). */
  tokenPadding?: 'pre' | 'post';
  /** The head scopes every model of this kind declares. */
  headScopes: string[];
  /** Build with the default config overridden by `config`. */
  build(config?: Partial<C>): ClassifierModel;
}
