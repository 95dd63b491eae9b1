/**
 * Evaluation metrics over TF.js tensors, returning plain numbers: accuracy, top-k accuracy, a
 * confusion matrix (rows = true class, columns = predicted, as `tf.math.confusion_matrix`), and a
 * streaming mean (`tf.metrics.mean`: total / count over batches).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors.js';

/** Class ids from labels given as ids `[N]` or one-hot `[N, C]`. */
function labelIds(labels: tf.Tensor): Int32Array {
  if (labels.rank === 2) return tf.tidy(() => tf.argMax(labels, 1)).dataSync() as Int32Array;
  if (labels.rank === 1) return Int32Array.from(labels.dataSync());
  throw new InvalidArgumentError('invalid_labels', `labels must be class ids [N] or one-hot [N, C], got shape [${labels.shape.join(',')}]`, {
    hint: 'pass a 1-D int tensor of class ids or a 2-D one-hot tensor',
  });
}

/** Predicted ids from logits/probabilities `[N, C]` (argmax) or ids `[N]`. */
function predictionIds(predictions: tf.Tensor): Int32Array {
  return labelIds(predictions);
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  if (a.length !== b.length) {
    throw new InvalidArgumentError('shape_mismatch', `${what}: ${a.length} labels but ${b.length} predictions`, { hint: 'pass labels and predictions of the same batch' });
  }
}

/** Fraction of examples whose predicted class (argmax of logits, or ids) equals the label. */
export function accuracy(labels: tf.Tensor, logitsOrPredictions: tf.Tensor): number {
  const y = labelIds(labels);
  const p = predictionIds(logitsOrPredictions);
  sameLength(y, p, 'accuracy');
  if (y.length === 0) return 0;
  let hit = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === p[i]) hit++;
  return hit / y.length;
}

/** Fraction of examples whose label is among the k highest logits (ties: `tf.math.in_top_k` counts ties as hits). */
export function topKAccuracy(labels: tf.Tensor, logits: tf.Tensor, k: number): number {
  if (logits.rank !== 2) {
    throw new InvalidArgumentError('invalid_logits', `topKAccuracy needs logits [N, C], got shape [${logits.shape.join(',')}]`, { hint: 'pass the model outputs before argmax' });
  }
  const y = labelIds(labels);
  const [n, c] = logits.shape as [number, number];
  sameLength(y, { length: n }, 'topKAccuracy');
  const data = logits.dataSync();
  let hit = 0;
  for (let i = 0; i < n; i++) {
    const target = data[i * c + y[i]!]!;
    let greater = 0;
    for (let j = 0; j < c; j++) if (data[i * c + j]! > target) greater++;
    if (greater < k) hit++;
  }
  return n === 0 ? 0 : hit / n;
}

/** `numClasses x numClasses` counts: `m[true][predicted]`. */
export function confusionMatrix(labels: tf.Tensor, logitsOrPredictions: tf.Tensor, numClasses: number): number[][] {
  const y = labelIds(labels);
  const p = predictionIds(logitsOrPredictions);
  sameLength(y, p, 'confusionMatrix');
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < y.length; i++) {
    const t = y[i]!;
    const q = p[i]!;
    if (t < 0 || t >= numClasses || q < 0 || q >= numClasses) {
      throw new InvalidArgumentError('class_out_of_range', `confusionMatrix: example ${i} has label ${t} / prediction ${q}, outside 0..${numClasses - 1}`, {
        hint: 'pass numClasses covering every label',
      });
    }
    m[t]![q]! += 1;
  }
  return m;
}

/** Weighted running mean across batches. */
export class StreamingMean {
  private total = 0;
  private count = 0;

  /** Add a value (or a batch mean with its weight, e.g. the batch size). */
  update(value: number, weight = 1): void {
    this.total += value * weight;
    this.count += weight;
  }

  /** Current mean (0 before any update, as `tf.metrics.mean`'s div_no_nan). */
  result(): number {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** Forget all values. */
  reset(): void {
    this.total = 0;
    this.count = 0;
  }
}
