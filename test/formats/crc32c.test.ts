import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c, maskCrc, unmaskCrc, MASK_DELTA } from '../../src/formats/crc32c.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('crc32c: check value of "123456789" is 0xE3069283 (CRC-32C catalogue)', () => {
  assert.equal(crc32c(bytes('123456789')), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

test('crc32c: RFC 3720 B.4 vectors (32 zero bytes, 32 0xff bytes, 0..31)', () => {
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
});

test('crc32c: extending with `initial` equals the CRC of the concatenation', () => {
  const a = bytes('hello, ');
  const b = bytes('tensor bundle');
  assert.equal(crc32c(b, crc32c(a)), crc32c(bytes('hello, tensor bundle')));
});

test('maskCrc/unmaskCrc: TF constants and inverse on edge values', () => {
  assert.equal(MASK_DELTA, 0xa282ead8);
  assert.equal(maskCrc(0), 0xa282ead8); // crc32c of an empty tensor, stored masked
  // TF-SEMANTICS §4.7: float32 [1.0, 2.0] → masked CRC 0x35e53c59.
  assert.equal(maskCrc(crc32c(new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]))), 0x35e53c59);
  for (const c of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xe3069283]) {
    assert.equal(unmaskCrc(maskCrc(c)), c);
    assert.ok(maskCrc(c) >= 0 && maskCrc(c) <= 0xffffffff);
  }
  assert.notEqual(maskCrc(0xe3069283), 0xe3069283);
});
