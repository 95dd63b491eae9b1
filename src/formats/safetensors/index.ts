/** safetensors: validated lazy reader and reference-compatible atomic writer. */
export { openSafetensors } from './reader.js';
export { writeSafetensors, type WriteSafetensorsOptions } from './writer.js';
export {
  MAX_HEADER_SIZE, METADATA_KEY, SAFETENSORS_DTYPES, DTYPE_TO_SAFETENSORS,
  readHeaderSize, parseHeader, encodeHeader, writerOrder,
  type SafetensorsEntry, type SafetensorsHeader, type HeaderInput,
} from './header.js';
