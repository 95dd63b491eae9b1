/** Shared helpers of the checkpoint tests (not a test file itself). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { newVariable } from '../../src/variables/create.js';

/** Repo-relative path of a fixture (compiled file: dist/test/checkpoint/helpers.js). */
export function fixture(rel: string): string {
  return new URL(`../../../test/fixtures/${rel}`, import.meta.url).pathname;
}

/** A fresh temporary directory and its cleanup. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'graft-ckpt-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Deterministic float values for a shape (a small LCG), so tests can predict bytes. */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** A ParameterSet of float32 variables with seeded values; `seed` changes every value. */
export function makeParams(specs: readonly (readonly [string, number[]])[], seed = 1, options: { trainable?: boolean } = {}): ParameterSet {
  const ps = new ParameterSet();
  specs.forEach(([name, shape], i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(seededValues(n, seed * 1000 + i), shape, 'float32');
    ps.add(name, newVariable(name, t, { trainable: options.trainable ?? true }));
    t.dispose();
  });
  return ps;
}

/** name → values (as plain arrays) of every parameter. */
export function valuesOf(params: ParameterSet): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const p of params) out[p.name] = Array.from(p.variable.dataSync() as ArrayLike<number>);
  return out;
}

/** Raw bytes of a variable's values. */
export function bytesOf(v: tf.Variable): Uint8Array {
  const d = v.dataSync() as Float32Array | Int32Array;
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
}
