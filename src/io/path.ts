/**
 * Path arithmetic without `node:path`, for plain POSIX paths and for locations with a scheme
 * (`https://host/a/b.index`, `opfs://runs/a`, `indexeddb://db/x`, `mem://1/x`), so the layers
 * above io/ run in Node and in a browser alike.
 *
 * Plain paths follow Node's `path.posix` exactly (test/io/path.test.ts compares them on random
 * inputs): `join` normalises, `dirname('a')` is `.`, `basename('a/b/')` is `b`, `resolve` starts
 * from the working directory (`process.cwd()` in Node, `/` where there is none). A location
 * with a scheme keeps its `scheme://authority` untouched and applies the same rules to the part
 * after it, which is always absolute (`dirname('https://h/a/b')` = `https://h/a`,
 * `join('opfs://runs', 'a')` = `opfs://runs/a`). A query string or fragment is not supported in
 * locations (a `?` or `#` is an ordinary character here); pass such URLs to the HTTP source as
 * they are, not through path arithmetic.
 */

/** The path separator (always `/`; Graft targets POSIX systems and URLs). */
export const sep = '/';

const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/]*)/;

/** Split `scheme://authority/rest` into its root (`scheme://authority`) and path (`/rest`). */
export function splitLocation(p: string): { root: string; path: string } {
  const m = SCHEME_RE.exec(p);
  if (m === null) return { root: '', path: p };
  const rest = p.slice(m[0].length);
  return { root: m[0], path: rest === '' ? '/' : rest };
}

/** The scheme of a location (`https`, `opfs`, …), lower case, or `''` for a plain path. */
export function schemeOf(p: string): string {
  const m = SCHEME_RE.exec(p);
  return m === null ? '' : m[1]!.toLowerCase();
}

function normalizeParts(path: string, absolute: boolean): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

function normalizePlain(p: string): string {
  if (p === '') return '.';
  const absolute = p.startsWith('/');
  const trailing = p.endsWith('/');
  let body = normalizeParts(p, absolute);
  if (body === '' && !absolute) body = '.';
  if (body !== '' && trailing) body += '/';
  return absolute ? `/${body}` : body;
}

/** Normalise `.`/`..`/repeated slashes (Node `path.posix.normalize`). */
export function normalize(p: string): string {
  const { root, path } = splitLocation(p);
  return root + normalizePlain(root === '' ? path : path);
}

/** Whether `p` is absolute (starts with `/`, or is a location with a scheme). */
export function isAbsolute(p: string): boolean {
  return SCHEME_RE.test(p) || p.startsWith('/');
}

/** Join segments and normalise (Node `path.posix.join`); a location as first segment keeps its root. */
export function join(...parts: string[]): string {
  const nonEmpty = parts.filter((s) => s !== '');
  if (nonEmpty.length === 0) return '.';
  const { root, path } = splitLocation(nonEmpty[0]!);
  const joined = [path, ...nonEmpty.slice(1)].join('/');
  if (root !== '') return root + normalizePlain(joined.startsWith('/') ? joined : `/${joined}`);
  return normalizePlain(joined);
}

function cwd(): string {
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  return typeof proc?.cwd === 'function' ? proc.cwd() : '/';
}

/**
 * Resolve to an absolute path (Node `path.posix.resolve`): right to left until an absolute
 * segment, then the working directory. A location segment is absolute and keeps its root.
 */
export function resolve(...parts: string[]): string {
  let acc = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    const s = parts[i]!;
    if (s === '') continue;
    acc = acc === '' ? s : `${s.endsWith('/') ? s.slice(0, -1) : s}/${acc}`;
    if (isAbsolute(s)) break;
  }
  if (!isAbsolute(acc)) acc = acc === '' ? cwd() : `${cwd()}/${acc}`;
  const { root, path } = splitLocation(acc);
  const body = normalizeParts(path, true);
  return `${root}/${body}`;
}

/** The directory part (Node `path.posix.dirname`); a location's root is its own dirname. */
export function dirname(p: string): string {
  const { root, path } = splitLocation(p);
  if (path === '') return '.';
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  const trimmed = path.slice(0, end);
  const i = trimmed.lastIndexOf('/');
  if (i === -1) return root === '' ? '.' : `${root}/`;
  if (i === 0) return `${root}/`;
  if (i === 1 && trimmed.startsWith('//')) return root === '' ? '//' : `${root}/`; // as Node does
  return root + trimmed.slice(0, i);
}

/** The last segment (Node `path.posix.basename`), without `suffix` when it ends with it. */
export function basename(p: string, suffix?: string): string {
  const { path } = splitLocation(p);
  let end = path.length;
  while (end > 0 && path[end - 1] === '/') end--;
  const trimmed = path.slice(0, end);
  const base = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  if (suffix !== undefined && suffix !== base && base.endsWith(suffix)) return base.slice(0, base.length - suffix.length);
  return base;
}

/** The extension of the last segment, with its dot (Node `path.posix.extname`). */
export function extname(p: string): string {
  const base = basename(p);
  const i = base.lastIndexOf('.');
  return i <= 0 || base === '..' ? '' : base.slice(i);
}

/** The relative path from `from` to `to` (Node `path.posix.relative`); locations must share a root. */
export function relative(from: string, to: string): string {
  const a = resolve(from);
  const b = resolve(to);
  if (a === b) return '';
  const ra = splitLocation(a);
  const rb = splitLocation(b);
  if (ra.root !== rb.root) return b;
  const pa = ra.path.split('/').filter((s) => s !== '');
  const pb = rb.path.split('/').filter((s) => s !== '');
  let i = 0;
  while (i < pa.length && i < pb.length && pa[i] === pb[i]) i++;
  return [...pa.slice(i).map(() => '..'), ...pb.slice(i)].join('/');
}
