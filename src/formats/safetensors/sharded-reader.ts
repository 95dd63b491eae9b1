/**
 * Lazy reader of Hugging Face sharded safetensors (shard-index.ts): opening reads the index and
 * each shard's header only; `read(name)` reads only that tensor's bytes from its shard.
 *
 * Checked at open, each with its own code: the index (shard-index.ts), every shard the weight_map
 * names exists (`shard_not_found`) and is valid safetensors (header.ts codes), every tensor sits in
 * the shard the index claims (`tensor_not_in_shard`), no tensor is in two shards
 * (`duplicate_tensor`), and no shard holds a tensor the index does not list (`tensor_not_in_index`;
 * transformers would load it, silently — Graft asks for a consistent pair instead).
 */
import { readdir, stat } from '../../io/fs.js';
import { openSource } from '../../io/source.js';
import { awaitPublished } from '../../io/sink.js';
import { basename, dirname, join } from '../../io/path.js';
import { CheckpointNotFoundError, FormatError, GraftError } from '../../errors.js';
import type { CheckpointReader, TensorInfo, TensorValue, UnsupportedTensorInfo } from '../types.js';
import { openSafetensors, type SafetensorsFileReader } from './reader.js';
import { MAX_INDEX_BYTES, parseShardIndex, type ShardIndex } from './shard-index.js';

/** A reader over every shard of a sharded safetensors checkpoint. */
export type ShardedSafetensorsReader = CheckpointReader & {
  readInto(name: string, target: Uint8Array): Promise<void>;
  unreadable(): UnsupportedTensorInfo[];
  /** Shard file names in index order. */
  readonly shards: readonly string[];
  /** The index's `metadata` (total_size, …) as written. */
  readonly indexMetadata: Readonly<Record<string, unknown>>;
  /** Bytes read so far per shard file (headers included). */
  bytesRead(): Record<string, number>;
};

function stripZero(name: string): string {
  return name.endsWith(':0') ? name.slice(0, -2) : name;
}

class ShardedReader implements ShardedSafetensorsReader {
  readonly format = 'safetensors' as const;
  private closed = false;

  constructor(
    readonly path: string,
    readonly metadata: Record<string, string>,
    readonly indexMetadata: Readonly<Record<string, unknown>>,
    readonly shards: readonly string[],
    private readonly files: Map<string, SafetensorsFileReader>,
    private readonly owner: Map<string, string>,
  ) {}

  private shardOf(name: string): SafetensorsFileReader {
    const file = this.owner.get(name) ?? this.owner.get(stripZero(name));
    if (file === undefined) {
      throw new FormatError('tensor_not_found', `${this.path}: no tensor named "${name}" (the ${this.shards.length} shards hold ${this.owner.size} tensors)`, {
        hint: `list the names with: graft inspect ${this.path}`, details: { path: this.path, name },
      });
    }
    if (this.closed) throw new FormatError('reader_closed', `${this.path}: the reader is closed`, { hint: 'open the checkpoint again' });
    return this.files.get(file)!;
  }

