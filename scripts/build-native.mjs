#!/usr/bin/env node
// Builds the native oneDNN kernels (native/) with node-gyp, when native/binding.gyp exists and
// oneDNN's headers are installed. Exits 0 with a message when they are absent: the wasm path runs.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const root = new URL('..', import.meta.url).pathname;
if (!existsSync(root + 'native/binding.gyp')) {
  console.error('build:native: no native/binding.gyp yet; nothing to build');
  process.exit(0);
}
if (!existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') && !existsSync('/usr/include/dnnl.hpp')) {
  console.error('build:native: oneDNN headers not found; install them with: apt-get install -y libdnnl-dev');
  process.exit(0);
}
const r = spawnSync('npm', ['exec', '--', 'node-gyp', 'rebuild', '--directory', 'native'], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
