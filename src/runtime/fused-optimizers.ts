/**
 * Fused optimizer updates on the native kernels: one call per training step updates every
 * variable (and its slots) of Adam, Momentum, GradientDescent or RMSProp, in place on the wasm heap.
 * The float32 arithmetic follows TF1's CPU kernels (`core/kernels/training_ops.cc`, TF-SEMANTICS
 * §7.3) operation by operation, so results are deterministic. Each function returns false (nothing
 * changed) when the native kernels are not active or an argument is not float32 / shapes differ;
 * the caller then runs its TF.js version. Slot variables (m, v, accumulators) are updated here too;
 * beta powers are the caller's (TF1 `_finish` multiplies them after all updates).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import { loadAddon } from './native/addon.js';
import type { NativeAddon } from './native/addon.js';
import { nativeKernelsActive } from './native/register.js';
import type { WasmBackendLike } from './native/wasm-heap.js';
import { heapOf } from './native/wasm-heap.js';

/** One variable and its gradient and Adam slots. */
export interface AdamItem { variable: Variable; grad: Tensor; m: Variable; v: Variable }
/** Adam hyperparameters; beta powers as float32 values of TF1's beta1_power / beta2_power. */
export interface AdamHyper { lr: number; beta1: number; beta2: number; epsilon: number; beta1Power: number; beta2Power: number }
/** One variable, its gradient and its `Momentum` slot. */
export interface MomentumItem { variable: Variable; grad: Tensor; accum: Variable }
/** Momentum hyperparameters (TF1 MomentumOptimizer). */
export interface MomentumHyper { lr: number; momentum: number; nesterov: boolean }
/** One variable and its gradient. */
export interface SgdItem { variable: Variable; grad: Tensor }
/** One variable, its gradient and its RMSProp slots `rms` (ms) and `momentum` (mom). */
export interface RmsPropItem { variable: Variable; grad: Tensor; ms: Variable; mom: Variable }
/** RMSProp hyperparameters (TF1 RMSPropOptimizer, not centered). */
export interface RmsPropHyper { lr: number; rho: number; momentum: number; epsilon: number }

/** True when fused updates can run: native kernels registered and the wasm backend active. */
export function fusedOptimizerAvailable(): boolean {
  return nativeKernelsActive() && tf.getBackend() === 'wasm' && loadAddon().addon !== undefined;
}

/**
 * Builds the offset table: for each row, the tensors in order; variables get an in and an out
 * column. A variable whose buffer is shared with another tensor (refCount > 1) is written to a
 * fresh buffer and re-assigned afterwards, so no other tensor sees the update.
 */
class Plan {
  readonly rows: number[] = [];
  private readonly reassign: Array<[Variable, TensorInfo]> = [];
  constructor(private readonly backend: WasmBackendLike) {}

  private record(t: Tensor) {
    const r = this.backend.dataIdMap.get(t.dataId);
    if (r === undefined) throw new RangeError(`fused optimizer: tensor ${t.id} has no data on the wasm backend`);
    return r;
  }
  /** Adds the in/out offsets of a variable updated in place (or out of place if shared). */
  variable(v: Variable): void {
    const r = this.record(v);
    this.rows.push(r.memoryOffset);
    if (r.refCount > 1) {
      const out = this.backend.makeOutput([...v.shape], 'float32');
      this.reassign.push([v, out]);
      this.rows.push(this.record(out as Tensor).memoryOffset);
    } else {
      this.rows.push(r.memoryOffset);
    }
  }
  /** Adds the offset of a read-only tensor. */
  tensor(t: Tensor): void {
    this.rows.push(this.record(t).memoryOffset);
  }
  /** Runs `call` with the heap (taken after all allocations), then re-points shared variables. */
  run(call: (heap: Uint8Array, table: Float64Array) => void): void {
    call(heapOf(this.backend), Float64Array.from(this.rows));
    for (const [v, info] of this.reassign) {
      const t = tf.engine().makeTensorFromTensorInfo(info);
      v.assign(t);
      t.dispose();
    }
  }
}

function ready(tensors: Tensor[][]): NativeAddon | undefined {
  if (!fusedOptimizerAvailable()) return undefined;
  for (const group of tensors) {
    const size = group[0]!.size;
    for (const t of group) if (t.dtype !== 'float32' || t.size !== size || t.isDisposed) return undefined;
  }
  return loadAddon().addon;
}

