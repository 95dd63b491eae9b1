/**
 * Where the real data of the built-in models and the demo lives: `data/` at the root of a clone of
 * the repository, found from this file's own URL (never from the working directory), or
 * `GRAFT_DATA_DIR` when set. The npm package does not carry the datasets (4 MB of the 4.4 MB
 * tarball; a library user trains on their own data): an installed copy needs GRAFT_DATA_DIR for
 * the built-in data, and says so.
 */
import { existsSync, readFileSync } from '../../io/fs.js';
import { dirname, join } from '../../io/path.js';
import { fileURLToPath } from '../../io/fs.js';
import { GraftError } from '../../errors.js';

let cached: string | undefined;

/** The package's `data/` directory (holding `mnist/` and `banking77/`). */
export function dataDir(): string {
  const env = process.env.GRAFT_DATA_DIR;
  if (env) return env;
  if (cached) return cached;
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
