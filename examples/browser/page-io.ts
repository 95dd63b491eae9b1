/**
 * The browser example's calls into Graft's backend choice, byte sources and sinks (src/runtime,
 * src/io through checkpoint/ and formats/), kept in one file so the page reads as the steps it does.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients.js'; // gradients for the taped paths (W1 in the bench)
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js'; // t.argMax() & co., as the @tensorflow/tfjs union registers them
import type * as tfl from '@tensorflow/tfjs-layers';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerJsKernelPack } from '../../src/runtime/kernels-js/index.js';
import { openCheckpoint, writeCheckpoint } from '../../src/formats/index.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { defaultBrowserStorage } from '../../src/io/storage/index.js';
import { downloadFiles } from '../../src/io/download.js';
import { mkdir, stat } from '../../src/io/fs.js';
import { basename, dirname, join } from '../../src/io/path.js';
import { newVariable } from '../../src/variables/create.js';
import { parametersFromLayersModel } from '../../src/variables/layers-adapter.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { ESTIMATOR_CNN_FEATURES, estimatorCnnLayersModel } from '../../src/models/tf-estimator-cnn.js';
import type { HeadValues } from './scenario.js';

/** Which backend runs in the page, and why. */
export interface BackendSummary {
  backend: string;
  kernels: string;
  threads: number;
  simd: boolean;
  reason: string;
}

/** TF.js wasm (SIMD; threads when the page is cross-origin isolated) with Graft's JS kernel pack. */
export async function initPageBackend(wasmPrefix: string): Promise<BackendSummary> {
  setWasmPaths(wasmPrefix);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not start');
  await tf.ready();
  registerJsKernelPack();
  const threads = getThreadsCount();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') as boolean;
  return {
    backend: 'wasm', kernels: 'js-pack', threads, simd,
    reason: globalThis.crossOriginIsolated ? 'cross-origin isolated: the threaded SIMD build (tfjs uses hardwareConcurrency / 2 threads)' : 'not cross-origin isolated: single-threaded SIMD build',
  };
}

/** What a lazy one-tensor read returned. */
export interface LazyRead {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
}

/** Open the checkpoint at `url` lazily and read one tensor (the index, then that tensor's bytes). */
export async function lazyReadTensor(url: string, name: string): Promise<LazyRead> {
  const reader = await openCheckpoint(url);
  try {
    const t = await reader.read(name);
    return { name, dtype: t.dtype, shape: [...t.shape], bytes: t.data.byteLength };
  } finally {
    await reader.close();
  }
}

/** The saved variables: the restored body under its TF names, and the trained head as `head/kernel`, `head/bias`. */
export function modelParams(model: tfl.LayersModel, head: HeadValues): ParameterSet {
  const params = new ParameterSet();
  for (const p of parametersFromLayersModel(model)) if (!p.name.startsWith('dense/')) params.add(p.name, p.variable);
  params.add('head/kernel', newVariable('head/kernel', tf.tensor2d(head.weights, [ESTIMATOR_CNN_FEATURES, head.classNames.length])));
  params.add('head/bias', newVariable('head/bias', tf.tensor1d(head.biases)));
  return params;
}

/** Fresh variables of the same names and shapes (zeros), to restore into after a reload. */
function freshParams(classes: number): { params: ParameterSet; dispose: () => void } {
  const model = estimatorCnnLayersModel();
  const params = modelParams(model, { classNames: Array.from({ length: classes }, String), weights: new Float32Array(ESTIMATOR_CNN_FEATURES * classes), biases: new Float32Array(classes) });
  return { params, dispose: () => model.dispose() };
}

/** Where the example saves: OPFS where the browser has it, IndexedDB otherwise (`graft/io` decides). */
export async function storageUrl(): Promise<string> {
  return `${defaultBrowserStorage()}graft-example/model.ckpt`;
}

/** Save `params` as a TF bundle at a browser-storage URL (write, then publish), its directory made first. */
export async function saveToStorage(params: ParameterSet, url: string): Promise<string> {
  await mkdir(dirname(url), { recursive: true });
  // Saver.save also writes the `checkpoint` state file, whose writer is Node-only for now: the bundle alone
  await writeCheckpoint(url, new Saver({ varList: params }).snapshot(), { format: 'tf-bundle' });
  return url;
}

/** Restore the example's variables from browser storage into fresh ones; their digests. */
export async function restoreFromStorage(url: string): Promise<{ digests: Record<string, string>; restored: number }> {
  const { params, dispose } = freshParams(10);
  try {
    const plan = await new Saver({ varList: params }).restore(url);
    return { digests: await tensorDigests(params), restored: plan.summary.restored };
  } finally {
    dispose();
  }
}

/** SHA-256 (hex) of every variable's bytes, by name (WebCrypto: the same in the page and in Node). */
export async function tensorDigests(params: ParameterSet): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const p of params) {
    const v = p.variable.dataSync() as Float32Array;
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', Float32Array.from(v)));
    out[p.name] = Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
  }
  return out;
}

/**
 * Write `params` with Graft's safetensors writer to in-page storage (`mem://`) and offer the file
 * as a download on `button` (`downloadFiles`, graft/io's download sink).
 */
export async function saveDownload(params: ParameterSet, name: string, button: HTMLButtonElement): Promise<{ name: string; bytes: number }> {
  const dir = 'mem://graft-example-export';
  await mkdir(dir, { recursive: true });
  const path = await new Saver({ varList: params, format: 'safetensors' }).save(join(dir, name.replace(/\.safetensors$/, '')));
  const bytes = (await stat(path)).size;
  button.onclick = () => { void downloadFiles(dir, { prefix: basename(path) }); };
  button.disabled = false;
  return { name: basename(path), bytes };
}
