// safetensors header: one test per error code from a small hand-made byte array (as
// safetensors' tensor.rs tests do), and the writer's bytes against tensor.rs's own expected bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FormatError, GraftError } from '../../../src/errors.js';
import { encodeHeader, parseHeader, readHeaderSize, writerOrder, MAX_HEADER_SIZE } from '../../../src/formats/safetensors/header.js';

const enc = new TextEncoder();

/** [u64 N][json][data bytes] as a file image. */
function file(json: string, dataBytes = 0, n?: bigint): Uint8Array {
  const j = enc.encode(json);
  const out = new Uint8Array(8 + j.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(j.length), true);
  out.set(j, 8);
  return out;
}

/** Parse a whole file image the way the reader does. */
function parseImage(img: Uint8Array, path = 'w.safetensors') {
  const n = readHeaderSize(img.subarray(0, 8), img.length, path);
  return parseHeader(img.subarray(8, 8 + n), img.length, path);
}

function expectCode(fn: () => unknown, code: string, ...fragments: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GraftError, `expected a GraftError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, /^w\.safetensors: /);
    for (const f of fragments) assert.match(e.message, typeof f === 'string' ? new RegExp(f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : f);
    assert.ok(e.hint && e.hint.length > 0, 'has a hint');
    return true;
  });
}

test('a valid header parses: entries in offset order, metadata, data start', () => {
  const h = parseImage(file('{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', 12));
  assert.deepEqual(h.entries.map((e) => [e.name, e.dtype, e.shape, e.begin, e.end]), [['a', 'int32', [], 0, 4], ['b', 'float32', [2], 4, 12]]);
  assert.deepEqual(h.metadata, { format: 'pt' });
  assert.equal(h.dataStart, 8 + h.headerSize);
});

test('header_too_small: fewer than 8 bytes', () => {
  expectCode(() => parseImage(new Uint8Array([1, 0, 0])), 'header_too_small', 'has 3 bytes');
});

test('header_too_large: N above 100,000,000', () => {
  expectCode(() => parseImage(file('{}', 0, BigInt(MAX_HEADER_SIZE) + 1n)), 'header_too_large', '100000001', '100,000,000');
  expectCode(() => parseImage(file('{}', 0, 0xffffffffffffffffn)), 'header_too_large');
});

test('invalid_header_length: N past the end of the file', () => {
  expectCode(() => parseImage(file('{}', 0, 100n)), 'invalid_header_length', '100 bytes', 'only 2 bytes');
});

test('invalid_header_utf8', () => {
  const img = file('{"a"}');
  img[9] = 0xff;
  expectCode(() => parseImage(img), 'invalid_header_utf8');
});

test('invalid_header_json: not JSON, and JSON that is not an object', () => {
  expectCode(() => parseImage(file('{"a":')), 'invalid_header_json', 'does not parse');
  expectCode(() => parseImage(file('[1,2]')), 'invalid_header_json', 'an array');
});

test('invalid_metadata: __metadata__ values must be strings', () => {
  expectCode(() => parseImage(file('{"__metadata__":{"step":1}}')), 'invalid_metadata', '"__metadata__"."step"');
  expectCode(() => parseImage(file('{"__metadata__":[1]}')), 'invalid_metadata');
});

test('invalid_tensor_info: bad dtype type, shape, data_offsets', () => {
  expectCode(() => parseImage(file('{"w":3}')), 'invalid_tensor_info', 'tensor "w"');
  expectCode(() => parseImage(file('{"w":{"dtype":1,"shape":[],"data_offsets":[0,4]}}', 4)), 'invalid_tensor_info', '"dtype"');
  expectCode(() => parseImage(file('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', 4)), 'invalid_tensor_info', '"shape"');
  expectCode(() => parseImage(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', 4)), 'invalid_tensor_info', '"data_offsets"');
});

test('unsupported dtypes are entries of their own: listed, offsets and sizes still validated', () => {
  const h = parseImage(file('{"q":{"dtype":"Q4","shape":[3],"data_offsets":[0,5]},"s":{"dtype":"F8_E8M0","shape":[2],"data_offsets":[5,7]},"p":{"dtype":"F4","shape":[4],"data_offsets":[7,9]},"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[9,10]}}', 10));
  assert.deepEqual(h.entries.map((e) => [e.name, e.dtype]), [['w', 'float8_e4m3fn']]);
  assert.deepEqual(h.unsupported.map((e) => [e.name, e.dtype, e.begin, e.end]), [['q', 'Q4', 0, 5], ['s', 'F8_E8M0', 5, 7], ['p', 'F4', 7, 9]]);
  assert.match(h.unsupported[1]!.reason, /F8_E8M0 is an OCP microscaling scale/);
  assert.match(h.unsupported[0]!.reason, /"Q4" is not a safetensors dtype Graft knows/);
  // A spec dtype of known size must still match its offsets; F4/F6 must fill whole bytes.
  expectCode(() => parseImage(file('{"s":{"dtype":"F8_E8M0","shape":[3],"data_offsets":[0,2]}}', 2)), 'tensor_size_mismatch', 'F8_E8M0 [3] needs 3 bytes');
  expectCode(() => parseImage(file('{"p":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', 2)), 'misaligned_slice', '12 bits');
  assert.equal(parseImage(file('{"p":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[0,3]}}', 3)).unsupported[0]!.dtype, 'F6_E2M3');
  // Unknown words take part in the tiling check.
  expectCode(() => parseImage(file('{"q":{"dtype":"Q4","shape":[3],"data_offsets":[1,5]}}', 5)), 'invalid_offset', 'tensor "q"');
  // A dtype word named like an Object.prototype member is not a dtype.
  assert.equal(parseImage(file('{"x":{"dtype":"constructor","shape":[1],"data_offsets":[0,1]}}', 1)).unsupported.length, 1);
});

test('invalid_offset: a gap, an overlap, end before begin', () => {
  expectCode(() => parseImage(file('{"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2)), 'invalid_offset', 'tensor "w"', 'should begin at 0');
  expectCode(() => parseImage(file('{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}', 3)), 'invalid_offset', 'tensor "b"');
  expectCode(() => parseImage(file('{"w":{"dtype":"U8","shape":[0],"data_offsets":[0,0]},"v":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}', 0)), 'invalid_offset');
});

test('validation_overflow: shape product beyond 2^53', () => {
  expectCode(() => parseImage(file('{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}', 8)), 'validation_overflow', 'tensor "w"');
});

test('tensor_size_mismatch: offsets disagree with shape × dtype', () => {
  expectCode(() => parseImage(file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4)), 'tensor_size_mismatch', 'needs 8 bytes', 'span 4');
});

test('metadata_incomplete_buffer: data section longer or shorter than the tensors', () => {
  expectCode(() => parseImage(file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 9000)), 'metadata_incomplete_buffer', 'end at byte 4', '9000 bytes');
  expectCode(() => parseImage(file('{"w":{"dtype":"F32","shape":[1000],"data_offsets":[0,4000]}}', 4)), 'metadata_incomplete_buffer');
});

test('errors are FormatErrors with path and field in details', () => {
  try {
    parseImage(file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', 4));
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof FormatError);
    assert.equal(e.details?.path, 'w.safetensors');
    assert.equal(e.details?.field, 'data_offsets');
  }
});

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);

test('writer bytes equal tensor.rs test_serialization (no padding needed)', () => {
  const t = { name: 'attn.0', dtype: 'float32' as const, shape: [1, 2, 3] };
  const header = encodeHeader(writerOrder([t], 'x'));
  const expected = [64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
    116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
    58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
    101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125];
  assert.deepEqual([...header], expected);
  assert.equal(f32([0, 1, 2, 3, 4, 5]).length, 24);
});

test('writer bytes equal tensor.rs test_serialization_forced_alignement (7 spaces of padding)', () => {
  const header = encodeHeader(writerOrder([{ name: 'attn0', dtype: 'float32', shape: [1, 1, 2, 3] }], 'x'));
  const expected = [72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
    121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
    91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
    115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32];
  assert.deepEqual([...header], expected);
});

test('writer bytes equal tensor.rs test_empty, with and without metadata', () => {
  assert.deepEqual([...encodeHeader([])], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual([...encodeHeader([], { framework: 'pt' })], [40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
    95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
    116, 34, 125, 125, 32, 32, 32, 32, 32]);
});

test('writer order: dtype alignment descending, then name bytewise (tensor.rs prepare)', () => {
  const order = writerOrder([
    { name: 'b', dtype: 'uint8', shape: [1] }, { name: 'a', dtype: 'float32', shape: [1] },
    { name: 'c', dtype: 'int64', shape: [1] }, { name: 'B', dtype: 'float32', shape: [1] },
    { name: 'h', dtype: 'bfloat16', shape: [1] }, { name: 'z', dtype: 'bool', shape: [1] },
  ], 'x').map((t) => t.name);
  assert.deepEqual(order, ['c', 'B', 'a', 'h', 'b', 'z']);
});

test('dtype_not_supported: string and complex128 tensors cannot be written (C64 can)', () => {
  assert.equal(writerOrder([{ name: 'c', dtype: 'complex64', shape: [] }], 'out.safetensors').length, 1);
  for (const dtype of ['string', 'complex128'] as const) {
    assert.throws(() => writerOrder([{ name: 'g', dtype, shape: [] }], 'out.safetensors'), (e: GraftError) => {
      assert.equal(e.code, 'dtype_not_supported');
      assert.match(e.message, /out\.safetensors: tensor "g" is/);
      assert.match(e.hint ?? '', /--exclude g/);
      return true;
    });
  }
});

test('duplicate_tensor_name and the reserved __metadata__ name are refused on write', () => {
  assert.throws(() => encodeHeader([{ name: 'a', dtype: 'uint8', shape: [1] }, { name: 'a', dtype: 'uint8', shape: [1] }]), { code: 'duplicate_tensor_name' });
  assert.throws(() => encodeHeader([{ name: '__metadata__', dtype: 'uint8', shape: [1] }]), { code: 'duplicate_tensor_name' });
});

test('a tensor named __proto__ round-trips as an ordinary key', () => {
  const header = encodeHeader([{ name: '__proto__', dtype: 'uint8', shape: [2] }]);
  const img = new Uint8Array(header.length + 2);
  img.set(header);
  const h = parseHeader(img.subarray(8, header.length), img.length, 'p.safetensors');
  assert.deepEqual(h.entries.map((e) => e.name), ['__proto__']);
});
