/** tf.LayersModel as a citizen: model.fit callbacks, freezing via trainable, optimizer state, topology in .meta.json. */
export { checkpointCallback, CheckpointCallback } from './checkpoint-callback.js';
export type { CheckpointCallbackOptions } from './checkpoint-callback.js';
export { tensorBoardCallback, TensorBoardCallback, movingAverageCallback, MovingAverageCallback } from './observe-callbacks.js';
export type { TensorBoardCallbackOptions, MovingAverageCallbackOptions } from './observe-callbacks.js';
export { learningRateScheduleCallback, LearningRateScheduleCallback, earlyStoppingCallback, EarlyStoppingCallback, terminateOnNaN, TerminateOnNaNCallback } from './schedule-callbacks.js';
export type { EarlyStoppingCallbackOptions } from './schedule-callbacks.js';
export { adam, rmsprop, adagrad, adadelta, AdamWithSchedule, RMSPropWithSchedule, AdagradWithSchedule, AdadeltaWithSchedule, asLearningRateSettable, currentLearningRate } from './optimizers.js';
export type { LearningRateSettable } from './optimizers.js';
export { readOptimizerState, writeOptimizerState, disposeOptimizerState, reanchorOptimizer, optimizerSlotNames, optimizerStateNames, OPTIMIZER_SCOPE, ITERATIONS_NAME } from './optimizer-state.js';
export type { OptimizerState } from './optimizer-state.js';
export { freezeLayers, unfreezeLayers } from './freeze.js';
export type { LayerSelection } from './freeze.js';
export { layersModelMeta, layersModelFromMeta, isLayersModelMeta, LAYERS_MODEL_META_NAME } from './topology.js';
export { restoreIntoLayersModel } from './restore.js';
export type { RestoreIntoLayersModelOptions, LayersRestoreReport } from './restore.js';
export { loadUserLayersModel, userModelFormat, graftTf } from './load-model.js';
export type { UserModelFormat, ModelBuilderArgs, LoadedUserModel } from './load-model.js';
export { fromKeras3Config } from './keras3-topology.js';
