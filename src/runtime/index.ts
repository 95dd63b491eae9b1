/**
 * Public exports of runtime/ (`graft/runtime`): backend choice and `graft doctor`'s facts, the JS
 * kernel pack for wasm, the native oneDNN kernels' loader, fused sequence ops and fused optimizer
 * updates (the last three from runtime/native, runtime/ops and runtime/fused-optimizers).
 */
export {
  initBackend,
  getBackendInfo,
  noticeSlowPath,
  BACKEND_NAMES,
  HOW_TO_GET_NATIVE,
} from './backend.js';
export type { BackendInfo, BackendName, InitBackendOptions, KernelSource } from './backend.js';
export type { BrowserBackendName, BrowserBackendOptions, BrowserFacts } from './browser-backend.js';
export { doctor, type DoctorReport } from './doctor.js';
export { packageRoot, installContext, buildNativeCommand, howToGetNative, oneDnnHeadersFound } from './install-context.js';
export {
  registerJsKernelPack,
  stockWasmKernel,
  jsKernelPackNames,
  basicLstmSequence,
  LSTM_SEQUENCE,
  LSTM_SEQUENCE_GRAD,
  SPARSE_SOFTMAX_XENT,
  sparseSoftmaxCrossEntropyWithLogits,
  sparseSoftmaxXentAvailable,
} from './kernels-js/index.js';
export type { BasicLstmSequenceArgs, BasicLstmSequenceResult } from './kernels-js/index.js';
export { registerNativeKernels, unregisterNativeKernels, nativeInfo, nativeKernelsActive, loadAddon, addonPath } from './native/index.js';
export type { NativeRegistration, NativeInfo, NativeAddon, AddonLoad } from './native/index.js';
export { fusedBasicLstm, fusedGruCell } from './ops/index.js';
export type { FusedBasicLstmArgs, FusedBasicLstmResult, FusedGruArgs, FusedGruResult } from './ops/index.js';
export {
  fusedOptimizerAvailable,
  applyAdamFused,
  applyMomentumFused,
  applySgdFused,
  applyRmsPropFused,
} from './fused-optimizers.js';
export type { AdamItem, AdamHyper, MomentumItem, MomentumHyper, SgdItem, RmsPropItem, RmsPropHyper } from './fused-optimizers.js';
