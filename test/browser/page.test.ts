// The browser example (examples/browser/) in a real headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; no browser download), served by scripts/serve-examples.mjs. The Node
// figures it is compared with are computed here, by the same functions on the same data and seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { initBackend } from '../../src/runtime/backend.js';
import { loadMnist } from '../../src/models/data/mnist.js';
import { openSafetensors } from '../../src/formats/safetensors/index.js';
import { runScenario, type ScenarioResult } from '../../examples/browser/scenario.js';
import type { PageResult } from '../../examples/browser/main.js';
import type { LazyRead } from '../../examples/browser/page-io.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (Debian's chromium; scripts/setup.sh installs it): the browser tests need a real browser`;
const root = new URL('../../../', import.meta.url).pathname;
const DIR = join(root, 'test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam');
const PREFIX = join(DIR, 'model.ckpt-20000');

interface Server { url: string; stats(): { requests: number; bytes: number; rangeRequests: number; log: { path: string; range: string | null; status: number; bytes: number }[] }; reset(): void; close(): Promise<void> }

let server: Server;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let node: ScenarioResult;
let first: PageResult;
const problems: string[] = [];
let work: string;

before(async () => {
  if (skip) return;
  work = await mkdtemp(join(tmpdir(), 'graft-browser-'));
  const { buildExample } = (await import(join(root, 'examples/browser/build.mjs'))) as { buildExample(o?: { minify?: boolean }): Promise<unknown> };
  await buildExample({ minify: true });
  const { startServer } = (await import(join(root, 'scripts/serve-examples.mjs'))) as { startServer(o: { port: number; quiet: boolean }): Promise<Server> };
  server = await startServer({ port: 0, quiet: true });
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  // the Node figures, while the page loads
  await initBackend({ backend: 'wasm' });
  const [train, test] = [await loadMnist({ split: 'train' }), await loadMnist({ split: 'test' })];
  const visit = page.goto(`${server.url}/examples/browser/`).then(() => page.evaluate(() => (globalThis as unknown as { graftExample: { done: Promise<PageResult> } }).graftExample.done));
  node = (await runScenario(PREFIX, { train, test })).result;
  first = await visit;
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test('the page restores the TF-written checkpoint over HTTP with the plan report, and classifies the test digits as Node does', { skip }, () => {
  assert.equal(first.crossOriginIsolated, true, 'the server\'s COOP/COEP headers make the page cross-origin isolated');
  assert.equal(first.backend.backend, 'wasm');
  assert.equal(first.backend.simd, true);
  const r = first.scenario!.restore;
  assert.deepEqual(r.summary, { restored: 6, renamed: 0, missing_in_checkpoint: 0, shape_mismatch: 0, dtype_mismatch: 0, excluded: 0, reinitialized: 0, unused_in_checkpoint: 15 });
  assert.match(r.report, /summary: 6 restored, 15 unused_in_checkpoint/);
  assert.match(r.report, /conv2d_1\/kernel\s+float32 \[5,5,4,8\]/);
  assert.match(r.report, /^restore plan: http:\/\/127\.0\.0\.1:\d+\/test\/fixtures\/tf1-bundle\/hsbarker-estimator-cnn-adam\/model\.ckpt-20000/);
  // the figure test/checkpoint/tf-fixtures.test.ts asserts in Node for the same file
  assert.equal(r.testDigits, 10000);
  assert.equal(r.correct, 9884);
  assert.equal(node.restore.correct, 9884);
});

test('features-mode transfer and the class changes (9 added, 4 and 9 merged) reach the Node accuracies (±1 point) on the same data and seed', { skip }, (ctx) => {
  const t = first.scenario!.transfer;
  const c = first.scenario!.classChange;
  ctx.diagnostic(`transfer: page ${t.accuracy}, Node ${node.transfer.accuracy}; class change: page ${c.accuracy}, Node ${node.classChange.accuracy}; merge: page ${first.scenario!.merge.accuracy}, Node ${node.merge.accuracy}; page ran ${first.seconds.toFixed(1)} s`);
  assert.deepEqual([t.trainExamples, t.testExamples, t.steps], [node.transfer.trainExamples, node.transfer.testExamples, node.transfer.steps]);
  assert.ok(Math.abs(t.accuracy - node.transfer.accuracy) <= 0.01, `transfer: page ${t.accuracy}, Node ${node.transfer.accuracy}`);
  assert.ok(t.accuracy > 0.8, `a head from 10 examples per digit on the restored body's features: ${t.accuracy}`);
  assert.deepEqual(c.summary, { kept: 9, new: 1 });
  assert.equal(c.statuses[9], '9:new');
  assert.deepEqual([c.trainExamples, c.testExamples], [100, 10000]);
  assert.ok(Math.abs(c.accuracy - node.classChange.accuracy) <= 0.01, `class change: page ${c.accuracy}, Node ${node.classChange.accuracy}`);
  assert.ok(c.accuracy > 0.8, `digit 9 added from 10 examples: ${c.accuracy}`);
  const m = first.scenario!.merge;
  assert.deepEqual(m.summary, { kept: 8, merged: 1, merged_away: 2 });
  assert.equal(m.testExamples, 10000);
  assert.ok(Math.abs(m.accuracy - node.merge.accuracy) <= 0.01, `merge: page ${m.accuracy}, Node ${node.merge.accuracy}`);
  assert.ok(m.accuracy > 0.85, `the merged head, untrained: ${m.accuracy}`);
});

