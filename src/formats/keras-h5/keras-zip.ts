/**
 * Keras 3 `.keras` archives (`keras/src/saving/saving_lib.py`, `_save_model_to_fileobj`): a zip
 * (Python `zipfile`, members stored uncompressed) holding, in this order,
 *
 *   metadata.json       {"keras_version": "3.4.1", "date_saved": "2024-08-17@03:19:00"}
 *   config.json         serialize_keras_object(model): {module, class_name, config, registered_name, …}
 *   model.weights.h5    the Keras 3 weights layout (keras3-layout.ts)
 *   assets/…            optional (lookup-layer vocabularies); not weights, ignored here
 *
 * (`model.weights.npz` instead of `.h5` is refused with its own message.) The archive is read
 * with fflate; each member's declared size is capped before inflating and its CRC-32 checked.
 * HDF5 (h5wasm) reads files, so the weights go to a private temporary directory (mode 0700)
 * that is removed when the reader closes — on POSIX the file is unlinked right after HDF5 opens
 * it, so nothing is left behind even if the process dies.
 */
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from '../../io/fs.js';
import { tmpdir } from '../../io/fs.js';
import { join } from '../../io/path.js';
import { unzipSync } from 'fflate';
import { CheckpointNotFoundError, FormatError } from '../../errors.js';
import { openH5, type KerasH5Reader } from './reader.js';
import { crc32 } from './zip-crc.js';

/** Member names Keras writes (saving_lib `_CONFIG_FILENAME`, `_METADATA_FILENAME`, `_VARS_FNAME`). */
export const KERAS_CONFIG_FILENAME = 'config.json';
export const KERAS_METADATA_FILENAME = 'metadata.json';
export const KERAS_WEIGHTS_FILENAME = 'model.weights.h5';
/** JSON members larger than this are not Keras configs (real ones are KBs to a few MB). */
const MAX_JSON_BYTES = 64 << 20;
/** One member may not inflate past this (a Uint8Array's practical limit). */
const MAX_MEMBER_BYTES = 2 ** 31 - 1;

/** The parsed members of a `.keras` archive. */
export interface KerasArchive {
  config: unknown;
  metadata: Record<string, unknown>;
  weights: Uint8Array;
}

function bad(path: string, code: string, message: string, hint: string, cause?: unknown): FormatError {
  return new FormatError(code, `${path}: ${message}`, { hint, details: { path }, cause });
}

/** Unpack and check the members of a `.keras` archive held in memory. */
export function readKerasArchive(path: string, bytes: Uint8Array): KerasArchive {
  const wanted = new Set([KERAS_CONFIG_FILENAME, KERAS_METADATA_FILENAME, KERAS_WEIGHTS_FILENAME]);
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        if (!wanted.has(f.name)) return false;
        const cap = f.name.endsWith('.json') ? MAX_JSON_BYTES : MAX_MEMBER_BYTES;
        if (f.originalSize > cap || (f.compression === 0 && f.originalSize !== f.size)) {
          throw bad(path, 'zip_member_too_large', `member ${f.name} declares ${f.originalSize} bytes (${f.size} stored)`, 'the archive is damaged or not a Keras .keras file; re-save it with model.save("m.keras")');
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw bad(path, 'bad_zip', `not a readable zip archive (${e instanceof Error ? e.message : String(e)})`, 'the file is damaged or truncated; re-save it with model.save("m.keras")', e);
  }
  if (!files[KERAS_WEIGHTS_FILENAME]) {
    const npz = names.includes('model.weights.npz');
    throw bad(path, npz ? 'unsupported_keras_weights' : 'not_keras_archive',
      npz ? 'the archive holds model.weights.npz (Keras weights_format="npz"), not model.weights.h5'
        : `zip archive without ${KERAS_WEIGHTS_FILENAME} (members: ${names.slice(0, 8).join(', ') || 'none'})`,
      npz ? 're-save with model.save("m.keras") (the default h5 weights format)' : 'a Keras .keras file holds config.json, metadata.json and model.weights.h5; save one with model.save("m.keras")');
  }
  const json = (name: string): unknown => {
    const b = files[name];
    if (!b) return undefined;
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b));
    } catch (e) {
      throw bad(path, 'bad_keras_json', `${name} is not valid UTF-8 JSON`, 'the archive is damaged; re-save it with model.save("m.keras")', e);
    }
  };
  const config = json(KERAS_CONFIG_FILENAME);
  const metadata = json(KERAS_METADATA_FILENAME);
  return { config, metadata: typeof metadata === 'object' && metadata !== null ? metadata as Record<string, unknown> : {}, weights: files[KERAS_WEIGHTS_FILENAME]! };
}

