/**
 * Graft as a browser bundler sees it: every `exports` subpath of package.json, imported by name
 * (`graft/formats`, …) from a consumer file and bundled by esbuild with `platform: 'browser'`,
 * `format: 'esm'` — no plugin, no shims, no Node built-in marked `external` (only tfjs, which
 * the page brings). Asserts: the build succeeds (0 unresolved imports), no Node-only module of
 * Graft (io/node.js, open-file, publish, atomic-file, crc-node, h5-node, host-node) nor
 * h5wasm / @node-rs is in the bundle's inputs, and one bundle with tfjs included resolves too.
 * Reports (prints, does not time) the min+gzip size of formats + checkpoint with tfjs external:
 * the figure in docs/io.md. Needs `tsc` first (the `imports` targets are dist files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const repo = new URL('../../../', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; imports: Record<string, Record<string, string>> };
const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json').map((k) => (k === '.' ? 'graft' : `graft/${k.slice(2)}`));
const NODE_ONLY = /dist\/src\/(io\/(node|open-file|publish|atomic-file|fault)|formats\/crc-node|formats\/keras-h5\/h5-node|runtime\/host-node|models\/data\/user\/image-codecs-node)\.js$|node_modules\/(h5wasm|@node-rs|pngjs)\//;

async function bundle(contents: string, external: string[]): Promise<{ out: Uint8Array; inputs: string[]; warnings: string[] }> {
  const r = await esbuild.build({
    stdin: { contents, resolveDir: repo, loader: 'js', sourcefile: 'page.js' },
    bundle: true, platform: 'browser', format: 'esm', minify: true, write: false, metafile: true, logLevel: 'silent', external,
  });
  return { out: r.outputFiles[0]!.contents, inputs: Object.keys(r.metafile.inputs), warnings: r.warnings.map((w) => w.text) };
}

test('every package subpath bundles for the browser with 0 unresolved imports and no Node-only module', async () => {
  for (const sub of subpaths) {
    let b;
    try {
      b = await bundle(`export * from '${sub}';`, ['@tensorflow/*']);
    } catch (e) {
      const errors = (e as { errors?: { text: string; location?: { file: string } }[] }).errors ?? [];
      assert.fail(`${sub}: ${errors.length} unresolved: ${errors.slice(0, 5).map((m) => `${m.text} (${m.location?.file})`).join('; ')}`);
    }
    const nodeOnly = b.inputs.filter((f) => NODE_ONLY.test(f));
    assert.deepEqual(nodeOnly, [], `${sub} pulls in Node-only modules`);
    assert.ok(!b.inputs.some((f) => f.startsWith('node:')), `${sub} imports a Node built-in`);
  }
});

test('the browser variants are what package.json imports map to (one per Node-only module)', () => {
  for (const [name, map] of Object.entries(pkg.imports)) {
    assert.ok(map.browser && map.default && map.browser !== map.default, `${name} has a browser variant`);
  }
});

test('workflows with tfjs bundled in: resolves without externals', async () => {
  const b = await bundle("export * from 'graft/workflows';", []);
  assert.ok(b.out.length > 0);
  assert.deepEqual(b.inputs.filter((f) => NODE_ONLY.test(f)), []);
});

test('size report: formats + checkpoint, tfjs external, min+gzip (goal <= 150 KB)', async () => {
  const b = await bundle("export * from 'graft/formats'; export * from 'graft/checkpoint';", ['@tensorflow/*']);
  const gz = gzipSync(b.out, { level: 9 }).length;
  console.log(`browser bundle formats+checkpoint (tfjs external): ${(b.out.length / 1024).toFixed(1)} KB min, ${(gz / 1024).toFixed(1)} KB min+gzip`);
  assert.ok(gz <= 150 * 1024, `formats+checkpoint is ${(gz / 1024).toFixed(1)} KB min+gzip, over the 150 KB goal`);
});
