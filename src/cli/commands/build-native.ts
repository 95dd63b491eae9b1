/**
 * `graft build-native [--json]`: build the native oneDNN kernels of this copy of Graft — the route
 * that works in a consumer's project, where npm may have skipped Graft's install script (npm ≥ 11
 * runs a dependency's install script only once approved) and `npm run build:native` does not
 * exist. Runs the package's own scripts/build-native.mjs, then loads the result in a fresh process
 * to say whether the native kernels are active.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BackendError } from '../../errors.js';
import { addonPath, packageRoot } from '../../runtime/index.js';
import type { Command } from '../command.js';

/** What `graft build-native` reports. */
export interface BuildNativeReport {
  /** The addon file after the build. */
  addonPath: string;
  built: boolean;
  /** Kernels a fresh `graft doctor` process sees: `native` when the build took. */
  kernels: string;
  /** The build script's last line (why it skipped, when it did). */
  message: string;
}

/** Build the native kernels in place and report whether a fresh process loads them. */
export function buildNative(): BuildNativeReport {
  const root = packageRoot();
  const script = join(root, 'scripts', 'build-native.mjs');
  if (!existsSync(script)) {
    throw new BackendError('native_build_unavailable', `${script} is missing from this copy of Graft`, {
      hint: 'reinstall the package (npm install graft), or build from a clone of the repository',
    });
  }
  const r = spawnSync(process.execPath, [script], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  const err = r.stderr ?? '';
  process.stderr.write(err);
  const message = err.trim().split('\n').filter((l) => l.length > 0).pop() ?? '';
  const bin = join(root, 'bin', 'graft');
  const probe = spawnSync(process.execPath, [bin, 'doctor', '--json'], { encoding: 'utf8', env: { ...process.env, GRAFT_BACKEND: '' } });
  let kernels = 'unknown';
  try {
    kernels = String((JSON.parse(probe.stdout) as { kernels?: string }).kernels ?? 'unknown');
  } catch {
    // doctor failed: reported as unknown; its stderr says why
    process.stderr.write(probe.stderr ?? '');
  }
  const path = addonPath();
  return { addonPath: path, built: existsSync(path), kernels, message };
}

function render(r: BuildNativeReport): string {
  return r.kernels === 'native'
    ? `native kernels built and active (${r.addonPath}); graft doctor shows kernels: native`
    : `native kernels not active (kernels: ${r.kernels}): ${r.message}`;
}

/** `graft build-native`. */
export const buildNativeCommand: Command<BuildNativeReport> = {
  name: 'build-native',
  summary: 'build the native oneDNN kernels of this copy (works in an installed package)',
  help: [
    'graft build-native — build the native oneDNN kernels (native/ → native/build/Release/graft_native.node)',
    'of this copy of Graft with node-gyp, then check in a fresh process that they load.',
    '',
    'Needs oneDNN (Debian/Ubuntu: apt-get install -y libdnnl-dev; or GRAFT_DNNL_DIR=<prefix> of a',
    'oneDNN built or unpacked elsewhere, or one that pkg-config finds as "dnnl"), a C++17 compiler and',
    'make. Nothing is downloaded. Without oneDNN it says so and Graft keeps running on the wasm path.',
    '',
    'usage: graft build-native [--json]',
    '',
    'examples:',
    '  npx graft build-native',
    '  GRAFT_DNNL_DIR=$HOME/opt/onednn npx graft build-native',
  ].join('\n'),
  options: {},
  async run() {
    return buildNative();
  },
  render,
  exitCode: (r) => (r.kernels === 'native' ? 0 : 1),
};
