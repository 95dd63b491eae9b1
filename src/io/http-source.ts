/**
 * An HTTP(S) resource as a `ByteSource`, read with Range requests (RFC 9110 §14) so a lazy
 * open of a checkpoint fetches its index and only the tensors asked for.
 *
 * Open: `GET` with `Range: bytes=0-0`. A `206` with `Content-Range: bytes 0-0/<total>` gives the
 * size; every later read is one `GET Range: bytes=<a>-<b>` whose answer must be `206` with exactly
 * that range of the same total (and the same ETag, when the server sends one), with exactly
 * `b - a + 1` body bytes — read with a cap, so a server cannot make Graft buffer more than asked.
 * A server that ignores Range (`200`) is read whole once, when its length is within
 * `maxWholeBytes` (default 64 MiB), else refused with FormatError `range_not_supported`; `404` is
 * FileSystemError `file_not_found`, other statuses `http_error`, a failed fetch `network_error`.
 * `stats` counts the requests and the bytes received (the browser tests assert on them).
 */
import { FileSystemError, FormatError } from '../errors.js';
import { BaseSource, BytesSource, checkRange, type ByteSource } from './byte-source.js';

/** Options of {@link openHttpSource}. */
export interface HttpSourceOptions {
  /** What the resource is, for messages; default "file". */
  what?: string;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Largest body read whole when the server ignores Range (default 64 MiB). */
  maxWholeBytes?: number;
  /** Most requests this source may make (default 100,000; a guard against a read loop). */
  maxRequests?: number;
}

/** Requests and bytes of one HTTP source. */
export interface HttpStats {
  requests: number;
  bytes: number;
  /** `range` when the server honoured Range, `whole` when it sent everything at once. */
  mode: 'range' | 'whole';
}

const DEFAULT_MAX_WHOLE = 64 << 20;

function httpError(url: string, what: string, status: number, statusText: string): FileSystemError {
  if (status === 404 || status === 410) {
    return new FileSystemError('file_not_found', `${url}: no ${what} there (HTTP ${status})`, { hint: 'check the URL; the server has no such file', details: { path: url, status } });
  }
  return new FileSystemError('http_error', `${url}: the server answered HTTP ${status} ${statusText} for the ${what}`, {
    hint: status === 401 || status === 403 ? 'the server refused access; pass credentials in headers or check the URL' : 'retry, or check the server', details: { path: url, status },
  });
}

async function readBody(res: Response, url: string, what: string, cap: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw new FormatError('response_too_large', `${url}: the server sends ${declared} bytes for the ${what}, more than the ${cap} asked for`, { hint: 'the server does not serve byte ranges correctly', details: { path: url, declared, cap } });
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.length;
    if (n > cap) {
      await reader.cancel().catch(() => undefined);
      throw new FormatError('response_too_large', `${url}: the server sent more than the ${cap} bytes asked for the ${what}`, { hint: 'the server does not serve byte ranges correctly', details: { path: url, cap } });
    }
    chunks.push(value);
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** `Content-Range: bytes a-b/total` → numbers, or undefined. */
function parseContentRange(v: string | null): { start: number; end: number; total: number } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec((v ?? '').trim());
  if (!m) return undefined;
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && Number.isSafeInteger(total) && start <= end && end < total ? { start, end, total } : undefined;
}

class HttpRangeSource extends BaseSource {
  constructor(
    readonly path: string,
    readonly size: number,
    protected readonly what: string,
    private readonly options: HttpSourceOptions,
    private readonly etag: string | null,
    readonly stats: HttpStats,
  ) {
    super();
  }

  async readInto(target: Uint8Array, offset: number): Promise<void> {
    checkRange(this.path, this.what, this.size, offset, target.length);
    if (target.length === 0) return;
    const end = offset + target.length - 1;
    const res = await request(this.path, this.what, this.options, this.stats, `bytes=${offset}-${end}`);
    if (res.status !== 206) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 200) {
        throw new FormatError('range_not_supported', `${this.path}: the server stopped honouring Range requests (HTTP 200 for bytes ${offset}-${end})`, { hint: 'serve the checkpoint from a server that supports byte ranges (any static file server does)', details: { path: this.path } });
      }
      throw httpError(this.path, this.what, res.status, res.statusText);
    }
    const cr = parseContentRange(res.headers.get('content-range'));
    const etag = res.headers.get('etag');
    if (cr === undefined || cr.start !== offset || cr.end !== end || cr.total !== this.size || (this.etag !== null && etag !== null && etag !== this.etag)) {
      await res.body?.cancel().catch(() => undefined);
      throw new FormatError('source_changed', `${this.path}: the server answered bytes ${offset}-${end} with Content-Range "${res.headers.get('content-range')}"${etag !== this.etag ? ` and ETag ${etag} (was ${this.etag})` : ''}; the file changed since it was opened, or the server is wrong`, {
        hint: 'open the checkpoint again', details: { path: this.path, offset, end, size: this.size },
      });
    }
    const body = await readBody(res, this.path, this.what, target.length);
    this.stats.bytes += body.length;
    if (body.length !== target.length) {
      throw new FormatError('truncated', `${this.path}: the server sent ${body.length} of the ${target.length} bytes at offset ${offset}`, { hint: 'the connection broke or the server is wrong; retry', details: { path: this.path, offset, length: target.length } });
    }
    target.set(body);
  }
}

