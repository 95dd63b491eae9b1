/**
 * Tensor values as text the way numpy prints arrays (`np.array2string` defaults: summarise above
 * 1000 elements showing the first and last 3 along every dimension with `...`, one shared width
 * per array, rows wrapped at 75 columns), and as JSON (nested arrays; NaN/±Inf and int64 values
 * beyond 2^53 as strings; string elements as UTF-8 text or `{"base64": …}`).
 */
import { decodeValues, type DecodedValues } from '../../formats/stats.js';
import { numElements, type TensorValue } from '../../formats/types.js';

/** numpy print options we follow. */
export interface ValueFormatOptions {
  /** Summarise when the tensor has more elements than this (numpy `threshold`, default 1000). */
  threshold?: number;
  /** Elements kept at each end of a summarised dimension (numpy `edgeitems`, default 3). */
  edgeitems?: number;
  /** Maximum line width (numpy `linewidth`, default 75). */
  linewidth?: number;
}

/** Indices shown along a dimension of length n (null marks the `...`). */
function shownIndices(n: number, summarise: boolean, edge: number): (number | null)[] {
  if (!summarise || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: edge }, (_, i) => i), null, ...Array.from({ length: edge }, (_, i) => n - edge + i)];
}

function isString(v: DecodedValues): v is Uint8Array[] {
  return Array.isArray(v);
}

