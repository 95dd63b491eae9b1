/**
 * `.h5` in a browser (`#graft/h5wasm`, `browser` condition): not supported. h5wasm's ESM build
 * reads through Emscripten's in-memory FS (the whole file copied into the wasm heap), which does
 * not fit the lazy, bounded reads every other reader keeps, and it adds ~1 MB of wasm to a page;
 * so Keras `.h5` / `.weights.h5` / `.keras` stay Node-only and say so with a typed error.
 */
import { FormatError } from '../../errors.js';
import type * as Node from './h5-node.js';

export const importH5wasm: typeof Node.importH5wasm = () => Promise.reject(h5Unavailable('.h5'));

export const h5Unavailable: typeof Node.h5Unavailable = (path) =>
  new FormatError('h5_node_only', `${path}: Keras HDF5 files (.h5, .weights.h5, .keras) are read and written in Node only, not in a browser`, {
    hint: 'convert it in Node first (graft convert model.weights.h5 model.safetensors), then load the safetensors or tfjs files in the page',
    details: { path },
  });
