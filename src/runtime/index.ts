/** Public exports of runtime/: backend choice, the JS kernel pack for wasm, the slow-path notice. */
export {
  initBackend,
  getBackendInfo,
  noticeSlowPath,
  BACKEND_NAMES,
  HOW_TO_GET_NATIVE,
} from './backend.js';
export type { BackendInfo, BackendName, InitBackendOptions, KernelSource } from './backend.js';
export {
  registerJsKernelPack,
  stockWasmKernel,
  jsKernelPackNames,
  basicLstmSequence,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
} from './kernels-js/index.js';
export type { BasicLstmSequenceArgs, BasicLstmSequenceResult } from './kernels-js/index.js';
