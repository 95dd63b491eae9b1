/**
 * A download as a sink: hand files the page produced (a checkpoint written to `mem://` or
 * storage, or bytes in hand) to the user as browser downloads, one `<a download>` click per
 * file, so the Node CLI can read what a page trained (`graft inspect model.ckpt-1`).
 */
import { FileSystemError } from '../errors.js';
import { basename, join } from './path.js';
import { readSource } from './source.js';
import { readdir } from './fs.js';

/** Options of {@link downloadFiles}. */
export interface DownloadOptions {
  /** Only files whose name starts with this (e.g. the checkpoint's base name `model.ckpt-5`). */
  prefix?: string;
  /** Largest single file handed over (default 2 GiB). */
  maxBytes?: number;
}

/**
 * Download every file of directory location `dir` (or those starting with `prefix`), or the
 * given `{ name: bytes }`; returns the names handed over.
 * @throws FileSystemError `no_document` outside a page.
 * @example
 *   await saver.save('mem://run/model.ckpt', 5);
 *   await downloadFiles('mem://run', { prefix: 'model.ckpt-5' });
 */
export async function downloadFiles(dir: string | Record<string, Uint8Array>, options: DownloadOptions = {}): Promise<string[]> {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined || typeof URL.createObjectURL !== 'function') {
    throw new FileSystemError('no_document', 'downloadFiles runs in a browser page only', { hint: 'in Node, write the files to a path instead', details: {} });
  }
  const files: [string, Uint8Array][] = [];
  if (typeof dir === 'string') {
    for (const name of await readdir(dir)) {
      if (options.prefix !== undefined && !name.startsWith(options.prefix)) continue;
      files.push([name, await readSource(join(dir, name), options.maxBytes ?? 2 ** 31 - 1)]);
    }
  } else {
    for (const [name, bytes] of Object.entries(dir)) files.push([basename(name), bytes]);
  }
  for (const [name, bytes] of files) {
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = doc.createElement('a');
    a.href = url;
    a.download = name;
    doc.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return files.map(([n]) => n);
}
