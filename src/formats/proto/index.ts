/** Protobuf wire-format helpers shared by the format readers and writers. */
export {
  ProtoReader,
  ProtoWriter,
  encodeVarint,
  WIRE_VARINT,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_FIXED32,
} from './wire.js';
export type { FieldKey } from './wire.js';
export { tokenizeTextFormat, cEscape, pythonFloatRepr, parseTextFloat, TextFormatSyntaxError } from './text-format.js';
export type { TextToken } from './text-format.js';
