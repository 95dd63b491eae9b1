/**
 * Read a TensorBoard event file (TF's or Graft's): TFRecord records, each an `Event` proto.
 */
import { FormatError, GraftError } from '../../errors.js';
import { readSource as readRegularFile } from '../../io/source.js';
import { decodeEvent, type Event } from './event.js';
import { decodeRecords } from './tfrecord.js';

/** Largest event file read whole (2 GiB: Node's largest buffer). */
const MAX_EVENT_FILE_BYTES = 2 ** 31 - 1;

/**
 * Every Event in the file, in order.
 * @throws FormatError `truncated_record`, `record_length_crc_mismatch`, `record_data_crc_mismatch`,
 *   `bad_proto`, `bad_varint`; `file_not_found` when the path does not exist.
 */
export async function readEventFile(path: string): Promise<Event[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path, MAX_EVENT_FILE_BYTES, { what: 'event file' });
  } catch (cause) {
    if (cause instanceof GraftError && cause.code !== 'file_not_found') throw cause;
    throw new FormatError('file_not_found', `${path}: cannot read the event file`, { hint: 'check the path (event files are named events.out.tfevents.*)', cause });
  }
  return parseEventFile(bytes, path);
}

/** Parse event-file bytes (pure; `source` names the file in errors). */
export function parseEventFile(bytes: Uint8Array, source: string): Event[] {
  return decodeRecords(bytes, source).map((r, i) => decodeEvent(r, `${source} record ${i}`));
}
