/**
 * Registers Graft's JS kernel pack on TF.js's wasm backend: the training kernels wasm lacks
 * (Conv2DBackpropFilter, UnsortedSegmentSum, TF's SparseSoftmaxCrossEntropyWithLogits with its
 * gradient), Graft's fused LSTM sequence pair, and the re-routes
 * of slow ones (BatchMatMul / _FusedMatMul with transposes, Conv2DBackpropInput, MaxPoolGrad, Sum
 * over leading axes, a copy-free Identity). A re-route keeps the stock
 * kernel it replaces reachable through {@link stockWasmKernel}, for the cases it hands back and for
 * later override layers (the native kernels register after this pack).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import { BackendError } from '../../errors.js';
import { transposeFreeMatMulConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { identityConfig } from './identity.js';
import { LSTM_SEQUENCE, lstmSequenceConfig, lstmSequenceGradConfig, lstmSequenceGradient } from './lstm-sequence.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { SPARSE_SOFTMAX_XENT, sparseSoftmaxXentConfig, sparseSoftmaxXentGradient } from './sparse-softmax-xent.js';
import { sumConfig } from './sum.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';
import type { KernelFn } from './wasm-backend.js';

/** Kernels the pack adds where wasm has none (the LSTM pair is Graft's own fused sequence op). */
const MISSING: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  unsortedSegmentSumConfig,
  lstmSequenceConfig,
  lstmSequenceGradConfig,
  sparseSoftmaxXentConfig,
];

/** Kernels the pack re-routes, each built around the stock kernel it replaces. */
const REROUTES: ReadonlyArray<[string, (stock: KernelFn) => KernelConfig]> = [
  ['BatchMatMul', (s) => transposeFreeMatMulConfig('BatchMatMul', s)],
  ['_FusedMatMul', (s) => transposeFreeMatMulConfig('_FusedMatMul', s)],
  ['Conv2DBackpropInput', conv2DBackpropInputConfig],
  ['MaxPoolGrad', maxPoolGradConfig],
  ['Sum', sumConfig],
  ['Identity', identityConfig],
];

const stock = new Map<string, KernelFn>();
let registered: string[] | undefined;

/**
 * Register the pack for backend 'wasm' (idempotent) and return the kernel names it registered.
 * `@tensorflow/tfjs-backend-wasm` must be imported first (it registers the stock kernels).
 * @throws BackendError `wasm_not_loaded` when the wasm kernels are not registered.
 */
export function registerJsKernelPack(): string[] {
  if (registered) return [...registered];
  if (tf.getKernel('Conv2D', 'wasm') === undefined) {
    throw new BackendError('wasm_not_loaded', 'the TF.js wasm backend\'s kernels are not registered, so the JS kernel pack has nothing to extend', {
      hint: 'import "@tensorflow/tfjs-backend-wasm" (initBackend() does) before registerJsKernelPack()',
    });
  }
  const names: string[] = [];
  for (const config of MISSING) {
    if (tf.getKernel(config.kernelName, 'wasm') !== undefined) continue; // a later TF.js has its own
    tf.registerKernel(config);
    names.push(config.kernelName);
  }
  if (tf.getGradient(LSTM_SEQUENCE) === undefined) tf.registerGradient(lstmSequenceGradient);
  if (tf.getGradient(SPARSE_SOFTMAX_XENT) === undefined) tf.registerGradient(sparseSoftmaxXentGradient);
  for (const [name, build] of REROUTES) {
    const original = tf.getKernel(name, 'wasm');
    if (original === undefined) continue;
    const fn = original.kernelFunc as unknown as KernelFn;
    stock.set(name, fn);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(build(fn));
    names.push(name);
  }
  registered = names;
  return [...names];
}

/** The stock wasm kernel function a re-route replaced, or undefined if the pack did not replace it. */
export function stockWasmKernel(name: string): KernelFn | undefined {
  return stock.get(name);
}

/** The names {@link registerJsKernelPack} registered, or [] before it ran. */
export function jsKernelPackNames(): string[] {
  return registered ? [...registered] : [];
}
