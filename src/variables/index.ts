/** Public exports of variables/: scoped TF.js variables the TF1 way, ParameterSets, TF1-named layers and cells. */
export { ParameterSet, inScope, stripOutputSuffix, type Parameter, type SelectOptions } from './parameter-set.js';
export { newVariable, scopedNameOf, type NewVariableOptions } from './create.js';
export { GraphKeys, AUTO_REUSE, type ReuseMode } from './graph-keys.js';
export {
  VariableStore, defaultStore, resetDefaultStore, storageDtype,
  type VariableDtype, type VariableScopeOptions, type GetVariableOptions, type VariableOptions,
} from './store.js';
export { VariableScope } from './variable-scope.js';
export { embeddingLookup, captureLookupGradients, type CapturedLookup } from './embedding-lookup.js';
export { tfScopeRegex } from './collections.js';
export {
  type Initializer, glorotUniformInitializer, zerosInitializer, onesInitializer, constantInitializer,
  truncatedNormalInitializer, randomNormalInitializer, randomUniformInitializer, computeFans, deriveSeed,
} from './initializers.js';
export { VALID_OP_NAME_REGEX, VALID_SCOPE_NAME_REGEX } from './names.js';
export {
  getVariables, getModelVariables, getVariablesByName, getVariablesBySuffix, getUniqueVariable,
  getVariablesToRestore, filterVariables,
} from './slim-variables.js';
export { parametersFromLayersModel, toSnakeCase, type LayersAdapterOptions } from './layers-adapter.js';
export * from './layers/index.js';
export * from './rnn/index.js';
export {
  type Regularizer, l1Regularizer, l2Regularizer, l1L2Regularizer, sumRegularizer, noRegularizer, RegularizationLoss,
  RegularizationPenalty, applyRegularization,
} from './regularizers.js';
export {
  type Partitioner, fixedSizePartitioner, minMaxVariablePartitioner, variableAxisSizePartitioner,
  type MinMaxVariablePartitionerOptions, type VariableAxisSizePartitionerOptions,
} from './partitioners.js';
export { PartitionedVariable } from './partitioned-variable.js';
export { embeddingLookupPartitioned, type PartitionedLookupOptions } from './partitioned-lookup.js';
export {
  type CustomGetter, type VariableGetter, type GetVariableResult, type VariableCreator, type VariableCreatorArgs,
} from './custom-getter.js';
export { type Constraint, type SaveSliceInfo, saveSliceSpec, saveSliceInfoOf, constraintOf, applyConstraints } from './create.js';
export type { InitializerLike } from './single-variable.js';
