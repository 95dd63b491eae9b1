import { test } from 'node:test';
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import * as p from '../../src/io/path.js';

/** Seeded generator of path-like strings from a small alphabet of segments. */
function* randomPaths(seed: number, n: number): Generator<string> {
  let s = seed >>> 0;
  const next = (k: number) => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s % k; };
  const pieces = ['a', 'b', 'cc', '.', '..', '', 'x.index', '.hidden', 'f.tar.gz'];
  for (let i = 0; i < n; i++) {
    const len = next(5);
    const segs = Array.from({ length: len }, () => pieces[next(pieces.length)]!);
    let out = segs.join('/'.repeat(1 + next(2)));
    if (next(3) === 0) out = `/${out}`;
    if (next(4) === 0) out = `${out}/`;
    yield out;
  }
}

test('plain paths: join, dirname, basename, normalize, resolve, relative, extname match node:path posix', () => {
  const xs = [...randomPaths(7, 400)];
  for (let i = 0; i < xs.length; i++) {
    const a = xs[i]!;
    const b = xs[(i * 7 + 3) % xs.length]!;
    assert.equal(p.join(a, b), posix.join(a, b), `join(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    assert.equal(p.dirname(a), posix.dirname(a), `dirname(${JSON.stringify(a)})`);
    assert.equal(p.basename(a), posix.basename(a), `basename(${JSON.stringify(a)})`);
    assert.equal(p.basename(a, '.index'), posix.basename(a, '.index'), `basename(${JSON.stringify(a)}, .index)`);
    assert.equal(p.normalize(a), posix.normalize(a), `normalize(${JSON.stringify(a)})`);
    assert.equal(p.resolve(a), posix.resolve(a), `resolve(${JSON.stringify(a)})`);
    assert.equal(p.resolve(a, b), posix.resolve(a, b), `resolve(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    assert.equal(p.relative(a, b), posix.relative(a, b), `relative(${JSON.stringify(a)}, ${JSON.stringify(b)})`);
    assert.equal(p.extname(a), posix.extname(a), `extname(${JSON.stringify(a)})`);
    assert.equal(p.isAbsolute(a), posix.isAbsolute(a));
  }
});

test('locations keep scheme://authority and treat the rest as absolute', () => {
  assert.equal(p.dirname('https://h:8080/a/model.ckpt-1'), 'https://h:8080/a');
  assert.equal(p.dirname('https://h/a'), 'https://h/');
  assert.equal(p.join('https://h/a/', 'b', '../c.index'), 'https://h/a/c.index');
  assert.equal(p.join('opfs://runs', 'a', 'checkpoint'), 'opfs://runs/a/checkpoint');
  assert.equal(p.basename('indexeddb://db/run/model.json'), 'model.json');
  assert.equal(p.resolve('opfs://r/a', '../b'), 'opfs://r/b');
  assert.equal(p.resolve('/x', 'mem://1/y'), 'mem://1/y');
  assert.equal(p.relative('opfs://r/a', 'opfs://r/a/b/c'), 'b/c');
  assert.equal(p.isAbsolute('mem://1/x'), true);
  assert.equal(p.schemeOf('HTTPS://h/x'), 'https');
  assert.equal(p.schemeOf('/a/b'), '');
});