/**
 * Check every stored CRC-32 of the members we use (fflate does not): a flipped byte in the
 * weights must not pass silently. Walks the central directory.
 */
function checkCrcs(path: string, zip: Uint8Array, members: Record<string, Uint8Array>): void {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--) if (dv.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw bad(path, 'bad_zip', 'no end-of-central-directory record', 'the file is truncated; re-save it');
  let p = dv.getUint32(eocd + 16, true);
  const count = dv.getUint16(eocd + 10, true);
  for (let k = 0; k < count && p + 46 <= zip.length && dv.getUint32(p, true) === 0x02014b50; k++) {
    const crc = dv.getUint32(p + 16, true);
    const n = dv.getUint16(p + 28, true), x = dv.getUint16(p + 30, true), c = dv.getUint16(p + 32, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + n));
    const data = members[name];
    if (data && crc32(data) !== crc) {
      throw bad(path, 'crc_mismatch', `member ${name}: CRC-32 ${crc32(data).toString(16)} does not match the stored ${crc.toString(16)}`, 'the archive is damaged; re-download it or re-save it from Keras');
    }
    p += 46 + n + x + c;
  }
}

/**
 * Open a Keras 3 `.keras` archive: weights named by their Keras 3 paths, with `reader.keras3`
 * mapping them to TF-Keras names by the archive's config.json.
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError `file_too_large`, `bad_zip`,
 *   `not_keras_archive`, `unsupported_keras_weights`, `zip_member_too_large`, `crc_mismatch`,
 *   `bad_keras_json`, and the HDF5 codes of `openKerasH5`.
 */
export async function openKerasArchive(path: string): Promise<KerasH5Reader> {
  let bytes: Uint8Array;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_MEMBER_BYTES) {
      throw new FormatError('file_too_large', `${path}: ${size} bytes; Graft unpacks .keras archives in memory, up to ${MAX_MEMBER_BYTES} bytes`, {
        hint: 'unzip it and open its model.weights.h5 with the config: openKerasH5("model.weights.h5", { config }) (CLI: graft convert model.weights.h5 … --config config.json)', details: { path },
      });
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such file`, { hint: 'check the path', details: { path }, cause: e });
  }
  const archive = readKerasArchive(path, bytes);
  checkCrcs(path, bytes, { [KERAS_WEIGHTS_FILENAME]: archive.weights });
  const dir = await mkdtemp(join(tmpdir(), 'graft-keras-'));
  const h5Path = join(dir, KERAS_WEIGHTS_FILENAME);
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(h5Path, archive.weights, { mode: 0o600 });
  } catch (e) {
    await remove();
    throw e;
  }
  const version = typeof archive.metadata.keras_version === 'string' ? archive.metadata.keras_version : undefined;
  const reader = await openH5(h5Path, {
    label: path, fileSize: archive.weights.length, config: archive.config, kerasVersion: version,
    metadata: { layout: 'keras 3 archive (config.json + model.weights.h5)', ...(typeof archive.metadata.date_saved === 'string' ? { date_saved: archive.metadata.date_saved } : {}) },
    onClose: remove,
  });
  // HDF5 holds the file open; on POSIX unlinking now leaves nothing behind whatever happens next.
  if (process.platform !== 'win32') await unlink(h5Path).catch(() => undefined);
  return reader;
}
