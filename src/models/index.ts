/** Built-in models with TF1 scope names, their registry, and the real-data loaders (`./data`). */
export type { ClassifierModel, ModelDefinition, ModelInputs, ForwardOptions, InputKind } from './types.js';
export { mnistCnn, MNIST_CNN_DEFAULTS } from './mnist-cnn.js';
export type { MnistCnnConfig } from './mnist-cnn.js';
export { intentA, intentB, INTENT_RNN_DEFAULTS } from './intent-rnn.js';
export type { IntentRnnConfig } from './intent-rnn.js';
export { crnn, textRnn, CRNN_DEFAULTS, TEXT_RNN_DEFAULTS } from './article-models.js';
export type { CrnnModelConfig, TextRnnModelConfig } from './article-models.js';
export { MODELS, allModels, getModel, buildModel, registerModel } from './registry.js';
export * from './data/index.js';
export { estimatorCnnLayersModel, layersModelAccuracy, ESTIMATOR_CNN_FEATURES } from './tf-estimator-cnn.js';
