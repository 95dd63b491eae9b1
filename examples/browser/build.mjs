#!/usr/bin/env node
// Bundle the browser example with esbuild's JS API: `npm run build && node examples/browser/build.mjs [--minify]`
// → examples/browser/dist/main.js. The entry is the tsc output (dist/examples/browser/main.js), so
// Graft's modules come from dist/ as an installed package's would, and its package.json `imports`
// (#graft/node, #graft/crc, …) resolve to their `browser` variants: no plugin, no shims.
// Also importable: `await buildExample({ entry, outfile, minify })` (the tests and the browser bench use it).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

/** Bundle `entry` (default dist/examples/browser/main.js) to `outfile` (default examples/browser/dist/main.js); resolves to esbuild's metafile. */
export async function buildExample(options = {}) {
  const entry = options.entry ?? join(root, 'dist/examples/browser/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build" (tsc) first`);
  const r = await build({
    entryPoints: [entry],
    outfile: options.outfile ?? join(here, 'dist', 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  return r.metafile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildExample({ minify: process.argv.includes('--minify') });
  console.log(`built ${join(here, 'dist', 'main.js')}`);
}
