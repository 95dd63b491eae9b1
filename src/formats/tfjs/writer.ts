/**
 * tfjs weights writer: `model.json` + `group1-shardKofN.bin` files in the layout tfjs-converter
 * writes (one group, shards of at most `shardBytes`, default 4 MiB as `write_weights.py`), which
 * tfjs `io.decodeWeights` / `loadLayersModel` read. Dtypes tfjs lacks travel in a lossless
 * carrier with the `graftDtype` extension (manifest.ts); values a carrier cannot hold exactly are
 * refused rather than rounded.
 *
 * The shards and model.json are published together (io/publish.ts): a crash at any point, even
 * while overwriting an existing folder, leaves the old model or the new one, never new shards
 * under an old model.json (tfjs has no checksums, so a mix would load silently). Shards of the
 * old model.json that the new one no longer names are removed in the same publish.
 */
import { mkdir } from '../../io/fs.js';
import { beginPublish } from '../../io/sink.js';
import { withFsErrors } from '../../io/fs-errors.js';
import { readSource as readRegularFile } from '../../io/source.js';
import { join } from '../../io/path.js';
import { InvalidArgumentError } from '../../errors.js';
import { numElements, type DType, type TensorValue } from '../types.js';
import { checkTensorBytes, collectTensors } from '../safetensors/writer.js';
import { GRAFT_DTYPE_CARRIER, type TfjsDType } from './manifest.js';
import { float8ToFloat32, isFloat8 } from '../float8.js';

/** tfjs-converter's default shard size (`weight_shard_size_bytes`, 4 MiB). */
export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

/** Options of `writeTfjsWeights`. */
export interface WriteTfjsOptions {
  /** Maximum bytes per shard file (default 4 MiB, as tfjs-converter). */
  shardBytes?: number;
  /** Keras JSON topology to store as `modelTopology` (then `format` is "layers-model"). */
  modelTopology?: unknown;
  /** fsync every file (default true). */
  fsync?: boolean;
}

interface Encoded {
  spec: Record<string, unknown>;
  bytes: Uint8Array;
}

function notRepresentable(t: TensorValue, why: string): never {
  throw new InvalidArgumentError('dtype_not_representable', `tensor "${t.name}" (${t.dtype}) ${why}; tfjs weights have no ${t.dtype} dtype and Graft only stores it losslessly`, {
    hint: 'write safetensors or a TF bundle instead (they keep the dtype), or leave the tensor out (--exclude)',
    details: { name: t.name, dtype: t.dtype },
  });
}

/** Encode one tensor as tfjs stores it (see manifest.ts for the carriers). */
function encode(t: TensorValue): Encoded {
  const n = numElements(t.shape);
  const spec: Record<string, unknown> = { name: t.name, shape: [...t.shape], dtype: t.dtype };
  if (t.dtype === 'string') {
    const strings = t.strings ?? [];
    const total = strings.reduce((a, s) => a + 4 + s.length, 0);
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    let o = 0;
    for (const s of strings) { dv.setUint32(o, s.length, true); out.set(s, o + 4); o += 4 + s.length; }
    return { spec, bytes: out };
  }
  const carrier: TfjsDType | undefined = GRAFT_DTYPE_CARRIER[t.dtype];
  if (carrier === undefined) return { spec, bytes: t.data };
  spec.dtype = carrier;
  spec.graftDtype = t.dtype;
  const src = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.dtype === 'float16') {
    spec.quantization = { dtype: 'float16' };
    return { spec, bytes: t.data };
  }
  if (carrier === 'int32') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let v: number | bigint;
      switch (t.dtype as DType) {
        case 'int8': v = src.getInt8(i); break;
        case 'uint8': v = src.getUint8(i); break;
        case 'int16': v = src.getInt16(i * 2, true); break;
        case 'uint16': v = src.getUint16(i * 2, true); break;
        case 'uint32': v = src.getUint32(i * 4, true); break;
        case 'int64': v = src.getBigInt64(i * 8, true); break;
        default: v = src.getBigUint64(i * 8, true); break;
      }
      const lo = t.dtype === 'int64' || t.dtype === 'int8' || t.dtype === 'int16' ? -(2 ** 31) : 0;
      if (Number(v) < lo || Number(v) > 2 ** 31 - 1) notRepresentable(t, `holds ${v} at element ${i}, outside the int32 carrier`);
      out[i] = Number(v);
    }
    return { spec, bytes: new Uint8Array(out.buffer) };
  }
  if (isFloat8(t.dtype)) return { spec, bytes: new Uint8Array(float8ToFloat32(t.data, t.dtype).buffer) };
  if (t.dtype === 'bfloat16') {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = src.getUint16(i * 2, true) << 16;
    return { spec, bytes: new Uint8Array(out.buffer) };
  }
  // float64 / complex128 → float32 / complex64 only when every value survives bit for bit.
  const m = t.dtype === 'complex128' ? 2 * n : n;
  const out = new Float32Array(m);
  const back = new DataView(new ArrayBuffer(8));
  for (let i = 0; i < m; i++) {
    const v = src.getFloat64(i * 8, true);
    out[i] = v;
    back.setFloat64(0, out[i]!, true);
    if (back.getBigUint64(0, true) !== src.getBigUint64(i * 8, true)) notRepresentable(t, `holds ${v} at element ${i}, which float32 cannot store exactly`);
  }
  return { spec, bytes: new Uint8Array(out.buffer) };
}

