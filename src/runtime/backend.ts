/**
 * Backend selection in one place (ARCHITECTURE.md runtime/). Minimal first version: wasm with
 * gradients registered through the `@tensorflow/tfjs` union bundle (the CommonJS tfjs-core bundle
 * registers none; ENGINE-STUDY.md §1), or cpu when asked. The runtime issue extends this with
 * the JS kernel pack, the native kernels and `graft doctor`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

/** Backends Graft can run on. */
export type BackendName = 'wasm' | 'cpu';

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /** Force a backend; default: `GRAFT_BACKEND` or `wasm`. */
  backend?: BackendName;
}

/** What {@link initBackend} chose and why. */
export interface BackendInfo {
  backend: BackendName;
  reason: string;
}

let current: Promise<BackendInfo> | undefined;

/** Set up TF.js once per process; later calls return the first result. */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  current ??= setup(options);
  return current;
}

async function setup(options: InitBackendOptions): Promise<BackendInfo> {
  await import('@tensorflow/tfjs'); // registers every gradient on the shared tfjs-core instance
  const env = process.env.GRAFT_BACKEND;
  const wanted = options.backend ?? (env === 'cpu' || env === 'wasm' ? env : 'wasm');
  if (wanted === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend(wanted);
  if (!ok) {
    throw new BackendError('backend_unavailable', `TF.js backend "${wanted}" failed to start`, {
      hint: 'set GRAFT_BACKEND=cpu to use the (slow) cpu backend',
    });
  }
  await tf.ready();
  return { backend: wanted, reason: options.backend ? 'asked for' : env ? 'GRAFT_BACKEND' : 'default' };
}
