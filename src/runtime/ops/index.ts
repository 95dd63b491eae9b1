/** Public exports of runtime/ops: fused sequence ops on the native kernels. */
export { fusedBasicLstm } from './lstm-sequence.js';
export type { FusedBasicLstmArgs, FusedBasicLstmResult } from './lstm-sequence.js';
