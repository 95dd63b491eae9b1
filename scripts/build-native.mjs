#!/usr/bin/env node
// Builds the native oneDNN kernels (native/ → native/build/Release/graft_native.node) with
// node-gyp. Run by scripts/setup.sh (npm run build:native); not an install script, so npm never
// holds it back. Exits 0 with a message when oneDNN's headers are absent: Graft then runs on the
// wasm path. AVX2/FMA compiler flags are used only when this machine's CPU reports both.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
if (!existsSync(root + 'native/binding.gyp')) {
  console.error('build:native: no native/binding.gyp; nothing to build');
  process.exit(0);
}
if (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && !existsSync('/usr/include/dnnl.hpp')) {
  console.error('build:native: oneDNN headers not found; skipping the native kernels (Graft runs on the wasm path).');
  console.error('build:native: to build them: apt-get install -y libdnnl-dev && npm run build:native');
  process.exit(0);
}

let simd = '0';
try {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(/\s+/) ?? [];
  if (flags.includes('avx2') && flags.includes('fma')) simd = '1';
} catch {
  // not Linux or no /proc: portable flags
}

// node-gyp: the copy bundled with npm (no download), else one on PATH (npm run puts it there).
const candidates = [
  join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  join(root, 'node_modules/node-gyp/bin/node-gyp.js'),
];
const gypJs = candidates.find((p) => existsSync(p));
const args = ['rebuild', '--directory', join(root, 'native')];
if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
const env = { ...process.env, GRAFT_NATIVE_SIMD: simd, JOBS: process.env.JOBS ?? '2' };
console.error(`build:native: node-gyp ${args.join(' ')} (avx2+fma: ${simd === '1' ? 'yes' : 'no'})`);
const r = gypJs
  ? spawnSync('nice', [process.execPath, gypJs, ...args], { stdio: 'inherit', cwd: root, env })
  : spawnSync('nice', ['node-gyp', ...args], { stdio: 'inherit', cwd: root, env });
if (r.status !== 0) {
  console.error('build:native: build failed; Graft runs on the wasm path. See the compiler output above.');
}
process.exit(r.status ?? 1);
