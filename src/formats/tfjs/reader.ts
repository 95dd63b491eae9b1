/**
 * Lazy tfjs weights reader: `openTfjsWeights(model.json)` parses the manifest (manifest.ts),
 * stats the shard files and lays every weight out in its group's byte stream, checking each
 * count against the shard sizes; `read(name)` reads only that weight's bytes (which may span
 * shards) and dequantizes / restores its dtype as manifest.ts describes.
 *
 * Every file is opened at open time through io/open-file.ts (regular files only, sizes from
 * fstat, so a FIFO `model.json` cannot block) and kept open; the open set is checked to be one
 * snapshot of the folder (io/publish.ts), so a folder being overwritten is read old or new,
 * never new shards under an old model.json.
 */
import { basename, dirname, join } from '../../io/path.js';
import { CheckpointNotFoundError, FormatError, GraftError } from '../../errors.js';
import { openSource } from '../../io/source.js';
import { identityOf, type ByteSource } from '../../io/byte-source.js';
import { awaitPublished, checkSnapshot } from '../../io/sink.js';
import { SnapshotChangedError } from '../../io/snapshot.js';
import { float16ToNumber } from '../stats.js';
import { float8CodeOf, isFloat8 } from '../float8.js';
import { DTYPE_SIZE, numElements, type CheckpointReader, type DType, type TensorInfo, type TensorValue } from '../types.js';
import { parseManifest, storedValueSize, type ManifestWeight } from './manifest.js';

/** model.json larger than this is refused before reading (topologies of big graphs are ~10 MB). */
const MAX_MODEL_JSON_BYTES = 256 * 1024 * 1024;

/** The files of one manifest group, read as one byte stream. */
class GroupStream {
  readonly starts: number[] = [];
  readonly total: number;
  constructor(readonly files: string[], readonly sizes: number[], readonly handles: ByteSource[]) {
    let s = 0;
    for (const z of sizes) { this.starts.push(s); s += z; }
    this.total = s;
  }

  /** Read bytes [offset, offset + target.length) of the stream into target. */
  async read(offset: number, target: Uint8Array, path: string, what: string): Promise<void> {
    let done = 0;
    for (let i = 0; i < this.files.length && done < target.length; i++) {
      const fileStart = this.starts[i]!, fileEnd = fileStart + this.sizes[i]!;
      const pos = offset + done;
      if (pos >= fileEnd || pos < fileStart) continue;
      const want = Math.min(target.length - done, fileEnd - pos);
      try {
        await this.handles[i]!.readInto(target.subarray(done, done + want), pos - fileStart);
      } catch (e) {
        if (!(e instanceof GraftError) || e.code !== 'truncated') throw e;
        throw new FormatError('truncated', `${this.files[i]}: shard ended early while reading ${what} (file changed since open?)`, {
          hint: 're-download or re-export the model', details: { path, field: what }, cause: e,
        });
      }
      done += want;
    }
  }
}

interface Placed {
  w: ManifestWeight;
  offset: number;
  stored: number;
  /** For string weights: each element's byte length. */
  lengths?: number[];
}

