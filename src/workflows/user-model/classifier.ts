/**
 * How the CLI compiles, feeds and evaluates a user's classifier: Adam, categorical cross-entropy
 * on one-hot labels (from logits for a linear head), metric `acc`; and the head trained alone on
 * the frozen body's features (`graft transfer --mode features`).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';
import type { ExampleSet } from '../../models/data/example-set.js';
import { adam } from '../../layers/optimizers.js';
import { findHead, headFeatures } from '../../layers/class-head.js';
import { headActivation, headLayer } from './layers-head.js';

/** Compile the way the CLI trains: Adam, categorical cross-entropy (from logits for a linear head), `acc`. */
export function compileClassifier(model: tfl.LayersModel, learningRate: number): void {
  const logits = headActivation(model) === 'linear';
  model.compile({
    optimizer: adam(learningRate),
    loss: logits ? (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, yPred) : 'categoricalCrossentropy',
    metrics: ['acc'],
  });
}

/** x and one-hot y tensors of an example set. */
export function tensorsOf(set: ExampleSet): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.tensor(set.x instanceof Float32Array ? set.x : Float32Array.from(set.x), [set.count, ...set.exampleShape], 'float32'),
    y: tf.oneHot(tf.tensor1d(set.labels, 'int32'), set.classNames.length).toFloat(),
  }));
}

/** Loss and accuracy of a compiled model on a set. */
export async function evaluateClassifier(model: tfl.LayersModel, set: ExampleSet, batchSize = 64): Promise<{ loss: number; accuracy: number }> {
  if (set.count === 0) return { loss: Number.NaN, accuracy: 0 };
  const { x, y } = tensorsOf(set);
  try {
    const out = model.evaluate(x, y, { batchSize }) as tf.Scalar[];
    const [loss, acc] = await Promise.all(out.map((t) => t.data()));
    tf.dispose(out);
    return { loss: loss![0]!, accuracy: acc![0]! };
  } finally {
    tf.dispose([x, y]);
  }
}

/**
 * Train only the head on the frozen body's features (`graft transfer --mode features`): the
 * features the head reads (layers/class-head.ts `headFeatures`, inference mode) are computed once
 * for both splits, and a model of the head layer alone — the same layer object, so its weights
 * are the full model's — is fitted on them with the full model's optimizer (the checkpoint
 * callback saves the full model and that optimizer's state). Returns the feature width.
 * @throws InvalidArgumentError `body_not_frozen` when anything but the head would train.
 */
export async function fitHeadOnFeatures(model: tfl.LayersModel, train: { x: tf.Tensor; y: tf.Tensor }, test: { x: tf.Tensor; y: tf.Tensor }, fitArgs: tfl.ModelFitArgs): Promise<number> {
  const head = headLayer(model);
  const headWeights = new Set(head.trainableWeights.map((w) => w.name));
  if (model.trainableWeights.some((w) => !headWeights.has(w.name))) {
    throw new InvalidArgumentError('body_not_frozen', 'features mode trains the head alone, but other layers are trainable', { hint: 'use --mode finetune to train body layers too' });
  }
  const features = headFeatures(model, findHead(model, head.name));
  const fTrain = features([train.x]);
  const fTest = features([test.x]);
  try {
    const width = fTrain.shape[1];
    const headOnly = tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [width] }), head] });
    headOnly.compile({ optimizer: model.optimizer, loss: model.loss, metrics: ['acc'] });
    await headOnly.fit(fTrain, train.y, { ...fitArgs, validationData: [fTest, test.y] });
    return width;
  } finally {
    tf.dispose([fTrain, fTest]);
  }
}
