/**
 * Backend choice in a browser page (the Node choice is backend.ts; `initBackend()` in a page
 * comes here).
 *
 * Default (`auto`): TF.js's wasm backend with Graft's JS kernel pack registered over it — the
 * pack supplies the training kernels (convolution gradients, fused cross-entropy, LSTM
 * sequences) that stock tfjs-backend-wasm lacks, so `model.fit` and Graft's train steps run, and
 * the numbers match Node's wasm path. tfjs-backend-wasm picks its SIMD binary whenever the
 * browser validates wasm SIMD (every current browser does) and its threaded SIMD binary when the
 * page is cross-origin isolated (COOP + COEP headers, `crossOriginIsolated === true`, so
 * SharedArrayBuffer exists); `threads: false` forces one thread. The `.wasm` files must be served
 * by the page: pass `wasmPaths` (a folder URL ending in `/`, or a map of file names to URLs —
 * tfjs-backend-wasm's `setWasmPaths`), copied from `node_modules/@tensorflow/tfjs-backend-wasm/dist/`.
 *
 * `webgl` (in the `@tensorflow/tfjs` union bundle) and `webgpu` (only when the page imported
 * `@tensorflow/tfjs-backend-webgpu`, which Graft does not ship) run when asked for and present;
 * they train with TF.js's own kernels (the JS pack is for wasm). `cpu` is plain JS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { registerJsKernelPack } from './kernels-js/index.js';
import type { BackendInfo } from './backend.js';


/** What can be asked for in a page. */
export type BrowserBackendName = 'auto' | 'wasm' | 'webgl' | 'webgpu' | 'cpu';

/** Options of {@link initBrowserBackend}. */
export interface BrowserBackendOptions {
  /** Backend to run (default `auto` = wasm with the JS kernel pack). */
  backend?: BrowserBackendName;
  /**
   * Where the page serves tfjs-backend-wasm's `.wasm` files: a URL prefix ending in `/`, or a
   * map `{ 'tfjs-backend-wasm.wasm': url, 'tfjs-backend-wasm-simd.wasm': url,
   * 'tfjs-backend-wasm-threaded-simd.wasm': url }`. Default: next to the page's script (tfjs's default).
   */
  wasmPaths?: string | Record<string, string>;
  /**
   * Threads for the wasm kernels: `true` (default) = as many as `navigator.hardwareConcurrency`
   * when the page is cross-origin isolated, a number to set the count, `false` for one thread.
   */
  threads?: boolean | number;
}

/** Facts of the page behind the choice (also in `BackendInfo.browser`). */
export interface BrowserFacts {
  crossOriginIsolated: boolean;
  /** tfjs-backend-wasm's SIMD feature test. */
  simd: boolean;
  /** tfjs-backend-wasm's multithread feature test (needs cross-origin isolation). */
  multithread: boolean;
  hardwareConcurrency: number;
  /** Whether a WebGL2 (or WebGL) context can be created. */
  webgl: boolean;
  /** Whether `navigator.gpu` exists and a `webgpu` TF.js backend is registered. */
  webgpu: boolean;
  /** Why webgpu is not usable, when it is not. */
  webgpuNote?: string;
}

const g = globalThis as unknown as {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: unknown };
  document?: { createElement(t: string): { getContext(k: string): unknown } };
};

function hasWebgl(): boolean {
  try {
    const c = g.document?.createElement('canvas');
    return !!(c && (c.getContext('webgl2') ?? c.getContext('webgl')));
  } catch {
    return false;
  }
}

async function facts(): Promise<BrowserFacts> {
  const webgpuRegistered = tf.findBackendFactory('webgpu') !== null;
  const gpu = g.navigator?.gpu !== undefined;
  let simd = false;
  let multithread = false;
  try {
    simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
    multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') as boolean;
  } catch {
    // flags not registered: tfjs-backend-wasm not imported yet (it is, below, before use)
  }
  return {
    crossOriginIsolated: g.crossOriginIsolated === true,
    simd, multithread,
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 1,
    webgl: hasWebgl(),
    webgpu: gpu && webgpuRegistered,
    webgpuNote: !gpu ? 'navigator.gpu is missing (WebGPU off in this browser)' : !webgpuRegistered ? 'no webgpu TF.js backend registered (import @tensorflow/tfjs-backend-webgpu first)' : undefined,
  };
}

