/**
 * `graft inspect PATH`: what TF's `inspect_checkpoint` / `NewCheckpointReader` give — every
 * tensor's name, dtype, shape and bytes; with `--tensor`/`--all-tensors` the values (abbreviated
 * like numpy), with `--stats` min/max/mean/std/NaN count. `--json` prints
 * `{"format", "path", "metadata", "tensors": [{"name", "dtype", "shape", "bytes", "objectPath"?, "values"?, "stats"?}]}`
 * (`objectPath`: for TF2 object-based keys, the layer path the object graph implies).
 */
import { numberFlag } from '../flags.js';
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, listFlag, stringFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { openCheckpoint } from '../../formats/open.js';
import { tensorStats, type TensorStats } from '../../formats/stats.js';
import type { DType, FormatName } from '../../formats/types.js';
import { formatValues, jsonValues } from '../render/values.js';
import { formatInt, formatShape, formatStat, formatTable } from '../render/table.js';
import { LAYOUT_FLAGS, LAYOUT_HELP, parseLayoutFlags } from '../layout-flags.js';
import { withLayout } from '../../formats/layout/index.js';
import { keras3NameMap } from '../../formats/keras-h5/index.js';

const HELP = `graft inspect — list a checkpoint's tensors (names, dtypes, shapes, bytes), values or stats

usage: graft inspect PATH [--tensor NAME]… [--all-tensors] [--stats] [--threshold N] [--layout pytorch …] [--json]

PATH   a TF checkpoint prefix (dir/model.ckpt-1000; the .index file is accepted too), a directory
       with a 'checkpoint' state file (then its latest checkpoint), a SavedModel directory,
       a *.safetensors file, a tfjs model.json (or its directory), a Keras *.h5 file, or a PyTorch
       torch.save file (*.pt, *.pth, pytorch_model.bin; its pickle is never executed)

flags:
  --tensor NAME      show only this tensor, with its values (repeatable; ':0' is ignored)  (default: all, no values)
  --all-tensors      show the values of every tensor (TF's --all_tensors)                  (default: off)
  --stats            add min, max, mean, std and NaN count per tensor                      (default: off)
  --threshold N      summarise values of tensors with more than N elements, showing the
                     first and last 3 along each dimension with '...' (numpy's threshold)   (default: 1000)
${LAYOUT_HELP}
  --json             print one JSON document: {"format", "path", "metadata",
                     "tensors": [{"name", "dtype", "shape", "bytes", "objectPath"?, "values"?, "stats"?}]};
                     values are complete nested arrays (NaN/inf and big int64 as strings)

examples:
  graft inspect runs/mnist/model.ckpt-20000
  graft inspect runs/mnist/ --tensor dense/kernel --stats
  graft inspect adapter_model.safetensors --all-tensors --json`;

/** One tensor in the inspect result. */
export interface InspectTensor {
  name: string;
  /** A Graft dtype word, or for an unsupported tensor the file's own word (`F8_E8M0`). */
  dtype: DType | string;
  /** Set when Graft cannot decode the tensor's dtype: why (its values cannot be shown). */
  unsupported?: string;
  shape: number[];
  bytes: number;
  /** TF2 object-based checkpoints: the plain layer path the object graph gives the key. */
  objectPath?: string;
  /** Keras 3 files: the TF-Keras / tfjs name the Keras 3 path maps to (`dense/kernel`). */
  tfKerasName?: string;
  /** Nested arrays (JSON) — only with --tensor / --all-tensors. */
  values?: unknown;
  /** numpy-style text of the values (text output only; not in --json). */
  text?: string;
  stats?: TensorStats | null;
}

/** What `graft inspect` returns. */
export interface InspectResult {
  format: FormatName;
  path: string;
  metadata: Record<string, string>;
  tensors: InspectTensor[];
}

