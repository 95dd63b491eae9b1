/**
 * TF1 Adam (`ApplyAdam`, training_ops.cc) for every variable of a step in one JS pass over the wasm
 * heap, in float32 operation by operation (Math.fround after each op, as the TF.js kernels round),
 * so it equals the TF.js-op update bit for bit. The TF.js path runs ~10 elementwise kernels per
 * variable, each a full pass over memory (24 ms of the reference CNN's step on wasm;
 * ENGINE-STUDY.md §2); this is one pass. Same item/hyper shapes as runtime/fused-optimizers'
 * applyAdamFused, for optimizers to call when the native kernels are not active.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, TensorInfo, Variable } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-backend.js';

/** One variable, its gradient and its Adam slots m, v. */
export interface JsAdamItem { variable: Variable; grad: Tensor; m: Variable; v: Variable }
/** Adam hyperparameters; beta powers are the float32 values of TF1's beta1_power / beta2_power. */
export interface JsAdamHyper { lr: number; beta1: number; beta2: number; epsilon: number; beta1Power: number; beta2Power: number }

const f = Math.fround;

/**
 * Update every item; false (nothing changed) unless the backend is wasm and every tensor is
 * float32 with matching sizes. A variable or slot whose buffer another tensor shares (refCount > 1,
 * e.g. the initial value it was created from) is written to a fresh buffer and re-assigned, so the
 * other tensor keeps its values; the rest are updated in place.
 */
export function applyAdamJs(items: JsAdamItem[], h: JsAdamHyper): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as unknown as WasmBackend;
  for (const { variable, grad, m, v } of items) {
    for (const t of [variable, grad, m, v]) {
      const rec = backend.dataIdMap.get(t.dataId);
      if (!rec || t.dtype !== 'float32' || t.size !== variable.size) return false;
    }
  }
  const reassign: Array<[Variable, TensorInfo]> = [];
  /** Where to write `t`'s new values: its own buffer, or a fresh one when it is shared. */
  const target = (t: Variable): TensorInfo => {
    if (backend.dataIdMap.get(t.dataId)!.refCount <= 1) return t;
    const out = backend.makeOutput([...t.shape], 'float32');
    reassign.push([t, out]);
    return out;
  };
  const targets = items.map((it) => [target(it.variable), target(it.m), target(it.v)] as const);
  const alpha = f(f(f(h.lr) * f(Math.sqrt(f(1 - f(h.beta2Power))))) / f(1 - f(h.beta1Power)));
  const omb1 = f(1 - f(h.beta1)), omb2 = f(1 - f(h.beta2)), eps = f(h.epsilon);
  // typed arrays only after every allocation above (an allocation may grow and detach the heap)
  const heap = (t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  items.forEach((it, k) => {
    const [xo, mo, vo] = targets[k]!;
    const x = heap(it.variable), g = heap(it.grad), m = heap(it.m), v = heap(it.v);
    const xOut = heap(xo), mOut = heap(mo), vOut = heap(vo);
    for (let i = 0; i < x.length; i++) {
      const gi = g[i], m0 = m[i], v0 = v[i];
      const mi = f(m0 + f(f(gi - m0) * omb1)); // m += (g - m) * (1 - beta1)
      const vi = f(v0 + f(f(f(gi * gi) - v0) * omb2)); // v += (g*g - v) * (1 - beta2)
      mOut[i] = mi;
      vOut[i] = vi;
      xOut[i] = f(x[i] - f(f(mi * alpha) / f(f(Math.sqrt(vi)) + eps))); // var -= m*alpha / (sqrt(v) + eps)
    }
  });
  for (const [variable, info] of reassign) {
    const t = tf.engine().makeTensorFromTensorInfo(info);
    variable.assign(t);
    t.dispose();
  }
  return true;
}
