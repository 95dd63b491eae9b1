/**
 * The browser example's calls into Graft's backend choice, byte sources and sinks (src/runtime,
 * src/io through checkpoint/ and formats/), kept in one file so the page reads as the steps it does.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { doctor } from '../../src/runtime/doctor.js';
import { openCheckpoint } from '../../src/formats/index.js';
import { Saver } from '../../src/checkpoint/saver.js';
import { defaultBrowserStorage, hasIndexedDb } from '../../src/io/storage/index.js';
import { downloadFiles } from '../../src/io/download.js';
import { mkdir, stat } from '../../src/io/fs.js';
import { basename, dirname, join } from '../../src/io/path.js';
import { newVariable } from '../../src/variables/create.js';
import { parametersFromLayersModel } from '../../src/variables/layers-adapter.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { ESTIMATOR_CNN_FEATURES, estimatorCnnLayersModel } from '../../src/models/tf-estimator-cnn.js';
import type { HeadValues } from './scenario.js';

/** Which backend runs in the page, and why (from Graft's `doctor()`). */
export interface BackendSummary {
  backend: string;
  kernels: string;
  threads: number;
  simd: boolean;
  reason: string;
  /** `doctor()`'s lines, as the page shows them. */
  doctor: string[];
}

/** Graft's backend choice in a page (wasm SIMD + the JS kernel pack; threads when cross-origin isolated), and what doctor() says. */
export async function initPageBackend(wasmPrefix: string): Promise<BackendSummary> {
  const { info, lines } = await doctor({ wasmPaths: wasmPrefix });
  return { backend: info.backend, kernels: info.kernels, threads: info.threads, simd: info.browser?.simd ?? false, reason: info.reason, doctor: lines };
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

/** Where the example saves: the browser's default storage (OPFS where present), and IndexedDB as well when that is another one. */
export async function storageUrls(): Promise<string[]> {
  const first = defaultBrowserStorage();
  const urls = [`${first}graft-example/model.ckpt`];
  if (first !== 'indexeddb://' && hasIndexedDb()) urls.push('indexeddb://graft-example/model.ckpt');
  return urls;
}

/** Save `params` as a TF bundle at a browser-storage URL (write, then publish), its directory made first. */
export async function saveToStorage(params: ParameterSet, url: string): Promise<string> {
  await mkdir(dirname(url), { recursive: true });
  return new Saver({ varList: params }).save(url);
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
