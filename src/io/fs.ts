/**
 * The filesystem calls of the layers above io/, routed by location like io/source.ts: plain paths
 * and `file://` go to Node (`#graft/node`: `node:fs/promises`, or in a browser a typed
 * `no_filesystem` error), `opfs://` / `indexeddb://` / `mem://` to storage (storage/store.ts),
 * `http(s)://` to the server for what HTTP can answer (a file's existence and size; a location
 * ending in `/` counts as a directory; nothing can be listed or written there).
 *
 * The calls keep Node's names and the parts of their contracts Graft uses (`stat` rejects when
 * nothing is there, `mkdir` takes `{ recursive }`, `readdir` returns names), so a module moves
 * from `node:fs/promises` to here by its import line.
 */
import { FileSystemError } from '../errors.js';
import * as host from '#graft/node';
import { openHttpSource } from './http-source.js';
import { schemeOf } from './path.js';
import { filePathOfUrl, readSource } from './source.js';
import { isStorageLocation, storagePath, type StorageStat } from './storage/index.js';

export {
  existsSync, readFileSync, unlinkSync, constants, hostname, tmpdir,
  availableParallelism, sha256Hex, fileURLToPath, pidAlive, HOST, openRegularFile, recoverDirectory,
  AtomicFile, tempSibling, fsyncDir,
} from '#graft/node';
export type { FileHandle } from '#graft/node';

/** Refuse a Node-only call on a location with a scheme (it would create a literal `opfs:` folder). */
function nodeOnly<F extends (p: any, ...rest: any[]) => any>(op: string, f: F): F {
  return ((p: unknown, ...rest: unknown[]) => {
    if (typeof p === 'string' && schemeOf(p) !== '' && schemeOf(p) !== 'file') {
      return Promise.reject(new FileSystemError('not_supported_here', `${p}: ${op} works on files only, not on ${schemeOf(p)}:// locations`, {
        hint: 'this operation (run locks, event files, appends) needs a filesystem path; use a path in Node', details: { path: p, op },
      }));
    }
    return f(typeof p === 'string' ? nodePath(p) : p, ...rest);
  }) as F;
}

/** Node-only file calls (a scheme location is refused with FileSystemError `not_supported_here`). */
export const open = nodeOnly('open', host.open);
export const rename = nodeOnly('rename', host.rename);
export const link = nodeOnly('link', host.link);
export const mkdtemp = nodeOnly('mkdtemp', host.mkdtemp);
export const appendFile = nodeOnly('appendFile', host.appendFile);

/** The facts of a `stat` that Graft reads (a Node `Stats` has them all). */
export type FileStat = StorageStat;

const isHttp = (p: string): boolean => { const s = schemeOf(p); return s === 'http' || s === 'https'; };
const nodePath = (p: string): string => (schemeOf(p) === 'file' ? filePathOfUrl(p) : p);

function notFound(p: string): FileSystemError {
  return new FileSystemError('file_not_found', `${p}: no such file or directory`, { hint: 'check the location', details: { path: p } });
}

function readOnly(op: string, p: string): FileSystemError {
  return new FileSystemError('read_only', `${p}: cannot ${op} over HTTP`, { hint: 'write to a path, opfs:// or indexeddb:// location instead', details: { path: p, op } });
}

/** `stat`: rejects (FileSystemError / Node errno error) when nothing is at `p`. */
export async function stat(p: string): Promise<FileStat> {
  if (isStorageLocation(p)) {
    const { fs, path } = storagePath(p);
    const s = await fs.stat(path);
    if (s === undefined) throw notFound(p);
    return s;
  }
  if (isHttp(p)) {
    if (p.endsWith('/')) return { size: 0, mtimeMs: 0, dev: 0, ino: 0, isFile: () => false, isDirectory: () => true, isSymbolicLink: () => false, isFIFO: () => false };
    let size: number;
    try {
      const src = await openHttpSource(p, { what: 'file' });
      size = src.size;
      await src.close();
    } catch (e) {
      if (e instanceof FileSystemError && e.code === 'file_not_found') throw notFound(p);
      throw e;
    }
    return { size, mtimeMs: 0, dev: 0, ino: 0, isFile: () => true, isDirectory: () => false, isSymbolicLink: () => false, isFIFO: () => false };
  }
  return host.stat(nodePath(p));
}

/** `lstat` (storage and HTTP have no links: same as `stat`). */
export async function lstat(p: string): Promise<FileStat> {
  return isStorageLocation(p) || isHttp(p) ? stat(p) : host.lstat(nodePath(p));
}