/** `graft inspect`. */
export const inspectCommand: Command<InspectResult> = {
  name: 'inspect',
  summary: "list a checkpoint's tensors (names, dtypes, shapes, bytes), values or stats",
  help: HELP,
  options: {
    tensor: { type: 'string', multiple: true },
    'all-tensors': { type: 'boolean' },
    stats: { type: 'boolean' },
    threshold: { type: 'string' },
    ...LAYOUT_FLAGS,
  },
  aliases: { tensor_name: 'tensor', all_tensors: 'all-tensors' },
  async run(args: ParsedArgs): Promise<InspectResult> {
    const [path, ...rest] = args.positionals;
    if (path === undefined || rest.length > 0) {
      throw new UsageError('bad_usage', `graft inspect takes one PATH, got ${args.positionals.length} argument(s)`, {
        hint: 'graft inspect runs/mnist/model.ckpt-20000 --tensor dense/kernel',
      });
    }
    const threshold = numberFlag(args, 'threshold', { integer: true, min: 0 }) ?? 1000;
    const wanted = (args.values.tensor as string[] | undefined) ?? [];
    const all = boolFlag(args, 'all-tensors');
    const stats = boolFlag(args, 'stats');
    const json = boolFlag(args, 'json');
    const layout = parseLayoutFlags(args);
    const opened = await openCheckpoint(path);
    const reader = layout ? withLayout(opened, layout) : opened;
    try {
      const listed = wanted.length > 0 ? wanted.map((n) => reader.info(n)) : reader.list();
      const withValues = all || wanted.length > 0;
      const tensors: InspectTensor[] = [];
      const objectPaths = (reader as { objectGraphPaths?: Map<string, string> }).objectGraphPaths;
      const tfKeras = keras3NameMap(reader);
      if (wanted.length === 0) {
        for (const u of reader.unreadable?.() ?? []) {
          tensors.push({ name: u.name, dtype: u.storedDtype, shape: [...u.shape], bytes: u.bytes, unsupported: u.reason, ...(stats ? { stats: null } : {}) });
        }
      }
      for (const t of listed) {
        const entry: InspectTensor = { name: t.name, dtype: t.dtype, shape: [...t.shape], bytes: t.bytes };
        const objectPath = objectPaths instanceof Map ? objectPaths.get(t.name) : undefined;
        if (objectPath !== undefined) entry.objectPath = objectPath;
        if (tfKeras?.[t.name] !== undefined) entry.tfKerasName = tfKeras[t.name];
        if (withValues || stats) {
          const v = await reader.read(t.name);
          if (withValues) {
            if (json) entry.values = jsonValues(v);
            else entry.text = formatValues(v, { threshold });
          }
          if (stats) entry.stats = t.dtype === 'string' ? null : tensorStats(v);
        }
        tensors.push(entry);
      }
      tensors.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { format: reader.format, path: reader.path, metadata: { ...reader.metadata }, tensors };
    } finally {
      await reader.close();
    }
  },
  render(r: InspectResult): string {
    const total = r.tensors.reduce((a, t) => a + t.bytes, 0);
    const out: string[] = [`${r.path} (${r.format}, ${formatInt(r.tensors.length)} tensor${r.tensors.length === 1 ? '' : 's'}, ${formatInt(total)} bytes)`];
    for (const [k, v] of Object.entries(r.metadata)) out.push(k === 'note' ? `note: ${v}` : `${k}: ${v}`);
    const stats = r.tensors.some((t) => t.stats !== undefined);
    const paths = r.tensors.some((t) => t.objectPath !== undefined);
    const k3 = r.tensors.some((t) => t.tfKerasName !== undefined);
    const head = ['name', 'dtype', 'shape', 'bytes', ...(stats ? ['min', 'max', 'mean', 'std', 'nan'] : []), ...(paths ? ['object path'] : []), ...(k3 ? ['tf-keras name'] : [])];
    const rows = r.tensors.map((t) => [t.name, t.unsupported ? `${t.dtype} (unsupported)` : t.dtype, formatShape(t.shape), formatInt(t.bytes),
      ...(stats ? (t.stats ? [formatStat(t.stats.min), formatStat(t.stats.max), formatStat(t.stats.mean), formatStat(t.stats.std), String(t.stats.nan)] : ['-', '-', '-', '-', '-']) : []),
      ...(paths ? [t.objectPath ?? ''] : []), ...(k3 ? [t.tfKerasName ?? ''] : [])]);
    out.push('', formatTable([head, ...rows], { right: stats ? [3, 4, 5, 6, 7, 8] : [3] }));
    const unsupported = r.tensors.filter((t) => t.unsupported);
    if (unsupported.length > 0) out.push('', `${unsupported.length} tensor${unsupported.length === 1 ? '' : 's'} cannot be read: ${unsupported.map((t) => `${t.name}: ${t.unsupported}`).join('; ')}`);
    for (const t of r.tensors) {
      if (t.text === undefined) continue;
      out.push('', `tensor_name:  ${t.name}  (${t.dtype} ${formatShape(t.shape)})`, t.text);
    }
    return out.join('\n');
  },
};
