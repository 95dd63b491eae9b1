/**
 * `withLayout(reader, options)`: a checkpoint reader that shows a PyTorch state dict under TF/
 * Keras names and layouts (rules.ts), computing each tensor on read (permutes are byte-level, so
 * every dtype passes bit-exact; the LSTM bias sum is done in the tensor's float dtype). Every
 * transform is listed (`transforms()`, one line each with `formatLayoutReport`), so restore
 * plans and `convert` can report what was changed.
 */
import { FormatError } from '../../errors.js';
import { DTYPE_SIZE, numElements, type CheckpointReader, type TensorInfo, type TensorValue } from '../types.js';
import { planLayout, type LayoutOptions, type LayoutPlan, type LayoutRule } from './rules.js';

/** One applied transform, JSON-serialisable. */
export interface LayoutTransform {
  name: string;
  sources: { name: string; shape: number[] }[];
  shape: number[];
  rule: string;
}

/** A reader under a layout: the usual interface plus the report of its transforms. */
export interface LayoutReader extends CheckpointReader {
  readonly layout: LayoutOptions;
  /** Every output tensor not passed through unchanged, and every dropped torch key. */
  transforms(): { transformed: LayoutTransform[]; ignored: { name: string; reason: string }[] };
  /** The rule that made `name`, for report notes (undefined for identity). */
  layoutNote(name: string): string | undefined;
}

/** Permute the axes of row-major `src` (shape `shape`, `el` bytes per element): out axis k = in axis perm[k]. */
export function permuteBytes(src: Uint8Array, shape: readonly number[], perm: readonly number[], el: number): Uint8Array {
  const nd = shape.length;
  const out = new Uint8Array(src.length);
  const inStride = new Array<number>(nd);
  for (let i = nd - 1, s = 1; i >= 0; i--) { inStride[i] = s; s *= shape[i]!; }
  const oShape = perm.map((p) => shape[p]!);
  const oStride = perm.map((p) => inStride[p]!); // input stride of each output axis
  const n = numElements(shape);
  const idx = new Array<number>(nd).fill(0);
  let from = 0;
  for (let o = 0; o < n; o++) {
    out.set(src.subarray(from * el, from * el + el), o * el);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++; from += oStride[d]!;
      if (idx[d]! < oShape[d]!) break;
      from -= oStride[d]! * oShape[d]!; idx[d] = 0;
    }
  }
  return out;
}

function floats(v: TensorValue): Float32Array | Float64Array {
  if (v.dtype === 'float32') return new Float32Array(v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.length));
  if (v.dtype === 'float64') return new Float64Array(v.data.buffer.slice(v.data.byteOffset, v.data.byteOffset + v.data.length));
  throw new FormatError('layout_dtype', `${v.name}: an LSTM bias of dtype ${v.dtype} cannot be summed by the layout rules (float32/float64 only)`, {
    hint: 'convert the checkpoint to float32 first (graft convert --dtype float32)', details: { name: v.name, dtype: v.dtype },
  });
}

/** Reorder 4 gate blocks along axis 0 (rows of `h` each) from torch i,f,g,o to TF1 i,g(c),f,o. */
function ifgoToIcfo(data: Uint8Array, rowBytes: number, h: number): Uint8Array {
  const out = new Uint8Array(data.length);
  const block = h * rowBytes;
  [0, 2, 1, 3].forEach((from, to) => out.set(data.subarray(from * block, (from + 1) * block), to * block));
  return out;
}

