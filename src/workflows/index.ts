/**
 * workflows/: the five scenarios of the original articles as functions — staged training with
 * frozen parts, training with LR decay and moving averages, evaluation from `.meta.json`,
 * transfer learning three ways, automatic transfer of common layers, class-aware heads — plus
 * the training loop they share and the HTML report of `graft demo`.
 */
export { trainModel } from './train-model.js';
export type { TrainModelOptions, TrainModelReport, LrDecayOptions } from './train-model.js';
export { evalCheckpoint } from './eval-checkpoint.js';
export type { EvalCheckpointOptions, EvalCheckpointReport } from './eval-checkpoint.js';
export { evalWatch, checkpointStep } from './eval-watch.js';
export type { EvalWatchOptions, EvalWatchReport, WatchedEvaluation } from './eval-watch.js';
export { transfer } from './transfer.js';
export type { TransferMode, TransferOptions, TransferReport } from './transfer.js';
export { transferCommon, formatTransferCommon } from './transfer-common.js';
export type { TransferCommonOptions, TransferCommonReport, TransferSource, TransferDestination } from './transfer-common.js';
export { matchCommonLayers, groupLayers, nonModelReason } from '../checkpoint/common-layers.js';
export type { MatchMode, VariableSpec, LayerSpec, LayerPairing, LeftAlone, CommonLayersMatch } from '../checkpoint/common-layers.js';
export { classAwareRestore } from './class-change.js';
export { initNewClassColumns } from './class-init.js';
export type { NewClassInit, NewClassInitReport } from './class-init.js';
export type { ClassAwareRestoreOptions, ClassAwareRestoreReport } from './class-change.js';
export { planClassChange, applyClassChange, parseMergeSpec, parseSplitSpec } from '../checkpoint/class-plan.js';
export type { ClassChangePlan, ClassSlotPlan, RemovedClass, MergeSpec, SplitSpec, ClassChangeOptions } from '../checkpoint/class-plan.js';
export { fit } from './fit.js';
export type { FitOptions, FitReport, StepRecord, EvalRecord } from './fit.js';
export { evaluate, predict } from './evaluate.js';
export type { ForwardFn, EvalReport } from './evaluate.js';
export { makeBatch, disposeBatch, epochOrder, softmaxCrossEntropyLoss, softmaxCrossEntropyLossComposite } from './batches.js';
export type { Batch } from './batches.js';
export { loadTask, taskClassNames, defaultTaskFor } from './tasks.js';
export type { TaskSpec, LoadedTask } from './tasks.js';
export { resolveCheckpoint, readCheckpointMeta, modelFromMeta, modelFromCheckpointMeta, largestDimension, metaExtras, parseRestoreSpec, scopeSelection, matchesScopes } from './checkpoints.js';
export type { RestorePart, ScopeMatching, MetaExtras } from './checkpoints.js';
export { parameterChecksums, combinedChecksum } from './checksum.js';
export { runDemo, demoDocument, SCENARIOS, QUICK, FULL } from './demo/index.js';
export type { RunDemoOptions, DemoReport, ScenarioName, DemoSize, ScenarioResult } from './demo/index.js';
export { renderHtmlReport, lineChartSvg } from './report/index.js';
export type { ReportDocument, ReportSection, ReportTable, ChartSpec, ChartSeries } from './report/index.js';
export { trainLayersModel, evalLayersCheckpoint, loadUserTask, modelInput, dataInput, headLayer, headUnits, headActivation, withHeadUnits, layersDestination, isLayersDestination, compileClassifier, evaluateClassifier } from './user-model/index.js';
export type { TrainLayersOptions, TrainLayersReport, EvalLayersOptions, EvalLayersReport, UserInput, UserDataSpec, UserTask, LoadUserTaskOptions, LayersDestination } from './user-model/index.js';
