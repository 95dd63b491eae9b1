/**
 * Registration plumbing shared by the native kernel families: override a wasm kernel while keeping
 * the one it replaces as the fallback for cases the native code does not take (other dtypes,
 * layouts, activations), and map TF.js fused activations onto the addon's post-op codes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendError } from '../../errors.js';
import type { NativeAddon } from './addon.js';
import type { WasmBackendLike } from './wasm-heap.js';

/** Arguments TF.js passes to a kernel function. */
export interface KernelArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackendLike;
  attrs?: NamedAttrMap;
}

/** A kernel function as TF.js calls it. */
export type KernelFn = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** Builds a native kernel around the addon and the kernel it replaces (the fallback). */
export type KernelFactory = (addon: NativeAddon, fallback: KernelFn) => KernelFn;

/** The fallback for a kernel that had no previous registration: a clear error. */
export function noFallback(name: string): KernelFn {
  return () => {
    throw new BackendError('kernel_unsupported', `native kernel ${name} cannot run these arguments and wasm has no ${name} kernel to fall back to`, {
      hint: 'register the JS kernel pack before the native kernels (initBackend() does this)',
    });
  };
}

const replaced = new Map<string, KernelConfig | undefined>();

/** Replace kernel `name` on wasm with the native one, remembering the one it replaces. */
export function overrideWasmKernel(name: string, addon: NativeAddon, factory: KernelFactory): void {
  const previous = tf.getKernel(name, 'wasm');
  replaced.set(name, previous);
  const fallback = previous ? (previous.kernelFunc as unknown as KernelFn) : noFallback(name);
  if (previous) tf.unregisterKernel(name, 'wasm');
  const config: KernelConfig = {
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: factory(addon, fallback) as unknown as KernelConfig['kernelFunc'],
  };
  tf.registerKernel(config);
}

/** Addon post-op code for a TF.js fused activation: 0 linear, 1 relu, 2 relu6; -1 unsupported. */
export function activationCode(activation: unknown): number {
  if (activation === undefined || activation === null || activation === 'linear') return 0;
  if (activation === 'relu') return 1;
  if (activation === 'relu6') return 2;
  return -1;
}

/** Input `name` of kernel `kernel`; a missing input is a programming error (RangeError). */
export function requireInput(inputs: KernelArgs['inputs'], kernel: string, name: string): TensorInfo {
  const t = inputs[name];
  if (t === undefined) throw new RangeError(`${kernel}: input ${name} is missing`);
  return t;
}

/** True when every given tensor is float32. */
export function allFloat32(...ts: Array<TensorInfo | undefined>): boolean {
  return ts.every((t) => t === undefined || t.dtype === 'float32');
}

/** Put back every kernel {@link overrideWasmKernel} replaced; returns their names. */
export function restoreWasmKernels(): string[] {
  const names = [...replaced.keys()];
  for (const [name, previous] of replaced) {
    tf.unregisterKernel(name, 'wasm');
    if (previous) tf.registerKernel(previous);
  }
  replaced.clear();
  return names;
}

/**
 * Identity without a copy: the output shares the input's buffer (reference-counted, as wasm's own
 * Reshape and the cpu backend's Identity do). wasm's stock Identity copies the whole tensor, and a
 * training step runs it ~30 times on gradients. Safe with the fused optimizers, which never write
 * in place into a buffer with more than one reference.
 */
export const identityFactory: KernelFactory = (_addon, fallback) => (args) => {
  const { x } = args.inputs;
  if (!x || x.dtype === 'string') return fallback(args);
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};
