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
