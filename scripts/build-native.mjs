#!/usr/bin/env node
// Builds the native oneDNN kernels (native/ → native/build/Release/graft_native.node) with
// node-gyp. Three callers:
//   - the repo's setup (scripts/setup.sh → `npm run build:native`);
//   - the package's `install` script, when a consumer runs `npm install graft` (npm ≥ 11 runs a
//     dependency's install script only once it is approved: `npm install-scripts approve graft`
//     or `npm install --allow-scripts=graft`);
//   - `npx graft build-native`, the route that works in any consumer project afterwards.
// Flags: --if-needed  skip when the addon is newer than every native source;
//        --install    never fail (an install must not break over an optional speed-up): print one
//                     line saying why the native kernels were not built and how to get them.
// oneDNN is found, in this order: $GRAFT_DNNL_DIR (a oneDNN the user built or unpacked: its
// include/ and lib/), pkg-config `dnnl`, the system headers (Debian's libdnnl-dev). AVX2/FMA
// compiler flags are used only when this machine's CPU reports both. No download of any kind:
// node-gyp is npm's bundled copy, and Node's headers come from the system (Debian's nodejs ships
// them in /usr/include/node) or node-gyp's cache.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = new Set(process.argv.slice(2));
const install = args.has('--install');
const ifNeeded = args.has('--if-needed') || install;
const tag = install ? 'graft install' : 'build:native';
const advice = 'npx graft build-native (or, in the repo, npm run build:native)';

function skip(why, how) {
  console.error(`${tag}: native kernels not built: ${why}; Graft runs on the wasm path.${how ? ` To get them: ${how}` : ''}`);
  process.exit(0);
}

if (process.env.GRAFT_SKIP_NATIVE === '1') skip('GRAFT_SKIP_NATIVE=1', '');
const nativeDir = join(root, 'native');
if (!existsSync(join(nativeDir, 'binding.gyp'))) skip('no native/binding.gyp in this copy', '');

const addon = join(nativeDir, 'build/Release/graft_native.node');
if (ifNeeded && existsSync(addon)) {
  const built = statSync(addon).mtimeMs;
  const sources = [join(nativeDir, 'binding.gyp'), ...readdirSync(join(nativeDir, 'src')).map((f) => join(nativeDir, 'src', f))];
  if (sources.every((f) => statSync(f).mtimeMs <= built)) {
    console.error(`${tag}: native kernels already built (${addon})`);
    process.exit(0);
  }
}

/** Where oneDNN's headers and library are: {include, lib} ('' = the compiler's defaults). */
function findOneDnn() {
  const dir = process.env.GRAFT_DNNL_DIR;
  if (dir) {
    const include = join(dir, 'include');
    if (!existsSync(join(include, 'oneapi/dnnl/dnnl.hpp'))) {
      skip(`GRAFT_DNNL_DIR=${dir} has no include/oneapi/dnnl/dnnl.hpp`, 'point GRAFT_DNNL_DIR at a oneDNN install prefix (the folder holding include/ and lib/)');
    }
    const lib = ['lib', 'lib64'].map((d) => join(dir, d)).find((d) => existsSync(d)) ?? join(dir, 'lib');
    return { include, lib, from: `GRAFT_DNNL_DIR=${dir}` };
  }
  const pc = spawnSync('pkg-config', ['--variable=includedir', 'dnnl'], { encoding: 'utf8' });
  if (pc.status === 0 && pc.stdout.trim()) {
    const include = pc.stdout.trim();
    const lib = spawnSync('pkg-config', ['--variable=libdir', 'dnnl'], { encoding: 'utf8' }).stdout.trim();
    if (existsSync(join(include, 'oneapi/dnnl/dnnl.hpp'))) return { include, lib, from: 'pkg-config dnnl' };
  }
  // native/src includes <oneapi/dnnl/dnnl.hpp> (oneDNN ≥ 2.0's layout), so that is the file to find
  if (existsSync('/usr/include/oneapi/dnnl/dnnl.hpp')) return { include: '', lib: '', from: 'system headers' };
  return null;
}

const dnnl = findOneDnn();
if (!dnnl) skip('oneDNN headers not found', `apt-get install -y libdnnl-dev (or set GRAFT_DNNL_DIR), then ${advice}`);

let simd = '0';
try {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [];
  if (flags.includes('avx2') && flags.includes('fma')) simd = '1';
} catch {
  // not Linux or no /proc: portable flags
}

// node-gyp: the copy npm runs install scripts with, the copy bundled with npm, else one on PATH.
const candidates = [
  process.env.npm_config_node_gyp,
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
].filter(Boolean);
const gypJs = candidates.find((p) => existsSync(p));
const gypArgs = ['rebuild', '--directory', nativeDir];
if (existsSync('/usr/include/node/node_api.h')) gypArgs.push('--nodedir=/usr');
const env = {
  ...process.env, GRAFT_NATIVE_SIMD: simd, JOBS: process.env.JOBS ?? '2',
  GRAFT_DNNL_INCLUDE: dnnl.include, GRAFT_DNNL_LIB: dnnl.lib,
};
console.error(`${tag}: node-gyp ${gypArgs.join(' ')} (oneDNN: ${dnnl.from}; avx2+fma: ${simd === '1' ? 'yes' : 'no'})`);
const r = gypJs
  ? spawnSync('nice', [process.execPath, gypJs, ...gypArgs], { stdio: install ? ['ignore', 'ignore', 'inherit'] : 'inherit', cwd: root, env })
  : spawnSync('nice', ['node-gyp', ...gypArgs], { stdio: install ? ['ignore', 'ignore', 'inherit'] : 'inherit', cwd: root, env });
if (r.status !== 0) {
  if (install) skip('the build failed (compiler output above)', `fix what it says, then ${advice}`);
  console.error('build:native: build failed; Graft runs on the wasm path. See the compiler output above.');
  process.exit(r.status ?? 1);
}
console.error(`${tag}: native kernels built (${addon})`);
