/** Training the TF1 way: optimizers over a variable subset, schedules, EMA, summaries, metrics. */
export { Optimizer, clipByGlobalNorm, disposeGradients } from './optimizer.js';
export { globalNorm, globalNormTensor } from './clip.js';
export { indexedSlices, isIndexedSlices, toDense, deduplicateIndexedSlices, gradientValues } from './indexed-slices.js';
export type { IndexedSlices, Gradient } from './indexed-slices.js';
export type { OptimizerOptions, GradAndVar, VarListOptions, ApplyGradientsOptions, MinimizeOptions, MinimizeReport, ComputeGradientsOptions, ComputedGradients } from './optimizer.js';
export { GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, LazyAdamOptimizer, RMSPropOptimizer, AdagradOptimizer } from './optimizers.js';
export type { MomentumOptions, AdamOptions, RMSPropOptions, AdagradOptions } from './optimizers.js';
export { createGlobalStep, globalStepValue, assertGlobalStep, incrementGlobalStep, GLOBAL_STEP_NAME } from './global-step.js';
export {
  exponentialDecay,
  naturalExpDecay,
  inverseTimeDecay,
  polynomialDecay,
  piecewiseConstant,
  cosineDecay,
  cosineDecayRestarts,
  linearWarmup,
  linearCosineDecay,
  noisyLinearCosineDecay,
  learningRateAt,
} from './schedules.js';
export type {
  LearningRate,
  LearningRateSchedule,
  DecayOptions,
  PolynomialDecayOptions,
  CosineDecayOptions,
  CosineDecayRestartsOptions,
  LinearWarmupOptions,
  LinearCosineDecayOptions,
  NoisyLinearCosineDecayOptions,
} from './schedules.js';
export { ExponentialMovingAverage } from './ema.js';
export { EarlyStopping, stopIfNoIncrease, stopIfNoDecrease } from './early-stopping.js';
export type { EarlyStoppingOptions } from './early-stopping.js';
export type { ExponentialMovingAverageOptions } from './ema.js';
export { trainStep } from './train-step.js';
export { linearHeadStep, linearHeadStepAvailable } from './linear-head-step.js';
export type { LinearHeadStepOptions } from './linear-head-step.js';
export type { TrainStepOptions } from './train-step.js';
export { SummaryWriter, FILE_VERSION } from './summary/summary-writer.js';
export type { SummaryWriterOptions } from './summary/summary-writer.js';
export { readEventFile, parseEventFile } from './summary/event-reader.js';
export { encodeEvent, decodeEvent } from './summary/event.js';
export type { Event, SummaryValue, HistogramProto, SummaryTensor } from './summary/event.js';
export { encodeRecord, decodeRecords } from './summary/tfrecord.js';
export { histogramOf, defaultBucketLimits } from './summary/histogram.js';
export { JsonlLogger } from './jsonl-logger.js';
export { ProgressBar } from './progress-bar.js';
export type { ProgressBarOptions } from './progress-bar.js';
export { accuracy, topKAccuracy, confusionMatrix, StreamingMean } from './metrics.js';
export { optimizeLoss, OPTIMIZER_CLS_NAMES, OPTIMIZER_SUMMARIES } from './optimize-loss.js';
export type { OptimizeLossOptions, OptimizeLossReport, OptimizeLossOp, OptimizerName, OptimizerSummary } from './optimize-loss.js';
export { assignMovingAverage, weightedMovingAverage, zeroDebiasVariables } from './moving-averages.js';
export type { AssignMovingAverageOptions, WeightedMovingAverageOptions, WeightedMovingAverageOp } from './moving-averages.js';