function stripZero(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

function infoOf(p: Placed): TensorInfo {
  const bytes = p.w.dtype === 'string'
    ? p.lengths!.reduce((a, b) => a + b, 0)
    : numElements(p.w.shape) * DTYPE_SIZE[p.w.dtype as Exclude<DType, 'string'>];
  return { name: p.w.name, dtype: p.w.dtype, shape: [...p.w.shape], bytes };
}

function outOfRange(path: string, name: string, dtype: DType, value: number): never {
  throw new FormatError('value_out_of_range', `${path}: weight "${name}" holds ${value}, which is not a ${dtype} value (graftDtype says ${dtype})`, {
    hint: 'the shard is damaged or the manifest was edited; re-export the model', details: { path, name, field: 'graftDtype' },
  });
}

/** Turn stored bytes into the bytes of the reported dtype. */
function decodeStored(p: Placed, raw: Uint8Array, path: string): Uint8Array {
  const { w } = p;
  const n = numElements(w.shape);
  const q = w.quantization;
  if (q && q.dtype === 'float16') {
    if (w.dtype === 'float16') return raw;
    const bits = new Uint16Array(raw.buffer, raw.byteOffset, n);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = float16ToNumber(bits[i]!);
    return new Uint8Array(out.buffer);
  }
  if (q) {
    const src = q.dtype === 'uint8' ? raw : new Uint16Array(raw.buffer, raw.byteOffset, n);
    // Exactly tfjs io_utils decodeWeight: double arithmetic, stored to float32 / rounded to int32.
    const out = w.tfjsDtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i]! * q.scale + q.min;
      out[i] = w.tfjsDtype === 'int32' ? Math.round(v) : v;
    }
    return new Uint8Array(out.buffer);
  }
  if (w.dtype === w.tfjsDtype) return raw;
  // graftDtype carriers: restore the original bytes, refusing values the dtype cannot hold.
  const out = new Uint8Array(n * DTYPE_SIZE[w.dtype as Exclude<DType, 'string'>]);
  const dv = new DataView(out.buffer);
  if (w.tfjsDtype === 'int32') {
    const src = new Int32Array(raw.buffer, raw.byteOffset, n);
    const ranges: Partial<Record<DType, [number, number]>> = {
      int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], uint32: [0, 2 ** 31 - 1], uint64: [0, 2 ** 31 - 1],
    };
    const r = ranges[w.dtype];
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      if (r && (v < r[0] || v > r[1])) outOfRange(path, w.name, w.dtype, v);
      switch (w.dtype) {
        case 'int8': dv.setInt8(i, v); break;
        case 'uint8': dv.setUint8(i, v); break;
        case 'int16': dv.setInt16(i * 2, v, true); break;
        case 'uint16': dv.setUint16(i * 2, v, true); break;
        case 'uint32': dv.setUint32(i * 4, v, true); break;
        case 'int64': dv.setBigInt64(i * 8, BigInt(v), true); break;
        case 'uint64': dv.setBigUint64(i * 8, BigInt(v), true); break;
        default: outOfRange(path, w.name, w.dtype, v);
      }
    }
    return out;
  }
  const m = w.tfjsDtype === 'complex64' ? 2 * n : n;
  const src = new Float32Array(raw.buffer, raw.byteOffset, m);
  if (isFloat8(w.dtype)) {
    const bits = new Uint32Array(raw.buffer, raw.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const c = float8CodeOf(bits[i]!, w.dtype);
      if (c === undefined) outOfRange(path, w.name, w.dtype, src[i]!);
      out[i] = c;
    }
    return out;
  }
  if (w.dtype === 'bfloat16') {
    const bits = new Uint32Array(raw.buffer, raw.byteOffset, n);
    for (let i = 0; i < n; i++) {
      if ((bits[i]! & 0xffff) !== 0) outOfRange(path, w.name, 'bfloat16', src[i]!);
      dv.setUint16(i * 2, bits[i]! >>> 16, true);
    }
    return out;
  }
  for (let i = 0; i < m; i++) dv.setFloat64(i * 8, src[i]!, true); // float64 / complex128
  return out;
}

class TfjsReader implements CheckpointReader {
  readonly format = 'tfjs' as const;
  constructor(
    readonly path: string,
    readonly metadata: Record<string, string>,
    private readonly placed: Map<string, Placed>,
    private readonly streams: GroupStream[],
  ) {}

