/**
 * Restoring ExponentialMovingAverage shadows into the model's own variables for evaluation —
 * TF's `ExponentialMovingAverage.variables_to_restore()` (moving_averages.py, docs/design/TF-SEMANTICS.md
 * §7.1): averaged variables (default: the trainable ones) map from `<name>/<decayName>`; every
 * other variable maps from its own name unless that name is already taken (shadows that live in
 * the ParameterSet are thereby skipped).
 */
import { normalizeVarList, type VarList } from './var-list.js';
import type { Parameter } from '../variables/parameter-set.js';
import { inScope } from '../variables/parameter-set.js';

/** Options for {@link emaVariablesToRestore}. */
export interface EmaRestoreOptions {
  /** The EMA's name, the shadow suffix; default `"ExponentialMovingAverage"`. */
  decayName?: string;
  /** Names (or `/`-boundary scopes) of the averaged variables; default every trainable one (TF: trainable ∪ MOVING_AVERAGE_VARIABLES). */
  movingAverageVariables?: readonly string[];
}

/**
 * The checkpoint-name → parameter record that loads EMA shadows into the live variables; pass
 * it to `planRestore`, `new Saver({varList})` or `Saver.restore`.
 * @example
 * const plan = await planRestore(emaVariablesToRestore(params), 'runs/mnist/mnist_model-29001');
 * await executeRestorePlan(plan); // layer1/weights ← layer1/weights/ExponentialMovingAverage, …
 */
export function emaVariablesToRestore(params: VarList, options: EmaRestoreOptions = {}): Record<string, Parameter> {
  const decayName = options.decayName ?? 'ExponentialMovingAverage';
  const pairs = normalizeVarList(params);
  const averaged = (p: Parameter): boolean =>
    options.movingAverageVariables ? options.movingAverageVariables.some((s) => inScope(p.name, s)) : p.trainable;
  const out: Record<string, Parameter> = {};
  for (const { key, param } of pairs) if (averaged(param)) out[`${key}/${decayName}`] = param;
  for (const { key, param } of pairs) {
    if (averaged(param) || key in out) continue;
    out[key] = param;
  }
  return out;
}
