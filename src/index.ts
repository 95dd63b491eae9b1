/**
 * Graft: TF1-style variables, checkpoints, partial restore and transfer learning for TF.js.
 *
 * The root entry carries the error classes and one namespace per layer; each layer is also its
 * own subpath export (`graft/formats`, `graft/variables`, `graft/checkpoint`, `graft/train`,
 * `graft/runtime`, `graft/models`, `graft/workflows`).
 */
export * from './errors.js';
export * as formats from './formats/index.js';
export * as io from './io/index.js';
export * as runtime from './runtime/index.js';
export * as variables from './variables/index.js';
export * as checkpoint from './checkpoint/index.js';
export * as train from './train/index.js';
export * as models from './models/index.js';
export * as workflows from './workflows/index.js';
