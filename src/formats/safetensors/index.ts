/** safetensors: validated lazy reader and reference-compatible atomic writer. */
export { openSafetensors, type SafetensorsFileReader } from './reader.js';
export { writeSafetensors, type WriteSafetensorsOptions } from './writer.js';
export {
  MAX_HEADER_SIZE, METADATA_KEY, SAFETENSORS_DTYPES, DTYPE_TO_SAFETENSORS, UNSUPPORTED_SAFETENSORS_DTYPES,
  readHeaderSize, parseHeader, encodeHeader, writerOrder,
  type SafetensorsEntry, type SafetensorsHeader, type HeaderInput, type UnsupportedEntry,
} from './header.js';
export { openShardedSafetensors, findShardIndex, isShardIndexPath, type ShardedSafetensorsReader } from './sharded-reader.js';
export {
  writeShardedSafetensors, planShardedWrite, shardedDestination, DEFAULT_MAX_SHARD_SIZE,
  type WriteShardedSafetensorsOptions, type ShardedWriteInfo, type PlannedShard,
} from './sharded-writer.js';
export {
  parseSize, planShards, shardFileName, encodeShardIndex, parseShardIndex, isSafeShardName,
  SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME, SIZE_UNITS, MAX_INDEX_BYTES, type ShardPlan, type ShardIndex,
} from './shard-index.js';
