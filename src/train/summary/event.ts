/**
 * The `Event` protocol buffer of TensorBoard event files (`core/util/event.proto`,
 * `core/framework/summary.proto`, `tensor.proto`; TF-SEMANTICS §6), encoded and decoded by hand
 * over formats/proto:
 *
 *   Event    wall_time=1 double · step=2 int64 · file_version=3 string · graph_def=4 bytes ·
 *            summary=5 Summary · log_message=6 · session_log=7 · tagged_run_metadata=8 ·
 *            meta_graph_def=9 bytes
 *   Summary  value=1 repeated Value
 *   Value    tag=1 · simple_value=2 float · obsolete_old_style_histogram=3 · image=4 · histo=5 ·
 *            audio=6 · node_name=7 · tensor=8 TensorProto · metadata=9 SummaryMetadata
 *   HistogramProto  min=1 max=2 num=3 sum=4 sum_squares=5 (doubles) · bucket_limit=6 ·
 *            bucket=7 (repeated double, packed or not)
 *   SummaryMetadata plugin_data=1 {plugin_name=1, content=2} · display_name=2 ·
 *            summary_description=3 · data_class=4
 *   TensorProto dtype=1 · tensor_shape=2 {dim=2 {size=1, name=2}} · tensor_content=4 ·
 *            float_val=5 · double_val=6 · int_val=7 · string_val=8 · int64_val=10
 *
 * The writer emits fields in field-number order and omits unset ones, as C++ serialisation does.
 * The reader keeps unknown kinds as raw bytes (`graphDef`, `image`…) and skips unknown fields.
 */
import { ProtoReader, ProtoWriter, WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT } from '../../formats/proto/index.js';

/** `HistogramProto`. */
export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}

/** `TensorProto`, the fields summaries use. */
export interface SummaryTensor {
  /** DataType enum number (7 = DT_STRING, 1 = DT_FLOAT). */
  dtype: number;
  shape: number[];
  stringVal?: Uint8Array[];
  floatVal?: number[];
  doubleVal?: number[];
  tensorContent?: Uint8Array;
}

/** One `Summary.Value`; exactly one of the value kinds is normally set. */
export interface SummaryValue {
  tag: string;
  nodeName?: string;
  simpleValue?: number;
  histo?: HistogramProto;
  /** Raw `Summary.Image` bytes (not decoded further). */
  image?: Uint8Array;
  /** Raw `Summary.Audio` bytes. */
  audio?: Uint8Array;
  tensor?: SummaryTensor;
  /** `metadata.plugin_data.plugin_name`, e.g. `text`, `scalars`. */
  pluginName?: string;
  /** `metadata.plugin_data.content`. */
  pluginContent?: Uint8Array;
}

/** One record of an event file. */
export interface Event {
  wallTime: number;
  /** int64 step (bigint-safe values are numbers; beyond 2^53 they are rounded). */
  step: number;
  fileVersion?: string;
  summary?: { value: SummaryValue[] };
  /** Raw bytes of kinds Graft does not decode. */
  graphDef?: Uint8Array;
  logMessage?: Uint8Array;
  sessionLog?: Uint8Array;
  taggedRunMetadata?: Uint8Array;
  metaGraphDef?: Uint8Array;
}

const f32 = new DataView(new ArrayBuffer(4));
function floatBits(x: number): number {
  f32.setFloat32(0, x, true);
  return f32.getUint32(0, true);
}
function bitsFloat(bits: number): number {
  f32.setUint32(0, bits, true);
  return f32.getFloat32(0, true);
}

function encodeHisto(h: HistogramProto): Uint8Array {
  const w = new ProtoWriter();
  if (h.min !== 0) w.key(1, WIRE_FIXED64).double(h.min);
  if (h.max !== 0) w.key(2, WIRE_FIXED64).double(h.max);
  if (h.num !== 0) w.key(3, WIRE_FIXED64).double(h.num);
  if (h.sum !== 0) w.key(4, WIRE_FIXED64).double(h.sum);
  if (h.sumSquares !== 0) w.key(5, WIRE_FIXED64).double(h.sumSquares);
  const packed = (field: number, xs: number[]): void => {
    if (xs.length === 0) return;
    const p = new ProtoWriter();
    for (const x of xs) p.double(x);
    w.bytesField(field, p.finish());
  };
  packed(6, h.bucketLimit);
  packed(7, h.bucket);
  return w.finish();
}

