/**
 * Registers Graft's native oneDNN kernels as overrides on TF.js's wasm backend. Call it after the
 * wasm backend's kernels (and the JS kernel pack) are registered: each override keeps the kernel it
 * replaces as its fallback. Never throws; when the addon is absent the result says why.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadAddon } from './addon.js';
import { identityFactory, overrideWasmKernel, restoreWasmKernels } from './kernel-util.js';
import type { KernelFactory } from './kernel-util.js';
import { conv2DBackpropFilterFactory, conv2DBackpropInputFactory, conv2DFactory, fusedConv2DFactory } from './kernels-conv.js';
import { batchMatMulFactory, fusedMatMulFactory } from './kernels-matmul.js';
import { gatherV2Factory, sumFactory } from './kernels-reduce.js';
import { avgPoolFactory, avgPoolGradFactory, maxPoolFactory, maxPoolGradFactory } from './kernels-pool.js';
import { registerGruKernels } from '../ops/gru-kernels.js';
import { registerLstmKernels } from '../ops/lstm-kernels.js';

/** Kernel name → native implementation, in registration order. */
const NATIVE_KERNELS: ReadonlyArray<[string, KernelFactory]> = [
  ['Conv2D', conv2DFactory],
  ['FusedConv2D', fusedConv2DFactory],
  ['Conv2DBackpropInput', conv2DBackpropInputFactory],
  ['Conv2DBackpropFilter', conv2DBackpropFilterFactory],
  ['BatchMatMul', batchMatMulFactory],
  ['_FusedMatMul', fusedMatMulFactory],
  ['MaxPool', maxPoolFactory],
  ['MaxPoolGrad', maxPoolGradFactory],
  ['AvgPool', avgPoolFactory],
  ['AvgPoolGrad', avgPoolGradFactory],
  ['Sum', sumFactory],
  ['Identity', identityFactory],
  ['GatherV2', gatherV2Factory],
];

/** Result of {@link registerNativeKernels}. */
export interface NativeRegistration {
  /** True when the addon loaded and its kernels are registered. */
  loaded: boolean;
  /** Why (loaded from where, or what is missing and how to build it). */
  reason: string;
  /** Names of the TF.js kernels now served natively (plus Graft's fused-op kernels). */
  kernels: string[];
  /** OpenMP threads the native kernels use, when loaded. */
  threads?: number;
}

/** What {@link nativeInfo} reports about the native kernels. */
export interface NativeInfo {
  loaded: boolean;
  reason: string;
  path: string;
  onednn?: string;
  threads?: number;
  simd?: string;
  kernels: string[];
}

let registration: NativeRegistration | undefined;

/**
 * Register the native kernels on the wasm backend (idempotent). Returns `{loaded: false, reason}`
 * when the addon is not built or cannot load, or when wasm's kernels are not registered yet.
 */
export function registerNativeKernels(): NativeRegistration {
  if (registration?.loaded) return { ...registration, kernels: [...registration.kernels] };
  const load = loadAddon();
  if (!load.addon) return { loaded: false, reason: load.reason, kernels: [] };
  if (tf.getKernel('Conv2D', 'wasm') === undefined) {
    return { loaded: false, reason: 'the TF.js wasm backend is not loaded; import @tensorflow/tfjs-backend-wasm first', kernels: [] };
  }
  const kernels: string[] = [];
  for (const [name, factory] of NATIVE_KERNELS) {
    overrideWasmKernel(name, load.addon, factory);
    kernels.push(name);
  }
  // The RNN kernels hand their saved state to the tape as shape-[0] views of full buffers
  // (wasm-heap.ts `opaque`); the tape keeps them through Identity, which must share buffers, so
  // the native Identity above has to be registered whenever these are.
  kernels.push(...registerLstmKernels(load.addon), ...registerGruKernels(load.addon));
  registration = { loaded: true, reason: load.reason, kernels, threads: load.addon.info().threads };
  return { ...registration, kernels: [...kernels] };
}

/**
 * Put back the kernels the native ones replaced (the JS pack or stock wasm), e.g. to compare both
 * paths in one process. The fused LSTM op then returns null again. Returns the names restored.
 */
export function unregisterNativeKernels(): string[] {
  if (!registration?.loaded) return [];
  registration = undefined;
  return restoreWasmKernels();
}

/** True when the native kernels are registered in this process. */
export function nativeKernelsActive(): boolean {
  return registration?.loaded === true;
}

/** Facts about the native kernels for `graft doctor`: loaded or why not, oneDNN version, threads. */
export function nativeInfo(): NativeInfo {
  const load = loadAddon();
  const kernels = registration?.kernels ?? [];
  if (!load.addon) return { loaded: false, reason: load.reason, path: load.path, kernels };
  const info = load.addon.info();
  return { loaded: registration?.loaded === true, reason: load.reason, path: load.path, onednn: info.onednn,
    threads: info.threads, simd: info.simd, kernels: [...kernels] };
}
