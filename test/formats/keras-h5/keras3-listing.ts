// The independent reader for Keras files in tests: scripts/keras-listing.py (Python zipfile +
// h5py, Debian python3-h5py, installed by scripts/setup.sh). Returns undefined when no Python
// with h5py is found, so a test can say why it skipped.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../../../..', import.meta.url).pathname;

export interface H5Listing {
  zip?: { name: string; size: number; compress_type: number }[];
  config?: unknown;
  metadata?: Record<string, unknown>;
  h5: {
    root_attrs: Record<string, unknown>;
    groups: { path: string; attrs: Record<string, unknown> }[];
    datasets: { path: string; shape: number[]; dtype: string; chunks: unknown; compression: unknown; sha256: string; attrs: Record<string, unknown> }[];
  };
}

let python: string | null | undefined;

/** A Python interpreter that imports h5py (Debian's first: pyenv shims may lack it), or null. */
export function pythonWithH5py(): string | null {
  if (python !== undefined) return python;
  python = null;
  for (const p of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(p, ['-c', 'import h5py'], { encoding: 'utf8' }).status === 0) { python = p; break; }
  }
  return python;
}

/** The listing of `path` by the Python reader (throws when Python fails on it). */
export function independentListing(path: string): H5Listing {
  const py = pythonWithH5py();
  if (!py) throw new Error('no python3 with h5py');
  const r = spawnSync(py, [join(root, 'scripts/keras-listing.py'), path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`keras-listing.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as H5Listing;
}