test('a lazy one-tensor read over HTTP fetches at most the index + 1.1× that tensor\'s bytes', { skip }, async (ctx) => {
  const url = `${server.url}/test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000`;
  server.reset();
  const r = await page.evaluate(([u, n]) => (globalThis as unknown as { graftExample: { lazyRead(u: string, n: string): Promise<LazyRead> } }).graftExample.lazyRead(u!, n!), [url, 'dense/kernel']);
  const s = server.stats();
  assert.deepEqual([r.dtype, r.shape, r.bytes], ['float32', [392, 10], 392 * 10 * 4]);
  const indexBytes = (await stat(PREFIX + '.index')).size;
  const dataBytes = (await stat(PREFIX + '.data-00000-of-00001')).size;
  ctx.diagnostic(`lazy read: ${s.bytes} bytes in ${s.requests} requests (${s.rangeRequests} Range); index ${indexBytes}, tensor ${r.bytes}, data file ${dataBytes}`);
  assert.ok(s.bytes <= indexBytes + 1.1 * r.bytes, `fetched ${s.bytes} bytes; index ${indexBytes} + tensor ${r.bytes} (data file ${dataBytes}); ${JSON.stringify(s.log)}`);
  const data = s.log.filter((e) => e.path.endsWith('.data-00000-of-00001'));
  assert.ok(data.length >= 1 && data.every((e) => e.status === 206), `the data file is read with Range requests: ${JSON.stringify(data)}`);
});

test('the download is a safetensors file the Node CLI reads (graft inspect)', { skip }, async () => {
  assert.ok(first.download, `the page prepared no download: ${first.errors.join('; ')}`);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('#download')]);
  const file = join(work, download.suggestedFilename());
  await download.saveAs(file);
  assert.equal(download.suggestedFilename(), 'graft-example.safetensors');
  const cli = spawnSync(process.execPath, [join(root, 'bin/graft'), 'inspect', file], { encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout, /head\/kernel\s+float32\s+\[392, 10\]\s+15,680/);
  assert.match(cli.stdout, /conv2d\/kernel/);
  const reader = await openSafetensors(file);
  try {
    const k = await reader.read('head/kernel');
    const digest = Buffer.from(await crypto.subtle.digest('SHA-256', new Uint8Array(k.data))).toString('hex');
    assert.equal(digest, first.saved!.digests['head/kernel'], 'the downloaded head is the saved one, byte for byte');
  } finally {
    await reader.close();
  }
  assert.ok((await readFile(file)).length > 392 * 10 * 4);
});

test('the checkpoint saved to OPFS and to IndexedDB restores bit-identically after a page reload', { skip }, async () => {
  assert.deepEqual(first.saved!.urls, ['opfs://graft-example/model.ckpt', 'indexeddb://graft-example/model.ckpt']);
  assert.equal(Object.keys(first.saved!.digests).length, 6);
  await page.goto(`${server.url}/examples/browser/?phase=reload`);
  const again = await page.evaluate(() => (globalThis as unknown as { graftExample: { done: Promise<PageResult> } }).graftExample.done);
  assert.equal(again.phase, 'reload');
  assert.equal(again.reloaded!.length, 2);
  for (const r of again.reloaded!) {
    assert.equal(r.restored, 6, r.url);
    assert.deepEqual(r.digests, first.saved!.digests, r.url);
    assert.equal(r.identical, true, r.url);
  }
});

test('no console errors, page errors or failed requests in the whole run', { skip }, () => {
  assert.deepEqual(first.errors, [], 'steps that failed in the page');
  assert.deepEqual(problems, []);
});
