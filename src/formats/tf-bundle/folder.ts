/**
 * A directory that holds TF bundle files but no `checkpoint` state file — e.g. the `variables/`
 * folder of a SavedModel, or a copied `model.ckpt-N.*` set: which prefixes it holds.
 * (TF's `tf.train.latest_checkpoint` needs the state file and fails on such a directory; Graft
 * opens the single bundle it finds, with a note, and names the candidates when there are several.)
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointNotFoundError } from '../../errors.js';

/** Most prefixes named in an error message. */
const MAX_LISTED = 12;

/** Bundle prefixes in `dir`: every `<prefix>.index` (sorted), plus data files without an index. */
export async function bundleFilesIn(dir: string): Promise<{ prefixes: string[]; orphanData: string[] }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const prefixes = names.filter((n) => n.endsWith('.index') && n.length > '.index'.length).map((n) => n.slice(0, -'.index'.length)).sort();
  const have = new Set(prefixes);
  const orphanData = names.filter((n) => {
    const m = /^(.*)\.data-\d{5,}-of-\d{5,}$/.exec(n);
    return m !== null && !have.has(m[1]!);
  }).sort();
  return { prefixes: prefixes.map((p) => join(dir, p)), orphanData };
}

/**
 * The one bundle prefix in a directory without a state file, or undefined when it holds none;
 * throws CheckpointNotFoundError `ambiguous_directory` naming them when it holds several.
 */
export async function singleBundleIn(dir: string): Promise<string | undefined> {
  const { prefixes } = await bundleFilesIn(dir);
  if (prefixes.length <= 1) return prefixes[0];
  const listed = prefixes.slice(0, MAX_LISTED).join(', ') + (prefixes.length > MAX_LISTED ? `, … (${prefixes.length} in all)` : '');
  throw new CheckpointNotFoundError('ambiguous_directory', `${dir} has no 'checkpoint' state file and holds ${prefixes.length} TF checkpoints: ${listed}`, {
    hint: 'pass one checkpoint prefix (without .index / .data-…), or write a `checkpoint` state file naming the latest',
    details: { path: dir, prefixes: prefixes.slice(0, MAX_LISTED) },
  });
}
