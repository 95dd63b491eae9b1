/**
 * Column arithmetic of a class change on a `[features, classes]` head, shared by the built-in
 * models (workflows/class-slots.ts, class-init.ts) and LayersModel heads (layers/class-change.ts):
 * - {@link remapSlotColumns}: an optimizer slot's columns in the new class order — carried classes
 *   take the mean of their sources' columns (one source: a copy); new and split classes start
 *   first moments (`m`, `momentum`) at 0 and every other slot (`v`, `rms`, `accumulator`) at the
 *   mean of the carried columns, so their steps have their neighbours' scale;
 * - {@link imprintColumns}: weight imprinting with centring (Qi, Brown & Lowe, "Low-shot learning
 *   with imprinted weights", 2018): the column of a new class c becomes `s · (μ_c − μ) / ‖μ_c − μ‖`
 *   (s = mean norm of the carried columns, μ_c its examples' mean feature, μ the overall mean) and
 *   its bias puts it at the carried classes' mean logit at μ: `b_c = mean_k(w_k·μ + b_k) − w_c·μ`.
 * Pure functions over Float32Arrays, row-major.
 */
import type { ClassChangePlan } from './class-plan.js';

/** How the columns of new and split classes start: the new head's initial values, or imprinted from examples. */
export type NewClassInit = 'fresh' | 'imprint';

/** Slots that hold a running mean of the gradient: new columns start them at zero. */
export const FIRST_MOMENT_SLOTS: ReadonlySet<string> = new Set(['m', 'momentum']);

function mean(values: Float32Array, count: number, at: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += values[at(i)]!;
  return count ? s / count : 0;
}

/**
 * Columns of a saved `[rows, oldK]` (or `[oldK]`, rows = 1) slot in the new class order, per the
 * file comment. Returns `[rows, newK]`.
 */
export function remapSlotColumns(plan: ClassChangePlan, saved: Float32Array, rows: number, firstMoment: boolean): Float32Array {
  const oldK = plan.oldClasses.length;
  const newK = plan.newClasses.length;
  const out = new Float32Array(rows * newK);
  const carried = plan.slots.filter((s) => s.from.length > 0);
  for (let r = 0; r < rows; r++) {
    let carriedSum = 0;
    for (const slot of carried) {
      const v = mean(saved, slot.from.length, (i) => r * oldK + slot.from[i]!);
      out[r * newK + slot.index] = v;
      carriedSum += v;
    }
    const fill = firstMoment || carried.length === 0 ? 0 : carriedSum / carried.length;
    for (const slot of plan.slots) if (slot.from.length === 0) out[r * newK + slot.index] = fill;
  }
  return out;
}

/**
 * Imprint the columns of new and split classes into `W` `[F, K]` and `B` `[K]` (in place), per the
 * file comment. `mu` is the overall mean feature `[F]`; `classMeans` maps a new-class slot index to
 * its examples' mean feature (a class without examples keeps its column). Returns the slot indices set.
 */
export function imprintColumns(plan: ClassChangePlan, W: Float32Array, B: Float32Array, features: number, mu: Float32Array, classMeans: ReadonlyMap<number, Float32Array>): number[] {
  const K = plan.newClasses.length;
  const F = features;
  const kept = plan.slots.filter((s) => s.from.length > 0);
  let scale = 0;
  for (const s of kept) {
    let n = 0;
    for (let f = 0; f < F; f++) n += W[f * K + s.index]! ** 2;
    scale += Math.sqrt(n) / kept.length;
  }
  let meanLogit = 0;
  for (const s of kept) {
    let z = B[s.index]!;
    for (let f = 0; f < F; f++) z += W[f * K + s.index]! * mu[f]!;
    meanLogit += z / kept.length;
  }
  const set: number[] = [];
  for (const slot of plan.slots) {
    const muC = slot.from.length === 0 ? classMeans.get(slot.index) : undefined;
    if (!muC) continue;
    let norm = 0;
    for (let f = 0; f < F; f++) norm += (muC[f]! - mu[f]!) ** 2;
    norm = Math.sqrt(norm) || 1;
    let dot = 0;
    for (let f = 0; f < F; f++) {
      const w = Math.fround((scale * (muC[f]! - mu[f]!)) / norm);
      W[f * K + slot.index] = w;
      dot += w * mu[f]!;
    }
    B[slot.index] = Math.fround(meanLogit - dot);
    set.push(slot.index);
  }
  return set;
}
