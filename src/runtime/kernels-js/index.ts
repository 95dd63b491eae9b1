/** Public exports of runtime/kernels-js: Graft's JS kernel pack for TF.js's wasm backend. */
export { registerJsKernelPack, stockWasmKernel, jsKernelPackNames } from './register.js';
export type { KernelFn, WasmBackend, WasmTensorData } from './wasm-backend.js';
