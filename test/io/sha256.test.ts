import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Sha256 } from '../../src/io/sha256.js';

test('the browser SHA-256 equals node:crypto on seeded random inputs split at random points', () => {
  let s = 99;
  const rnd = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };
  assert.equal(new Sha256().digestHex(), createHash('sha256').digest('hex'));
  for (let i = 0; i < 150; i++) {
    const n = rnd() % 700;
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = rnd() & 0xff;
    const cut = n === 0 ? 0 : rnd() % n;
    const h = new Sha256().update('name/w').update(b.subarray(0, cut)).update(b.subarray(cut));
    assert.equal(h.digestHex(), createHash('sha256').update('name/w').update(b).digest('hex'));
  }
});
