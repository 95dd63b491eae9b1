/**
 * Gradients as TF hands them to `apply_gradients`: (gradient, variable) pairs where a table read
 * only through embedding lookups gets an IndexedSlices (the captured lookups concatenated, as TF
 * aggregates slices) and a table also read densely (tied weights) gets the dense sum, as TF's
 * gradient aggregation does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { isLookupZero, type CapturedLookup } from '../variables/embedding-lookup.js';
import { indexedSlices, isIndexedSlices, toDense, type Gradient, type IndexedSlices } from './indexed-slices.js';

/** One gradient (dense, or TF's IndexedSlices) and the variable it updates. */
export interface GradAndVar {
  grad: Gradient | null;
  variable: tf.Variable;
}

/** Dispose the tensors of computed gradients (dense tensors, slices' indices and values). */
export function disposeGradients(gradsAndVars: GradAndVar[]): void {
  for (const { grad } of gradsAndVars) {
    if (grad == null) continue;
    if (isIndexedSlices(grad)) tf.dispose([grad.indices, grad.values]);
    else grad.dispose();
  }
}

/**
 * Pair `vars` with their gradients, replacing the zero placeholders of captured lookups by
 * slices; the captured tensors of variables not in `vars` are disposed.
 */
export function mergeLookupGradients(vars: tf.Variable[], grads: (tf.Tensor | null)[], captured: CapturedLookup[]): GradAndVar[] {
  const byVar = new Map<tf.Variable, CapturedLookup[]>();
  for (const c of captured) byVar.set(c.variable, [...(byVar.get(c.variable) ?? []), c]);
  const out = vars.map((variable, i): GradAndVar => {
    const dense = grads[i] ?? null;
    const caps = byVar.get(variable);
    byVar.delete(variable);
    if (!caps) return { variable, grad: dense };
    const slices = concatLookups(caps, variable.shape);
    const onlyLookups = dense === null || (caps.length === 1 && dense.id === caps[0]!.zeroId) || !anyNonZero(dense);
    if (onlyLookups) {
      if (dense && !isLookupZero(dense)) dense.dispose();
      return { variable, grad: slices };
    }
    const sum = tf.tidy(() => tf.add(dense, toDense(slices)));
    if (!isLookupZero(dense)) dense.dispose();
    tf.dispose([slices.indices, slices.values]);
    return { variable, grad: sum };
  });
  for (const caps of byVar.values()) for (const c of caps) tf.dispose([c.indices, c.values]);
  return out;
}

function concatLookups(caps: CapturedLookup[], shape: number[]): IndexedSlices {
  if (caps.length === 1) return indexedSlices(caps[0]!.indices, caps[0]!.values, shape);
  const indices = tf.concat(caps.map((c) => c.indices)) as tf.Tensor1D;
  const values = tf.concat(caps.map((c) => c.values));
  for (const c of caps) tf.dispose([c.indices, c.values]);
  return indexedSlices(indices, values, shape);
}

function anyNonZero(t: tf.Tensor): boolean {
  const any = tf.tidy(() => tf.any(tf.notEqual(t, 0)));
  const value = any.dataSync()[0] !== 0;
  any.dispose();
  return value;
}
