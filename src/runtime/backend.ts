/**
 * Backend selection in one place (docs/design/ARCHITECTURE.md runtime/, docs/design/ENGINE-STUDY.md).
 *
 * Order when nothing is asked for: tfjs-node when the user has it installed (its own native
 * TensorFlow); else TF.js's wasm backend with Graft's JS kernel pack and, when the addon loads, the
 * native oneDNN kernels registered over it; else wasm with the JS kernel pack alone. The cpu
 * backend runs only when asked (it takes minutes per training step). Ask with
 * `initBackend({ backend })`, `GRAFT_BACKEND=cpu|wasm|native|tfjs-node` or a CLI `--backend` flag.
 *
 * Gradients are registered by loading the `@tensorflow/tfjs` union bundle on the same tfjs-core
 * instance (the CommonJS tfjs-core bundle registers none; docs/design/ENGINE-STUDY.md §1).
 */
import { availableParallelism, env, stderrWrite } from '#graft/runtime-host';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { howToGetNative } from './install-context.js';
import { LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD, registerJsKernelPack } from './kernels-js/index.js';
import { RUNTIME_HOST } from '#graft/runtime-host';
import { setupBrowserBackend, startBackend, type BrowserBackendName, type BrowserFacts } from './browser-backend.js';

/** What can be asked for: a TF.js backend, or `native` (wasm + native kernels, required to load). */
export type BackendName = 'wasm' | 'cpu' | 'native' | 'tfjs-node';

/** Which kernels do the heavy work on the chosen backend. */
export type KernelSource = 'native' | 'js-pack' | 'tfjs-node' | 'none';

/** Every value {@link BackendName} takes, for flag parsing. */
export const BACKEND_NAMES: readonly BackendName[] = ['wasm', 'cpu', 'native', 'tfjs-node'];

/**
 * The command that builds the native kernels on Debian/Ubuntu, worded for where this copy lives
 * (a clone: `npm run build:native`; an installed package: `npx graft build-native`).
 */
export const HOW_TO_GET_NATIVE = howToGetNative();

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Force a backend; default: `GRAFT_BACKEND`, else automatic (Node: tfjs-node, native, wasm;
   * a page: wasm with the JS kernel pack). `webgl` / `webgpu` in a page only.
   */
  backend?: BackendName | 'webgl' | 'webgpu';
  /** In a page: where tfjs-backend-wasm's `.wasm` files are served (browser-backend.ts). */
  wasmPaths?: string | Record<string, string>;
  /** In a page: wasm threads (`true` default when cross-origin isolated, a count, or `false`). */
  threads?: boolean | number;
}

/** What {@link initBackend} chose and why (plain data; `graft doctor --json` prints it). */
export interface BackendInfo {
  /** The TF.js backend that runs: `wasm`, `cpu`, `tensorflow` (tfjs-node), or in a page `webgl` / `webgpu`. */
  backend: 'wasm' | 'cpu' | 'tensorflow' | 'webgl' | 'webgpu';
  /** Which kernels do the heavy ops: native oneDNN, the JS kernel pack, tfjs-node's, or stock only. */
  kernels: KernelSource;
  /** What was asked for: a {@link BackendName}, `auto`, or in a page `webgl` / `webgpu`. */
  requested: BackendName | BrowserBackendName;
  /** In a page: the facts behind the choice (cross-origin isolation, SIMD, threads, WebGL/WebGPU). */
  browser?: BrowserFacts;
  /** Why this backend: what was asked, what was found, what failed. */
  reason: string;
  /** Threads the heavy kernels use (TF.js wasm in Node is single-threaded; docs/design/ENGINE-STUDY.md §2). */
  threads: number;
  /** Kernel names Graft registered over the stock backend (JS pack and native, each name once). */
  registeredKernels: string[];
  /** The subset served by the native kernels, when they loaded. */
  nativeKernels?: string[];
  /** Why the native kernels did not load, when they were looked for. */
  nativeError?: string;
  /** Why tfjs-node did not load, when it was looked for. */
  tfjsNodeError?: string;
  /** What to do for the fast path, or that it is already running. */
  howToGetFast: string;
}

/** What `src/runtime/native/index.ts` (the native kernels' loader) returns. */
interface NativeLoadResult {
  loaded: boolean;
  reason: string;
  kernels: string[];
  threads?: number;
}

let current: Promise<BackendInfo> | undefined;
let currentRequest: BackendName | BrowserBackendName | undefined;
let info: BackendInfo | undefined;

/**
 * Set up TF.js once per process and say what runs; later calls return the first result.
 * @throws BackendError `unknown_backend` (bad GRAFT_BACKEND), `backend_unavailable` (the asked
 *   backend cannot start), `backend_already_initialized` (a different backend asked for later).
 * @example
 *   const info = await initBackend();          // or initBackend({ backend: 'cpu' })
 *   console.error(info.backend, info.kernels);  // "wasm js-pack"
 */
