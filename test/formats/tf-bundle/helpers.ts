/** Shared helpers of the tensor-bundle tests: fixture paths, MANIFEST listings, hand-built tables. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crc32c, maskCrc } from '../../../src/formats/crc32c.js';
import { ProtoWriter } from '../../../src/formats/proto/wire.js';
import { seededRng } from '../../../src/models/data/random.js';

/** Repository root (this file compiles to dist/test/formats/tf-bundle/helpers.js). */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const FIXTURES = `${ROOT}test/fixtures/`;

/** Every TF-written bundle in test/fixtures: folder-relative prefix. */
export const BUNDLE_FIXTURES = [
  'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-1',
  'tf1-bundle/hsbarker-estimator-cnn-adam/model.ckpt-20000',
  'tf1-bundle/aplain-basic-lstm/model.ckpt',
  'tf1-bundle/caicloud-mnist-ema/mnist_model-29001',
  'tf1-bundle/caicloud-v1v2-ema-known-values/model.ckpt',
  'tf1-bundle/caicloud-v1v2-ema-known-values/model2.ckpt',
  'tf1-bundle/football-default-variable-names/model.ckpt',
  'tf1-bundle/lq6h-uniquified-names/model.ckpt',
  'tf1-bundle/hose-learn-linear-ftrl-part0/model.ckpt-1',
  'tf1-bundle/hose-learn-linear-ftrl-part0/model.ckpt-300',
  'tf2-bundle/little-ruan-keras-adam-2shards/model.ckpt',
  'tf2-bundle/charity-keras-save-weights-adam/cp.ckpt',
  'savedmodel/mnist-keras-cnn-bn/variables/variables',
] as const;

/** One listed line of MANIFEST.md. */
export interface ManifestRow {
  name: string;
  dtype: string;
  shape: number[];
  shard?: number;
}

/**
 * The MANIFEST.md listing of one index file: the fenced block after
 * "Parsed `<file>.index`", plus the entry count it states ("N entries").
 */
export function manifestListing(prefix: string): { rows: ManifestRow[]; count: number; partial: boolean } {
  const text = readFileSync(`${FIXTURES}MANIFEST.md`, 'utf8');
  const folder = prefix.slice(0, prefix.lastIndexOf('/'));
  const base = prefix.slice(prefix.lastIndexOf('/') + 1);
  const section = text.slice(text.indexOf(`## \`${folder.startsWith('savedmodel') ? 'savedmodel/mnist-keras-cnn-bn' : folder}\``));
  const at = section.indexOf(`Parsed \`${folder.startsWith('savedmodel') ? 'variables/' : ''}${base}.index\``);
  if (at < 0) throw new RangeError(`MANIFEST has no listing for ${prefix}`);
  const para = section.slice(at);
  const count = Number(/: (\d+) entries/.exec(para)![1]);
  const partial = /First \d+ of \d+ keys/.test(para.slice(0, para.indexOf('```')));
  const block = para.slice(para.indexOf('```') + 3);
  const body = block.slice(0, block.indexOf('```')).trim();
  const rows = body.split('\n').map((l) => {
    const m = /^(\S+)\s+(\S+)\s+\[([^\]]*)\](?:\s+\(shard (\d+)\))?$/.exec(l.trim());
    if (m === null) throw new RangeError(`cannot parse MANIFEST line ${JSON.stringify(l)}`);
    const shape = m[3]!.trim() === '' ? [] : m[3]!.split(',').map((x) => Number(x.trim()));
    return { name: m[1]!, dtype: m[2]!, shape, shard: m[4] === undefined ? undefined : Number(m[4]) };
  });
  return { rows, count, partial };
}

/** Bytes of a hex string with spaces. */
export function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from(clean.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** A block on disk: contents, type, masked CRC. */
export function blockWithTrailer(contents: Uint8Array, type = 0): Uint8Array {
  const t = new Uint8Array([type]);
  const crc = maskCrc(crc32c(t, crc32c(contents)));
  return new ProtoWriter().raw(contents).raw(t).fixed32(crc).finish();
}

/** Block contents from raw entries (each entry written with shared = 0) and restart offsets [0]. */
export function blockContents(entries: [Uint8Array, Uint8Array][], restarts: number[] = [0]): Uint8Array {
  const w = new ProtoWriter();
  for (const [k, v] of entries) w.varint(0).varint(k.length).varint(v.length).raw(k).raw(v);
  for (const r of restarts) w.fixed32(r);
  w.fixed32(restarts.length);
  return w.finish();
}

/**
 * An SSTable file with one data block whose raw contents are given (CRC computed), an empty
 * metaindex block, an index block pointing at the data block, and a footer.
 */
export function rawTable(dataContents: Uint8Array, options: { type?: number; indexKey?: Uint8Array } = {}): Uint8Array {
  const data = blockWithTrailer(dataContents, options.type ?? 0);
  const meta = blockWithTrailer(blockContents([]));
  const handle = (o: number, s: number): Uint8Array => new ProtoWriter().varint(o).varint(s).finish();
  const indexBlock = blockWithTrailer(blockContents([[options.indexKey ?? new Uint8Array([0xff]), handle(0, dataContents.length)]]));
  const metaOff = data.length;
  const indexOff = metaOff + meta.length;
  const footer = new Uint8Array(48);
  const hs = new ProtoWriter().raw(handle(metaOff, meta.length - 5)).raw(handle(indexOff, indexBlock.length - 5)).finish();
  footer.set(hs, 0);
  new DataView(footer.buffer).setBigUint64(40, 0xdb4775248b80fb57n, true);
  return new ProtoWriter().raw(data).raw(meta).raw(indexBlock).raw(footer).finish();
}

/** UTF-8 bytes. */
export const u8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A deterministic PRNG (mulberry32, the one data loaders use). */
export const rng = seededRng;
