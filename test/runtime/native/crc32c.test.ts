// The addon's hardware CRC-32C (used by formats/crc32c.ts for large buffers) against @node-rs/crc32
// and the standard check value: exact equality, including continuation from an initial CRC and
// lengths that are not multiples of 8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32c as reference } from '@node-rs/crc32';
import { loadAddon } from '../../../src/runtime/native/index.js';

test('native crc32c equals @node-rs/crc32 (check value, continuation, odd lengths)', (t) => {
  const { addon, reason } = loadAddon();
  if (!addon) return t.skip(`native addon not loaded: ${reason}`);
  assert.equal(addon.crc32c(new TextEncoder().encode('123456789'), 0), 0xe3069283);
  assert.equal(addon.crc32c(new Uint8Array(0), 0), 0);
  const data = new Uint8Array(1 << 20);
  let s = 12345;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1103515245) + 12345) >>> 0; data[i] = s >>> 24; }
  for (const n of [1, 7, 8, 9, 63, 4097, data.length - 3]) {
    const part = data.subarray(3, 3 + n); // unaligned start
    assert.equal(addon.crc32c(part, 0), reference(Buffer.from(part.buffer, part.byteOffset, part.length), 0) >>> 0, `length ${n}`);
  }
  const head = data.subarray(0, 1001), tail = data.subarray(1001, 70001);
  assert.equal(addon.crc32c(tail, addon.crc32c(head, 0)), addon.crc32c(data.subarray(0, 70001), 0));
  assert.equal(addon.crc32c(tail, 0xdeadbeef), reference(Buffer.from(tail.buffer, tail.byteOffset, tail.length), 0xdeadbeef) >>> 0);
});
