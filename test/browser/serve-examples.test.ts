// scripts/serve-examples.mjs, the example's static server, over real HTTP on a free port: COOP/COEP,
// MIME types, Range (206 / 416 / suffix / multi-range), paths kept inside the root, counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

const root = new URL('../../../', import.meta.url).pathname;
interface Server { url: string; port: number; stats(): { requests: number; bytes: number; rangeRequests: number; log: { path: string; range: string | null; status: number; bytes: number }[] }; reset(): void; close(): Promise<void> }
let server: Server;
let plain: Server;

before(async () => {
  const { startServer } = (await import(join(root, 'scripts/serve-examples.mjs'))) as { startServer(o: { port: number; quiet: boolean; isolate?: boolean }): Promise<Server> };
  server = await startServer({ port: 0, quiet: true });
  plain = await startServer({ port: 0, quiet: true, isolate: false });
});
after(async () => {
  await server?.close();
  await plain?.close();
});

/** A raw GET (the path as given, not normalised by a URL parser). */
function get(s: Server, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INDEX = '/test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000.index';

test('every response carries COOP/COEP (or none with isolate: false), and .wasm is application/wasm', async () => {
  const r = await get(server, '/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/wasm');
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(r.body.readUInt32LE(0), 0x6d736100, 'the wasm magic');
  const p = await get(plain, '/package.json');
  assert.equal(p.status, 200);
  assert.equal(p.headers['cross-origin-embedder-policy'], undefined);
  assert.equal(p.headers['content-type'], 'application/json');
});

test('Range: bytes=a-b, a-, -n give 206 with the exact bytes; past the end 416; multi-range the whole file', async () => {
  const file = await readFile(join(root, INDEX));
  const size = (await stat(join(root, INDEX))).size;
  const a = await get(server, INDEX, { Range: 'bytes=10-19' });
  assert.equal(a.status, 206);
  assert.equal(a.headers['content-range'], `bytes 10-19/${size}`);
  assert.deepEqual(a.body, file.subarray(10, 20));
  const b = await get(server, INDEX, { Range: `bytes=${size - 5}-` });
  assert.deepEqual([b.status, b.body], [206, file.subarray(size - 5)]);
  const c = await get(server, INDEX, { Range: 'bytes=-8' });
  assert.deepEqual([c.status, c.body], [206, file.subarray(size - 8)], 'the footer');
  const d = await get(server, INDEX, { Range: `bytes=0-${size + 100}` });
  assert.equal(d.status, 206, 'an end past the file is clamped');
  assert.equal(d.body.length, size);
  const e = await get(server, INDEX, { Range: `bytes=${size}-` });
  assert.equal(e.status, 416);
  assert.equal(e.headers['content-range'], `bytes */${size}`);
  assert.equal((await get(server, INDEX, { Range: 'bytes=5-2' })).status, 416);
  assert.equal((await get(server, INDEX, { Range: 'items=0-1' })).status, 416);
  const m = await get(server, INDEX, { Range: 'bytes=0-1,4-5' });
  assert.deepEqual([m.status, m.body.length], [200, size]);
});

test('paths stay inside the root: traversal and NUL are refused, missing files are 404, directories redirect', async () => {
  for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd']) {
    const r = await get(server, path);
    // dot segments resolve inside the root (→ <root>/etc/passwd, absent) or are refused: never the host's file
    assert.ok(r.status === 404 || r.status === 403, `${path}: ${r.status}`);
    assert.ok(!r.body.toString('utf8').includes('root:'), path);
  }
  assert.equal((await get(server, '/package.json%00.png')).status, 403);
  assert.equal((await get(server, '/%E0%A4%A')).status, 403, 'a malformed escape');
  assert.equal((await get(server, '/no/such/file')).status, 404);
  const dir = await get(server, '/examples/browser');
  assert.equal(dir.status, 301);
  assert.equal(dir.headers.location, '/examples/browser/');
});

test('the counters count requests, body bytes and Range requests since the last reset', async () => {
  server.reset();
  await get(server, INDEX, { Range: 'bytes=0-99' });
  await get(server, INDEX, { Range: 'bytes=100-149' });
  await get(server, '/no/such/file');
  const s = server.stats();
  assert.deepEqual([s.requests, s.bytes, s.rangeRequests], [3, 150, 2]);
  assert.deepEqual(s.log.map((e) => [e.status, e.bytes]), [[206, 100], [206, 50], [404, 0]]);
  const json = JSON.parse((await get(server, '/__stats')).body.toString('utf8')) as { requests: number };
  assert.equal(json.requests, 3, '/__stats itself is not counted');
  assert.equal((await get(server, '/__stats/reset')).status, 204);
  assert.equal(server.stats().requests, 0);
});