async function request(url: string, what: string, o: HttpSourceOptions, stats: HttpStats, range: string): Promise<Response> {
  if (stats.requests >= (o.maxRequests ?? 100_000)) {
    throw new FormatError('too_many_requests', `${url}: more than ${o.maxRequests ?? 100_000} requests for one ${what}`, { hint: 'raise maxRequests, or read the file whole', details: { path: url } });
  }
  stats.requests++;
  const f = o.fetch ?? globalThis.fetch;
  if (typeof f !== 'function') throw new FileSystemError('network_error', `${url}: this host has no fetch()`, { hint: 'use Node 20+ or a browser', details: { path: url } });
  try {
    return await f(url, { headers: { ...o.headers, Range: range } });
  } catch (e) {
    throw new FileSystemError('network_error', `${url}: the request for the ${what} failed: ${e instanceof Error ? e.message : String(e)}`, { hint: 'check the URL and the network (and CORS headers, in a page)', details: { path: url }, cause: e });
  }
}

/** An HTTP source; `stats` says what it cost. */
export type HttpSource = ByteSource & { readonly stats: HttpStats };

/**
 * Open `url` as a random-access source (module comment).
 * @throws FileSystemError `file_not_found`, `http_error`, `network_error`; FormatError
 *   `range_not_supported`, `response_too_large`, `source_changed`, `truncated`.
 * @example
 *   const src = await openHttpSource('https://host/ckpt/model.ckpt-1.index');
 *   const footer = await src.read(src.size - 48, 48);
 */
export async function openHttpSource(url: string, options: HttpSourceOptions = {}): Promise<HttpSource> {
  const what = options.what ?? 'file';
  const stats: HttpStats = { requests: 0, bytes: 0, mode: 'range' };
  const res = await request(url, what, options, stats, 'bytes=0-0');
  if (res.status === 416) {
    // an empty file: no byte 0 to send
    await res.body?.cancel().catch(() => undefined);
    const cr = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    if (cr && cr[1] === '0') return Object.assign(new BytesSource(url, new Uint8Array(0), what), { stats });
    throw httpError(url, what, res.status, res.statusText);
  }
  if (res.status === 200) {
    stats.mode = 'whole';
    const max = options.maxWholeBytes ?? DEFAULT_MAX_WHOLE;
    let body: Uint8Array;
    try {
      body = await readBody(res, url, what, max);
    } catch (e) {
      if (e instanceof FormatError && e.code === 'response_too_large') {
        throw new FormatError('range_not_supported', `${url}: the server ignores Range requests and the ${what} is larger than ${max} bytes, too large to read whole`, {
          hint: 'serve it from a server that supports byte ranges, or raise maxWholeBytes', details: { path: url, limit: max }, cause: e,
        });
      }
      throw e;
    }
    stats.bytes += body.length;
    return Object.assign(new BytesSource(url, body, what), { stats });
  }
  if (res.status !== 206) {
    await res.body?.cancel().catch(() => undefined);
    throw httpError(url, what, res.status, res.statusText);
  }
  const cr = parseContentRange(res.headers.get('content-range'));
  const body = await readBody(res, url, what, 1);
  stats.bytes += body.length;
  if (cr === undefined || cr.start !== 0) {
    throw new FormatError('range_not_supported', `${url}: HTTP 206 without a usable Content-Range ("${res.headers.get('content-range')}")`, {
      hint: 'the server (or a proxy) mangles byte ranges; in a page, the server must also expose Content-Range (Access-Control-Expose-Headers)', details: { path: url },
    });
  }
  return new HttpRangeSource(url, cr.total, what, options, res.headers.get('etag'), stats);
}
