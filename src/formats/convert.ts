/**
 * `convertCheckpoint`: copy tensors from any readable checkpoint to a TF bundle, safetensors or
 * tfjs weights, names kept (or mapped by explicit rules) and dtypes kept bit for bit. Tensors
 * stream from the reader to the writer one at a time
 * into TF bundles and safetensors (the tfjs writer gathers them to size its shards).
 *
 * Selections are scopes matched on `/` boundaries (`dense` matches `dense/kernel`, not
 * `dense_1/kernel`), as everywhere in Graft; renames are exact names or scope prefixes
 * (`--rename dense=head` turns `dense/kernel` into `head/kernel`). A rule or scope that matches
 * nothing is an error (a typo would otherwise silently convert the wrong set).
 */
import { readFile, stat } from '../io/fs.js';
import { basename, join, resolve } from '../io/path.js';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { openCheckpoint } from './open.js';
import { withLayout, formatLayoutReport, type LayoutOptions, type LayoutReader } from './layout/index.js';
import { keras3NameMap } from './keras-h5/reader.js';
import { formatForWritePath, writeCheckpoint } from './write.js';
import { planShardedWrite, shardedDestination, writeSafetensors, writeShardedSafetensors, writerOrder } from './safetensors/index.js';
import type { CheckpointReader, DType, FormatName, TensorValue } from './types.js';

/** Options of `convertCheckpoint`. */
export interface ConvertOptions {
  /** Name map: exact names or scopes, `{from: to}` or `[from, to]` pairs (first match wins). */
  rename?: Record<string, string> | [string, string][];
  /** Keep only tensors inside these scopes (default: all). */
  include?: string[];
  /** Leave out tensors inside these scopes (default: none). */
  exclude?: string[];
  /** Destination format (default: from the destination path, see write.ts). */
  format?: FormatName;
  /** Replace an existing destination (default false: refuse). */
  overwrite?: boolean;
  /** String metadata for the destination (safetensors `__metadata__`; default: a safetensors source's). */
  metadata?: Record<string, string>;
  /** TF bundle destinations: number of data files (default 1; see writeBundle). */
  numShards?: number;
  /**
   * Model config for Keras 3 destinations (`.keras`, `.weights.h5`) and tfjs model.json; default:
   * the source's own (a `.keras` config.json, a tfjs model.json `modelTopology`).
   */
  modelTopology?: unknown;
  /**
   * Names of a Keras 3 source: `keras3` (default) keeps its paths (`dense/vars/0`); `tf-keras`
   * writes the TF-Keras / tfjs names it maps to (`dense/kernel`; unmapped ones keep their paths),
   * before `rename` applies.
   */
  keras3Names?: 'keras3' | 'tf-keras';
  /**
   * safetensors only: write Hugging Face shards of at most this many bytes (`parseSize("2GB")`)
   * plus `model.safetensors.index.json`; the destination may then be a folder. Default: one file.
   */
  maxShardSize?: number;
  /** Read the source through layout rules (`{layout: 'pytorch'}`, formats/layout), applied before renames; each transform is a note. */
  layout?: LayoutOptions;
}

/** What happened to one source tensor. */
export interface ConvertEntry {
  /** Name in the source. */
  source: string;
  /** Name in the destination (absent when excluded). */
  name?: string;
  status: 'converted' | 'renamed' | 'excluded';
  dtype: DType;
  shape: number[];
  bytes: number;
}

/** The result of a conversion. */
export interface ConvertReport {
  source: { path: string; format: FormatName };
  destination: { path: string; format: FormatName };
  tensors: ConvertEntry[];
  /** Tensors written (converted + renamed). */
  written: number;
  excluded: number;
  renamed: number;
  /** Value bytes written. */
  bytes: number;
  /** How paths were interpreted and what the source reader noted (e.g. dequantization). */
  notes: string[];
}

/** Whether `name` lies in `scope` on `/` boundaries (`''` or `/` = everything). */
export function inScopeOf(name: string, scope: string): boolean {
  const s = scope.replace(/\/+$/, '');
  return s === '' || name === s || name.startsWith(`${s}/`);
}

