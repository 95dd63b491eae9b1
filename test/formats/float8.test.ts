// float8 decode tables against every one of the 256 codes of each format as torch widens them
// (test/fixtures/float8/torch-float8-tables.json, written by make_tables.py there with torch
// 2.13 and cross-checked against ml_dtypes), and the spec's landmarks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOAT8_E4M3FN_TABLE, FLOAT8_E5M2_TABLE, float8CodeOf, float8ToFloat32, type Float8DType } from '../../src/formats/float8.js';

const root = new URL('../../..', import.meta.url).pathname;
const torch = JSON.parse(readFileSync(join(root, 'test/fixtures/float8/torch-float8-tables.json'), 'utf8')) as Record<string, string[]>;

function bitsOf(f: number): number {
  return new Uint32Array(new Float32Array([f]).buffer)[0]!;
}

for (const [dtype, table] of [['float8_e4m3fn', FLOAT8_E4M3FN_TABLE], ['float8_e5m2', FLOAT8_E5M2_TABLE]] as const) {
  test(`${dtype}: all 256 codes decode to exactly torch's float32 (NaN: NaN with the same sign)`, () => {
    const want = torch[dtype]!;
    assert.equal(want.length, 256);
    const got = new Uint32Array(table.buffer);
    let nans = 0;
    for (let c = 0; c < 256; c++) {
      const w = parseInt(want[c]!, 16) >>> 0;
      const wNaN = (w & 0x7f800000) === 0x7f800000 && (w & 0x7fffff) !== 0;
      if (wNaN) {
        nans++;
        assert.ok(Number.isNaN(table[c]), `code 0x${c.toString(16)} is NaN`);
        assert.equal(got[c]! >>> 31, w >>> 31, `code 0x${c.toString(16)} NaN sign`);
      } else {
        assert.equal(got[c]!.toString(16), w.toString(16), `code 0x${c.toString(16)}`);
      }
    }
    assert.equal(nans, dtype === 'float8_e4m3fn' ? 2 : 6);
  });

  test(`${dtype}: every code round-trips through float8CodeOf (the tfjs carrier's inverse)`, () => {
    const bits = new Uint32Array(table.buffer);
    for (let c = 0; c < 256; c++) assert.equal(float8CodeOf(bits[c]!, dtype as Float8DType), c);
    assert.equal(float8CodeOf(bitsOf(0.1), dtype as Float8DType), undefined, '0.1 is no float8');
  });
}

test('landmarks: E4M3FN max 448, no inf; E5M2 max 57344, ±inf; smallest subnormals', () => {
  const e4 = float8ToFloat32(Uint8Array.from([0x7e, 0xfe, 0x01, 0x08, 0x38, 0x80]), 'float8_e4m3fn');
  assert.deepEqual([...e4], [448, -448, 2 ** -9, 2 ** -6, 1, -0]);
  assert.ok(Object.is(e4[5], -0));
  assert.ok(![...FLOAT8_E4M3FN_TABLE].some((v) => v === Infinity || v === -Infinity));
  const e5 = float8ToFloat32(Uint8Array.from([0x7b, 0x7c, 0xfc, 0x01, 0x3c]), 'float8_e5m2');
  assert.deepEqual([...e5], [57344, Infinity, -Infinity, 2 ** -16, 1]);
});
