/** Public exports of runtime/kernels-js: Graft's JS kernel pack for TF.js's wasm backend. */
export { registerJsKernelPack, stockWasmKernel, jsKernelPackNames } from './register.js';
export { basicLstmSequence } from './lstm-op.js';
export type { BasicLstmSequenceArgs, BasicLstmSequenceResult } from './lstm-op.js';
export { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD } from './lstm-sequence.js';
export type { KernelFn, WasmBackend, WasmTensorData } from './wasm-backend.js';
export {
  SPARSE_SOFTMAX_XENT,
  sparseSoftmaxCrossEntropyWithLogits,
  sparseSoftmaxXentAvailable,
} from './sparse-softmax-xent.js';