/**
 * `tf.setBackend(name)` + `tf.ready()`, or BackendError `backend_unavailable` with `hint` (Node's
 * path in backend.ts uses it too; `where` ends the message, e.g. " in this page").
 */
export async function startBackend(name: string, hint: string, where = ''): Promise<void> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (e) {
    cause = e;
  }
  if (!ok) throw new BackendError('backend_unavailable', `TF.js backend "${name}" failed to start${where}`, { hint, cause });
}

const start = (name: string, hint: string): Promise<void> => startBackend(name, hint, ' in this page');

/**
 * Set up TF.js in a browser page and say what runs and why (module comment). Called by
 * backend.ts `initBackend` in a page (which caches the first result); use that.
 * @throws BackendError `backend_unavailable` (asked backend absent or failed to start; the wasm
 *   files not found at `wasmPaths`).
 * @example
 *   const info = await initBackend({ wasmPaths: '/wasm/' }); // in a page
 *   console.log(info.backend, info.kernels, info.threads, info.reason); // wasm js-pack 4 "…"
 */
export async function setupBrowserBackend(options: BrowserBackendOptions = {}): Promise<BackendInfo> {
  const wanted = options.backend ?? 'auto';
  await import('@tensorflow/tfjs'); // gradients (and the webgl backend) on the shared tfjs-core
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const f = await facts();
  const base = { requested: wanted, browser: f };
  if (wanted === 'cpu') {
    await start('cpu', 'reload the page');
    return { ...base, backend: 'cpu', kernels: 'none', reason: 'cpu backend asked for', threads: 1, registeredKernels: [], howToGetFast: 'use the default (wasm with SIMD and threads)' };
  }
  if (wanted === 'webgl' || wanted === 'webgpu') {
    const present = wanted === 'webgl' ? f.webgl : f.webgpu;
    if (!present) {
      throw new BackendError('backend_unavailable', `${wanted} was asked for but is not available in this page${wanted === 'webgpu' && f.webgpuNote ? `: ${f.webgpuNote}` : ''}`, {
        hint: 'leave backend unset for wasm with the JS kernel pack (trains everywhere)', details: { backend: wanted },
      });
    }
    await start(wanted, 'leave backend unset for wasm');
    return {
      ...base, backend: wanted, kernels: 'none', reason: `${wanted} asked for and present; TF.js's own ${wanted} kernels train (Graft's JS pack is for wasm)`,
      threads: 1, registeredKernels: [], howToGetFast: `already on the GPU (${wanted})`,
    };
  }
  if (options.wasmPaths !== undefined) wasm.setWasmPaths(options.wasmPaths as string);
  let threadNote: string;
  if (options.threads === false) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    threadNote = 'one thread (threads: false)';
  } else if (!f.multithread) {
    threadNote = f.crossOriginIsolated ? 'one thread (the browser refused the threaded wasm test)' : 'one thread: the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp for threads)';
  } else {
    if (typeof options.threads === 'number') wasm.setThreadsCount(Math.max(1, Math.floor(options.threads)));
    threadNote = `threads on (cross-origin isolated)`;
  }
  await start('wasm', 'serve tfjs-backend-wasm\'s .wasm files (node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm) and pass their folder as wasmPaths');
  const registeredKernels = registerJsKernelPack();
  const threads = f.multithread && options.threads !== false ? wasm.getThreadsCount() : 1;
  const simd = f.simd ? 'SIMD' : 'no SIMD (the browser lacks wasm SIMD: slow)';
  return {
    ...base, backend: 'wasm', kernels: 'js-pack', threads, registeredKernels,
    reason: `${wanted === 'auto' ? 'default in a page' : 'wasm asked for'}: TF.js wasm (${simd}, ${threadNote}, ${threads} thread${threads === 1 ? '' : 's'}) with Graft's JS kernel pack for training${f.webgl ? '; webgl is also present (backend: "webgl")' : ''}`,
    howToGetFast: f.multithread ? 'already on wasm SIMD with threads' : 'serve the page cross-origin isolated (COOP same-origin + COEP require-corp) for wasm threads',
  };
}
