/**
 * A small protobuf wire-format codec (encoding spec: protobuf.dev "Encoding"), enough for the
 * messages Graft reads and writes by hand: BundleHeaderProto, BundleEntryProto, TensorShapeProto,
 * TensorSliceProto, VersionDef, TrackableObjectGraph.
 *
 * Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3/4 groups are rejected).
 * The writer reproduces C++ `SerializeAsString` when callers emit fields in field-number order and
 * skip zero scalars (proto3) — the order and omission rules are the caller's, this layer only
 * encodes. The reader validates every length against the buffer before slicing and caps varints
 * at 10 bytes; it never allocates from a length it has not checked.
 *
 * Errors: FormatError `bad_varint` (varint longer than 10 bytes or cut off) and `bad_proto`
 * (bad wire type, field 0, length past the end). Messages start with the caller's `source`
 * (file and field being decoded), so the person holding the file knows where to look.
 */
import { FormatError } from '../../errors.js';

/** Wire type numbers. */
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** A decoded field key. */
export interface FieldKey {
  field: number;
  wireType: number;
}

/** Sequential reader over one serialized message. `source` names the file and field for errors. */
export class ProtoReader {
  pos: number;
  private readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    readonly source: string,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** True when every byte has been consumed. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  private fail(code: 'bad_varint' | 'bad_proto', what: string): never {
    throw new FormatError(code, `${this.source}: ${what} at byte ${this.pos} of ${this.end}`, {
      hint: 'the file is damaged or not the format it claims; re-export it from the program that wrote it',
      details: { source: this.source, offset: this.pos },
    });
  }

  /** A varint as a bigint (up to 64 bits; the 10th byte may carry only bit 63). */
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('bad_varint', 'varint cut off by the end of the message');
      const b = this.buf[this.pos++]!;
      if (i === 9 && b > 1) this.fail('bad_varint', 'varint overflows 64 bits');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
    return this.fail('bad_varint', 'varint longer than 10 bytes');
  }

  /** A varint known to fit 53 bits for valid input; larger values are returned as-is via bigint → caller validates. */
  varint(): number {
    // Fast path: up to 7 bytes (49 bits) exactly in a double.
    let result = 0;
    let mul = 1;
    const start = this.pos;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.end) this.fail('bad_varint', 'varint cut off by the end of the message');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    this.pos = start;
    const big = this.varintBig();
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : Number.POSITIVE_INFINITY;
  }

  /** An int64 field (two's complement in 64 bits) as a bigint. */
  int64(): bigint {
    return BigInt.asIntN(64, this.varintBig());
  }

  /** An int32/enum field: C++ keeps the low 32 bits, sign-extended. */
  int32(): number {
    return Number(BigInt.asIntN(32, this.varintBig()));
  }

  /** A bool field (any non-zero varint is true, as in C++). */
  bool(): boolean {
    return this.varintBig() !== 0n;
  }

  /** A fixed32 field, unsigned. */
  fixed32(): number {
    if (this.end - this.pos < 4) this.fail('bad_proto', 'fixed32 cut off by the end of the message');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  /** A fixed64 field as raw little-endian bytes interpreted as a double. */
  double(): number {
    if (this.end - this.pos < 8) this.fail('bad_proto', 'fixed64 cut off by the end of the message');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > this.end - this.pos) this.fail('bad_proto', `length ${len} runs past the end of the message`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A string field, decoded as UTF-8 (invalid sequences become U+FFFD, as Python's 'replace'). */
  string(): string {
    return utf8Decoder.decode(this.bytes());
  }

  /** A sub-message: a reader over the field's bytes. */
  message(what: string): ProtoReader {
    const sub = this.bytes();
    return new ProtoReader(sub, `${this.source} ${what}`);
  }

  /** The next field key. */
  key(): FieldKey {
    const k = this.varint();
    const field = Math.floor(k / 8);
    const wireType = k % 8;
    if (field === 0 || field >= 2 ** 29) this.fail('bad_proto', `invalid field number ${field}`);
    return { field, wireType };
  }

  /** Skip a field of the given wire type (unknown fields are skipped, as C++ does). */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varintBig();
        return;
      case WIRE_FIXED64:
        if (this.end - this.pos < 8) this.fail('bad_proto', 'fixed64 cut off by the end of the message');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_FIXED32:
        if (this.end - this.pos < 4) this.fail('bad_proto', 'fixed32 cut off by the end of the message');
        this.pos += 4;
        return;
      default:
        this.fail('bad_proto', `unsupported wire type ${wireType}`);
    }
  }
}

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** Growable output buffer with protobuf primitives. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Raw bytes. */
  raw(data: Uint8Array): this {
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
    return this;
  }

  /** A varint (non-negative number ≤ 2^53, or any bigint taken modulo 2^64). */
  varint(value: number | bigint): this {
    if (typeof value === 'number' && value >= 0 && value < TWO_32) {
      let v = value;
      this.ensure(5);
      while (v >= 0x80) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v = Math.floor(v / 128);
      }
      this.buf[this.len++] = v;
      return this;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  /** A field key. */
  key(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A little-endian fixed32. */
  fixed32(value: number): this {
    this.ensure(4);
    const v = value >>> 0;
    this.buf[this.len++] = v & 0xff;
    this.buf[this.len++] = (v >>> 8) & 0xff;
    this.buf[this.len++] = (v >>> 16) & 0xff;
    this.buf[this.len++] = v >>> 24;
    return this;
  }

  /** A little-endian double. */
  double(value: number): this {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, value, true);
    this.len += 8;
    return this;
  }

  /** A length-delimited field: key, length, bytes. */
  bytesField(field: number, data: Uint8Array): this {
    return this.key(field, WIRE_LEN).varint(data.length).raw(data);
  }

  /** A string field (UTF-8). */
  stringField(field: number, value: string): this {
    return this.bytesField(field, utf8Encoder.encode(value));
  }

  /** The bytes written so far (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encode a non-negative integer as a varint on its own. */
export function encodeVarint(value: number | bigint): Uint8Array {
  return new ProtoWriter().varint(value).finish();
}