  list(): TensorInfo[] {
    return [...this.placed.values()].map(infoOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  has(name: string): boolean {
    return this.placed.has(name) || this.placed.has(stripZero(name));
  }
  private get(name: string): Placed {
    const p = this.placed.get(name) ?? this.placed.get(stripZero(name));
    if (!p) {
      throw new FormatError('tensor_not_found', `${this.path}: no weight named "${name}" (the manifest has ${this.placed.size})`, {
        hint: `list the names with: graft inspect ${this.path}`, details: { path: this.path, name },
      });
    }
    return p;
  }
  info(name: string): TensorInfo {
    return infoOf(this.get(name));
  }
  async read(name: string): Promise<TensorValue> {
    const p = this.get(name);
    const raw = new Uint8Array(p.stored);
    await this.streams[p.w.groupIndex]!.read(p.offset, raw, this.path, `weight "${p.w.name}"`);
    const base = { name: p.w.name, dtype: p.w.dtype, shape: [...p.w.shape] };
    if (p.w.dtype === 'string') {
      const strings: Uint8Array[] = [];
      let o = 0;
      for (const len of p.lengths!) { strings.push(raw.subarray(o + 4, o + 4 + len)); o += 4 + len; }
      return { ...base, data: new Uint8Array(0), strings };
    }
    return { ...base, data: decodeStored(p, raw, this.path) };
  }
  async close(): Promise<void> {
    for (const s of this.streams) for (const h of s.handles) await h.close();
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Open a tfjs `model.json` (or `weights_manifest.json`) and its shards, lazily.
 * Quantized weights are reported as the dtype tfjs decodes them to (float32 or int32) and the
 * reader's metadata says how many were dequantized.
 * @example
 *   const r = await openTfjsWeights('web_model/model.json');
 *   console.log(r.list().map((t) => `${t.name} ${t.dtype} [${t.shape}]`));
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError: the codes of
 *   manifest.ts plus `shard_missing`, `shard_size_mismatch`, `invalid_string_length`.
 */
export async function openTfjsWeights(modelJsonPath: string): Promise<CheckpointReader> {
  for (let attempt = 1; ; attempt++) {
    await awaitPublished(dirname(modelJsonPath), basename(modelJsonPath));
    const opened: ByteSource[] = [];
    try {
      const reader = await openOnce(modelJsonPath, opened);
      await checkSnapshot(dirname(modelJsonPath), basename(modelJsonPath), opened.map((f) => ({ path: f.path, ...identityOf(f) })));
      return reader;
    } catch (e) {
      for (const f of opened) await f.close();
      // Another process published this folder while it was being opened: open the new one.
      if (!(e instanceof SnapshotChangedError) || attempt >= 5) throw e;
    }
  }
}

async function openOnce(path: string, opened: ByteSource[]): Promise<CheckpointReader> {
  let mj: ByteSource;
  try {
    mj = await openSource(path, { what: 'tfjs model.json' });
  } catch (e) {
    if (e instanceof GraftError && e.code !== 'file_not_found') throw e;
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such file`, { hint: 'check the path', details: { path }, cause: e });
  }
  opened.push(mj);
  const size = mj.size;
  if (size > MAX_MODEL_JSON_BYTES) {
    throw new FormatError('manifest_too_large', `${path}: ${size} bytes; a model.json over ${MAX_MODEL_JSON_BYTES} bytes is refused`, {
      hint: 'this is not a tfjs model.json', details: { path, field: 'file size', found: size },
    });
  }
  const text = new TextDecoder().decode(await mj.readAll(MAX_MODEL_JSON_BYTES));
  await mj.close(); // its identity (dev, ino) stays in `opened` for the snapshot check
  const manifest = parseManifest(text, path);
  const dir = dirname(path);
  const streams: GroupStream[] = [];
  const placed = new Map<string, Placed>();
  let quantized = 0;
  for (const [gi, g] of manifest.groups.entries()) {
    const files = g.paths.map((p) => join(dir, p));
    const sizes: number[] = [];
    const handles: ByteSource[] = [];
    for (const f of files) {
      try {
        const h = await openSource(f, { what: 'tfjs weights shard' });
        opened.push(h);
        handles.push(h);
        sizes.push(h.size);
      } catch (e) {
        if (e instanceof GraftError && e.code !== 'file_not_found' && e.code !== 'is_a_directory') throw e;
        throw new FormatError('shard_missing', `${path}: weights shard ${f} listed in weightsManifest[${gi}].paths does not exist`, {
          hint: 'copy the .bin shard files next to model.json', details: { path, field: `weightsManifest[${gi}].paths`, found: f }, cause: e,
        });
      }
    }
    const stream = new GroupStream(files, sizes, handles);
    streams.push(stream);
    let offset = 0;
    for (const w of g.weights) {
      const n = numElements(w.shape);
      const room = stream.total - offset;
      let stored: number;
      let lengths: number[] | undefined;
      if (w.dtype === 'string') {
        if (n * 4 > room) {
          throw new FormatError('shard_size_mismatch', `${path}: string weight "${w.name}" has ${n} elements but only ${room} bytes are left in group ${gi}'s shards`, {
            hint: 'shards are missing or truncated; re-export the model', details: { path, name: w.name, field: 'shape' },
          });
        }
        lengths = [];
        const four = new Uint8Array(4);
        let o = 0;
        for (let i = 0; i < n; i++) {
          await stream.read(offset + o, four, path, `weight "${w.name}" string length`);
          const len = new DataView(four.buffer).getUint32(0, true);
          if (len > room - o - 4) {
            throw new FormatError('invalid_string_length', `${path}: string weight "${w.name}" element ${i} says ${len} bytes but only ${room - o - 4} remain in the shards`, {
              hint: 'the shard is damaged; re-export the model', details: { path, name: w.name, field: 'string length', found: len },
            });
          }
          lengths.push(len);
          o += 4 + len;
        }
        stored = o;
      } else {
        stored = n * storedValueSize(w);
        if (stored > room) {
          throw new FormatError('shard_size_mismatch', `${path}: weight "${w.name}" needs ${stored} bytes at offset ${offset} of group ${gi} but its shards hold ${stream.total} bytes`, {
            hint: 'shards are missing or truncated; re-export the model', details: { path, name: w.name, field: 'shape', expected: offset + stored, found: stream.total },
          });
        }
      }
      if (w.quantization && w.dtype !== 'float16') quantized++;
      placed.set(w.name, { w, offset, stored, lengths });
      offset += stored;
    }
    if (offset !== stream.total) {
      throw new FormatError('shard_size_mismatch', `${path}: group ${gi}'s weights take ${offset} bytes but its shards hold ${stream.total}`, {
        hint: 'the manifest and the shard files do not belong together; re-export the model', details: { path, field: `weightsManifest[${gi}]`, expected: offset, found: stream.total },
      });
    }
  }
  const metadata = { ...manifest.metadata };
  if (quantized > 0) metadata.quantization = `${quantized} quantized weight(s) dequantized to float32/int32 as tfjs does`;
  return new TfjsReader(path, metadata, placed, streams);
}
