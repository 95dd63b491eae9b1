/**
 * ExampleSet: a labelled data set held as flat typed arrays, example-major — the one shape every
 * loader returns and every training loop consumes (images as float32 [n,28,28,1], token ids as
 * int32 [n,len] with their sequence lengths). Plain data, no tensors: batches become tensors
 * only inside a training step.
 */
import { InvalidArgumentError } from '../../errors.js';

/** A labelled data set as flat typed arrays. */
export interface ExampleSet {
  /** Inputs, example-major: `count * product(exampleShape)` values. */
  x: Float32Array | Int32Array;
  /** Shape of one example (`[28,28,1]` for MNIST, `[maxLength]` for token ids). */
  exampleShape: number[];
  /** Sequence lengths (token sets only): the number of real tokens before padding. */
  lengths?: Int32Array;
  /** Class index of each example, into `classNames`. */
  labels: Int32Array;
  /** Names of the classes, in label order. */
  classNames: string[];
  /** Number of examples. */
  count: number;
}

/** Number of values in one example. */
export function exampleSize(set: ExampleSet): number {
  return set.exampleShape.reduce((a, b) => a * b, 1);
}

/** A new ExampleSet holding the examples at `indices` (in that order). */
export function subset(set: ExampleSet, indices: ArrayLike<number>): ExampleSet {
  const size = exampleSize(set);
  const n = indices.length;
  const x = set.x instanceof Float32Array ? new Float32Array(n * size) : new Int32Array(n * size);
  const labels = new Int32Array(n);
  const lengths = set.lengths ? new Int32Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    if (!Number.isInteger(j) || j < 0 || j >= set.count) {
      throw new InvalidArgumentError('index_out_of_range', `example index ${j} is outside 0..${set.count - 1}`, {
        hint: 'pass indices from 0 to count-1',
        details: { index: j, count: set.count },
      });
    }
    x.set(set.x.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j]!;
    if (lengths) lengths[i] = set.lengths![j]!;
  }
  const out: ExampleSet = { x, exampleShape: [...set.exampleShape], labels, classNames: [...set.classNames], count: n };
  if (lengths) out.lengths = lengths;
  return out;
}

/** The first `n` examples (all when `n` is larger). */
export function take(set: ExampleSet, n: number): ExampleSet {
  const k = Math.min(n, set.count);
  return subset(set, Array.from({ length: k }, (_, i) => i));
}

/** Counts of each class label. */
export function classCounts(set: ExampleSet): number[] {
  const c = new Array<number>(set.classNames.length).fill(0);
  for (const l of set.labels) c[l] = (c[l] ?? 0) + 1;
  return c;
}
