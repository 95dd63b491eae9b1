import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 as rsCrc32, crc32c as rsCrc32c } from '@node-rs/crc32';
import { crc32, crc32c } from '../../src/formats/crc-js.js';

test('the browser CRC-32 / CRC-32C (JS, slicing-by-8) equal @node-rs/crc32 on seeded random buffers, incl. continuation', () => {
  let s = 12345;
  const rnd = () => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s; };
  // check values: CRC-32C("123456789") = 0xE3069283, CRC-32("123456789") = 0xCBF43926
  const nine = new TextEncoder().encode('123456789');
  assert.equal(crc32c(nine), 0xe3069283);
  assert.equal(crc32(nine), 0xcbf43926);
  for (let i = 0; i < 200; i++) {
    const n = rnd() % 3000;
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = rnd() & 0xff;
    const cut = n === 0 ? 0 : rnd() % n;
    assert.equal(crc32c(b), rsCrc32c(b) >>> 0);
    assert.equal(crc32(b), rsCrc32(b) >>> 0);
    assert.equal(crc32c(b.subarray(cut), crc32c(b.subarray(0, cut))), crc32c(b));
    assert.equal(crc32(b.subarray(cut), crc32(b.subarray(0, cut))), crc32(b));
  }
});