function bytesRepr(b: Uint8Array): string {
  let s = "b'";
  for (const c of b) {
    if (c === 0x27 || c === 0x5c) s += `\\${String.fromCharCode(c)}`;
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else if (c === 0x0a) s += '\\n';
    else s += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${s}'`;
}

/** Make a formatter for the elements that will be shown (shared width, numpy-like). */
function elementFormatter(t: TensorValue, values: DecodedValues, shown: number[]): (i: number) => string {
  if (isString(values)) return (i) => bytesRepr(values[i]!);
  const complex = t.dtype === 'complex64' || t.dtype === 'complex128';
  const f32 = t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16' || t.dtype === 'complex64' || t.dtype === 'float8_e4m3fn' || t.dtype === 'float8_e5m2';
  if (t.dtype === 'bool') return (i) => (values[i] ? ' True' : 'False');
  const isFloat = complex || f32 || t.dtype === 'float64';
  if (!isFloat) {
    const strs = new Map(shown.map((i) => [i, String(values[i])]));
    const w = Math.max(0, ...[...strs.values()].map((s) => s.length));
    return (i) => (strs.get(i) ?? String(values[i])).padStart(w);
  }
  const nums = values as Float32Array | Float64Array;
  const finite = shown.flatMap((i) => (complex ? [nums[2 * i]!, nums[2 * i + 1]!] : [nums[i]!])).filter((x) => Number.isFinite(x));
  const abs = finite.map(Math.abs).filter((x) => x > 0);
  const maxAbs = abs.length ? Math.max(...abs) : 0;
  const minAbs = abs.length ? Math.min(...abs) : 0;
  // numpy FloatingFormat: scientific when max ≥ 1e8, min < 1e-4 or max/min > 1e3 (shown values).
  const sci = maxAbs >= 1e8 || (minAbs > 0 && (minAbs < 1e-4 || maxAbs / minAbs > 1e3));
  const special = (x: number): string | undefined => (Number.isNaN(x) ? 'nan' : !Number.isFinite(x) ? (x > 0 ? 'inf' : '-inf') : undefined);
  const roundTrips = (x: number, s: string) => (f32 ? Math.fround(Number(s)) === x : Number(s) === x);
  // Digits after the point each value needs (at most 8, numpy's precision), shared by all.
  const digits = (x: number): number => {
    for (let p = 0; p < 8; p++) if (roundTrips(x, sci ? x.toExponential(p) : x.toFixed(p))) return p;
    return 8;
  };
  const comps = shown.flatMap((i) => (complex ? [nums[2 * i]!, nums[2 * i + 1]!] : [nums[i]!])).filter((x) => special(x) === undefined);
  const prec = Math.max(0, ...comps.map(digits));
  const one = (x: number): string => {
    const sp = special(x);
    if (sp !== undefined) return sp;
    if (sci) {
      const [m, e] = x.toExponential(prec).split('e') as [string, string];
      return `${prec === 0 ? `${m}.` : m}e${e[0] === '-' ? '-' : '+'}${e.replace(/^[-+]/, '').padStart(2, '0')}`;
    }
    // fixed: each value with the fewest digits that identify it (numpy 'maxprec'), padded right
    const t = x.toFixed(digits(x));
    return t.includes('.') ? t : `${t}.`;
  };
  const cell = (i: number): string => (complex ? `${one(nums[2 * i]!)}${nums[2 * i + 1]! < 0 || Object.is(nums[2 * i + 1], -0) ? '' : '+'}${one(nums[2 * i + 1]!)}j` : one(nums[i]!));
  const strs = new Map(shown.map((i) => [i, cell(i)]));
  const finiteStrs = [...strs.values()].filter((v) => !['nan', 'inf', '-inf'].includes(v));
  const intPart = (v: string) => (v.includes('.') && !sci ? v.indexOf('.') : v.length);
  const maxInt = Math.max(0, ...finiteStrs.map(intPart));
  const maxFrac = Math.max(0, ...finiteStrs.map((v) => (sci || !v.includes('.') ? 0 : v.length - v.indexOf('.') - 1)));
  const padded = (v: string): string => (sci || complex ? v : v.padStart(maxInt + (v.length - intPart(v))).padEnd(maxInt + 1 + maxFrac));
  const isSpecial = (v: string) => ['nan', 'inf', '-inf'].includes(v);
  const width = Math.max(0, ...[...strs.values()].map((v) => (isSpecial(v) ? v : padded(v)).length));
  return (i) => {
    const v = strs.get(i) ?? cell(i);
    return (isSpecial(v) ? v : padded(v)).padStart(width);
  };
}

/**
 * Format a tensor's values like numpy prints them.
 * @example formatValues({name:'v', dtype:'float32', shape:[2], data}) → "[1. 2.]"
 */
export function formatValues(t: TensorValue, options: ValueFormatOptions = {}): string {
  const threshold = options.threshold ?? 1000;
  const edge = options.edgeitems ?? 3;
  const linewidth = options.linewidth ?? 75;
  const values = decodeValues(t);
  const n = numElements(t.shape);
  const summarise = n > threshold;
  const shape = t.shape;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // Collect the flat indices that will be shown, for the shared width.
  const shown: number[] = [];
  const walk = (d: number, base: number): void => {
    if (d === shape.length) { shown.push(base); return; }
    for (const i of shownIndices(shape[d]!, summarise, edge)) if (i !== null) walk(d + 1, base + i * strides[d]!);
  };
  walk(0, 0);
  const fmt = elementFormatter(t, values, shown);
  if (shape.length === 0) {
    const s = fmt(0).trim();
    return s.endsWith('.') ? `${s}0` : s; // numpy prints a 0-d float as its scalar: 0.0
  }
  const render = (d: number, base: number, indent: string): string => {
    const idx = shownIndices(shape[d]!, summarise, edge);
    if (d === shape.length - 1) {
      const cells = idx.map((i) => (i === null ? '...' : fmt(base + i)));
      const lines: string[] = [];
      let line = '';
      for (const c of cells) {
        const add = line === '' ? c : ` ${c}`;
        if (line !== '' && indent.length + 1 + line.length + add.length + 1 > linewidth) { lines.push(line); line = c; } else line += add;
      }
      lines.push(line);
      return `[${lines.join(`\n${indent} `)}]`;
    }
    const sep = `${'\n'.repeat(shape.length - d - 1)}${indent} `;
    const parts = idx.map((i) => (i === null ? '...' : render(d + 1, base + i * strides[d]!, `${indent} `)));
    return `[${parts.join(sep)}]`;
  };
  return render(0, 0, '');
}

/** A JSON-safe value of one element. */
type JsonScalar = number | string | boolean | { base64: string } | [number | string, number | string];

function jsonNumber(x: number): number | string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x;
}

/** The tensor's values as nested JSON arrays (a scalar for shape []). */
export function jsonValues(t: TensorValue): unknown {
  const values = decodeValues(t);
  const complex = t.dtype === 'complex64' || t.dtype === 'complex128';
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const el = (i: number): JsonScalar => {
    if (isString(values)) {
      try { return decoder.decode(values[i]!); } catch { return { base64: Buffer.from(values[i]!).toString('base64') }; }
    }
    if (t.dtype === 'bool') return values[i] !== 0;
    if (complex) return [jsonNumber(Number(values[2 * i])), jsonNumber(Number(values[2 * i + 1]))];
    const v = values[i]!;
    if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    return jsonNumber(v as number);
  };
  const shape = t.shape;
  const build = (d: number, base: number): unknown => {
    if (d === shape.length) return el(base);
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[d]! }, (_, i) => build(d + 1, base + i * stride));
  };
  return build(0, 0);
}