export function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  let wanted: BackendName | BrowserBackendName;
  try {
    wanted = requestedBackend(options);
  } catch (e) {
    return Promise.reject(e);
  }
  if (current) {
    if (wanted !== 'auto' && wanted !== currentRequest && info && !satisfies(info, wanted)) {
      return Promise.reject(new BackendError('backend_already_initialized',
        `backend "${wanted}" was asked for, but this process already runs ${describe(info)}`, {
          hint: 'choose the backend once, before any TF.js compute (GRAFT_BACKEND or --backend)',
        }));
    }
    return current;
  }
  currentRequest = wanted;
  current = (RUNTIME_HOST === 'browser' ? setupInPage(wanted, options) : setup(wanted as BackendName | 'auto')).then((i) => (info = i));
  current.catch(() => { current = undefined; currentRequest = undefined; });
  return current;
}

/** What {@link initBackend} chose, or undefined before it finished. */
export function getBackendInfo(): BackendInfo | undefined {
  return info;
}

let noticed = false;

/**
 * Print one line on stderr, once per process, when training runs on a slow path (no native
 * kernels, no tfjs-node). Train code calls it when a training loop starts. `GRAFT_NO_NOTICE=1`
 * silences it. Returns whether it printed.
 */
export function noticeSlowPath(): boolean {
  if (noticed || !info || env('GRAFT_NO_NOTICE') || RUNTIME_HOST === 'browser') return false; // a page has no native path to advise
  if (info.kernels === 'native' || info.kernels === 'tfjs-node') return false;
  noticed = true;
  const what = info.backend === 'cpu'
    ? 'the TF.js cpu backend (minutes per step for conv/embedding models)'
    : 'TF.js wasm with the JS kernel pack (1 thread, about 0.1-0.3x PyTorch)';
  stderrWrite(`graft: training on ${what}; for native kernels: ${HOW_TO_GET_NATIVE} ("graft doctor" says more)\n`);
  return true;
}

function requestedBackend(options: InitBackendOptions): BackendName | BrowserBackendName {
  if (options.backend !== undefined) {
    const pageOnly = options.backend === 'webgl' || options.backend === 'webgpu';
    if (pageOnly && RUNTIME_HOST === 'browser') return options.backend;
    if (!(BACKEND_NAMES as readonly string[]).includes(options.backend)) throw unknownBackend(String(options.backend), 'initBackend({backend})');
    return options.backend;
  }
  const fromEnv = env('GRAFT_BACKEND');
  if (fromEnv === undefined || fromEnv === '' || fromEnv === 'auto') return 'auto';
  if (!(BACKEND_NAMES as readonly string[]).includes(fromEnv)) throw unknownBackend(fromEnv, 'GRAFT_BACKEND');
  return fromEnv as BackendName;
}

function unknownBackend(value: string, where: string): BackendError {
  return new BackendError('unknown_backend', `${where} is "${value}", which is not a backend Graft knows`, {
    hint: `use one of ${BACKEND_NAMES.join(', ')} (or leave it unset for automatic choice)`,
    details: { value, allowed: [...BACKEND_NAMES] },
  });
}

function satisfies(i: BackendInfo, wanted: BackendName | BrowserBackendName): boolean {
  if (wanted === 'webgl' || wanted === 'webgpu') return i.backend === wanted;
  if (wanted === 'cpu') return i.backend === 'cpu';
  if (wanted === 'tfjs-node') return i.backend === 'tensorflow';
  if (wanted === 'native') return i.kernels === 'native';
  return i.backend === 'wasm' && i.kernels === 'js-pack';
}

function describe(i: BackendInfo): string {
  return `${i.backend} (kernels: ${i.kernels})`;
}

/** In a page: wasm + JS pack (default), webgl, webgpu or cpu; no tfjs-node, no native addon. */
async function setupInPage(wanted: BackendName | BrowserBackendName, options: InitBackendOptions): Promise<BackendInfo> {
  if (wanted === 'native' || wanted === 'tfjs-node') {
    throw new BackendError('backend_unavailable', `"${wanted}" runs in Node only, not in a browser page`, {
      hint: 'leave backend unset in a page (wasm with SIMD, threads when cross-origin isolated, and the JS kernel pack)', details: { backend: wanted },
    });
  }
  return setupBrowserBackend({ backend: wanted, wasmPaths: options.wasmPaths, threads: options.threads });
}

