/**
 * Random access to the entries of a zip file (PKWARE APPNOTE 6.3.x, sections 4.3.7 local file
 * header, 4.3.12 central directory header, 4.3.14-16 zip64 end of central directory record /
 * locator / end of central directory record, 4.5.3 zip64 extra field).
 *
 * Why not fflate: its `unzipSync` / `Unzip` decode the whole archive (sequentially, into
 * memory); a 400 MB `pytorch_model.bin` must open by reading its central directory only and
 * then read each tensor's bytes by offset. fflate is still used to inflate a deflated entry
 * (torch writes every entry stored; other zip tools may not).
 *
 * Layout read, from the end: EOCD (22 bytes + comment ≤ 65535) → optional zip64 locator (20
 * bytes just before it) → zip64 EOCD (56 bytes) → central directory (46 bytes + name + extra +
 * comment per entry) → for a read, the local header (30 bytes + name + extra) → data.
 * Checked: every offset and size against the file size, entry count and directory size capped,
 * names as UTF-8, no duplicate names.
 */
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../../errors.js';
import { readExactly } from '../../io/byte-source.js';

/** One central-directory entry. */
export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Caps for hostile input: far above a state dict archive (one entry per storage). */
const MAX_ENTRIES = 2_000_000;
const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;

const SIG_EOCD = 0x06054b50, SIG_EOCD64 = 0x06064b50, SIG_LOC64 = 0x07064b50, SIG_CEN = 0x02014b50, SIG_LOC = 0x04034b50;

/** Read exactly `n` bytes at `position` or fail with `truncated`. */
export async function readAt(fh: ByteSource, position: number, n: number, path: string, what: string): Promise<Uint8Array> {
  const b = new Uint8Array(n);
  await readInto(fh, b, position, path, what);
  return b;
}

/** Fill `target` from `position` or fail with `truncated` (io/byte-source.ts `readExactly`). */
export const readInto = readExactly;

const bad = (path: string, msg: string): FormatError =>
  new FormatError('zip_invalid', `${path}: ${msg}`, { hint: 'the zip archive is damaged or truncated; re-download or re-save it with torch.save', details: { path } });

/** True when the file starts with a zip local file header ("PK\x03\x04"). */
export function hasZipSignature(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** Read the central directory of the zip file open as `fh` (of `size` bytes). */
export async function readZipDirectory(fh: ByteSource, size: number, path: string): Promise<ZipEntry[]> {
  if (size < 22) throw bad(path, `${size} bytes is too short for a zip end-of-central-directory record`);
  const tailLen = Math.min(size, 22 + 65535 + 20);
  const tail = await readAt(fh, size - tailLen, tailLen, path, 'zip end of central directory');
  const tv = new DataView(tail.buffer);
  let e = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tailLen) { e = i; break; }
  }
  if (e < 0) throw bad(path, 'no zip end-of-central-directory record');
  let count: number = tv.getUint16(e + 10, true);
  let dirSize: number = tv.getUint32(e + 12, true);
  let dirOffset: number = tv.getUint32(e + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    if (e < 20 || tv.getUint32(e - 20, true) !== SIG_LOC64) throw bad(path, 'zip64 sizes without a zip64 locator');
    const rec = Number(tv.getBigUint64(e - 20 + 8, true));
    if (!Number.isSafeInteger(rec) || rec + 56 > size) throw bad(path, `zip64 record offset ${rec} is outside the file`);
    const r = new DataView((await readAt(fh, rec, 56, path, 'zip64 end of central directory')).buffer);
    if (r.getUint32(0, true) !== SIG_EOCD64) throw bad(path, 'zip64 end-of-central-directory signature missing');
    const c = r.getBigUint64(32, true), s = r.getBigUint64(40, true), o = r.getBigUint64(48, true);
    if (c > BigInt(MAX_ENTRIES) || s > BigInt(size) || o > BigInt(size)) throw bad(path, `zip64 directory of ${c} entries, ${s} bytes at ${o} does not fit the ${size}-byte file`);
    count = Number(c); dirSize = Number(s); dirOffset = Number(o);
  }
  if (dirOffset + dirSize > size || dirSize > MAX_DIRECTORY_BYTES || count > MAX_ENTRIES || count * 46 > dirSize) {
    throw bad(path, `central directory of ${count} entries, ${dirSize} bytes at ${dirOffset} does not fit the ${size}-byte file`);
  }
  const dir = await readAt(fh, dirOffset, dirSize, path, 'zip central directory');
  const dv = new DataView(dir.buffer);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dirSize || dv.getUint32(p, true) !== SIG_CEN) throw bad(path, `central directory entry ${i} is damaged`);
    const nameLen = dv.getUint16(p + 28, true), extraLen = dv.getUint16(p + 30, true), commentLen = dv.getUint16(p + 32, true);
    if (p + 46 + nameLen + extraLen + commentLen > dirSize) throw bad(path, `central directory entry ${i} runs past the directory`);
    let name: string;
    try { name = utf8.decode(dir.subarray(p + 46, p + 46 + nameLen)); } catch { throw bad(path, `entry ${i} has a name that is not UTF-8`); }
    let compressedSize: number = dv.getUint32(p + 20, true);
    let usize: number = dv.getUint32(p + 24, true);
    let offset: number = dv.getUint32(p + 42, true);
    // zip64 extra field (0x0001): the 0xffffffff fields, in the order size, compressed size, offset.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen;) {
      const id = dv.getUint16(x, true), len = dv.getUint16(x + 2, true);
      if (x + 4 + len > p + 46 + nameLen + extraLen) break;
      if (id === 0x0001) {
        let q = x + 4;
        const next = (): number => {
          if (q + 8 > x + 4 + len) throw bad(path, `entry "${name}" has a short zip64 extra field`);
          const v = dv.getBigUint64(q, true); q += 8;
          if (v > BigInt(size) * 1032n) throw bad(path, `entry "${name}" claims ${v} bytes`); // deflate expands ≤ 1032×
          return Number(v);
        };
        if (usize === 0xffffffff) usize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (offset === 0xffffffff) offset = next();
      }
      x += 4 + len;
    }
    if (offset + 30 > size || compressedSize > size) throw bad(path, `entry "${name}" (${compressedSize} bytes at ${offset}) is outside the ${size}-byte file`);
    if (seen.has(name)) throw bad(path, `entry "${name}" appears twice`);
    seen.add(name);
    entries.push({ name, method: dv.getUint16(p + 10, true), crc32: dv.getUint32(p + 16, true), compressedSize, size: usize, localHeaderOffset: offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** File offset of an entry's data: past its local header, whose name/extra lengths may differ from the directory's. */
export async function entryDataOffset(fh: ByteSource, entry: ZipEntry, size: number, path: string): Promise<number> {
  const h = new DataView((await readAt(fh, entry.localHeaderOffset, 30, path, `zip local header of "${entry.name}"`)).buffer);
  if (h.getUint32(0, true) !== SIG_LOC) throw bad(path, `entry "${entry.name}" has no local header at ${entry.localHeaderOffset}`);
  const start = entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
  if (start + entry.compressedSize > size) throw bad(path, `entry "${entry.name}" data (${entry.compressedSize} bytes at ${start}) runs past the ${size}-byte file`);
  return start;
}
