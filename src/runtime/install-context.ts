/**
 * Where this copy of Graft lives, and therefore which command builds its native kernels there:
 * a clone of the repository (`npm run build:native`) or a package installed into someone's
 * project (`npx graft build-native`; `npm run` has no Graft scripts there). Advice that names a
 * command must name one that works where the user stands.
 */
import { existsSync, fileURLToPath } from '#graft/runtime-host';
import { join, sep } from '../io/path.js';

/** The folder holding Graft's package.json (compiled file: dist/src/runtime/install-context.js). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** `'installed'` when Graft sits inside a node_modules folder (a consumer's install), else `'repo'`. */
export function installContext(root: string = packageRoot()): 'installed' | 'repo' {
  return root.split(sep).includes('node_modules') ? 'installed' : 'repo';
}

/** oneDNN's headers where the build script looks for them ($GRAFT_DNNL_DIR, then the system). */
export function oneDnnHeadersFound(env: Record<string, string | undefined> = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {}): boolean {
  const dirs = [env.GRAFT_DNNL_DIR ? join(env.GRAFT_DNNL_DIR, 'include') : undefined, '/usr/include'];
  return dirs.some((d) => d !== undefined && existsSync(join(d, 'oneapi/dnnl/dnnl.hpp'))); // what native/src includes
}

/** The command that (re)builds the native kernels in this copy. */
export function buildNativeCommand(root: string = packageRoot()): string {
  return installContext(root) === 'installed' ? 'npx graft build-native' : 'npm run build:native';
}

/** The whole route to the native kernels on Debian/Ubuntu, from this copy. */
export function howToGetNative(root: string = packageRoot()): string {
  return `apt-get install -y libdnnl-dev && ${buildNativeCommand(root)}`;
}
