/**
 * Location → byte source routing, as tfjs's io routers do (`router_registry.ts`): the scheme of
 * a location picks the handler, in this fixed order:
 *
 *   `http://`, `https://`            HTTP Range reads (http-source.ts)
 *   `opfs://`, `indexeddb://`, `mem://`  browser storage / memory (storage/)
 *   `file://`                        a file (Node), the URL's path
 *   a plain path                     a file (Node: io/node.ts openRegularFile; a browser has no
 *                                    filesystem and says so with FileSystemError `no_filesystem`)
 *
 * Any other scheme is FileSystemError `unknown_scheme`. Readers call `openSource` with the
 * location they were given or derived (`join(dirname(p), shard)`: io/path.ts keeps URL roots).
 */
import { FileSystemError } from '../errors.js';
import { openRegularFile } from '#graft/node';
import type { ByteSource } from './byte-source.js';
import { openHttpSource, type HttpSourceOptions } from './http-source.js';
import { schemeOf } from './path.js';
import { isStorageLocation, storagePath } from './storage/index.js';

/** Options of {@link openSource}. */
export interface OpenSourceOptions {
  /** What the file is, for messages ("checkpoint index", "state file"); default "file". */
  what?: string;
  /** Options for `http(s)://` locations. */
  http?: HttpSourceOptions;
}

let defaultHttp: HttpSourceOptions = {};

/**
 * Set the HTTP options every `http(s)://` read uses when a caller passes none (headers, a
 * counting `fetch`, caps). Returns the previous ones.
 */
export function setHttpDefaults(options: HttpSourceOptions): HttpSourceOptions {
  const prev = defaultHttp;
  defaultHttp = options;
  return prev;
}

/** `file:///a/b` → `/a/b` (percent-decoded). */
export function filePathOfUrl(location: string): string {
  const u = new URL(location);
  if (u.host !== '' && u.host !== 'localhost') {
    throw new FileSystemError('unknown_scheme', `${location}: file URLs on another host are not supported`, { hint: 'pass a local path', details: { path: location } });
  }
  return decodeURIComponent(u.pathname);
}

/**
 * Open any location for random-access reading (module comment).
 * @throws FileSystemError `unknown_scheme`, `file_not_found`, `no_filesystem`, …; FormatError
 *   `not_a_regular_file` (a FIFO or device path in Node).
 * @example
 *   await using src = await openSource('https://host/run/model.ckpt-10.index', { what: 'checkpoint index' });
 */
export async function openSource(location: string, options: OpenSourceOptions = {}): Promise<ByteSource> {
  const what = options.what ?? 'file';
  const scheme = schemeOf(location);
  if (scheme === 'http' || scheme === 'https') return openHttpSource(location, { ...defaultHttp, ...options.http, what });
  if (isStorageLocation(location)) {
    const { fs, path } = storagePath(location);
    return fs.open(path, what);
  }
  if (scheme === 'file') return openRegularFile(filePathOfUrl(location), { what });
  if (scheme !== '') {
    throw new FileSystemError('unknown_scheme', `${location}: no handler for ${scheme}:// locations`, {
      hint: 'use a path, file://, http(s)://, opfs://, indexeddb:// or a mem:// location from mountFiles()', details: { path: location, scheme },
    });
  }
  return openRegularFile(location, { what });
}

/**
 * Read a whole small file (state file, meta.json, model.json) from any location, refusing one
 * over `maxBytes` before allocating.
 * @throws as openSource; FormatError `file_too_large_to_read`.
 */
export async function readSource(location: string, maxBytes: number, options: OpenSourceOptions = {}): Promise<Uint8Array> {
  const src = await openSource(location, options);
  try {
    return await src.readAll(maxBytes);
  } finally {
    await src.close();
  }
}
