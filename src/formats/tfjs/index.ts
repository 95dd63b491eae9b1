/** TensorFlow.js weights: model.json / weights_manifest.json + shards, read lazily and written. */
export { openTfjsWeights } from './reader.js';
export { writeTfjsWeights, DEFAULT_SHARD_BYTES, type WriteTfjsOptions } from './writer.js';
export {
  parseManifest, isSafeShardPath, TFJS_DTYPES, GRAFT_DTYPE_CARRIER,
  type TfjsManifest, type ManifestGroup, type ManifestWeight, type TfjsDType,
} from './manifest.js';
