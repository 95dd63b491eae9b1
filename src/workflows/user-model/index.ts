/** The user's own tf.LayersModel on the user's own data: train with model.fit, evaluate, head changes, transfer-common destinations. */
export { trainLayersModel } from './train-layers.js';
export { compileClassifier, evaluateClassifier, tensorsOf, fitHeadOnFeatures } from './classifier.js';
export { userDataOf, MAX_TOKEN_LENGTH } from './data-spec.js';
export type { TrainLayersOptions, TrainLayersReport } from './train-layers.js';
export { evalLayersCheckpoint } from './eval-layers.js';
export type { EvalLayersOptions, EvalLayersReport } from './eval-layers.js';
export { loadUserTask, modelInput, dataInput, DEFAULT_MAX_LENGTH, DEFAULT_VOCAB_SIZE } from './user-task.js';
export type { UserInput, UserDataSpec, UserTask, LoadUserTaskOptions } from './user-task.js';
export { headLayer, headUnits, headActivation, withHeadUnits } from './layers-head.js';
export { layersDestination, isLayersDestination } from './transfer-destination.js';
export type { LayersDestination } from './transfer-destination.js';
export { FitGuard } from './fit-callbacks.js';
export type { FitGuardOptions, EpochLogs } from './fit-callbacks.js';
export { withEmbeddingRows } from './grow-embedding.js';
