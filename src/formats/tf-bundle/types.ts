/** The public shape of an open tensor bundle. */
import type { CheckpointReader } from '../types.js';
import type { PartitionedTensor } from './partitioned.js';

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
  /**
   * Number of data files (default 1). N > 1 writes what TF's sharded Saver + MergeV2Checkpoints
   * leave: `prefix.data-0000i-of-0000N` and one merged index with shard_id per entry.
   */
  numShards?: number;
  /** Shard of each tensor (name, arrival index) → 0..numShards-1; default: see writeBundle. */
  shardOf?: (name: string, index: number) => number;
  /** Index block compression: 'none' (default; TF ≥ 1.2) or 'snappy' (what TF 1.1 wrote). */
  compression?: 'none' | 'snappy';
  /** Partitioned variables, written as slices (partitioned.ts `PartitionedTensor`). */
  partitioned?: readonly PartitionedTensor[];
}

/** What writeBundle wrote. */
export interface WriteBundleReport {
  /** The checkpoint prefix written. */
  prefix: string;
  /** Bytes written (data file + index file). */
  bytes: number;
  /** Number of tensors written. */
  tensors: number;
  /** Number of data files written. */
  shards: number;
}
