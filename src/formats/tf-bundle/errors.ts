/**
 * The one way this folder reports a bad file: a FormatError whose message starts with the file
 * and names the offending field, with a code per way the file can be wrong (docs/design/STYLE.md §4-5).
 */
import { FormatError, type ErrorDetails } from '../../errors.js';

/** Every FormatError code the tensor-bundle reader can raise. */
export type BundleErrorCode =
  | 'bad_magic'
  | 'truncated'
  | 'block_checksum_mismatch'
  | 'bad_block'
  | 'unsorted_keys'
  | 'unsupported_compression'
  | 'bad_varint'
  | 'bad_proto'
  | 'bad_header'
  | 'unsupported_version'
  | 'bad_entry'
  | 'bad_shape'
  | 'unsupported_dtype'
  | 'shard_missing'
  | 'size_mismatch'
  | 'tensor_checksum_mismatch'
  | 'bad_string_tensor'
  | 'bad_slice'
  | 'bad_object_graph'
  | 'v1_checkpoint'
  | 'tensor_not_found';

const DEFAULT_HINT =
  'the checkpoint is damaged or incomplete; restore it from a backup or re-save it with the program that wrote it';

/** Build a FormatError for `file` (message `<file>: <what>`). */
export function bundleError(
  code: BundleErrorCode,
  file: string,
  what: string,
  options: { hint?: string; details?: ErrorDetails; cause?: unknown } = {},
): FormatError {
  return new FormatError(code, `${file}: ${what}`, {
    hint: options.hint ?? DEFAULT_HINT,
    details: { path: file, ...options.details },
    cause: options.cause,
  });
}
