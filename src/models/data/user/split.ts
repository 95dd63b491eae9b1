/**
 * The train/test split of user data: stratified and seeded. Within each class the examples are
 * taken in their source order (file name order, line order, row order), permuted with
 * `shuffledIndices(n, seed + classIndex)` (mulberry32, random.ts), and the first
 * `round(n * testSplit)` — at least 1, at most n - 1 — go to the test split. The same files,
 * seed and fraction give the same split on every machine, so `graft eval` re-derives it.
 */
import { InvalidArgumentError } from '../../../errors.js';
import { shuffledIndices } from '../random.js';

/** Example indices of each split. */
export interface SplitIndices {
  train: number[];
  test: number[];
}

/**
 * Split examples by class (`labels[i]` in 0..numClasses-1); `classNames` name classes in errors.
 * @throws InvalidArgumentError `bad_test_split` (not in (0, 1)), `class_too_small` (a class with
 *   fewer than 2 examples cannot be in both splits).
 */
export function stratifiedSplit(labels: ArrayLike<number>, classNames: readonly string[], testSplit: number, seed: number, where: string): SplitIndices {
  if (!(testSplit > 0 && testSplit < 1)) {
    throw new InvalidArgumentError('bad_test_split', `test split ${testSplit}: expected a fraction between 0 and 1 (exclusive)`, { hint: 'e.g. --test-split 0.2', details: { testSplit } });
  }
  const byClass: number[][] = classNames.map(() => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  const train: number[] = [];
  const test: number[] = [];
  byClass.forEach((idx, k) => {
    if (idx.length < 2) {
      throw new InvalidArgumentError('class_too_small', `${where}: class "${classNames[k]}" has ${idx.length} example${idx.length === 1 ? '' : 's'}; a class needs at least 2 to be in both the training and the test split`, {
        hint: 'add examples to the class or remove it', details: { class: classNames[k], examples: idx.length },
      });
    }
    const nTest = Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * testSplit)));
    const perm = shuffledIndices(idx.length, (seed + k) >>> 0);
    for (let j = 0; j < idx.length; j++) (j < nTest ? test : train).push(idx[perm[j]!]!);
  });
  // class-major order would make batches single-class: interleave with one more seeded shuffle
  const mix = (xs: number[], s: number) => Array.from(shuffledIndices(xs.length, s >>> 0), (j) => xs[j]!);
  return { train: mix(train, seed + 0x5eed), test: mix(test, seed + 0x7e57) };
}
