/**
 * Shared set-up for the native kernel tests: TF.js with gradients, the wasm backend with the JS
 * kernel pack and then the native kernels (the order initBackend uses), seeded normal data, a
 * way to run the same computation on the cpu reference backend, and error measurement.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerNativeKernels } from '../../../src/runtime/native/index.js';
import type { NativeRegistration } from '../../../src/runtime/native/index.js';

let setup: Promise<NativeRegistration> | undefined;

/** Load TF.js + wasm, register the JS pack and the native kernels once; returns the registration. */
export function setupNative(): Promise<NativeRegistration> {
  setup ??= (async () => {
    await import('@tensorflow/tfjs'); // registers the gradients on the shared tfjs-core
    await import('@tensorflow/tfjs-backend-wasm');
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('wasm');
    await tf.ready();
    // The JS pack belongs to another area; load it by a variable specifier so these tests still
    // run (native over stock wasm) if it does not load. Only the training test needs it.
    const packSpec = '../../../src/runtime/kernels-js/index.js';
    try {
      const pack = (await import(packSpec)) as { registerJsKernelPack?: () => string[] };
      pack.registerJsKernelPack?.();
    } catch (e) {
      console.error(`native tests: JS kernel pack not loaded (${(e as Error).message})`);
    }
    return registerNativeKernels();
  })();
  return setup;
}

/** Skip reason when the addon is not built, else undefined. */
export async function skipReason(): Promise<string | undefined> {
  const r = await setupNative();
  return r.loaded ? undefined : `native addon not loaded: ${r.reason}`;
}

/** Seeded N(0, scale²) float32 data (mulberry32 + Box-Muller). */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12), v = next();
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  return out;
}

/** Run `fn` with backend `name` active and return the data of its outputs. */
export async function on(name: 'cpu' | 'wasm', fn: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(name);
  const outs = tf.tidy(() => {
    const r = fn();
    return Array.isArray(r) ? r : [r];
  });
  const data = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  await tf.setBackend('wasm');
  return data;
}

/** Largest |a - b| and the largest |a - b| / (1 + |b|) over all elements. */
export function errors(actual: Float32Array, expected: Float32Array): { abs: number; rel: number } {
  if (actual.length !== expected.length) throw new RangeError(`length ${actual.length} vs ${expected.length}`);
  let abs = 0, rel = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= abs)) abs = d; // NaN propagates
    const r = d / (1 + Math.abs(expected[i]!));
    if (!(r <= rel)) rel = r;
  }
  return { abs, rel };
}
