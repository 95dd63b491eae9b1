/**
 * Sharded safetensors writer: Hugging Face's shard plan, names and index (shard-index.ts). Each
 * shard is an ordinary safetensors file with the reference writer's bytes (writer.ts). The shards
 * and the index are one publish (io/publish.ts), the index renamed last: a kill at any point
 * leaves the old set or the new one, never a mix. Files of an earlier save under the same stem
 * that the new set does not have (other shard counts, a plain file replaced by shards or the
 * other way round) are removed in the same publish, as `save_pretrained` cleans its folder.
 * One shard → a plain `model.safetensors` and no index, as HF does.
 */
import { mkdir, readdir, stat } from '../../io/fs.js';
import { basename, dirname, join } from '../../io/path.js';
import { InvalidArgumentError } from '../../errors.js';
import { beginPublish } from '../../io/sink.js';
import { DTYPE_SIZE, numElements, type DType, type TensorValue } from '../types.js';
import { writerOrder, type HeaderInput } from './header.js';
import { checkTensorBytes, collectTensors, streamSafetensorsInto } from './writer.js';
import { encodeShardIndex, planShards, SAFE_WEIGHTS_NAME, type ShardPlan } from './shard-index.js';

/** Options of `writeShardedSafetensors`. */
export interface WriteShardedSafetensorsOptions {
  /** Largest shard in bytes of tensor data (parse "2GB" with `parseSize`); HF's default is 5 GB. */
  maxShardSize?: number;
  /** `__metadata__` of every shard (HF: {"format": "pt"}). */
  metadata?: Record<string, string>;
  /** fsync each file (default true). */
  fsync?: boolean;
  /**
   * Every tensor's name, dtype and shape, in the order shards are filled. Then values stream,
   * one at a time, in `planShardedWrite(layout, …)` order; without it all are gathered first.
   */
  layout?: HeaderInput[];
}

/** What was written. */
export interface ShardedWriteInfo {
  /** Folder of the files. */
  dir: string;
  /** Shard files in order (one: the plain file). */
  files: string[];
  /** The index file, when there is more than one shard. */
  index?: string;
}

/** One shard of a planned write: its file and its tensors in the order they must arrive. */
export interface PlannedShard extends ShardPlan {
  layout: HeaderInput[];
}

/** HF's default `max_shard_size` ("5GB"). */
export const DEFAULT_MAX_SHARD_SIZE = 5e9;

const bytesOf = (t: HeaderInput) => numElements(t.shape) * DTYPE_SIZE[t.dtype as Exclude<DType, 'string'>];

/**
 * Where a sharded write goes: a `*.safetensors` path (not an existing folder) names the single
 * file and the shards' stem; anything else is a folder (made if new) that gets `model.safetensors`
 * names, as `save_pretrained(dir)`.
 */
export async function shardedDestination(path: string): Promise<{ dir: string; base: string }> {
  const isDir = (await stat(path).catch(() => undefined))?.isDirectory() === true;
  if (!isDir && path.endsWith('.safetensors')) return { dir: dirname(path), base: basename(path) };
  return { dir: path.replace(/\/+$/, '') || '/', base: SAFE_WEIGHTS_NAME };
}

/** The shard plan for a layout, each shard's tensors in the reference writer's order. */
export function planShardedWrite(layout: HeaderInput[], maxShardSize: number, base = SAFE_WEIGHTS_NAME, path = base): PlannedShard[] {
  writerOrder(layout, path); // refuses dtypes safetensors has none of, before any planning
  const byName = new Map(layout.map((t) => [t.name, t]));
  return planShards(layout.map((t) => ({ name: t.name, bytes: bytesOf(t) })), maxShardSize, base)
    .map((s) => ({ ...s, layout: writerOrder(s.names.map((n) => byName.get(n)!), path) }));
}

/**
 * Write tensors as Hugging Face sharded safetensors (`model-00001-of-00002.safetensors` … +
 * `model.safetensors.index.json`), or one plain file when everything fits one shard.
 * @example
 *   await writeShardedSafetensors('out/', tensors, { maxShardSize: parseSize('2GB'), metadata: { format: 'pt' } });
 * @throws InvalidArgumentError `dtype_not_supported`, `duplicate_tensor_name`, `bad_tensor_bytes`,
 *   `layout_mismatch` (writer.ts).
 */
export async function writeShardedSafetensors(
  path: string,
  tensors: Iterable<TensorValue> | AsyncIterable<TensorValue>,
  options: WriteShardedSafetensorsOptions = {},
): Promise<ShardedWriteInfo> {
  const { dir, base } = await shardedDestination(path);
  const max = options.maxShardSize ?? DEFAULT_MAX_SHARD_SIZE;
  const fsync = options.fsync ?? true;
  let plan: PlannedShard[];
  let source: AsyncIterator<TensorValue> | Iterator<TensorValue>;
  if (options.layout) {
    plan = planShardedWrite(options.layout, max, base, join(dir, base));
    source = Symbol.asyncIterator in tensors ? tensors[Symbol.asyncIterator]() : (tensors as Iterable<TensorValue>)[Symbol.iterator]();
  } else {
    const all = await collectTensors(tensors);
    all.forEach(checkTensorBytes);
    plan = planShardedWrite(all, max, base, join(dir, base));
    const byName = new Map(all.map((t) => [t.name, t]));
    source = plan.flatMap((s) => s.layout.map((t) => byName.get(t.name)!))[Symbol.iterator]();
  }
  await mkdir(dir, { recursive: true }); // a folder destination may be new, as save_pretrained makes it
  const indexName = `${base}.index.json`;
  const pub = await beginPublish(dir, plan.length === 1 ? base : indexName, { fsync });
  try {
    for (const shard of plan) {
      // Each shard streams exactly its own tensors; the shard writer checks them against its layout.
      async function* take(): AsyncGenerator<TensorValue> {
        for (let i = 0; i < shard.layout.length; i++) {
          const r = await source.next();
          if (r.done) break;
          yield r.value;
        }
      }
      await streamSafetensorsInto(await pub.create(shard.file), join(dir, shard.file), take(), shard.layout, options.metadata);
    }
    if (!(await source.next()).done) {
      throw new InvalidArgumentError('layout_mismatch', `${path}: more tensors arrived than the layout's ${options.layout?.length ?? 0}`, {
        hint: 'pass exactly the tensors of the layout', details: { path },
      });
    }
    if (plan.length > 1) await (await pub.create(indexName)).write(encodeShardIndex(plan));
    pub.remove(await staleFiles(dir, base, plan.length === 1 ? [] : [indexName]));
    await pub.commit();
  } catch (e) {
    await pub.abort();
    throw e;
  }
  if (plan.length === 1) return { dir, files: [plan[0]!.file] };
  return { dir, files: plan.map((s) => s.file), index: join(dir, indexName) };
}

/** Files of an earlier save of stem `base` in `dir` (plain file, shards, index); `keep` excepted. */
async function staleFiles(dir: string, base: string, keep: readonly string[]): Promise<string[]> {
  const stem = base.replace(/\.safetensors$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mine = new RegExp(`^${stem}(-\\d{5}-of-\\d{5})?\\.safetensors(\\.index\\.json)?$`);
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => mine.test(n) && !keep.includes(n));
}