/**
 * Write tensors as a tfjs model folder: `dir/model.json` and `dir/group1-shardKofN.bin`.
 * Shards are committed atomically one by one, model.json last (readers see the new weights only
 * once model.json names them).
 * @throws InvalidArgumentError `dtype_not_representable`, `bad_tensor_bytes`,
 *   `duplicate_tensor_name`, `invalid_shard_bytes`.
 */
export async function writeTfjsWeights(
  dir: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteTfjsOptions = {},
): Promise<void> {
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes < 1) {
    throw new InvalidArgumentError('invalid_shard_bytes', `shardBytes must be a positive integer, got ${shardBytes}`, { hint: 'omit it for the 4 MiB default' });
  }
  const all = await collectTensors(tensors);
  const names = new Set<string>();
  const encoded = all.map((t) => {
    checkTensorBytes(t);
    if (names.has(t.name)) {
      throw new InvalidArgumentError('duplicate_tensor_name', `tensor name "${t.name}" appears twice`, { hint: 'rename one of them (CLI --rename FROM=TO)', details: { name: t.name } });
    }
    names.add(t.name);
    return encode(t);
  });
  const total = encoded.reduce((a, e) => a + e.bytes.length, 0);
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const paths = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  await withFsErrors('create directory', dir, () => mkdir(dir, { recursive: true }));
  const fsync = options.fsync ?? true;
  const model: Record<string, unknown> = {
    format: options.modelTopology === undefined ? 'graft-weights' : 'layers-model',
    generatedBy: 'graft 0.1.0',
    convertedBy: null,
  };
  if (options.modelTopology !== undefined) model.modelTopology = options.modelTopology;
  model.weightsManifest = [{ paths, weights: encoded.map((e) => e.spec) }];
  const publish = await beginPublish(dir, 'model.json', { fsync });
  try {
    let shard = 0;
    let file = await publish.create(paths[0]!);
    for (const { bytes } of encoded) {
      let o = 0;
      while (o < bytes.length) {
        if (file.bytesWritten === shardBytes) file = await publish.create(paths[++shard]!);
        const take = Math.min(bytes.length - o, shardBytes - file.bytesWritten);
        await file.write(bytes.subarray(o, o + take));
        o += take;
      }
    }
    const json = await publish.create('model.json');
    await json.write(new TextEncoder().encode(JSON.stringify(model)));
    publish.remove(await oldShards(dir));
    await publish.commit();
  } catch (e) {
    await publish.abort();
    throw e;
  }
}

/** Shard files the folder's current model.json names (plain tfjs shard names only; none if unreadable). */
async function oldShards(dir: string): Promise<string[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(await readRegularFile(join(dir, 'model.json'), 256 * 1024 * 1024, { what: 'tfjs model.json' })));
  } catch {
    return [];
  }
  const groups = (doc as { weightsManifest?: unknown })?.weightsManifest;
  if (!Array.isArray(groups)) return [];
  const names: string[] = [];
  for (const g of groups) {
    const ps = (g as { paths?: unknown })?.paths;
    if (Array.isArray(ps)) for (const p of ps) if (typeof p === 'string' && /^[\w.-]+\.bin$|^group\d+-shard\d+of\d+$/.test(p) && !p.startsWith('.')) names.push(p);
  }
  return names;
}
