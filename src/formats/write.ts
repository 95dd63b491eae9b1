/**
 * `writeCheckpoint`: write tensors in the format the path (or `options.format`) names.
 *
 *   *.safetensors           → safetensors file
 *   …/model.json            → tfjs weights in that folder (model.json + group1-shardKofN.bin)
 *   *.weights.h5            → Keras 3 weights (needs a model config unless names are Keras 3 paths)
 *   *.keras                 → Keras 3 archive (config.json + model.weights.h5 + metadata.json)
 *   anything else           → TensorFlow bundle prefix (prefix.index + prefix.data-00000-of-00001)
 *
 * Keras 1/2 `.h5` (layer_names layout) is read-only in Graft.
 */
import { basename, dirname } from '../io/path.js';
import { InvalidArgumentError } from '../errors.js';
import { writeBundle } from './tf-bundle/index.js';
import { writeSafetensors } from './safetensors/index.js';
import { writeTfjsWeights } from './tfjs/index.js';
import { writeKeras3Weights, writeKerasArchive } from './keras-h5/keras3-writer.js';
import type { FormatName, TensorValue } from './types.js';

/** Options of `writeCheckpoint`. */
export interface WriteCheckpointOptions {
  /** Format to write (default: from the path, see the module comment). */
  format?: FormatName;
  /** String metadata (safetensors `__metadata__`; ignored by formats without metadata). */
  metadata?: Record<string, string>;
  /** tfjs: Keras topology for model.json; Keras 3: the model config (Keras 3, tfjs or Keras 2 layout). */
  modelTopology?: unknown;
  /** fsync files and directory (default true). */
  fsync?: boolean;
  /** TF bundle only: number of data files (default 1; see writeBundle). */
  numShards?: number;
}

/** The format `writeCheckpoint` would choose for a path. */
export function formatForWritePath(path: string): FormatName {
  if (path.endsWith('.safetensors')) return 'safetensors';
  if (basename(path) === 'model.json') return 'tfjs';
  if (/\.(h5|hdf5|keras)$/.test(path)) return 'keras-h5';
  return 'tf-bundle';
}

/**
 * Write tensors as a checkpoint, atomically per file.
 * @example
 *   await writeCheckpoint('out/model.safetensors', tensors, { metadata: { format: 'pt' } });
 *   await writeCheckpoint('out/web/model.json', tensors);       // tfjs
 *   await writeCheckpoint('out/model.ckpt-0', tensors);         // TF bundle
 * @throws InvalidArgumentError `format_not_writable` (Keras 1/2 .h5), and each writer's codes.
 */
export async function writeCheckpoint(
  path: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteCheckpointOptions = {},
): Promise<void> {
  const format = options.format ?? formatForWritePath(path);
  switch (format) {
    case 'safetensors':
      await writeSafetensors(path, tensors, { metadata: options.metadata, fsync: options.fsync });
      return;
    case 'tfjs':
      await writeTfjsWeights(basename(path) === 'model.json' ? dirname(path) : path, tensors, { modelTopology: options.modelTopology, fsync: options.fsync });
      return;
    case 'tf-bundle':
      await writeBundle(path, tensors, { fsync: options.fsync, numShards: options.numShards });
      return;
    case 'keras-h5':
      if (path.endsWith('.keras')) { await writeKerasArchive(path, tensors, { config: options.modelTopology, fsync: options.fsync }); return; }
      if (path.endsWith('.weights.h5')) { await writeKeras3Weights(path, tensors, { config: options.modelTopology, fsync: options.fsync }); return; }
      throw new InvalidArgumentError('format_not_writable', `${path}: Graft writes Keras 3 files (.weights.h5, .keras), not Keras 1/2 .h5`, {
        hint: 'name the destination model.weights.h5 or model.keras (Keras 3 loads both), or write a TF bundle / safetensors / tfjs model.json',
        details: { path, format },
      });
  }
}
