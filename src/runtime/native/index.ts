/** Public exports of runtime/native: the loader and registration of Graft's oneDNN kernels. */
export { registerNativeKernels, unregisterNativeKernels, nativeInfo, nativeKernelsActive } from './register.js';
export type { NativeRegistration, NativeInfo } from './register.js';
export { loadAddon, addonPath } from './addon.js';
export type { NativeAddon, AddonLoad } from './addon.js';
