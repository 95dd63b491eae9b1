/**
 * `restoreIntoLayersModel(model, path)`: one call that restores a LayersModel from any readable
 * checkpoint (TF bundle, Keras `.h5`, tfjs `model.json`, safetensors) and reports what happened,
 * with the name mapping done for the user and stated in the report:
 * 1. `keras` — the checkpoint uses the TF-Keras names the adapter gives the model (`dense_1/kernel`);
 * 2. `tfjs` — it uses this model's own tfjs weight names (`dense_Dense1/kernel`, same process);
 * 3. `order` — every name differs (another session's counters: `conv2d_2` vs `conv2d`, tfjs auto
 *    names from another process) but the checkpoint's layers pair one to one with the model's, in
 *    order, by the shapes of their weights, weights inside a layer by role (common-layers.ts). Only a
 *    complete one-to-one pairing is used; anything else is refused with the plan's report.
 * Optimizer state (`optimizer/…`, Keras `optimizer_weights/…`) and training counters are not
 * model weights and are left out (listed as unused).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Parameter } from '../variables/parameter-set.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';
import { listVariables } from '../checkpoint/reader.js';
import { planRestore, type RestorePlanOptions, type RestoreReport } from '../checkpoint/restore-plan.js';
import { executeRestorePlan } from '../checkpoint/execute-plan.js';
import { restoreMismatchError } from '../checkpoint/format-report.js';
import { matchCommonLayers, nonModelReason } from '../checkpoint/common-layers.js';

/** Options of {@link restoreIntoLayersModel}. */
export interface RestoreIntoLayersModelOptions extends Pick<RestorePlanOptions, 'include' | 'exclude' | 'ignoreMissing' | 'allowShapeMismatch'> {
  /** Force a mapping (default `auto`: keras, then tfjs, then order). */
  names?: 'auto' | 'keras' | 'tfjs' | 'order';
}

/** What restoreIntoLayersModel did. */
export interface LayersRestoreReport {
  /** The name mapping used. */
  mapping: 'keras' | 'tfjs' | 'order';
  /** Checkpoint name → model variable (TF-Keras name) for every restored weight. */
  pairs: { checkpoint: string; variable: string }[];
  /** The restore plan's report (entries with status, summary). */
  report: RestoreReport;
}

const isModelWeight = (name: string) => !/^(optimizer|optimizer_weights)\//.test(name) && !nonModelReason(name);

/**
 * Restore a LayersModel's weights from a checkpoint file, mapping names as the file comment says.
 * @example
 * const r = await restoreIntoLayersModel(model, 'keras/model.h5');
 * console.log(r.mapping, r.report.summary);
 * @throws RestoreMismatchError (with the report and a hint listing every scope) when no mapping fits.
 */
export async function restoreIntoLayersModel(model: LayersModel, path: string, options: RestoreIntoLayersModelOptions = {}): Promise<LayersRestoreReport> {
  const keras = parametersFromLayersModel(model);
  const tfjs = parametersFromLayersModel(model, { names: 'tfjs' });
  const inFile = (await listVariables(path)).filter((v) => isModelWeight(v.name));
  const have = new Set(inFile.map((v) => v.name));
  const kerasOf = new Map(keras.toArray().map((p) => [p.variable, p] as const));
  const want = options.names ?? 'auto';
  const planOptions: RestorePlanOptions = { include: options.include, exclude: options.exclude, ignoreMissing: options.ignoreMissing, allowShapeMismatch: options.allowShapeMismatch };
  let mapping: LayersRestoreReport['mapping'];
  let record: Record<string, Parameter>;
  const covers = (names: string[]) => names.every((n) => have.has(n));
  if (want === 'keras' || (want === 'auto' && covers(keras.names()))) {
    mapping = 'keras';
    record = Object.fromEntries(keras.toArray().map((p) => [p.name, p]));
  } else if (want === 'tfjs' || (want === 'auto' && covers(tfjs.names()))) {
    mapping = 'tfjs';
    record = Object.fromEntries(tfjs.toArray().map((p) => [p.name, kerasOf.get(p.variable)!]));
  } else {
    const specs = keras.toArray().map((p) => ({ name: p.name, dtype: p.variable.dtype, shape: [...p.variable.shape] }));
    const m = matchCommonLayers(inFile, specs, 'shape', { sourceOrder: 'sorted' });
    const paired = m.pairings.flatMap((x) => x.variables);
    const srcLayers = new Set(inFile.map((v) => v.name.slice(0, v.name.lastIndexOf('/'))));
    if (want === 'order' || (paired.length === specs.length && m.pairings.length === srcLayers.size)) {
      mapping = 'order';
      record = Object.fromEntries(paired.map((v) => [v.source, keras.require(v.destination)]));
    } else {
      // nothing fits: plan with the Keras names so the error lists every problem and the pairing hint
      const plan = await planRestore(Object.fromEntries(keras.toArray().map((p) => [p.name, p])), path, planOptions);
      if (plan.problems.length) throw restoreMismatchError(plan);
      mapping = 'keras';
      record = Object.fromEntries(keras.toArray().map((p) => [p.name, p]));
    }
  }
  const plan = await planRestore(record, path, planOptions);
  if (plan.problems.length) throw restoreMismatchError(plan);
  await executeRestorePlan(plan);
  const report = plan.toJSON();
  return { mapping, pairs: Object.entries(record).map(([checkpoint, p]) => ({ checkpoint, variable: p.name })), report };
}