  list(): TensorInfo[] {
    return [...this.files.values()].flatMap((r) => r.list()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  unreadable(): UnsupportedTensorInfo[] {
    return [...this.files.values()].flatMap((r) => r.unreadable()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  has(name: string): boolean {
    const file = this.owner.get(name) ?? this.owner.get(stripZero(name));
    return file !== undefined && this.files.get(file)!.has(name);
  }

  info(name: string): TensorInfo {
    return this.shardOf(name).info(name);
  }

  read(name: string): Promise<TensorValue> {
    return this.shardOf(name).read(name);
  }

  readInto(name: string, target: Uint8Array): Promise<void> {
    return this.shardOf(name).readInto(name, target);
  }

  bytesRead(): Record<string, number> {
    return Object.fromEntries([...this.files].map(([f, r]) => [f, r.bytesRead]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.files.values()].map((r) => r.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

async function readIndex(path: string): Promise<ShardIndex> {
  let fh;
  try {
    fh = await openSource(path, { what: 'safetensors index' }); // never blocks on a FIFO
  } catch (e) {
    if (e instanceof GraftError && e.code !== 'file_not_found') throw e;
    throw new CheckpointNotFoundError('checkpoint_not_found', `${path}: no such file`, { hint: 'check the path', details: { path }, cause: e });
  }
  try {
    const size = fh.size;
    if (size > MAX_INDEX_BYTES) {
      throw new FormatError('invalid_shard_index', `${path}: the index has ${size} bytes; the limit is ${MAX_INDEX_BYTES}`, {
        hint: 'this is not a safetensors index (real ones are a few MB at most)', details: { path, field: 'index', found: size, limit: MAX_INDEX_BYTES },
      });
    }
    return parseShardIndex(await fh.read(0, size), path);
  } finally {
    await fh.close();
  }
}

function mismatch(code: string, path: string, message: string, details: Record<string, unknown>): FormatError {
  return new FormatError(code, `${path}: ${message}`, {
    hint: 'the index and the shards disagree (a shard was replaced or the index edited); re-download or re-export the checkpoint together',
    details: { path, ...details },
  });
}

/**
 * Open a sharded safetensors checkpoint from its index file (`model.safetensors.index.json`):
 * reads the index and every shard's header, validates them against each other (module comment).
 * @example
 *   await using r = await openShardedSafetensors('llm/model.safetensors.index.json');
 *   const w = await r.read('model.embed_tokens.weight'); // reads only that shard's bytes
 * @throws CheckpointNotFoundError `checkpoint_not_found`; FormatError `invalid_shard_index`,
 *   `unsafe_shard_path`, `shard_not_found`, `tensor_not_in_shard`, `duplicate_tensor`,
 *   `tensor_not_in_index`, and each shard's header codes.
 */
export async function openShardedSafetensors(indexPath: string): Promise<ShardedSafetensorsReader> {
  // A sharded write interrupted by a crash is finished first (its shards and index are one
  // publish keyed by the index, io/publish.ts): the set read is the old one or the new, whole.
  await awaitPublished(dirname(indexPath), basename(indexPath));
  const index = await readIndex(indexPath);
  const dir = dirname(indexPath);
  const files = new Map<string, SafetensorsFileReader>();
  try {
    for (const file of index.shards) {
      const p = join(dir, file);
      if ((await stat(p).catch(() => undefined))?.isFile() !== true) {
        const present = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.safetensors'));
        throw new FormatError('shard_not_found', `${indexPath}: the index names shard ${file}, which is not in ${dir} (found ${present.length ? present.slice(0, 6).join(', ') + (present.length > 6 ? ', …' : '') : 'no .safetensors files'})`, {
          hint: 'download every shard the index lists into the same folder', details: { path: indexPath, shard: file, found: present.slice(0, 20) },
        });
      }
      files.set(file, await openSafetensors(p));
    }
    const owner = new Map<string, string>();
    for (const [file, r] of files) {
      for (const name of [...r.list().map((t) => t.name), ...r.unreadable().map((t) => t.name)]) {
        const first = owner.get(name);
        if (first !== undefined) throw mismatch('duplicate_tensor', indexPath, `tensor "${name}" is in two shards, ${first} and ${file}`, { name, shards: [first, file] });
        owner.set(name, file);
        const claimed = index.weightMap.get(name);
        if (claimed === undefined) throw mismatch('tensor_not_in_index', indexPath, `shard ${file} holds tensor "${name}", which the index's weight_map does not list`, { name, shard: file });
      }
    }
    for (const [name, file] of index.weightMap) {
      if (owner.get(name) !== file) {
        throw mismatch('tensor_not_in_shard', indexPath, `the index puts tensor "${name}" in ${file}, but ${owner.has(name) ? `it is in ${owner.get(name)}` : 'no shard holds it'}`, { name, shard: file, found: owner.get(name) ?? null });
      }
    }
    const first = files.values().next().value as SafetensorsFileReader | undefined;
    return new ShardedReader(indexPath, { ...(first?.metadata ?? {}) }, index.metadata, index.shards, files, owner);
  } catch (e) {
    await Promise.all([...files.values()].map((r) => r.close()));
    throw e;
  }
}

/** The index file of a folder holding sharded safetensors, or undefined. */
export async function findShardIndex(dir: string): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (names.includes('model.safetensors.index.json')) return join(dir, 'model.safetensors.index.json');
  const idx = names.filter((n) => n.endsWith('.safetensors.index.json')).sort();
  return idx.length === 1 ? join(dir, idx[0]!) : undefined;
}

/** Whether a path names a safetensors index file. */
export function isShardIndexPath(path: string): boolean {
  return basename(path).endsWith('.safetensors.index.json');
}
