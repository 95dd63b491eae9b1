#!/usr/bin/env node
// Bundle the browser example (examples/browser/main.ts → examples/browser/dist/main.js) with
// esbuild's JS API, from Graft's sources, tfjs included: `node examples/browser/build.mjs [--minify]`.
// Also importable: `await buildExample({ entry, outfile })` (the tests and the browser bench use it).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const stubs = process.env.GRAFT_EXAMPLE_STUBS === '1' ? [(await import('./node-stubs.mjs')).nodeStubs] : [];
const here = dirname(fileURLToPath(import.meta.url));

/** Bundle `entry` (default main.ts) to `outfile` (default dist/main.js); resolves to esbuild's metafile. */
export async function buildExample(options = {}) {
  const r = await build({
    entryPoints: [options.entry ?? join(here, 'main.ts')],
    outfile: options.outfile ?? join(here, 'dist', 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: options.minify ?? false,
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins: options.plugins ?? stubs,
    ...(stubs.length ? { banner: { js: 'globalThis.process ??= { env: {}, platform: "browser", versions: {} };' } } : {}),
  });
  return r.metafile;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildExample({ minify: process.argv.includes('--minify') });
  console.log(`built ${join(here, 'dist', 'main.js')}`);
}
