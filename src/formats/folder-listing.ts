/**
 * Folders for open.ts: finding a tfjs manifest under another name than model.json, and saying
 * what a folder holds when no detector takes it ("found 3 files: a.txt, b.bin, c.md; none is a
 * checkpoint"), so the error names what was found instead of guessing a format.
 */
import { readdir, stat } from '../io/fs.js';
import { openSource } from '../io/source.js';
import { join } from '../io/path.js';

/** Largest `*.json` read to see whether it is a tfjs model.json (tfjs reader's own cap is larger). */
const MAX_PROBE_BYTES = 16 * 1024 * 1024;
/** At most this many `*.json` files are probed in one folder. */
const MAX_PROBES = 16;

/** Whether `needle` (ASCII) occurs in `bytes`. */
function latin1Includes(bytes: Uint8Array, needle: string): boolean {
  const n = Array.from(needle, (c) => c.charCodeAt(0));
  outer: for (let i = 0; i + n.length <= bytes.length; i++) {
    for (let k = 0; k < n.length; k++) if (bytes[i + k] !== n[k]) continue outer;
    return true;
  }
  return false;
}

async function contains(path: string, needle: string): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile() || st.size > MAX_PROBE_BYTES) return false;
  const src = await openSource(path, { what: 'JSON file' }).catch(() => undefined); // never blocks on a FIFO
  if (src === undefined) return false;
  try {
    return latin1Includes(await src.read(0, Math.min(src.size, st.size)), needle);
  } finally {
    await src.close();
  }
}

/**
 * The tfjs manifest of a folder that has no model.json: its only `*weights_manifest.json`, else
 * its only `*.json` holding a "weightsManifest" (a model.json under another name); undefined
 * when there is none or more than one.
 */
export async function findTfjsJson(dir: string): Promise<string | undefined> {
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const manifests = names.filter((n) => n.endsWith('weights_manifest.json'));
  if (manifests.length === 1) return join(dir, manifests[0]!);
  if (manifests.length > 1) return undefined;
  const jsons = names.filter((n) => n.endsWith('.json') && !n.endsWith('.index.json')).slice(0, MAX_PROBES);
  const hits: string[] = [];
  for (const n of jsons) if (await contains(join(dir, n), '"weightsManifest"')) hits.push(n);
  return hits.length === 1 ? join(dir, hits[0]!) : undefined;
}

/** What a folder holds, as an error message and hint for open.ts. */
export interface FolderDescription {
  message: string;
  hint?: string;
  /** Entry names (directories with a trailing `/`), at most 50. */
  found: string[];
}

function list(names: string[], max = 8): string {
  return names.slice(0, max).join(', ') + (names.length > max ? `, … (${names.length} in all)` : '');
}

/** Describe a folder no detector recognised (see the module comment). */
export async function describeFolder(dir: string): Promise<FolderDescription> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.map((e) => (e.isDirectory() ? `${e.name}/` : e.name)).sort();
  const found = names.slice(0, 50);
  if (names.length === 0) return { message: 'the directory is empty; there is no checkpoint in it', found };
  const files = names.filter((n) => !n.endsWith('/'));
  const st = files.filter((n) => n.endsWith('.safetensors'));
  const shards = st.filter((n) => /-\d{5}-of-\d{5}\.safetensors$/.test(n));
  const indexes = files.filter((n) => n.endsWith('.safetensors.index.json'));
  if (indexes.length > 1) {
    return { message: `found ${indexes.length} safetensors index files (${list(indexes)}); which one is meant is not clear`, hint: `pass one of them, e.g. ${join(dir, indexes[0]!)}`, found };
  }
  if (shards.length > 0) {
    return {
      message: `found ${shards.length} safetensors shard${shards.length === 1 ? '' : 's'} (${list(shards)}) but no model.safetensors.index.json`,
      hint: 'download the index file that came with the shards into the same folder (it maps each tensor to its shard), or pass one shard file to read just that one',
      found,
    };
  }
  if (st.length > 1) {
    return { message: `found ${st.length} .safetensors files (${list(st)}) and no index; which one is meant is not clear`, hint: `pass one file, e.g. ${join(dir, st[0]!)}`, found };
  }
  const tf = files.filter((n) => /\.index$|\.data-\d{5}-of-\d{5}$|\.meta$/.test(n));
  if (tf.length > 0) {
    const prefixes = [...new Set(files.filter((n) => n.endsWith('.index')).map((n) => n.slice(0, -'.index'.length)))];
    return {
      message: `Couldn't find 'checkpoint' file or checkpoints in given directory (found ${list(tf)})`,
      hint: prefixes.length > 0 ? `pass a checkpoint prefix, e.g. ${join(dir, prefixes[prefixes.length - 1]!)}` : 'the .index file of the checkpoint is missing; copy it next to the .data files',
      found,
    };
  }
  const manifests = files.filter((n) => n.endsWith('weights_manifest.json'));
  if (manifests.length > 1) {
    return { message: `found ${manifests.length} tfjs weights manifests (${list(manifests)}); which one is meant is not clear`, hint: `pass one of them, e.g. ${join(dir, manifests[0]!)}`, found };
  }
  const what = files.length === names.length ? `file${names.length === 1 ? '' : 's'}` : `entr${names.length === 1 ? 'y' : 'ies'}`;
  return { message: `found ${names.length} ${what}: ${list(names)}; none is a checkpoint Graft reads`, found };
}
