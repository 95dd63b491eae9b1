/**
 * Initial head columns for the classes a class change could not take from the old head (`new`
 * and `split` slots), after {@link classAwareRestore} has placed the kept and merged ones.
 *
 * - `fresh`  — the new model's initial values (small random weights and bias), as the article.
 * - `imprint` — weight imprinting with centring (Qi, Brown & Lowe, "Low-shot learning with
 *   imprinted weights", 2018): one forward pass of the restored body over the new classes'
 *   training examples (at most `maxPerClass` each) and a sample of the whole training set gives
 *   each new class c its mean feature μ_c and the overall mean μ. The column becomes
 *   `w_c = s · (μ_c − μ) / ‖μ_c − μ‖`, with s the mean norm of the kept columns, and the bias puts
 *   the class at the kept classes' mean logit at μ: `b_c = mean_k(w_k·μ + b_k) − w_c·μ`. The
 *   new class then already points where its examples lie, with the scale of its neighbours,
 *   and training starts from there instead of from zero.
 *
 * Both leave kept, moved and merged columns untouched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExampleSet } from '../models/data/example-set.js';
import { shuffledIndices } from '../models/data/random.js';
import type { ClassifierModel } from '../models/types.js';
import { disposeBatch, makeBatch } from './batches.js';
import type { ClassChangePlan } from '../checkpoint/class-plan.js';
import { imprintColumns, type NewClassInit } from '../checkpoint/class-columns.js';

export type { NewClassInit };

/** What {@link initNewClassColumns} did. */
export interface NewClassInitReport {
  method: NewClassInit;
  /** Classes whose column was set (new and split slots). */
  classes: string[];
  /** Examples run through the body (imprint), and the seconds it took (counted as training cost). */
  examples: number;
  seconds: number;
}

function meanFeatures(model: ClassifierModel, set: ExampleSet, indices: Int32Array): Float32Array {
  const width = model.featureWidth;
  const sum = new Float64Array(width);
  for (let s = 0; s < indices.length; s += 256) {
    const b = makeBatch(set, indices, s, 256);
    const f = tf.tidy(() => tf.sum(model.features(b.inputs, { training: false }), 0).dataSync() as Float32Array);
    for (let j = 0; j < width; j++) sum[j]! += f[j]!;
    disposeBatch(b);
  }
  return Float32Array.from(sum, (v) => v / Math.max(1, indices.length));
}

/**
 * Set the head columns of the plan's `new`/`split` classes per `method` (see the file comment).
 * `set` is the new task's training set (labels in the new class order).
 */
export function initNewClassColumns(model: ClassifierModel, plan: ClassChangePlan, set: ExampleSet, method: NewClassInit, options: { maxPerClass?: number; sample?: number; seed?: number } = {}): NewClassInitReport {
  const t0 = Date.now();
  const fresh = plan.slots.filter((s) => s.from.length === 0);
  const kept = plan.slots.filter((s) => s.from.length > 0);
  if (method === 'fresh' || fresh.length === 0 || kept.length === 0 || plan.kind === 'same' || plan.kind === 'reordered') {
    return { method, classes: fresh.map((s) => s.name), examples: 0, seconds: 0 };
  }
  const wVar = model.params.require(model.headWeights).variable;
  const bVar = model.params.require(model.headBiases).variable;
  const F = model.featureWidth;
  const W = Float32Array.from(wVar.dataSync() as Float32Array);
  const B = Float32Array.from(bVar.dataSync() as Float32Array);
  const maxPer = options.maxPerClass ?? 64;
  const order = shuffledIndices(set.count, options.seed ?? 0);
  const sample = order.slice(0, Math.min(set.count, options.sample ?? 64));
  const mu = meanFeatures(model, set, sample);
  let examples = sample.length;
  const classMeans = new Map<number, Float32Array>();
  for (const slot of fresh) {
    const idx: number[] = [];
    for (const i of order) {
      if (set.labels[i] === slot.index) idx.push(i);
      if (idx.length >= maxPer) break;
    }
    if (idx.length === 0) continue;
    classMeans.set(slot.index, meanFeatures(model, set, Int32Array.from(idx)));
    examples += idx.length;
  }
  imprintColumns(plan, W, B, F, mu, classMeans);
  tf.tidy(() => {
    wVar.assign(tf.tensor(W, wVar.shape, 'float32'));
    bVar.assign(tf.tensor(B, bVar.shape, 'float32'));
  });
  return { method, classes: fresh.map((s) => s.name), examples, seconds: (Date.now() - t0) / 1000 };
}
