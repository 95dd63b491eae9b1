/**
 * Optional fused optimizer kernels from the runtime layer (`runtime/fused-optimizers.ts`, the
 * native addon's loader). Loaded once at import when present; absent or failing → null and the
 * optimizers use their TF.js-op path, which follows TF1's float32 op order just the same.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** One variable's tensors for a fused Adam update. */
export interface FusedAdamItem {
  variable: tf.Variable;
  grad: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
}

/** Scalars of a fused Adam update (float32 values). */
export interface FusedAdamScalars {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  beta1Power: number;
  beta2Power: number;
}

/** The part of `runtime/fused-optimizers` the optimizers use (each returns false → TF.js path). */
export interface FusedOptimizers {
  fusedOptimizerAvailable(): boolean;
  applyAdamFused?(items: FusedAdamItem[], scalars: FusedAdamScalars): boolean;
  applyMomentumFused?(items: { variable: tf.Variable; grad: tf.Tensor; accum: tf.Variable }[], h: { lr: number; momentum: number; nesterov: boolean }): boolean;
  applySgdFused?(items: { variable: tf.Variable; grad: tf.Tensor }[], h: { lr: number }): boolean;
  applyRmsPropFused?(items: { variable: tf.Variable; grad: tf.Tensor; ms: tf.Variable; mom: tf.Variable }[], h: { lr: number; rho: number; momentum: number; epsilon: number }): boolean;
}

async function load(): Promise<FusedOptimizers | null> {
  // A variable specifier: the module belongs to another area and may not exist yet.
  const spec = '../runtime/fused-optimizers.js';
  try {
    const mod = (await import(spec)) as Partial<FusedOptimizers>;
    return typeof mod.fusedOptimizerAvailable === 'function' ? (mod as FusedOptimizers) : null;
  } catch {
    return null;
  }
}

const loaded: FusedOptimizers | null = await load();

/** The fused kernels when the runtime provides them and they are usable here, else null (`GRAFT_NO_FUSED=1` forces null). */
export function fusedOptimizers(): FusedOptimizers | null {
  if (process.env.GRAFT_NO_FUSED === '1') return null;
  try {
    return loaded && loaded.fusedOptimizerAvailable() ? loaded : null;
  } catch {
    return null;
  }
}
