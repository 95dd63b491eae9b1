/**
 * Hugging Face sharded safetensors: the index file and the shard plan, as `huggingface_hub`
 * (serialization/_base.py `split_state_dict_into_shards_factory`, `parse_size_to_int`;
 * _torch.py `save_torch_state_dict`) and transformers (`PreTrainedModel.save_pretrained`) write them:
 *
 *   <dir>/model.safetensors.index.json   {"metadata": {"total_size": N, …}, "weight_map": {NAME: FILE, …}}
 *   <dir>/model-00001-of-0000M.safetensors … model-0000M-of-0000M.safetensors   ordinary safetensors files
 *
 * Shard plan (the factory's greedy loop): tensors in the given order fill the current shard until
 * the next one would push it past `maxShardSize`; then a new shard starts. A tensor larger than
 * the limit gets a shard of its own, appended at once (so it may precede the shard being filled).
 * One shard → a plain `model.safetensors` and no index. Names: `{stem}-{i:05d}-of-{n:05d}{ext}`.
 * total_size = Σ tensor bytes. The index is written as transformers does (`json.dumps(index,
 * indent=2, sort_keys=True) + "\n"`, non-ASCII escaped as Python's `ensure_ascii`).
 *
 * Checked on read: the index is a JSON object whose `weight_map` maps strings to shard file names
 * that stay in the index's folder (no absolute path, no `..`, no separator), `metadata` an object.
 */
import { FormatError, InvalidArgumentError } from '../../errors.js';

/** The default index file name next to the shards (transformers `SAFE_WEIGHTS_INDEX_NAME`). */
export const SAFE_WEIGHTS_INDEX_NAME = 'model.safetensors.index.json';
/** The default single-file name (transformers `SAFE_WEIGHTS_NAME`). */
export const SAFE_WEIGHTS_NAME = 'model.safetensors';
/** huggingface_hub `SIZE_UNITS`: decimal units. */
export const SIZE_UNITS: Readonly<Record<string, number>> = { TB: 1e12, GB: 1e9, MB: 1e6, KB: 1e3 };
/** Cap on the index file read at open (a real index of 100k tensors is a few MB). */
export const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * Parse a size like "2GB", "500MB", "1.5 kb" into bytes as huggingface_hub `parse_size_to_int`
 * does (last two characters the unit, case-insensitive; decimal; `int(value × unit)`); a plain
 * integer is bytes, as `max_shard_size` also accepts an int.
 * @throws InvalidArgumentError `bad_shard_size`.
 */
export function parseSize(text: string): number {
  const s = text.trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n) && n > 0) return n;
  }
  const unit = s.slice(-2).toUpperCase();
  const mult = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined;
  const value = Number(s.slice(0, -2).trim());
  const n = mult === undefined || s.slice(0, -2).trim() === '' || !Number.isFinite(value) ? NaN : Math.trunc(value * mult);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('bad_shard_size', `max shard size "${text.slice(0, 40)}" is not a size`, {
      hint: 'give bytes or a number with a decimal unit TB, GB, MB or KB (as Hugging Face: "2GB" = 2,000,000,000 bytes)',
      details: { found: text.slice(0, 40) },
    });
  }
  return n;
}

/** One planned shard: its file name and its tensors, in input order. */
export interface ShardPlan {
  file: string;
  names: string[];
  bytes: number;
}

/** `model.safetensors` → `model-00002-of-00003.safetensors` (HF `filename_pattern`). */
export function shardFileName(base: string, index: number, count: number): string {
  const m = /^(.*?)(\.safetensors)?$/.exec(base)!;
  return `${m[1]}-${String(index + 1).padStart(5, '0')}-of-${String(count).padStart(5, '0')}${m[2] ?? ''}`;
}

/**
 * Split tensors into shards of at most `maxShardSize` bytes with huggingface_hub's greedy rule
 * (module comment). One shard keeps `base` as its name.
 */
export function planShards(tensors: readonly { name: string; bytes: number }[], maxShardSize: number, base = SAFE_WEIGHTS_NAME): ShardPlan[] {
  const shards: { names: string[]; bytes: number }[] = [];
  let current: { names: string[]; bytes: number } = { names: [], bytes: 0 };
  for (const t of tensors) {
    if (t.bytes > maxShardSize) { shards.push({ names: [t.name], bytes: t.bytes }); continue; }
    if (current.bytes + t.bytes > maxShardSize) { shards.push(current); current = { names: [], bytes: 0 }; }
    current.names.push(t.name);
    current.bytes += t.bytes;
  }
  if (current.names.length > 0) shards.push(current);
  if (shards.length === 0) shards.push(current); // no tensors: one empty file, as save_file({}) writes
  if (shards.length === 1) return [{ file: base, ...shards[0]! }];
  return shards.map((s, i) => ({ file: shardFileName(base, i, shards.length), ...s }));
}

