/**
 * Where the real data of the built-in models and the demo lives: `data/` at the root of a clone of
 * the repository, found from this file's own URL (never from the working directory), or
 * `GRAFT_DATA_DIR` when set. The npm package does not carry the datasets (4 MB of the 4.4 MB
 * tarball; a library user trains on their own data): an installed copy needs GRAFT_DATA_DIR for
 * the built-in data, and says so.
 */
import { existsSync, readFileSync } from '../../io/fs.js';
import { dirname, join } from '../../io/path.js';
import { fileURLToPath, HOST } from '../../io/fs.js';
import { GraftError } from '../../errors.js';

let cached: string | undefined;
let chosen: string | undefined;

/**
 * Use `dir` as the data directory (a path, or in a page a URL such as
 * `new URL('data/', location.href).href` — the loaders read through io/, so `http(s)://` works).
 * Takes precedence over `GRAFT_DATA_DIR`; `undefined` clears it.
 */
export function setDataDir(dir: string | undefined): void {
  chosen = dir?.replace(/\/+$/, '');
}

/** The package's `data/` directory (holding `mnist/` and `banking77/`). */
export function dataDir(): string {
  if (chosen) return chosen;
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.GRAFT_DATA_DIR;
  if (env) return env;
  if (cached) return cached;
  if (HOST === 'browser') {
    throw new GraftError('data_dir_not_found', 'a browser page has no data/ directory of its own', {
      hint: "serve the data/ folder with the page and call setDataDir(new URL('data/', location.href).href) first",
    });
  }
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'data'))) {
      try {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
        if (name === 'graft') {
          cached = join(dir, 'data');
          return cached;
        }
      } catch {
        // not our package.json; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new GraftError('data_dir_not_found', `cannot find Graft's data/ directory above ${fileURLToPath(import.meta.url)}`, {
    hint: 'the npm package ships without the datasets; set GRAFT_DATA_DIR to a folder holding mnist/ and banking77/ (the data/ folder of a clone of the Graft repository)',
  });
}

/** A path inside the data directory. */
export function dataPath(...parts: string[]): string {
  return join(dataDir(), ...parts);
}