function encodeTensor(t: SummaryTensor): Uint8Array {
  const w = new ProtoWriter();
  if (t.dtype !== 0) w.key(1, WIRE_VARINT).varint(t.dtype);
  const shape = new ProtoWriter();
  for (const d of t.shape) {
    const dim = new ProtoWriter();
    if (d !== 0) dim.key(1, WIRE_VARINT).varint(d);
    shape.bytesField(2, dim.finish());
  }
  w.bytesField(2, shape.finish());
  if (t.tensorContent) w.bytesField(4, t.tensorContent);
  if (t.floatVal?.length) {
    const p = new ProtoWriter();
    for (const x of t.floatVal) p.fixed32(floatBits(x));
    w.bytesField(5, p.finish());
  }
  for (const s of t.stringVal ?? []) w.bytesField(8, s);
  return w.finish();
}

function encodeValue(v: SummaryValue): Uint8Array {
  const w = new ProtoWriter();
  w.stringField(1, v.tag);
  if (v.simpleValue !== undefined) w.key(2, WIRE_FIXED32).fixed32(floatBits(v.simpleValue));
  if (v.image) w.bytesField(4, v.image);
  if (v.histo) w.bytesField(5, encodeHisto(v.histo));
  if (v.audio) w.bytesField(6, v.audio);
  if (v.nodeName) w.stringField(7, v.nodeName);
  if (v.tensor) w.bytesField(8, encodeTensor(v.tensor));
  if (v.pluginName !== undefined) {
    const pd = new ProtoWriter().stringField(1, v.pluginName);
    if (v.pluginContent?.length) pd.bytesField(2, v.pluginContent);
    w.bytesField(9, new ProtoWriter().bytesField(1, pd.finish()).finish());
  }
  return w.finish();
}

/** Serialise an Event. */
export function encodeEvent(e: Event): Uint8Array {
  const w = new ProtoWriter();
  if (e.wallTime !== 0) w.key(1, WIRE_FIXED64).double(e.wallTime);
  if (e.step !== 0) w.key(2, WIRE_VARINT).varint(BigInt(e.step));
  if (e.fileVersion !== undefined) w.stringField(3, e.fileVersion);
  if (e.graphDef) w.bytesField(4, e.graphDef);
  if (e.summary) {
    const s = new ProtoWriter();
    for (const v of e.summary.value) s.bytesField(1, encodeValue(v));
    w.bytesField(5, s.finish());
  }
  if (e.logMessage) w.bytesField(6, e.logMessage);
  if (e.sessionLog) w.bytesField(7, e.sessionLog);
  if (e.taggedRunMetadata) w.bytesField(8, e.taggedRunMetadata);
  if (e.metaGraphDef) w.bytesField(9, e.metaGraphDef);
  return w.finish();
}

function repeatedDouble(r: ProtoReader, wireType: number, out: number[]): void {
  if (wireType === WIRE_LEN) {
    const sub = r.message('packed double');
    while (!sub.done) out.push(sub.double());
  } else {
    out.push(r.double());
  }
}

function decodeHisto(r: ProtoReader): HistogramProto {
  const h: HistogramProto = { min: 0, max: 0, num: 0, sum: 0, sumSquares: 0, bucketLimit: [], bucket: [] };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field >= 1 && field <= 5 && wireType === WIRE_FIXED64) {
      const x = r.double();
      if (field === 1) h.min = x;
      else if (field === 2) h.max = x;
      else if (field === 3) h.num = x;
      else if (field === 4) h.sum = x;
      else h.sumSquares = x;
    } else if (field === 6) repeatedDouble(r, wireType, h.bucketLimit);
    else if (field === 7) repeatedDouble(r, wireType, h.bucket);
    else r.skip(wireType);
  }
  return h;
}

