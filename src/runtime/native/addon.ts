/**
 * Loads Graft's native kernels (`native/build/Release/graft_native.node`, built by
 * `npm run build:native`) and describes the functions it exports. Loading never throws: a
 * missing or broken addon is a `{ addon: undefined, reason }` result, and Graft stays on the
 * wasm path with the JS kernel pack.
 */
import { availableParallelism, env, envDefault, existsSync, fileURLToPath, requireNative, RUNTIME_HOST } from '#graft/runtime-host';

/** The wasm heap as the addon takes it: the backend's `HEAPU8` view, re-read on every call. */
export type Heap = Uint8Array;

/** The functions exported by graft_native.node (see native/src/*.cc for the argument order). */
export interface NativeAddon {
  info(): { onednn: string; threads: number; simd: string };
  conv2d(heap: Heap, x: number, w: number, bias: number, y: number, act: number, ...shape: number[]): void;
  conv2dBackpropInput(heap: Heap, dy: number, w: number, dx: number, ...shape: number[]): void;
  conv2dBackpropFilter(heap: Heap, x: number, dy: number, dw: number, ...shape: number[]): void;
  matmul(heap: Heap, a: number, b: number, bias: number, c: number, batchA: number, batchB: number,
    m: number, k: number, n: number, transposeA: boolean, transposeB: boolean, act: number): void;
  maxPool(heap: Heap, x: number, y: number, ...shape: number[]): void;
  maxPoolGrad(heap: Heap, dy: number, x: number, dx: number, ...shape: number[]): void;
  avgPool(heap: Heap, x: number, y: number, ...shape: number[]): void;
  avgPoolGrad(heap: Heap, dy: number, dx: number, ...shape: number[]): void;
  adam(heap: Heap, table: Float64Array, lr: number, beta1: number, beta2: number, epsilon: number,
    beta1Power: number, beta2Power: number): void;
  momentum(heap: Heap, table: Float64Array, lr: number, momentum: number, nesterov: boolean): void;
  sgd(heap: Heap, table: Float64Array, lr: number): void;
  rmsProp(heap: Heap, table: Float64Array, lr: number, rho: number, momentum: number, epsilon: number): void;
  lstmForward(heap: Heap, x: number, kernel: number, bias: number, h0: number, c0: number, out: number,
    hT: number, cT: number, gates: number, cs: number, batch: number, time: number, inDim: number, units: number, forgetBias: number): void;
  lstmBackward(heap: Heap, x: number, kernel: number, h0: number, c0: number, out: number, gates: number,
    cs: number, dOut: number, dh: number, dc: number, dx: number, dKernel: number, dBias: number,
    dh0: number, dc0: number, batch: number, time: number, inDim: number, units: number): void;
  /** CRC-32C of `data` continuing from `initial` (unsigned 32-bit), as @node-rs/crc32's crc32c. */
  crc32c(data: Uint8Array, initial: number): number;
  gatherRows(heap: Heap, params: number, indices: number, out: number, rows: number, rowSize: number, count: number): void;
  sum(heap: Heap, x: number, y: number, outer: number, inner: number, mode: number): void;
  gruForward(heap: Heap, ...args: number[]): void;
  gruBackward(heap: Heap, ...args: number[]): void;
}

/** Result of {@link loadAddon}. */
export interface AddonLoad {
  addon: NativeAddon | undefined;
  /** Why it loaded or not, one sentence. */
  reason: string;
  /** The file tried. */
  path: string;
}

/** Path of the built addon inside this package (`native/build/Release/graft_native.node`). */
export function addonPath(): string {
  // compiled file: dist/src/runtime/native/addon.js → package root is four levels up
  return fileURLToPath(new URL('../../../../native/build/Release/graft_native.node', import.meta.url));
}

let loaded: AddonLoad | undefined;

/**
 * Load the addon once per process. Sets `OMP_NUM_THREADS` to the number of cores first when it is
 * unset (oneDNN's OpenMP reads it when the library loads). `GRAFT_NATIVE=0` disables it.
 */
export function loadAddon(): AddonLoad {
  if (loaded) return loaded;
  const path = addonPath();
  if (RUNTIME_HOST === 'browser') {
    loaded = { addon: undefined, reason: 'a browser page loads no native addon (wasm with the JS kernel pack runs instead)', path };
  } else if (env('GRAFT_NATIVE') === '0') {
    loaded = { addon: undefined, reason: 'disabled by GRAFT_NATIVE=0', path };
  } else if (!existsSync(path)) {
    loaded = {
      addon: undefined,
      reason: `native addon not built (${path} is missing); build it with: apt-get install -y libdnnl-dev && npm run build:native`,
      path,
    };
  } else {
    envDefault('OMP_NUM_THREADS', String(availableParallelism()));
    try {
      const addon = requireNative(path) as NativeAddon;
      const info = addon.info();
      loaded = { addon, reason: `loaded ${path} (oneDNN ${info.onednn}, ${info.threads} threads, ${info.simd})`, path };
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      loaded = {
        addon: undefined,
        reason: `native addon failed to load: ${message}; rebuild it with: npm run build:native (needs apt-get install -y libdnnl-dev)`,
        path,
      };
    }
  }
  return loaded;
}
