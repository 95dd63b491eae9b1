#!/usr/bin/env node
// A small static server for the browser example and its tests (Node's http only).
//
//   node scripts/serve-examples.mjs [--port 8080] [--root DIR] [--no-isolation]   then open http://localhost:8080/examples/browser/
//
// - serves the repository (or --root) read-only, paths confined to the root;
// - COOP/COEP headers on every response, so pages are cross-origin isolated (wasm threads need
//   SharedArrayBuffer);
// - MIME types by extension (application/wasm for .wasm, so streaming compilation works);
// - HTTP Range: `bytes=a-b`, `bytes=a-`, `bytes=-n` → 206 with Content-Range; an unsatisfiable
//   range → 416; a multi-range request is answered with the whole file (200), as RFC 9110 allows;
// - GET /__stats: JSON counters of the requests served since the last GET /__stats/reset
//   ({ requests, bytes, rangeRequests, log: [{ path, range, status, bytes }] }), so tests can count
//   the Range requests and the body bytes a lazy checkpoint read costs.
// Import it to start one in-process: `const s = await startServer({ root, port: 0 }); s.url; await s.close()`.
import { createServer } from 'node:http';
import { open, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.wasm': 'application/wasm',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8', '.md': 'text/plain; charset=utf-8',
  '.gz': 'application/gzip',
};

/** Parse one `bytes=` range against a file of `size` bytes: [start, end] inclusive, 'multi', or null (unsatisfiable). */
export function parseRange(header, size) {
  const m = /^bytes=(.*)$/.exec(header.trim());
  if (!m) return null;
  if (m[1].includes(',')) return 'multi';
  const r = /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(m[1]);
  if (!r || (r[1] === '' && r[2] === '')) return null;
  let start;
  let end;
  if (r[1] === '') {
    const n = Number(r[2]);
    if (n === 0) return null;
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(r[1]);
    end = r[2] === '' ? size - 1 : Math.min(Number(r[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end || start >= size) return null;
  return [start, end];
}

/**
 * Start the server. Resolves to `{ url, port, stats(), reset(), close() }`.
 * `isolate: false` leaves out the COOP/COEP headers (a page that is not cross-origin isolated: no wasm threads).
 * @param {{ root?: string, port?: number, host?: string, quiet?: boolean, isolate?: boolean }} options
 */
export async function startServer(options = {}) {
  const root = resolve(options.root ?? fileURLToPath(new URL('..', import.meta.url)));
  const host = options.host ?? '127.0.0.1';
  let counters = fresh();
  function fresh() { return { requests: 0, bytes: 0, rangeRequests: 0, log: [] }; }
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(String(e?.message ?? e));
    });
  });
  async function handle(req, res) {
    const isolation = options.isolate === false ? {} : { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
    const common = { ...isolation, 'Cache-Control': 'no-store', 'Accept-Ranges': 'bytes' };
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/__stats') {
      res.writeHead(200, { ...common, 'Content-Type': 'application/json' });
      res.end(JSON.stringify(counters));
      return;
    }
    if (url.pathname === '/__stats/reset') {
      counters = fresh();
      res.writeHead(204, common);
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...common, Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      rel = '\0';
    }
    let path = normalize(join(root, rel));
    if (rel.includes('\0') || (path !== root && !path.startsWith(root + sep))) {
      res.writeHead(403, common);
      res.end();
      return;
    }
    let st = await stat(path).catch(() => undefined);
    if (st?.isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { ...common, Location: url.pathname + '/' + url.search });
        res.end();
        return;
      }
      path = join(path, 'index.html');
      st = await stat(path).catch(() => undefined);
    }
    if (!st?.isFile()) {
      res.writeHead(404, { ...common, 'Content-Type': 'text/plain' });
      res.end('not found');
      count(url.pathname, null, 404, 0);
      return;
    }
    const type = MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
    const size = st.size;
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = req.headers.range;
    if (range !== undefined) {
      const r = parseRange(range, size);
      if (r === null) {
        res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}` });
        res.end();
        count(url.pathname, range, 416, 0);
        return;
      }
      if (r !== 'multi') {
        [start, end] = r;
        status = 206;
      }
    }
    const length = size === 0 ? 0 : end - start + 1;
    const headers = { ...common, 'Content-Type': type, 'Content-Length': String(length) };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      count(url.pathname, range ?? null, status, 0);
      return;
    }
    const fh = await open(path, 'r');
    try {
      const chunk = Buffer.allocUnsafe(Math.min(length, 1 << 20));
      let pos = start;
      while (pos <= end) {
        const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, end - pos + 1), pos);
        if (bytesRead === 0) break;
        if (!res.write(chunk.subarray(0, bytesRead))) await new Promise((r) => res.once('drain', r));
        pos += bytesRead;
      }
      res.end();
      count(url.pathname, range ?? null, status, pos - start);
    } finally {
      await fh.close();
    }
  }
  function count(path, range, status, bytes) {
    counters.requests++;
    counters.bytes += bytes;
    if (status === 206) counters.rangeRequests++;
    counters.log.push({ path, range, status, bytes });
    if (!options.quiet && process.env.GRAFT_SERVE_LOG) process.stderr.write(`${status} ${path} ${range ?? ''} ${bytes}\n`);
  }
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 8080, host, ok);
  });
  const port = server.address().port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    stats: () => structuredClone(counters),
    reset: () => { counters = fresh(); },
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i < 0 ? undefined : process.argv[i + 1]; };
  const port = Number(arg('--port') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve-examples: --port ${arg('--port')} is not a port number (0..65535)`);
    process.exit(2);
  }
  const s = await startServer({ port, root: arg('--root'), host: arg('--host'), isolate: !process.argv.includes('--no-isolation') });
  console.log(`serving ${arg('--root') ?? 'the repository'} at ${s.url}/ (${process.argv.includes('--no-isolation') ? 'not ' : ''}cross-origin isolated); the example: ${s.url}/examples/browser/`);
}
