/**
 * The Node host: everything of Graft that needs Node built-ins (files, processes, the host name,
 * gzip, hashing), in one module that the layers above io/ reach only as `#graft/node` (package.json
 * `imports`). A bundler building for a browser takes `./browser.ts` instead (the `browser`
 * condition), which has the same exports and throws a typed error from each file operation, so
 * nothing above io/ names a Node built-in and a browser bundle needs no shims.
 */
import { createHash } from 'node:crypto';
import { availableParallelism as nodeParallelism } from 'node:os';

export { openRegularFile, readRegularFile } from './open-file.js';
export type { RegularFile } from './open-file.js';
export { Publish, awaitPublished, checkSnapshot, recoverDirectory, recoverPublish, SnapshotChangedError } from './publish.js';
export { AtomicFile, atomicWriteFile, pidAlive, tempSibling, fsyncDir } from './atomic-file.js';
export {
  stat, lstat, readdir, mkdir, readFile, writeFile, unlink, rename, link, realpath, open, rm, mkdtemp, appendFile,
} from 'node:fs/promises';
export type { FileHandle } from 'node:fs/promises';
export { existsSync, readFileSync, unlinkSync, constants } from 'node:fs';
export { hostname, tmpdir } from 'node:os';
export { fileURLToPath } from 'node:url';

/** `'node'` here, `'browser'` in the browser variant. */
export const HOST: 'node' | 'browser' = 'node';

/** Cores available to this process. */
export function availableParallelism(): number {
  return nodeParallelism();
}

/** SHA-256 of the parts in order, as 64 hex characters (node:crypto). */
export function sha256Hex(parts: readonly (Uint8Array | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
