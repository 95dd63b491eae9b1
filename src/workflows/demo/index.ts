/** `graft demo`: the seven scenarios on real data and their HTML report. */
export { runDemo, demoDocument, SCENARIOS } from './run-demo.js';
export type { RunDemoOptions, DemoReport, ScenarioName } from './run-demo.js';
export { stagedScenario, emaScenario, transferScenario } from './scenarios-mnist.js';
export { commonScenario, classesScenario, CASH_MERGE } from './scenarios-text.js';
export { tfCheckpointScenario, estimatorCnnLayersModel, tfEstimatorCheckpointDir } from './scenario-tf-checkpoint.js';
export { emaAcrossRun } from './scenarios-mnist.js';
export { layersFitScenario } from './scenario-layers-fit.js';
export { QUICK, FULL } from './types.js';
export type { DemoSize, ScenarioResult } from './types.js';
