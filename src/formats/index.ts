/**
 * graft/formats: checkpoint files as `{name, dtype, shape}` entries and raw little-endian bytes
 * (no TensorFlow.js here). Open any format with `openCheckpoint`, write with `writeCheckpoint`,
 * convert with `convertCheckpoint`.
 */
export * from './types.js';
export { openCheckpoint, detectFormat, findHandler, DETECTORS, type FormatHandler, type Detector } from './open.js';
export { writeCheckpoint, formatForWritePath, type WriteCheckpointOptions } from './write.js';
export { convertCheckpoint, inScopeOf, applyRename, type ConvertOptions, type ConvertReport, type ConvertEntry } from './convert.js';
export { decodeValues, tensorStats, float16ToNumber, numberToFloat16, isFloatDType, type DecodedValues, type TensorStats } from './stats.js';
export * from './safetensors/index.js';
export * from './float8.js';
export * from './tfjs/index.js';
export * from './keras-h5/index.js';
export * from './tf-bundle/index.js';
export * from './state-file.js';
export * from './crc32c.js';
export * from './atomic.js';
export * from './pytorch/index.js';
export * from './layout/index.js';
