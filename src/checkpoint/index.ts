/**
 * checkpoint/: Saver, CheckpointManager, restore plans and reports, name mapping, EMA restore,
 * the `.meta.json` model description (docs/design/ARCHITECTURE.md). Public exports by name.
 */
export { Saver, deleteCheckpointFiles, type SaverOptions, type SaveOptions, type SaverFormat } from './saver.js';
export {
  getCheckpointMtimes, waitForNewCheckpoint, checkpointsIterator,
  type WaitForNewCheckpointOptions, type CheckpointsIteratorOptions,
} from './checkpoints-iterator.js';
export {
  CheckpointManager,
  type CheckpointManagerOptions, type KeepBestOptions, type WarmStartOptions,
  type RestoreOrInitializeReport, type ManagerSaveReport,
} from './manager.js';
export { CheckpointRetention, type RetentionOptions, type RetentionState, type RecoveredCheckpointState } from './retention.js';
export { acquireRunLock, RunLock, RunLockedError, RUN_LOCK_FILENAME, type RunLockInfo, type AcquireRunLockOptions } from './run-lock.js';
export { checkpointOwnership, deleteOwnedCheckpoint, checkpointFileNames, type Ownership, type DeleteReport } from './run-files.js';
export {
  getCheckpointState, latestCheckpoint, checkpointExists, updateCheckpointState,
  type CheckpointState, type StateFileOptions, type UpdateCheckpointStateOptions,
} from './state.js';
export {
  loadCheckpoint, listVariables, loadVariable, readerFromTensors, objectGraphAliases,
  type CheckpointVariableInfo, type ReaderFromTensorsOptions,
} from './reader.js';
export {
  planRestore, planRestoreFromSpecs, RESTORE_STATUSES,
  type RestorePlan, type RestoreEntry, type RestoreStatus, type RestoreReport, type RestorePlanOptions, type TensorSpec,
} from './restore-plan.js';
export { executeRestorePlan, restoreFromCheckpoint } from './execute-plan.js';
export { formatRestorePlan, restoreMismatchError, formatShape } from './format-report.js';
export { compileAssignmentMap, mappedKeyFor, parseMapFlags, type AssignmentMap, type CompiledAssignmentMap } from './assignment-map.js';
export {
  initFromCheckpoint, assignFromCheckpoint, assignFromCheckpointFn,
  type InitAssignmentMap, type AssignFromCheckpointOptions,
} from './init-from-checkpoint.js';
export { emaVariablesToRestore, type EmaRestoreOptions } from './ema.js';
export {
  writeMeta, readMeta, buildMeta, metaPathFor, META_FORMAT, META_VERSION,
  type CheckpointMeta, type MetaVariable, type MetaInput,
} from './meta.js';
export { normalizeVarList, type VarList, type NamedParameter } from './var-list.js';
export {
  tensorValueFromVariable, tensorFromTensorValue, valuesFromTensorValue, conversionFor, checkpointDtypeOf,
} from './tensor-bytes.js';
