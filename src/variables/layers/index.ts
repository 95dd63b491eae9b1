/** slim-style layer helpers that create their variables through a VariableStore with TF1 names. */
export { conv2d, maxPool2d, avgPool2d, flatten, type Conv2dOptions, type Pool2dOptions } from './conv.js';
export { fullyConnected, dropout, type FullyConnectedOptions } from './fully-connected.js';
export { batchNorm, assignMovingAverage, runUpdateOps, type BatchNormOptions, type UpdateOp } from './batch-norm.js';
export { embedding, type EmbeddingOptions } from './embedding.js';
export { applyActivation, type Activation, type Pair } from './common.js';
