/**
 * `writeCheckpoint`: write tensors in the format the path (or `options.format`) names.
 *
 *   *.safetensors           → safetensors file
 *   …/model.json            → tfjs weights in that folder (model.json + group1-shardKofN.bin)
 *   anything else           → TensorFlow bundle prefix (prefix.index + prefix.data-00000-of-00001)
 *
 * Keras .h5 is read-only in Graft.
 */
import { basename, dirname } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { writeBundle } from './tf-bundle/index.js';
import { writeSafetensors } from './safetensors/index.js';
import { writeTfjsWeights } from './tfjs/index.js';
import type { FormatName, TensorValue } from './types.js';

/** Options of `writeCheckpoint`. */
export interface WriteCheckpointOptions {
  /** Format to write (default: from the path, see the module comment). */
  format?: FormatName;
  /** String metadata (safetensors `__metadata__`; ignored by formats without metadata). */
  metadata?: Record<string, string>;
  /** tfjs only: Keras topology for model.json. */
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
 * @throws InvalidArgumentError `format_not_writable` (Keras .h5), and each writer's codes.
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
      throw new InvalidArgumentError('format_not_writable', `${path}: Graft reads Keras .h5 files but does not write them`, {
        hint: 'write a TF bundle, safetensors or tfjs model.json instead (Keras reads TF bundles with model.load_weights(prefix))',
        details: { path, format },
      });
  }
}