/** Apply the first matching rename rule to a name; undefined when no rule matches. */
export function applyRename(name: string, rules: [string, string][]): { name: string; rule: number } | undefined {
  for (let i = 0; i < rules.length; i++) {
    const [from, to] = rules[i]!;
    const f = from.replace(/\/+$/, '');
    if (name === f) return { name: to.replace(/\/+$/, ''), rule: i };
    if (f !== '' && name.startsWith(`${f}/`)) return { name: `${to.replace(/\/+$/, '')}/${name.slice(f.length + 1)}`.replace(/^\//, ''), rule: i };
  }
  return undefined;
}

async function destinationExists(dst: string, format: FormatName): Promise<boolean> {
  const probe = format === 'tf-bundle' ? `${dst}.index` : format === 'tfjs' && basename(dst) !== 'model.json' ? join(dst, 'model.json') : dst;
  return (await stat(probe).catch(() => undefined)) !== undefined;
}

/** The model config a source carries: a `.keras` config.json, or a tfjs model.json's modelTopology. */
async function sourceTopology(reader: Awaited<ReturnType<typeof openCheckpoint>>): Promise<unknown> {
  const k3 = (reader as { keras3?: { config?: unknown } }).keras3;
  if (k3?.config !== undefined) return k3.config;
  if (reader.format === 'tfjs' && reader.path.endsWith('.json')) {
    const json = JSON.parse(await readFile(reader.path, 'utf8')) as { modelTopology?: unknown };
    return json.modelTopology ?? undefined;
  }
  return undefined;
}

function topScopes(names: string[]): string {
  const tops = [...new Set(names.map((n) => n.split('/')[0]!))];
  return tops.slice(0, 12).join(', ') + (tops.length > 12 ? `, … (${tops.length} in all)` : '');
}

/**
 * Convert a checkpoint to another format (or the same format, renamed / filtered).
 * @example
 *   const report = await convertCheckpoint('runs/a/model.ckpt-1000', 'out/model.safetensors',
 *     { exclude: ['global_step'], rename: { 'dense': 'head' } });
 * @throws FormatError `unsupported_dtype` when a kept tensor has a dtype Graft cannot decode
 *   (exclude it and the rest converts);
 *   InvalidArgumentError `destination_exists`, `same_path`, `scope_matches_nothing`, `nothing_selected`,
 *   `rename_matches_nothing`, `duplicate_tensor_name`; the reader's and writer's codes (e.g.
 *   `dtype_not_supported` for a string tensor into safetensors).
 */
export async function convertCheckpoint(src: string, dst: string, options: ConvertOptions = {}): Promise<ConvertReport> {
  const sharded = options.maxShardSize !== undefined;
  const format = options.format ?? (sharded ? 'safetensors' : formatForWritePath(dst));
  if (sharded && format !== 'safetensors') {
    throw new InvalidArgumentError('shard_size_not_supported', `maxShardSize (CLI --max-shard-size) shards safetensors output; ${dst} is written as ${format}`, {
      hint: 'write safetensors (a folder or *.safetensors destination), or leave --max-shard-size out', details: { path: dst, format },
    });
  }
  const target = sharded ? await shardedDestination(dst) : undefined;
  if (options.numShards !== undefined && options.numShards !== 1 && format !== 'tf-bundle') {
    throw new InvalidArgumentError('num_shards_not_applicable', `${dst}: numShards applies to TF bundle destinations, not ${format}`, {
      hint: 'write to a TF bundle prefix (no .safetensors / model.json), or leave --num-shards out',
      details: { path: dst, format, numShards: options.numShards },
    });
  }
  if (resolve(src) === resolve(dst)) {
    throw new InvalidArgumentError('same_path', `source and destination are both ${src}`, { hint: 'write to a new path; a live checkpoint is never rewritten in place', details: { path: src } });
  }
  if (!options.overwrite && (target
    ? (await destinationExists(join(target.dir, target.base), format)) || (await destinationExists(join(target.dir, `${target.base}.index.json`), format))
    : await destinationExists(dst, format))) {
    throw new InvalidArgumentError('destination_exists', `${dst} already exists`, {
      hint: 'choose a new destination or pass overwrite: true (CLI --overwrite)', details: { path: dst, format },
    });
  }
  const rules: [string, string][] = Array.isArray(options.rename) ? options.rename : Object.entries(options.rename ?? {});
  const include = options.include ?? [];
  const exclude = options.exclude ?? [];
  const opened = await openCheckpoint(src);
  let reader: CheckpointReader = opened;
  try {
    if (options.layout) reader = withLayout(opened, options.layout);
    const infos = reader.list();
    const unreadable = reader.unreadable?.() ?? [];
    const names = [...infos.map((t) => t.name), ...unreadable.map((t) => t.name)];
    for (const [flag, scopes] of [['include', include], ['exclude', exclude]] as const) {
      for (const s of scopes) {
        if (!names.some((n) => inScopeOf(n, s))) {
          throw new InvalidArgumentError('scope_matches_nothing', `--${flag} ${s} matches no tensor of ${src}`, {
            hint: `scopes match whole path parts; top-level scopes here: ${topScopes(names)}`, details: { path: src, scope: s, option: flag },
          });
        }
      }
    }
    const keptByScopes = (name: string) => (include.length === 0 || include.some((s) => inScopeOf(name, s))) && !exclude.some((s) => inScopeOf(name, s));
    // A tensor Graft cannot decode is refused one by one: the rest converts once it is left out.
    const blocked = unreadable.filter((u) => keptByScopes(u.name));
    if (blocked.length > 0) {
      const shown = blocked.slice(0, 8).map((u) => `${u.name} (${u.storedDtype})`).join(', ') + (blocked.length > 8 ? `, … (${blocked.length} in all)` : '');
      throw new FormatError('unsupported_dtype', `${src}: ${blocked.length} tensor${blocked.length === 1 ? ' is' : 's are'} of a dtype Graft cannot decode: ${shown}`, {
        hint: `leave ${blocked.length === 1 ? 'it' : 'them'} out (CLI ${blocked.slice(0, 3).map((u) => `--exclude ${u.name}`).join(' ')}${blocked.length > 3 ? ' …' : ''}); the other tensors convert`,
        details: { path: src, names: blocked.map((u) => u.name), dtypes: blocked.map((u) => u.storedDtype), reason: blocked[0]!.reason },
      });
    }
    const entries: ConvertEntry[] = [];
    const k3map = options.keras3Names === 'tf-keras' ? keras3NameMap(reader) : undefined;
    if (options.keras3Names === 'tf-keras' && !k3map) {
      throw new InvalidArgumentError('not_keras3', `--keras3-names tf-keras: ${src} is not a Keras 3 file`, { hint: 'leave the flag out for this source', details: { path: src } });
    }
    const used = new Set<number>();
    const taken = new Map<string, string>();
    for (const t of infos) {
      const base = { source: t.name, dtype: t.dtype, shape: t.shape, bytes: t.bytes };
      const kept = keptByScopes(t.name);
      if (!kept) { entries.push({ ...base, status: 'excluded' }); continue; }
      const mapped = k3map?.[t.name] ?? t.name;
      const r = applyRename(mapped, rules);
      if (r) used.add(r.rule);
      const name = r ? r.name : mapped;
      const clash = taken.get(name);
      if (clash !== undefined) {
        throw new InvalidArgumentError('duplicate_tensor_name', `"${t.name}" and "${clash}" would both be written as "${name}"`, {
          hint: 'change the --rename rules so every destination name is unique', details: { name, sources: [clash, t.name] },
        });
      }
      taken.set(name, t.name);
      entries.push({ ...base, name, status: name !== t.name ? 'renamed' : 'converted' });
    }
    rules.forEach(([from, to], i) => {
      if (!used.has(i)) {
        throw new InvalidArgumentError('rename_matches_nothing', `--rename ${from}=${to}: no kept tensor is named ${from} or lies under ${from}/`, {
          hint: `rename sources are exact names or scopes; top-level scopes here: ${topScopes(names)}`, details: { from, to },
        });
      }
    });
    let written = entries.filter((e) => e.status !== 'excluded');
    if (written.length === 0 && entries.length > 0) {
      throw new InvalidArgumentError('nothing_selected', `the selection (include [${include.join(', ')}], exclude [${exclude.join(', ')}]) leaves none of the ${entries.length} tensors of ${src}; nothing written`, {
        hint: 'an exclude scope that covers every include scope selects nothing; narrow --exclude or widen --include',
        details: { include, exclude, tensors: entries.length },
      });
    }
    const layout = written.map((e) => ({ name: e.name!, dtype: e.dtype, shape: e.shape }));
    if (format === 'safetensors') {
      // Stream in the reference writer's order so only one tensor is in memory at a time.
      const order = target ? planShardedWrite(layout, options.maxShardSize!, target.base, dst).flatMap((p) => p.layout) : writerOrder(layout, dst);
      const rank = new Map(order.map((t, i) => [t.name, i]));
      written = [...written].sort((x, y) => rank.get(x.name!)! - rank.get(y.name!)!);
    }
    async function* values(): AsyncGenerator<TensorValue> {
      for (const e of written) {
        const v = await reader.read(e.source);
        yield { ...v, name: e.name! };
      }
    }
    // Only safetensors metadata is user data; other readers' metadata describes the source file.
    const metadata = options.metadata ?? (reader.format === 'safetensors' ? Object.fromEntries(Object.entries(reader.metadata).filter(([k]) => k !== 'note')) : undefined);
    let writtenTo = format === 'tfjs' && basename(dst) !== 'model.json' ? join(dst, 'model.json') : dst;
    if (target) {
      const info = await writeShardedSafetensors(dst, values(), { metadata, layout, maxShardSize: options.maxShardSize });
      writtenTo = info.index ?? join(info.dir, info.files[0]!);
    } else if (format === 'safetensors') await writeSafetensors(dst, values(), { metadata, layout });
    else await writeCheckpoint(dst, values(), { format, metadata, numShards: options.numShards, modelTopology: options.modelTopology ?? (format === 'keras-h5' ? await sourceTopology(reader) : undefined) });
    const notes = ['note', 'quantization'].map((k) => reader.metadata[k]).filter((x): x is string => typeof x === 'string');
    if (unreadable.length > 0) notes.push(`left out ${unreadable.length} tensor${unreadable.length === 1 ? '' : 's'} of a dtype Graft cannot decode: ${unreadable.map((u) => `${u.name} (${u.storedDtype})`).join(', ')}`);
    if (options.layout) notes.push(...formatLayoutReport(reader as LayoutReader).split('\n').filter(Boolean).map((l) => `layout: ${l}`));
    return {
      source: { path: reader.path, format: reader.format },
      destination: { path: writtenTo, format },
      tensors: entries,
      written: written.length,
      excluded: entries.length - written.length,
      renamed: entries.filter((e) => e.status === 'renamed').length,
      bytes: written.reduce((a, e) => a + e.bytes, 0),
      notes,
    };
  } finally {
    await reader.close(); // a layout reader closes the opened one
  }
}

