/**
 * `graft diff A B`: compare two checkpoints (any formats) tensor by tensor — names only in A,
 * only in B, dtype/shape mismatches, and for common tensors the largest |a − b| and whether they
 * are bit-identical. Values are read one tensor pair at a time.
 */
import type { Command, ParsedArgs } from '../command.js';
import { UsageError } from '../../errors.js';
import { openCheckpoint } from '../../formats/open.js';
import { decodeValues } from '../../formats/stats.js';
import type { CheckpointReader, DType, FormatName, TensorValue } from '../../formats/types.js';
import { formatInt, formatShape, formatStat, formatTable } from '../render/table.js';

const HELP = `graft diff — compare two checkpoints tensor by tensor

usage: graft diff A B [--json]

A, B   checkpoints in any format Graft reads (TF prefix or directory, *.safetensors, tfjs
       model.json, Keras *.h5); they may differ in format

Reports names only in A, only in B, tensors whose dtype or shape differ, and for every common
tensor the maximum absolute difference (float64 arithmetic; int64 exact) and whether the bytes
are identical. NaN equals NaN at the same position; a NaN against a number is counted in
"nanMismatches". Exit code 0 whether or not they differ (1 only for unreadable files).

flags:
  --json   print {"a", "b", "identical", "onlyInA", "onlyInB", "mismatched", "common"}   (default: text)

examples:
  graft diff runs/a/model.ckpt-1000 runs/b/model.ckpt-1000
  graft diff runs/mnist/model.ckpt-20000 export/model.safetensors --json
  graft diff web_model/model.json keras/model.h5`;

/** A tensor's name, dtype and shape. */
export interface DiffTensorRef { name: string; dtype: DType; shape: number[] }

/** One tensor present in both checkpoints with the same dtype and shape. */
export interface DiffCommon extends DiffTensorRef {
  /** Bytes (or string elements) equal. */
  identical: boolean;
  /** max |a − b| over positions where neither is NaN; null for string tensors. */
  maxAbsDiff: number | null;
  /** Positions where exactly one side is NaN. */
  nanMismatches: number;
}

/** What `graft diff` returns. */
export interface DiffResult {
  a: { path: string; format: FormatName };
  b: { path: string; format: FormatName };
  /** True when both hold the same names, dtypes, shapes and bytes. */
  identical: boolean;
  onlyInA: DiffTensorRef[];
  onlyInB: DiffTensorRef[];
  mismatched: { name: string; a: { dtype: DType; shape: number[] }; b: { dtype: DType; shape: number[] } }[];
  common: DiffCommon[];
}

function sameBytes(x: TensorValue, y: TensorValue): boolean {
  if (x.dtype === 'string') {
    const a = x.strings ?? [], b = y.strings ?? [];
    return a.length === b.length && a.every((s, i) => Buffer.compare(Buffer.from(s), Buffer.from(b[i]!)) === 0);
  }
  return Buffer.compare(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength), Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength)) === 0;
}

/** Compare two tensors of equal dtype and shape. */
export function compareTensors(x: TensorValue, y: TensorValue): Omit<DiffCommon, keyof DiffTensorRef> {
  const identical = sameBytes(x, y);
  if (x.dtype === 'string') return { identical, maxAbsDiff: null, nanMismatches: 0 };
  if (identical) return { identical, maxAbsDiff: 0, nanMismatches: 0 };
  const a = decodeValues(x) as ArrayLike<number | bigint>, b = decodeValues(y) as ArrayLike<number | bigint>;
  let max = 0, nan = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!, q = b[i]!;
    if (typeof p === 'bigint') {
      const d = Number(p > (q as bigint) ? p - (q as bigint) : (q as bigint) - p);
      if (d > max) max = d;
      continue;
    }
    const u = p, v = q as number;
    const un = u !== u, vn = v !== v;
    if (un || vn) { if (un !== vn) nan++; continue; }
    const d = u === v ? 0 : Math.abs(u - v);
    if (d > max || d !== d) max = d !== d ? Infinity : d;
  }
  return { identical, maxAbsDiff: max, nanMismatches: nan };
}

