/**
 * TFRecord framing (`core/lib/io/record_writer.cc`, `record_reader.cc`; TF-SEMANTICS §6):
 *
 *   uint64 length            little-endian
 *   uint32 masked_crc32c(length bytes)
 *   byte   data[length]
 *   uint32 masked_crc32c(data)
 *
 * No file header; records follow each other to the end of the file. Masking is TF's
 * `crc32c::Mask` (formats/crc32c). The reader checks both CRCs and every length against the
 * bytes that remain before slicing.
 */
import { FormatError } from '../../errors.js';
import { crc32c, maskCrc } from '../../formats/crc32c.js';

/** Bytes of framing around each record: 8 length + 4 length CRC + 4 data CRC. */
export const RECORD_OVERHEAD = 16;

/** Frame one record. */
export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_OVERHEAD + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskCrc(crc32c(out.subarray(0, 8))), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskCrc(crc32c(data)), true);
  return out;
}

/**
 * Split a TFRecord file into its records (views into `bytes`).
 * @throws FormatError `truncated_record`, `record_length_crc_mismatch`, `record_data_crc_mismatch`.
 */
export function decodeRecords(bytes: Uint8Array, source: string): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < 12) {
      throw new FormatError('truncated_record', `${source}: record ${records.length} header at byte ${pos} needs 12 bytes but ${bytes.length - pos} remain`, {
        hint: 'the event file was cut off (still being written or copied partially); the records before it are intact',
        details: { path: source, record: records.length, offset: pos },
      });
    }
    const lengthBig = view.getBigUint64(pos, true);
    const lengthCrc = view.getUint32(pos + 8, true);
    if (maskCrc(crc32c(bytes.subarray(pos, pos + 8))) !== lengthCrc) {
      throw new FormatError('record_length_crc_mismatch', `${source}: record ${records.length} at byte ${pos}: length CRC does not match`, {
        hint: 'the file is damaged or not a TFRecord/event file',
        details: { path: source, record: records.length, offset: pos },
      });
    }
    const remaining = bytes.length - pos - RECORD_OVERHEAD;
    if (lengthBig > BigInt(Math.max(remaining, 0))) {
      throw new FormatError('truncated_record', `${source}: record ${records.length} at byte ${pos} says ${lengthBig} data bytes but only ${Math.max(remaining, 0)} remain`, {
        hint: 'the event file was cut off (still being written or copied partially); the records before it are intact',
        details: { path: source, record: records.length, offset: pos, length: lengthBig.toString() },
      });
    }
    const length = Number(lengthBig);
    const data = bytes.subarray(pos + 12, pos + 12 + length);
    const dataCrc = view.getUint32(pos + 12 + length, true);
    if (maskCrc(crc32c(data)) !== dataCrc) {
      throw new FormatError('record_data_crc_mismatch', `${source}: record ${records.length} at byte ${pos}: data CRC does not match (${length} bytes)`, {
        hint: 'the file is damaged; re-copy it from where it was written',
        details: { path: source, record: records.length, offset: pos },
      });
    }
    records.push(data);
    pos += RECORD_OVERHEAD + length;
  }
  return records;
}
