/** Seeded random tensors for the benchmark workloads (no Math.random: runs are repeatable). */
import * as tf from '@tensorflow/tfjs-core';

/** A small LCG stream of uniforms in [0, 1). */
export function uniforms(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296;
  }
  return a;
}

/** Glorot-uniform initial values for a weight of `shape` (fanIn = product of all but last, fanOut = last). */
export function glorot(shape: number[], seed: number): tf.Tensor {
  const fanOut = shape[shape.length - 1]!;
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const receptive = shape.length === 4 ? shape[0]! * shape[1]! : 1;
  const limit = Math.sqrt(6 / (fanIn + (shape.length === 4 ? fanOut * receptive : fanOut)));
  const u = uniforms(shape.reduce((a, b) => a * b, 1), seed);
  for (let i = 0; i < u.length; i++) u[i] = (u[i]! * 2 - 1) * limit;
  return tf.tensor(u, shape);
}

/** Standard-normal-ish values (sum of 4 uniforms, centred and scaled) of `shape`. */
export function normal(shape: number[], seed: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = uniforms(4 * n, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (u[4 * i]! + u[4 * i + 1]! + u[4 * i + 2]! + u[4 * i + 3]! - 2) * Math.sqrt(3);
  return tf.tensor(out, shape);
}

/** Integer labels in [0, classes) as an int32 tensor of `shape`. */
export function labels(shape: number[], classes: number, seed: number): tf.Tensor {
  const u = uniforms(shape.reduce((a, b) => a * b, 1), seed);
  return tf.tensor(Int32Array.from(u, (v) => Math.min(classes - 1, Math.floor(v * classes))), shape, 'int32');
}
