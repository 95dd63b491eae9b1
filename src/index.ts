/** Graft: TF1-style variables, checkpoints, partial restore and transfer learning for TF.js. */
export * from './errors.js';
