/** The public shape of an open tensor bundle. */
import type { CheckpointReader } from '../types.js';

/** An open TensorFlow V2 checkpoint: a CheckpointReader plus bundle specifics. */
export interface BundleReader extends CheckpointReader {
  /** Restore one tensor into a preallocated buffer of exactly `info(name).bytes` bytes, CRC verified. */
  readInto(name: string, target: Uint8Array): Promise<void>;
  /** BundleHeaderProto.num_shards. */
  readonly numShards: number;
  /**
   * TF2 object-based checkpoints: checkpoint key → plain layer path implied by the object graph
   * (e.g. 'layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE' → the variable's full_name such
   * as 'dense/kernel'); empty map for TF1 files.
   */
  readonly objectGraphPaths: Map<string, string>;
  /** Entries with a dtype Graft cannot read (DT_VARIANT, DT_RESOURCE, quantized); not in list(). */
  readonly unsupported: ReadonlyArray<{ name: string; dtype: string }>;
  /** How the path was interpreted (e.g. `.index` given instead of the prefix). */
  readonly notes: readonly string[];
  /** Bytes read from disk so far (index + tensor data) — what a lazy read costs. */
  readonly bytesRead: number;
}

/** Options of writeBundle. */
export interface WriteBundleOptions {
  /** fsync the data and index files and their directory before returning (default true). */
  fsync?: boolean;
}

/** What writeBundle wrote. */
export interface WriteBundleReport {
  /** The checkpoint prefix written. */
  prefix: string;
  /** Bytes written (data file + index file). */
  bytes: number;
  /** Number of tensors written. */
  tensors: number;
}
