/** Public exports of runtime/ops: fused sequence ops on the native kernels. */
export { fusedBasicLstm } from './lstm-sequence.js';
export type { FusedBasicLstmArgs, FusedBasicLstmResult } from './lstm-sequence.js';
export { fusedGruCell } from './gru-sequence.js';
export type { FusedGruArgs, FusedGruResult } from './gru-sequence.js';