/** A directory entry of `readdir(p, { withFileTypes: true })`. */
export interface DirEntry {
  name: string;
  isFile(): boolean;
  isDirectory(): boolean;
}

/** Names in directory `p` (or entries, with `withFileTypes`). @throws FileSystemError `listing_unsupported` over HTTP. */
export async function readdir(p: string): Promise<string[]>;
export async function readdir(p: string, options: { withFileTypes: true }): Promise<DirEntry[]>;
export async function readdir(p: string, options?: { withFileTypes: true }): Promise<string[] | DirEntry[]> {
  if (isStorageLocation(p)) {
    const { fs, path } = storagePath(p);
    const names = await fs.readdir(path);
    if (!options?.withFileTypes) return names;
    const out: DirEntry[] = [];
    for (const name of names) {
      const s = await fs.stat(path === '' ? name : `${path}/${name}`);
      out.push({ name, isFile: () => s?.isFile() ?? false, isDirectory: () => s?.isDirectory() ?? false });
    }
    return out;
  }
  if (isHttp(p)) {
    throw new FileSystemError('listing_unsupported', `${p}: an HTTP server cannot be asked what a directory holds`, {
      hint: 'name the file: a checkpoint prefix (…/model.ckpt-100), a .safetensors file or a model.json', details: { path: p },
    });
  }
  return options?.withFileTypes ? host.readdir(nodePath(p), { withFileTypes: true }) : host.readdir(nodePath(p));
}

/** `mkdir` (storage: directories are records; `recursive` is implied). */
export async function mkdir(p: string, options?: { recursive?: boolean; mode?: number }): Promise<string | undefined> {
  if (isStorageLocation(p)) {
    const { fs, path } = storagePath(p);
    await fs.mkdir(path);
    return undefined;
  }
  if (isHttp(p)) throw readOnly('create a directory', p);
  return host.mkdir(nodePath(p), options);
}

/** The whole file as bytes, or as text with `'utf8'` (capped at 2 GiB; io/source.ts `readSource` caps lower). */
export async function readFile(p: string): Promise<Uint8Array>;
export async function readFile(p: string, encoding: 'utf8'): Promise<string>;
export async function readFile(p: string, encoding?: 'utf8'): Promise<Uint8Array | string> {
  const bytes = isStorageLocation(p) || isHttp(p) ? await readSource(p, 2 ** 31 - 1) : undefined;
  if (bytes !== undefined) return encoding === 'utf8' ? new TextDecoder().decode(bytes) : bytes;
  return encoding === 'utf8' ? host.readFile(nodePath(p), 'utf8') : host.readFile(nodePath(p));
}

/** Write a whole file (storage: one publish; Node: not atomic — use io/ Publish for checkpoints). */
export async function writeFile(p: string, data: Uint8Array | string, options?: { mode?: number; flag?: string }): Promise<void> {
  if (isStorageLocation(p)) {
    const { fs, path } = storagePath(p);
    await fs.writeFile(path, data);
    return;
  }
  if (isHttp(p)) throw readOnly('write', p);
  await host.writeFile(nodePath(p), data, options);
}

/** Delete a file. */
export async function unlink(p: string): Promise<void> {
  if (isStorageLocation(p)) {
    const { fs, path } = storagePath(p);
    await fs.unlink(path);
    return;
  }
  if (isHttp(p)) throw readOnly('delete', p);
  await host.unlink(nodePath(p));
}

/** `rm` with `{ force }` (storage: files only). */
export async function rm(p: string, options?: { recursive?: boolean; force?: boolean }): Promise<void> {
  if (isStorageLocation(p)) {
    await unlink(p).catch((e) => { if (!options?.force) throw e; });
    return;
  }
  if (isHttp(p)) throw readOnly('delete', p);
  await host.rm(nodePath(p), options);
}

/**
 * Replace a whole file atomically: io/atomic-file.ts for paths (temporary, fsync, rename), a
 * one-file publish in storage.
 */
export async function atomicWriteFile(p: string, data: Uint8Array | string, options: { fsync?: boolean } = {}): Promise<void> {
  if (isStorageLocation(p)) return writeFile(p, data);
  if (isHttp(p)) throw readOnly('write', p);
  await host.atomicWriteFile(nodePath(p), data, options);
}

/** `realpath` (storage and HTTP locations are their own real path). */
export async function realpath(p: string): Promise<string> {
  if (isStorageLocation(p) || isHttp(p)) {
    await stat(p);
    return p;
  }
  return host.realpath(nodePath(p));
}
