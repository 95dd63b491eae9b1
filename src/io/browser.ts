/**
 * The browser host: the same exports as io/node.ts (package.json `imports` `#graft/node`, `browser`
 * condition), without Node built-ins. A page has no filesystem, so every file operation throws
 * FileSystemError `no_filesystem` naming the path and what to use instead (an `http(s)://` URL,
 * `opfs://` / `indexeddb://` storage, or files mounted with `mountFiles`); io/source.ts and io/fs.ts
 * route those locations before they would reach here.
 */
import { FileSystemError } from '../errors.js';
import { Sha256 } from './sha256.js';
import type * as Node from './node.js';

function noFs(op: string): never;
function noFs(op: string, path: unknown): never;
function noFs(op: string, path?: unknown): never {
  const where = typeof path === 'string' ? `${path}: ` : '';
  throw new FileSystemError('no_filesystem', `${where}${op} needs a filesystem, and a browser page has none`, {
    hint: 'in a browser pass an http(s):// URL, an opfs:// or indexeddb:// location, or files mounted with mountFiles(); plain paths work in Node',
    details: { op, path: typeof path === 'string' ? path : undefined },
  });
}

const fileOp = <T>(op: string): T => ((path: unknown) => Promise.reject(errorOf(op, path))) as T;
const syncOp = <T>(op: string): T => ((path: unknown) => noFs(op, path)) as T;
function errorOf(op: string, path: unknown): unknown {
  try { noFs(op, path); } catch (e) { return e; }
}

export const openRegularFile: typeof Node.openRegularFile = fileOp('open');
export const readRegularFile: typeof Node.readRegularFile = fileOp('read');
export const awaitPublished: typeof Node.awaitPublished = fileOp('read');
export const checkSnapshot: typeof Node.checkSnapshot = fileOp('read');
export const recoverDirectory: typeof Node.recoverDirectory = fileOp('recover');
export const recoverPublish: typeof Node.recoverPublish = fileOp('recover');
export const atomicWriteFile: typeof Node.atomicWriteFile = fileOp('write');
export const Publish = { begin: fileOp('write') } as unknown as typeof Node.Publish;
export const AtomicFile = { create: fileOp('write') } as unknown as typeof Node.AtomicFile;
export { SnapshotChangedError } from './snapshot.js';
export const pidAlive: typeof Node.pidAlive = () => false;
export const tempSibling: typeof Node.tempSibling = syncOp('tempSibling');
export const fsyncDir: typeof Node.fsyncDir = syncOp('fsyncDir');

export const stat: typeof Node.stat = fileOp('stat');
export const lstat: typeof Node.lstat = fileOp('lstat');
export const readdir: typeof Node.readdir = fileOp('readdir');
export const mkdir: typeof Node.mkdir = fileOp('mkdir');
export const readFile: typeof Node.readFile = fileOp('readFile');
export const writeFile: typeof Node.writeFile = fileOp('writeFile');
export const unlink: typeof Node.unlink = fileOp('unlink');
export const rename: typeof Node.rename = fileOp('rename');
export const link: typeof Node.link = fileOp('link');
export const realpath: typeof Node.realpath = fileOp('realpath');
export const open: typeof Node.open = fileOp('open');
export const rm: typeof Node.rm = fileOp('rm');
export const mkdtemp: typeof Node.mkdtemp = fileOp('mkdtemp');
export const appendFile: typeof Node.appendFile = fileOp('appendFile');
export const existsSync: typeof Node.existsSync = () => false;
export const readFileSync: typeof Node.readFileSync = syncOp('readFileSync');
export const unlinkSync: typeof Node.unlinkSync = syncOp('unlinkSync');
export const constants = { O_RDONLY: 0, O_NONBLOCK: 0 } as typeof Node.constants;
export const hostname: typeof Node.hostname = () => 'browser';
export const tmpdir: typeof Node.tmpdir = () => noFs('tmpdir');
export const fileURLToPath: typeof Node.fileURLToPath = (url) => noFs('fileURLToPath', String(url));

export const HOST: typeof Node.HOST = 'browser';

export const availableParallelism: typeof Node.availableParallelism = () =>
  Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);

export const sha256Hex: typeof Node.sha256Hex = (parts) => {
  const h = new Sha256();
  for (const p of parts) h.update(p);
  return h.digestHex();
};