async function compute(rule: LayoutRule, read: (n: string) => Promise<TensorValue>): Promise<Uint8Array> {
  const srcs = await Promise.all(rule.sources.map(read));
  const a = srcs[0]!;
  const el = a.dtype === 'string' ? 1 : DTYPE_SIZE[a.dtype];
  const op = rule.op;
  switch (op.op) {
    case 'identity': return a.data;
    case 'permute': return permuteBytes(a.data, a.shape, op.perm, el);
    case 'depthwise': return permuteBytes(a.data, a.shape, [2, 3, 0, 1], el); // [C·m,1,kh,kw] → [kh,kw,C·m,1] = [kh,kw,C,m]
    case 'lstm_keras_bias': case 'lstm_tf1_bias': {
      const x = floats(a), y = floats(srcs[1]!);
      const sum = x instanceof Float32Array ? new Float32Array(x.length) : new Float64Array(x.length);
      for (let i = 0; i < x.length; i++) sum[i] = x[i]! + y[i]!;
      let bytes: Uint8Array = new Uint8Array(sum.buffer);
      if (op.op === 'lstm_tf1_bias') {
        for (let i = op.hidden; i < 2 * op.hidden; i++) sum[i] = sum[i]! - op.forgetBias; // torch f block
        bytes = ifgoToIcfo(new Uint8Array(sum.buffer), el, op.hidden);
      }
      return bytes;
    }
    case 'lstm_tf1_kernel': {
      const [wih, whh] = srcs as [TensorValue, TensorValue];
      const k1 = permuteBytes(ifgoToIcfo(wih.data, wih.shape[1]! * el, op.hidden), wih.shape, [1, 0], el);
      const k2 = permuteBytes(ifgoToIcfo(whh.data, whh.shape[1]! * el, op.hidden), whh.shape, [1, 0], el);
      const out = new Uint8Array(k1.length + k2.length);
      out.set(k1, 0); out.set(k2, k1.length);
      return out;
    }
  }
}

/**
 * Show a PyTorch state dict (`reader`, e.g. from `openCheckpoint('pytorch_model.bin')`) under TF /
 * Keras names and layouts. Closing the layout reader closes `reader`.
 * @example
 *   const r = withLayout(await openCheckpoint('net.pt'), { layout: 'pytorch' });
 *   console.log(formatLayoutReport(r)); // conv1.weight [4,3,3,3] → conv1/kernel [3,3,3,4]: conv2d OIHW→HWIO
 * @throws FormatError `layout_mismatch` when an option names a module the checkpoint lacks or a
 *   module's tensors do not fit its rule.
 */
export function withLayout(reader: CheckpointReader, options: LayoutOptions): LayoutReader {
  const plan: LayoutPlan = planLayout(reader.list(), options);
  const byName = new Map(plan.rules.map((r) => [r.name, r]));
  const strip = (n: string) => (byName.has(n) ? n : n.endsWith(':0') ? n.slice(0, -2) : n);
  const rule = (name: string): LayoutRule => {
    const r = byName.get(strip(name));
    if (!r) {
      throw new FormatError('tensor_not_found', `${reader.path}: no tensor named "${name}" under the pytorch layout (${byName.size} tensors)`, {
        hint: `list the names with: graft inspect ${reader.path} --layout pytorch`, details: { path: reader.path, name },
      });
    }
    return r;
  };
  const info = (name: string): TensorInfo => {
    const r = rule(name);
    return { name: r.name, dtype: r.dtype, shape: [...r.shape], bytes: r.dtype === 'string' ? 0 : numElements(r.shape) * DTYPE_SIZE[r.dtype] };
  };
  return {
    format: reader.format,
    path: reader.path,
    metadata: { ...reader.metadata, layout: options.layout },
    layout: options,
    list: () => plan.rules.map((r) => info(r.name)),
    has: (name) => byName.has(strip(name)),
    info,
    async read(name) {
      const r = rule(name);
      return { name: r.name, dtype: r.dtype, shape: [...r.shape], data: await compute(r, (n) => reader.read(n)) };
    },
    transforms() {
      const infos = new Map(reader.list().map((t) => [t.name, t]));
      return {
        transformed: plan.rules.filter((r) => r.rule !== 'identity').map((r) => ({
          name: r.name, shape: [...r.shape], rule: r.rule, sources: r.sources.map((s) => ({ name: s, shape: [...infos.get(s)!.shape] })),
        })),
        ignored: plan.ignored,
      };
    },
    layoutNote(name) {
      const r = byName.get(strip(name));
      return r && r.rule !== 'identity' ? `${r.sources.join(' + ')}: ${r.rule}` : undefined;
    },
    close: () => reader.close(),
    [Symbol.asyncDispose]: () => reader.close(),
  };
}

/** One line per transform: `conv1.weight [4,3,3,3] → conv1/kernel [3,3,3,4]: conv2d OIHW→HWIO`. */
export function formatLayoutReport(reader: LayoutReader): string {
  const { transformed, ignored } = reader.transforms();
  const lines = transformed.map((t) => `${t.sources.map((s) => `${s.name} [${s.shape.join(',')}]`).join(' + ')} → ${t.name} [${t.shape.join(',')}]: ${t.rule}`);
  for (const i of ignored) lines.push(`${i.name}: ignored (${i.reason})`);
  return lines.join('\n');
}