/** Adam update of every item in one native call (TF1 ApplyAdam order); false → use the TF.js path. */
export function applyAdamFused(items: AdamItem[], h: AdamHyper): boolean {
  const addon = ready(items.map((i) => [i.variable, i.grad, i.m, i.v]));
  if (!addon) return false;
  const plan = new Plan(tf.backend() as unknown as WasmBackendLike);
  for (const it of items) {
    plan.variable(it.variable); plan.tensor(it.grad); plan.variable(it.m); plan.variable(it.v); plan.rows.push(it.variable.size);
  }
  plan.run((heap, table) => addon.adam(heap, table, h.lr, h.beta1, h.beta2, h.epsilon, h.beta1Power, h.beta2Power));
  return true;
}

/** Momentum update (TF1 ApplyMomentum, optional Nesterov) in one native call; false → TF.js path. */
export function applyMomentumFused(items: MomentumItem[], h: MomentumHyper): boolean {
  const addon = ready(items.map((i) => [i.variable, i.grad, i.accum]));
  if (!addon) return false;
  const plan = new Plan(tf.backend() as unknown as WasmBackendLike);
  for (const it of items) {
    plan.variable(it.variable); plan.tensor(it.grad); plan.variable(it.accum); plan.rows.push(it.variable.size);
  }
  plan.run((heap, table) => addon.momentum(heap, table, h.lr, h.momentum, h.nesterov));
  return true;
}

/** Gradient-descent update `var -= grad * lr` in one native call; false → TF.js path. */
export function applySgdFused(items: SgdItem[], h: { lr: number }): boolean {
  const addon = ready(items.map((i) => [i.variable, i.grad]));
  if (!addon) return false;
  const plan = new Plan(tf.backend() as unknown as WasmBackendLike);
  for (const it of items) {
    plan.variable(it.variable); plan.tensor(it.grad); plan.rows.push(it.variable.size);
  }
  plan.run((heap, table) => addon.sgd(heap, table, h.lr));
  return true;
}

/** RMSProp update (TF1 ApplyRMSProp, not centered) in one native call; false → TF.js path. */
export function applyRmsPropFused(items: RmsPropItem[], h: RmsPropHyper): boolean {
  const addon = ready(items.map((i) => [i.variable, i.grad, i.ms, i.mom]));
  if (!addon) return false;
  const plan = new Plan(tf.backend() as unknown as WasmBackendLike);
  for (const it of items) {
    plan.variable(it.variable); plan.tensor(it.grad); plan.variable(it.ms); plan.variable(it.mom); plan.rows.push(it.variable.size);
  }
  plan.run((heap, table) => addon.rmsProp(heap, table, h.lr, h.rho, h.momentum, h.epsilon));
  return true;
}

/** A moving average and the variable it follows. */
export interface MovingAverageItem { shadow: Variable; variable: Variable }

/**
 * TF's `assign_moving_average` for every item, `shadow -= (shadow - var) * (1 - decay)`, in two
 * native calls of the sgd kernel (`out = in - x * lr`): `d = shadow - var * 1` (exact: `var * 1`
 * is `var`), then `shadow -= d * (1 - decay)` — each float32 operation rounds as the TF.js ops
 * `sub(shadow, mul(sub(shadow, var), c))` do. False (nothing changed) → use the TF.js path.
 */
export function applyMovingAverageFused(items: MovingAverageItem[], oneMinusDecay: number): boolean {
  const addon = ready(items.map((i) => [i.shadow, i.variable]));
  if (!addon) return false;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const diffs = items.map((it) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...it.shadow.shape], 'float32')));
  try {
    const first = new Plan(backend);
    items.forEach((it, k) => {
      first.tensor(it.shadow); first.tensor(diffs[k]!); first.tensor(it.variable); first.rows.push(it.shadow.size);
    });
    first.run((heap, table) => addon.sgd(heap, table, 1));
    const second = new Plan(backend);
    items.forEach((it, k) => {
      second.variable(it.shadow); second.tensor(diffs[k]!); second.rows.push(it.shadow.size);
    });
    second.run((heap, table) => addon.sgd(heap, table, oneMinusDecay));
  } finally {
    tf.dispose(diffs);
  }
  return true;
}
