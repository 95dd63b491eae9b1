/** safetensors: validated lazy reader and reference-compatible atomic writer. */
export { openSafetensors, type SafetensorsFileReader } from './reader.js';
export { writeSafetensors, type WriteSafetensorsOptions } from './writer.js';
export {
  MAX_HEADER_SIZE, METADATA_KEY, SAFETENSORS_DTYPES, DTYPE_TO_SAFETENSORS, UNSUPPORTED_SAFETENSORS_DTYPES,
  readHeaderSize, parseHeader, encodeHeader, writerOrder,
  type SafetensorsEntry, type SafetensorsHeader, type HeaderInput, type UnsupportedEntry,
} from './header.js';
