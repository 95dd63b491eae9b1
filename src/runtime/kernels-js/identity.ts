/**
 * Re-route of wasm's `Identity`, which copies its input (every `clone()` and every op TF.js runs as
 * an identity: ~30 times in a W1 training step, 1.3 ms per 3 M floats). Here the output shares the
 * input's buffer and the backend counts one more reference, as wasm's own `Reshape` and
 * tfjs-backend-cpu's `Identity` do. This is safe because nothing writes into a buffer that another
 * tensor holds: `Variable.assign` gives the variable a new dataId, the pack's kernels write only
 * into outputs they allocate, and the fused optimizers write out of place when `refCount > 1`.
 * Strings go to the stock kernel.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { run } from './wasm-backend.js';
import type { KernelFn, WasmBackend } from './wasm-backend.js';

/** WasmBackend plus the reference counter wasm's Reshape uses. */
type CountingBackend = WasmBackend & { incRef?(dataId: object): void };

/** Registration record for the copy-free Identity, wrapping the stock kernel (used for strings). */
export function identityConfig(stock: KernelFn): KernelConfig {
  const kernelFunc = ({ inputs, backend }: { inputs: { x: TensorInfo }; backend: CountingBackend }): TensorInfo => {
    const { x } = inputs;
    if (x.dtype === 'string' || typeof backend.incRef !== 'function') return run(stock, backend, inputs);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: kernelFunc as unknown as KernelFunc };
}
