// Value decoding for every dtype (half and bfloat16 exactly) and min/max/mean/std/NaN stats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeValues, float16ToNumber, numberToFloat16, tensorStats } from '../../src/formats/stats.js';
import type { DType, TensorValue } from '../../src/formats/types.js';

const tv = (dtype: DType, data: ArrayBufferView, shape: number[]): TensorValue => ({ name: 't', dtype, shape, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });

test('float16: known bit patterns decode exactly', () => {
  const cases: [number, number][] = [[0x3c00, 1], [0xc000, -2], [0x7bff, 65504], [0x0001, 2 ** -24], [0x0400, 2 ** -14], [0x7c00, Infinity], [0xfc00, -Infinity], [0x3555, 0.333251953125]];
  for (const [bits, v] of cases) assert.equal(float16ToNumber(bits), v, bits.toString(16));
  assert.ok(Object.is(float16ToNumber(0x8000), -0));
  assert.ok(Number.isNaN(float16ToNumber(0x7e00)));
});

test('float16: every one of the 65,536 bit patterns round-trips through numberToFloat16', () => {
  for (let b = 0; b < 0x10000; b++) {
    const v = float16ToNumber(b);
    if (Number.isNaN(v)) assert.ok(Number.isNaN(float16ToNumber(numberToFloat16(v))));
    else assert.equal(numberToFloat16(v), b, b.toString(16));
  }
});

test('numberToFloat16 rounds to nearest even and overflows to infinity', () => {
  assert.equal(numberToFloat16(1 + 2 ** -11), 0x3c00); // halfway, even stays
  assert.equal(numberToFloat16(1 + 3 * 2 ** -11), 0x3c02); // halfway, odd rounds up
  assert.equal(numberToFloat16(65520), 0x7c00);
  assert.equal(numberToFloat16(65519), 0x7bff);
  assert.equal(numberToFloat16(2 ** -25), 0x0000); // halfway to the smallest subnormal, even
  assert.equal(numberToFloat16(3 * 2 ** -26), 0x0001);
});

test('decodeValues: every numeric dtype, bfloat16 exactly, misaligned bytes copied', () => {
  assert.deepEqual(Array.from(decodeValues(tv('bfloat16', new Uint16Array([0x3f80, 0xc040, 0x7f80]), [3])) as Float32Array), [1, -3, Infinity]);
  assert.deepEqual(Array.from(decodeValues(tv('float16', new Uint16Array([0x3c00, 0x4000]), [2])) as Float32Array), [1, 2]);
  assert.deepEqual(Array.from(decodeValues(tv('int64', new BigInt64Array([-(2n ** 62n), 5n]), [2])) as BigInt64Array), [-(2n ** 62n), 5n]);
  assert.deepEqual(Array.from(decodeValues(tv('uint64', new BigUint64Array([2n ** 64n - 1n]), [1])) as BigUint64Array), [2n ** 64n - 1n]);
  assert.deepEqual(Array.from(decodeValues(tv('complex64', new Float32Array([1, -1]), [1])) as Float32Array), [1, -1]);
  const buf = new Uint8Array(9);
  new DataView(buf.buffer).setFloat64(1, 2.5, true);
  const misaligned: TensorValue = { name: 'm', dtype: 'float64', shape: [], data: buf.subarray(1) };
  assert.deepEqual(Array.from(decodeValues(misaligned) as Float64Array), [2.5]);
  assert.throws(() => decodeValues(tv('float32', new Uint8Array(3), [1])), { code: 'bad_tensor_bytes' });
});

test('tensorStats: min, max, mean, population std (numpy ddof=0), NaN count', () => {
  const s = tensorStats(tv('float32', new Float32Array([1, 2, NaN, 3, 4]), [5]));
  assert.deepEqual({ ...s, std: Number(s.std!.toFixed(12)) }, { min: 1, max: 4, mean: 2.5, std: Number(Math.sqrt(1.25).toFixed(12)), nan: 1, count: 5 });
  assert.deepEqual(tensorStats(tv('float16', new Uint16Array([0x7e00]), [1])), { min: null, max: null, mean: null, std: null, nan: 1, count: 1 });
  assert.deepEqual(tensorStats(tv('int64', new BigInt64Array([20000n]), [])), { min: 20000, max: 20000, mean: 20000, std: 0, nan: 0, count: 1 });
  assert.deepEqual(tensorStats(tv('bool', new Uint8Array([1, 0, 1, 1]), [4])), { min: 0, max: 1, mean: 0.75, std: Math.sqrt(0.1875), nan: 0, count: 4 });
  assert.deepEqual(tensorStats(tv('float32', new Float32Array(0), [0, 3])), { min: null, max: null, mean: null, std: null, nan: 0, count: 0 });
  assert.throws(() => tensorStats({ name: 's', dtype: 'string', shape: [], data: new Uint8Array(0), strings: [] }), { code: 'stats_not_numeric' });
});
