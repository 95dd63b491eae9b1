import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { openHttpSource } from '../../src/io/http-source.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { GraftError } from '../../src/errors.js';
import { loadCheckpoint } from '../../src/checkpoint/reader.js';
import { checkpointExists } from '../../src/checkpoint/state.js';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures');
type Mode = 'range' | 'ignore-range' | 'lying-range' | 'oversend';
let server: Server;
let base = '';
const log: { path: string; range?: string; bytes: number; status?: number }[] = [];

/** A static server over test/fixtures; `/<mode>/<path>` picks how it answers Range requests. */
before(async () => {
  server = createServer(async (req, res) => {
    const [, mode, ...rest] = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).split('/');
    const file = normalize(join(FIXTURES, ...rest));
    const st = await stat(file).catch(() => undefined);
    if (!file.startsWith(FIXTURES) || !st?.isFile()) { log.push({ path: rest.join('/'), bytes: 0, status: 404 }); res.writeHead(404).end(); return; }
    const data = await readFile(file);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const send = (status: number, body: Uint8Array, headers: Record<string, string>) => {
      log.push({ path: rest.join('/'), range: req.headers.range, bytes: body.length });
      res.writeHead(status, { 'content-length': String(body.length), ...headers }).end(body);
    };
    if ((mode as Mode) === 'ignore-range' || m === null) { send(200, data, {}); return; }
    const a = Number(m[1]);
    const b = Math.min(Number(m[2]), data.length - 1);
    if ((mode as Mode) === 'lying-range' && a > 0) { send(206, data.subarray(a, b + 1), { 'content-range': `bytes ${a}-${b}/${data.length + 7}` }); return; }
    if ((mode as Mode) === 'oversend' && a > 0) { send(206, data.subarray(a, Math.min(data.length, b + 101)), { 'content-range': `bytes ${a}-${b}/${data.length}` }); return; }
    send(206, data.subarray(a, b + 1), { 'content-range': `bytes ${a}-${b}/${data.length}` });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

const sent = (from: number, prefix: string) => log.slice(from).filter((l) => l.path.startsWith(prefix)).reduce((a, l) => a + l.bytes, 0);

test('a TF-written bundle over HTTP: lazy open reads the index, one tensor costs its bytes (+ 1-byte size probes)', async () => {
  const rel = 'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000';
  const local = await openCheckpoint(join(FIXTURES, rel));
  const start = log.length;
  const remote = await openCheckpoint(`${base}/range/${rel}`);
  try {
    assert.deepEqual(remote.list(), local.list());
    const opened = sent(start, 'tf1-bundle');
    const indexBytes = (await stat(join(FIXTURES, `${rel}.index`))).size;
    assert.ok(opened <= indexBytes + 8, `open fetched ${opened} bytes for a ${indexBytes}-byte index`);
    const big = [...remote.list()].sort((x, y) => y.bytes - x.bytes)[0]!;
    const before = log.length;
    const value = await remote.read(big.name);
    assert.deepEqual(value.data, (await local.read(big.name)).data);
    const got = sent(before, 'tf1-bundle');
    assert.ok(got <= 1.1 * big.bytes, `read of ${big.name} (${big.bytes} bytes) fetched ${got} bytes`);
    assert.ok(sent(start, 'tf1-bundle') <= indexBytes + 1.1 * big.bytes, 'index + 1.1x the tensor');
  } finally {
    await remote.close();
    await local.close();
  }
});

test('tfjs model.json and safetensors over HTTP read the same values as from disk', async () => {
  for (const rel of ['tfjs/digits-cnn/model.json', 'safetensors/hf-safetensors-samples/overall.safetensors']) {
    const local = await openCheckpoint(join(FIXTURES, rel));
    const remote = await openCheckpoint(`${base}/range/${rel}`);
    try {
      assert.equal(remote.format, local.format);
      assert.deepEqual(remote.list(), local.list());
      for (const t of local.list()) assert.deepEqual((await remote.read(t.name)).data, (await local.read(t.name)).data, `${rel} ${t.name}`);
    } finally {
      await remote.close();
      await local.close();
    }
  }
});

test('a server that ignores Range: read whole under the cap, range_not_supported over it', async () => {
  const url = `${base}/ignore-range/tfjs/digits-cnn/group1-shard1of1.bin`;
  const whole = await openHttpSource(url);
  assert.equal(whole.stats.mode, 'whole');
  assert.equal(whole.size, 900136);
  await assert.rejects(openHttpSource(url, { maxWholeBytes: 1000 }), (e: unknown) => e instanceof GraftError && e.code === 'range_not_supported' && /1000 bytes/.test(e.message));
});

test('typed errors: 404, a Content-Range that lies, a body longer than asked, a request cap', async () => {
  await assert.rejects(openHttpSource(`${base}/range/nope.bin`), (e: unknown) => e instanceof GraftError && e.code === 'file_not_found');
  await assert.rejects(openCheckpoint(`${base}/range/tf1-bundle/nope/model.ckpt-1`), (e: unknown) => e instanceof GraftError && e.code === 'checkpoint_not_found');
  const lying = await openHttpSource(`${base}/lying-range/tfjs/digits-cnn/model.json`);
  await assert.rejects(lying.read(10, 10), (e: unknown) => e instanceof GraftError && e.code === 'source_changed');
  const over = await openHttpSource(`${base}/oversend/tfjs/digits-cnn/model.json`);
  await assert.rejects(over.read(10, 10), (e: unknown) => e instanceof GraftError && e.code === 'response_too_large');
  const capped = await openHttpSource(`${base}/range/tfjs/digits-cnn/model.json`, { maxRequests: 2 });
  await capped.read(0, 4);
  await assert.rejects(capped.read(4, 4), (e: unknown) => e instanceof GraftError && e.code === 'too_many_requests');
  await assert.rejects(openHttpSource('http://127.0.0.1:1/x'), (e: unknown) => e instanceof GraftError && e.code === 'network_error');
});

test('over HTTP no request is expected to 404: loadCheckpoint, checkpointExists and a .index URL go by name', async () => {
  const rel = 'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000';
  const start = log.length;
  const a = await loadCheckpoint(`${base}/range/${rel}`);
  await a.close();
  const b = await openCheckpoint(`${base}/range/${rel}.index`);
  assert.match(b.metadata.note ?? '', /index file/);
  await b.close();
  assert.equal(await checkpointExists(`${base}/range/${rel}`), true);
  assert.equal(await checkpointExists(`${base}/range/safetensors/hf-safetensors-samples/overall.safetensors`), true);
  const misses = log.slice(start).filter((l) => l.status === 404).map((l) => l.path);
  assert.deepEqual(misses, []);
});