/** Compare two open checkpoints. */
export async function diffReaders(ra: CheckpointReader, rb: CheckpointReader): Promise<DiffResult> {
  const la = ra.list(), lb = rb.list();
  const mb = new Map(lb.map((t) => [t.name, t]));
  const ma = new Map(la.map((t) => [t.name, t]));
  const ref = (t: { name: string; dtype: DType; shape: number[] }) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape] });
  const result: DiffResult = {
    a: { path: ra.path, format: ra.format }, b: { path: rb.path, format: rb.format }, identical: false,
    onlyInA: la.filter((t) => !mb.has(t.name)).map(ref),
    onlyInB: lb.filter((t) => !ma.has(t.name)).map(ref),
    mismatched: [], common: [],
  };
  for (const t of la) {
    const u = mb.get(t.name);
    if (!u) continue;
    if (t.dtype !== u.dtype || t.shape.length !== u.shape.length || t.shape.some((d, i) => d !== u.shape[i])) {
      result.mismatched.push({ name: t.name, a: { dtype: t.dtype, shape: [...t.shape] }, b: { dtype: u.dtype, shape: [...u.shape] } });
      continue;
    }
    const [x, y] = [await ra.read(t.name), await rb.read(t.name)];
    result.common.push({ ...ref(t), ...compareTensors(x, y) });
  }
  result.identical = result.onlyInA.length === 0 && result.onlyInB.length === 0 && result.mismatched.length === 0 && result.common.every((c) => c.identical);
  return result;
}

/** `graft diff`. */
export const diffCommand: Command<DiffResult> = {
  name: 'diff',
  summary: 'compare two checkpoints tensor by tensor',
  help: HELP,
  options: {},
  async run(args: ParsedArgs): Promise<DiffResult> {
    const [a, b, ...rest] = args.positionals;
    if (a === undefined || b === undefined || rest.length > 0) {
      throw new UsageError('bad_usage', `graft diff takes two checkpoints A and B, got ${args.positionals.length} argument(s)`, {
        hint: 'graft diff runs/a/model.ckpt-1000 runs/b/model.ckpt-1000',
      });
    }
    const ra = await openCheckpoint(a);
    try {
      const rb = await openCheckpoint(b);
      try {
        return await diffReaders(ra, rb);
      } finally {
        await rb.close();
      }
    } finally {
      await ra.close();
    }
  },
  render(r: DiffResult): string {
    const out = [`A: ${r.a.path} (${r.a.format})`, `B: ${r.b.path} (${r.b.format})`];
    const same = r.common.filter((c) => c.identical).length;
    out.push(`${r.identical ? 'identical' : 'different'}: ${formatInt(r.common.length)} common tensors (${formatInt(same)} bit-identical), ${r.onlyInA.length} only in A, ${r.onlyInB.length} only in B, ${r.mismatched.length} dtype/shape mismatches`);
    const list = (title: string, ts: DiffTensorRef[]) => {
      if (ts.length === 0) return;
      out.push('', `${title}:`, formatTable(ts.map((t) => [t.name, t.dtype, formatShape(t.shape)]), { indent: '  ' }));
    };
    list('only in A', r.onlyInA);
    list('only in B', r.onlyInB);
    if (r.mismatched.length > 0) {
      out.push('', 'dtype/shape mismatches:', formatTable([['name', 'A', 'B'], ...r.mismatched.map((m) => [m.name, `${m.a.dtype} ${formatShape(m.a.shape)}`, `${m.b.dtype} ${formatShape(m.b.shape)}`])], { indent: '  ' }));
    }
    const differing = r.common.filter((c) => !c.identical);
    if (differing.length > 0) {
      out.push('', 'different values:', formatTable([['name', 'dtype', 'shape', 'max|a-b|', 'nan mismatches'], ...differing.map((c) => [c.name, c.dtype, formatShape(c.shape), c.maxAbsDiff === null ? '-' : formatStat(c.maxAbsDiff), String(c.nanMismatches)])], { indent: '  ', right: [3, 4] }));
    }
    return out.join('\n');
  },
};
