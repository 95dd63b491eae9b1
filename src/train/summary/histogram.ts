/**
 * TensorBoard histograms as TF builds them (`core/lib/histogram/histogram.cc`): default bucket
 * limits grow by 10% from 1e-12 to 1e20 on both sides of 0 (plus ±DBL_MAX), a value goes to the
 * first bucket whose limit is greater than it (`upper_bound`), and `EncodeToProto` collapses each
 * run of empty buckets into one entry carrying the run's last limit.
 */
import type { HistogramProto } from './event.js';

let defaultLimits: number[] | undefined;

/** TF's `InitDefaultBucketsInner()` limits (1549 values, ascending). */
export function defaultBucketLimits(): number[] {
  if (defaultLimits) return defaultLimits;
  const pos: number[] = [];
  let v = 1.0e-12;
  while (v < 1.0e20) {
    pos.push(v);
    v *= 1.1;
  }
  pos.push(Number.MAX_VALUE);
  defaultLimits = [...pos.map((x) => -x).reverse(), 0, ...pos];
  return defaultLimits;
}

/** Histogram of `values` with TF's default buckets, encoded as TF encodes it. */
export function histogramOf(values: ArrayLike<number>): HistogramProto {
  const limits = defaultBucketLimits();
  const buckets = new Float64Array(limits.length);
  let min = limits[limits.length - 1]!;
  let max = -Number.MAX_VALUE;
  let sum = 0;
  let sumSquares = 0;
  for (let k = 0; k < values.length; k++) {
    const x = values[k]!;
    let lo = 0;
    let hi = limits.length; // upper_bound: first limit > x
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (limits[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    buckets[Math.min(lo, limits.length - 1)]! += 1;
    if (min > x) min = x;
    if (max < x) max = x;
    sum += x;
    sumSquares += x * x;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < buckets.length; ) {
    let end = limits[i]!;
    let count = buckets[i]!;
    i++;
    if (count <= 0) {
      while (i < buckets.length && buckets[i]! <= 0) {
        end = limits[i]!;
        count = buckets[i]!;
        i++;
      }
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  return { min, max, num: values.length, sum, sumSquares, bucketLimit, bucket };
}