/** Python `json.dumps(…, ensure_ascii=True)` escaping on top of JSON.stringify. */
function asciiJson(text: string): string {
  return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `{…}` with sorted keys, Python's indent=2 layout, at nesting `depth` (built by hand: a JS object
 * would put integer-like keys such as "10" first and drop a key named "__proto__"). */
function sortedObject(entries: [string, string][], depth: number): string {
  if (entries.length === 0) return '{}';
  const pad = '  '.repeat(depth + 1);
  const body = [...entries].sort((x, y) => byCodeUnit(x[0], y[0])).map(([k, v]) => `${pad}${JSON.stringify(k)}: ${v}`);
  return `{\n${body.join(',\n')}\n${'  '.repeat(depth)}}`;
}

/** The index file's bytes for a plan (transformers' formatting; extra metadata kept). */
export function encodeShardIndex(plan: readonly ShardPlan[], metadata: Record<string, string | number> = {}): Uint8Array {
  const totalSize = plan.reduce((a, s) => a + s.bytes, 0);
  const meta: [string, string][] = Object.entries({ ...metadata, total_size: totalSize }).map(([k, v]) => [k, JSON.stringify(v)]);
  const map: [string, string][] = plan.flatMap((s) => s.names.map((n): [string, string] => [n, JSON.stringify(s.file)]));
  const text = sortedObject([['metadata', sortedObject(meta, 1)], ['weight_map', sortedObject(map, 1)]], 0);
  return new TextEncoder().encode(`${asciiJson(text)}\n`);
}

/** A validated index. */
export interface ShardIndex {
  /** `metadata` as written (total_size, total_parameters, …). */
  metadata: Record<string, unknown>;
  /** Tensor name → shard file name (relative to the index's folder). */
  weightMap: Map<string, string>;
  /** Shard file names in first-use order. */
  shards: string[];
}

function bad(code: string, path: string, message: string, hint: string, details: Record<string, unknown> = {}): never {
  throw new FormatError(code, `${path}: ${message}`, { hint, details: { path, ...details } });
}

const NOT_INDEX = 'the file is not a Hugging Face safetensors index (model.safetensors.index.json); re-download or re-export it';

/** Whether a weight_map value is a plain file name that stays in the index's folder. */
export function isSafeShardName(file: string): boolean {
  return file.length > 0 && file.length <= 255 && !/[/\\\0]/.test(file) && file !== '.' && file !== '..';
}

/**
 * Parse and validate an index file's bytes.
 * @throws FormatError `invalid_shard_index`, `unsafe_shard_path`.
 */
export function parseShardIndex(bytes: Uint8Array, path: string): ShardIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    bad('invalid_shard_index', path, `the index does not parse as UTF-8 JSON: ${(e as Error).message.slice(0, 120)}`, NOT_INDEX, { field: 'index' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) bad('invalid_shard_index', path, 'the index is not a JSON object', NOT_INDEX, { field: 'index' });
  const { metadata, weight_map: wm } = doc as { metadata?: unknown; weight_map?: unknown };
  if (metadata !== undefined && metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
    bad('invalid_shard_index', path, '"metadata" must be an object', NOT_INDEX, { field: 'metadata' });
  }
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) bad('invalid_shard_index', path, '"weight_map" must be an object of tensor name → shard file', NOT_INDEX, { field: 'weight_map' });
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  const seen = new Set<string>();
  for (const [name, file] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof file !== 'string') bad('invalid_shard_index', path, `weight_map "${name.slice(0, 80)}" must name a shard file, found ${typeof file}`, NOT_INDEX, { field: 'weight_map', name });
    if (!isSafeShardName(file)) {
      bad('unsafe_shard_path', path, `weight_map "${name.slice(0, 80)}" points to ${JSON.stringify(file.slice(0, 80))}, which is not a file in the index's folder`, 'shards must sit next to the index; Graft never opens files outside the folder you named', { field: 'weight_map', name, found: file.slice(0, 80) });
    }
    weightMap.set(name, file);
    if (!seen.has(file)) { seen.add(file); shards.push(file); }
  }
  return { metadata: (metadata ?? {}) as Record<string, unknown>, weightMap, shards };
}
