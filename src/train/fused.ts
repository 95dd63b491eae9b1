/**
 * The runtime's fused optimizer kernels (`runtime/fused-optimizers.ts`: one native call updates
 * every variable and its slots in TF1's float32 op order). Each returns false when the native
 * kernels are not active, and the optimizers then run their TF.js-op path, which follows the same
 * op order. `GRAFT_NO_FUSED=1` forces the TF.js path (tests compare the two bit for bit).
 */
import * as fused from '../runtime/fused-optimizers.js';

/** The fused kernels, or null when disabled by `GRAFT_NO_FUSED=1` or not usable on this backend. */
export function fusedOptimizers(): typeof fused | null {
  if ((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.GRAFT_NO_FUSED === '1') return null;
  return fused.fusedOptimizerAvailable() ? fused : null;
}