function decodeTensor(r: ProtoReader): SummaryTensor {
  const t: SummaryTensor = { dtype: 0, shape: [] };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_VARINT) t.dtype = r.int32();
    else if (field === 2 && wireType === WIRE_LEN) {
      const s = r.message('tensor_shape');
      while (!s.done) {
        const k = s.key();
        if (k.field === 2 && k.wireType === WIRE_LEN) {
          const d = s.message('dim');
          let size = 0;
          while (!d.done) {
            const dk = d.key();
            if (dk.field === 1 && dk.wireType === WIRE_VARINT) size = Number(d.int64());
            else d.skip(dk.wireType);
          }
          t.shape.push(size);
        } else s.skip(k.wireType);
      }
    } else if (field === 4 && wireType === WIRE_LEN) t.tensorContent = r.bytes();
    else if (field === 5) {
      t.floatVal ??= [];
      if (wireType === WIRE_LEN) {
        const p = r.message('float_val');
        while (!p.done) t.floatVal.push(bitsFloat(p.fixed32()));
      } else t.floatVal.push(bitsFloat(r.fixed32()));
    } else if (field === 6) {
      t.doubleVal ??= [];
      repeatedDouble(r, wireType, t.doubleVal);
    } else if (field === 8 && wireType === WIRE_LEN) (t.stringVal ??= []).push(r.bytes());
    else r.skip(wireType);
  }
  return t;
}

function decodeValue(r: ProtoReader): SummaryValue {
  const v: SummaryValue = { tag: '' };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_LEN) v.tag = r.string();
    else if (field === 2 && wireType === WIRE_FIXED32) v.simpleValue = bitsFloat(r.fixed32());
    else if (field === 4 && wireType === WIRE_LEN) v.image = r.bytes();
    else if (field === 5 && wireType === WIRE_LEN) v.histo = decodeHisto(r.message('histo'));
    else if (field === 6 && wireType === WIRE_LEN) v.audio = r.bytes();
    else if (field === 7 && wireType === WIRE_LEN) v.nodeName = r.string();
    else if (field === 8 && wireType === WIRE_LEN) v.tensor = decodeTensor(r.message('tensor'));
    else if (field === 9 && wireType === WIRE_LEN) {
      const m = r.message('metadata');
      while (!m.done) {
        const k = m.key();
        if (k.field === 1 && k.wireType === WIRE_LEN) {
          const pd = m.message('plugin_data');
          while (!pd.done) {
            const pk = pd.key();
            if (pk.field === 1 && pk.wireType === WIRE_LEN) v.pluginName = pd.string();
            else if (pk.field === 2 && pk.wireType === WIRE_LEN) v.pluginContent = pd.bytes();
            else pd.skip(pk.wireType);
          }
        } else m.skip(k.wireType);
      }
    } else r.skip(wireType);
  }
  return v;
}

/** Parse one serialised Event; `source` names the file and record for errors. */
export function decodeEvent(bytes: Uint8Array, source: string): Event {
  const r = new ProtoReader(bytes, source);
  const e: Event = { wallTime: 0, step: 0 };
  while (!r.done) {
    const { field, wireType } = r.key();
    if (field === 1 && wireType === WIRE_FIXED64) e.wallTime = r.double();
    else if (field === 2 && wireType === WIRE_VARINT) e.step = Number(r.int64());
    else if (field === 3 && wireType === WIRE_LEN) e.fileVersion = r.string();
    else if (field === 4 && wireType === WIRE_LEN) e.graphDef = r.bytes();
    else if (field === 5 && wireType === WIRE_LEN) {
      const s = r.message('summary');
      const value: SummaryValue[] = [];
      while (!s.done) {
        const k = s.key();
        if (k.field === 1 && k.wireType === WIRE_LEN) value.push(decodeValue(s.message('value')));
        else s.skip(k.wireType);
      }
      e.summary = { value };
    } else if (field === 6 && wireType === WIRE_LEN) e.logMessage = r.bytes();
    else if (field === 7 && wireType === WIRE_LEN) e.sessionLog = r.bytes();
    else if (field === 8 && wireType === WIRE_LEN) e.taggedRunMetadata = r.bytes();
    else if (field === 9 && wireType === WIRE_LEN) e.metaGraphDef = r.bytes();
    else r.skip(wireType);
  }
  return e;
}