async function setup(wanted: BackendName | 'auto'): Promise<BackendInfo> {
  await import('@tensorflow/tfjs'); // registers every gradient on the shared tfjs-core instance
  const why = wanted === 'auto' ? '' : env('GRAFT_BACKEND') === wanted ? ' via GRAFT_BACKEND' : ' via initBackend({backend}) or --backend';
  if (wanted === 'cpu') {
    await start('cpu');
    return {
      backend: 'cpu', kernels: 'none', requested: wanted, reason: `cpu backend asked for${why}`, threads: 1,
      registeredKernels: [], howToGetFast: fastHint('cpu'),
    };
  }
  let tfjsNodeError: string | undefined;
  if (wanted === 'tfjs-node' || wanted === 'auto') {
    const r = await tryTfjsNode();
    if (r.ok) {
      return {
        backend: 'tensorflow', kernels: 'tfjs-node', requested: wanted,
        reason: wanted === 'auto' ? '@tensorflow/tfjs-node is installed' : `tfjs-node asked for${why}`,
        threads: availableParallelism(), registeredKernels: [], howToGetFast: 'already on it: tfjs-node',
      };
    }
    tfjsNodeError = r.error;
    if (wanted === 'tfjs-node') {
      throw new BackendError('backend_unavailable', `tfjs-node was asked for${why} but could not be loaded: ${r.error}`, {
        hint: 'install it with "npm install @tensorflow/tfjs-node" (it downloads libtensorflow), or unset GRAFT_BACKEND',
        details: { tfjsNodeError: r.error },
      });
    }
  }
  await import('@tensorflow/tfjs-backend-wasm');
  await start('wasm');
  const registeredKernels = registerJsKernelPack();
  const base = { backend: 'wasm' as const, requested: wanted, registeredKernels, tfjsNodeError };
  if (wanted === 'wasm') {
    return { ...base, kernels: 'js-pack', reason: `wasm with the JS kernel pack asked for${why}; native kernels not loaded`, threads: 1, howToGetFast: fastHint('wasm') };
  }
  const native = await withoutJsLstm(loadNative);
  if (native.loaded) {
    return {
      ...base, kernels: 'native', registeredKernels: [...new Set([...registeredKernels, ...native.kernels])], nativeKernels: native.kernels,
      reason: wanted === 'auto' ? `native oneDNN kernels loaded over wasm${tfjsNodeError ? '; tfjs-node not installed' : ''}` : `native asked for${why}`,
      threads: native.threads ?? availableParallelism(), howToGetFast: 'already on it: native oneDNN kernels',
    };
  }
  if (wanted === 'native') {
    throw new BackendError('backend_unavailable', `native kernels were asked for${why} but did not load: ${native.reason}`, {
      hint: `build them with: ${HOW_TO_GET_NATIVE}; or unset GRAFT_BACKEND to fall back to wasm`,
      details: { nativeError: native.reason },
    });
  }
  return {
    ...base, kernels: 'js-pack', threads: 1, nativeError: native.reason, howToGetFast: fastHint('wasm'),
    reason: `wasm with the JS kernel pack: native kernels not loaded (${native.reason})${tfjsNodeError ? '; tfjs-node not installed' : ''}`,
  };
}

function fastHint(on: 'cpu' | 'wasm'): string {
  const pre = on === 'cpu' ? 'unset GRAFT_BACKEND (cpu is minutes per training step); then ' : '';
  return `${pre}build the native oneDNN kernels: ${HOW_TO_GET_NATIVE} (needs g++ and make); "graft doctor" then shows kernels: native`;
}

function start(name: string): Promise<void> {
  return startBackend(name, name === 'cpu' ? 'reinstall @tensorflow/tfjs' : 'set GRAFT_BACKEND=cpu to use the (slow) cpu backend');
}

async function tryTfjsNode(): Promise<{ ok: true } | { ok: false; error: string }> {
  const spec = '@tensorflow/tfjs-node'; // a variable: it is optional and usually absent
  try {
    await import(spec);
  } catch (e) {
    const code = (e as { code?: string }).code;
    return { ok: false, error: code === 'ERR_MODULE_NOT_FOUND' ? 'not installed' : (e as Error).message };
  }
  try {
    await start('tensorflow');
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/**
 * Run `load` with the JS pack's LSTM sequence kernels unregistered (the native loader registers its
 * own under the same names, and TF.js warns on a second registration); put them back if the native
 * ones did not take their place.
 */
async function withoutJsLstm(load: () => Promise<NativeLoadResult>): Promise<NativeLoadResult> {
  const saved = [LSTM_SEQUENCE, LSTM_SEQUENCE_GRAD].map((n) => tf.getKernel(n, 'wasm')).filter((k) => k !== undefined);
  for (const k of saved) tf.unregisterKernel(k.kernelName, 'wasm');
  try {
    return await load();
  } finally {
    for (const k of saved) if (tf.getKernel(k.kernelName, 'wasm') === undefined) tf.registerKernel(k);
  }
}

async function loadNative(): Promise<NativeLoadResult> {
  const spec = './native/index.js'; // optional module: absent until the native kernels exist
  let mod: { registerNativeKernels?: () => NativeLoadResult | Promise<NativeLoadResult> };
  try {
    mod = await import(spec);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const text = (e as Error).message;
    const absent = code === 'ERR_MODULE_NOT_FOUND' && text.includes('runtime/native/index.js');
    const msg = absent ? 'the native kernel loader is not part of this build' : `loading runtime/native failed: ${text}`;
    return { loaded: false, reason: msg, kernels: [] };
  }
  if (typeof mod.registerNativeKernels !== 'function') {
    return { loaded: false, reason: 'runtime/native has no registerNativeKernels()', kernels: [] };
  }
  try {
    const r = await mod.registerNativeKernels();
    return { loaded: r.loaded, reason: r.reason, kernels: r.loaded ? [...r.kernels] : [], threads: r.threads };
  } catch (e) {
    return { loaded: false, reason: `registerNativeKernels() failed: ${(e as Error).message}`, kernels: [] };
  }
}
