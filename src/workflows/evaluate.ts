/**
 * Evaluation of a forward function over an ExampleSet in batches: accuracy and mean loss, plain
 * numbers (no tensors escape).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ExampleSet } from '../models/data/example-set.js';
import type { ModelInputs } from '../models/types.js';
import { disposeBatch, epochOrder, makeBatch, softmaxCrossEntropyLoss } from './batches.js';

/** Inputs → logits `[b, k]`. */
export type ForwardFn = (inputs: ModelInputs, training: boolean) => tf.Tensor2D;

/** Evaluation result. */
export interface EvalReport {
  accuracy: number;
  loss: number;
  count: number;
}

/** Accuracy and mean cross-entropy of `forward` on `set`. */
export function evaluate(forward: ForwardFn, set: ExampleSet, options: { batchSize?: number } = {}): EvalReport {
  const bs = options.batchSize ?? 256;
  const order = epochOrder(set.count, 0);
  let hits = 0;
  let lossSum = 0;
  for (let s = 0; s < set.count; s += bs) {
    const b = makeBatch(set, order, s, bs);
    const [h, l] = tf.tidy(() => {
      const logits = forward(b.inputs, false);
      const pred = tf.argMax(logits, 1);
      const hit = tf.sum(tf.cast(tf.equal(pred, b.labels), 'int32'));
      const loss = tf.mul(softmaxCrossEntropyLoss(logits, b.labels), b.size);
      return [hit.dataSync()[0]!, loss.dataSync()[0]!];
    });
    hits += h;
    lossSum += l;
    disposeBatch(b);
  }
  return { accuracy: set.count ? hits / set.count : 0, loss: set.count ? lossSum / set.count : 0, count: set.count };
}

/** Predicted class ids for every example of `set`. */
export function predict(forward: ForwardFn, set: ExampleSet, options: { batchSize?: number } = {}): Int32Array {
  const bs = options.batchSize ?? 256;
  const out = new Int32Array(set.count);
  const order = epochOrder(set.count, 0);
  for (let s = 0; s < set.count; s += bs) {
    const b = makeBatch(set, order, s, bs);
    const p = tf.tidy(() => tf.argMax(forward(b.inputs, false), 1).dataSync());
    out.set(p, s);
    disposeBatch(b);
  }
  return out;
}
