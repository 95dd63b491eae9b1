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
 * The file's keys are first read under the names its format implies (checkpoint/source-names.ts):
 * TF2 object-graph keys as their variable paths, Keras 3 `<path>/vars/<i>` as TF-Keras names. For a
 * Keras 3 file (`.weights.h5`, `.keras`) the paths are tried against *this model's* topology first
 * (Keras 3 addresses a layer by its class and position in the model — `layers/dense_1` is the second
 * Dense — so the matching LayersModel names every path; `report.keras3: 'model'`), then against the
 * file's own config / layer-name attributes (`'file'`).
 * Optimizer state (`optimizer/…`, Keras `optimizer_weights/…`) and training counters are not
 * model weights and are left out (listed as unused).
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Parameter, ParameterSet } from '../variables/parameter-set.js';
import { kerasLayerNames, leafLayers, parametersFromLayersModel } from '../variables/layers-adapter.js';
import { loadCheckpoint } from '../checkpoint/reader.js';
import { planRestore, type RestorePlanOptions, type RestoreReport } from '../checkpoint/restore-plan.js';
import { executeRestorePlan } from '../checkpoint/execute-plan.js';
import { restoreMismatchError } from '../checkpoint/format-report.js';
import { matchCommonLayers, nonModelReason } from '../checkpoint/common-layers.js';
import { sourceNames, type SourceName } from '../checkpoint/source-names.js';
import { mapKeras3Names } from '../formats/keras-h5/keras3-names.js';
import type { CheckpointReader } from '../formats/types.js';
import type { KerasH5Reader } from '../formats/keras-h5/reader.js';

/** Options of {@link restoreIntoLayersModel}. */
export interface RestoreIntoLayersModelOptions extends Pick<RestorePlanOptions, 'include' | 'exclude' | 'ignoreMissing' | 'allowShapeMismatch'> {
  /** Force a mapping (default `auto`: keras, then tfjs, then order). */
  names?: 'auto' | 'keras' | 'tfjs' | 'order';
}

/** What restoreIntoLayersModel did. */
export interface LayersRestoreReport {
  /** The name mapping used. */
  mapping: 'keras' | 'tfjs' | 'order';
  /**
   * For a Keras 3 file, where its `<path>/vars/<i>` names came from: `model` — this model's
   * topology (Keras 3 addresses a layer by class and position, so the paths are this model's
   * layers); `file` — the file's own config or layer-name attributes.
   */
  keras3?: 'model' | 'file';
  /** Checkpoint name → model variable (TF-Keras name) for every restored weight. */
  pairs: { checkpoint: string; variable: string }[];
  /** The restore plan's report (entries with status, summary). */
  report: RestoreReport;
}

const isModelWeight = (name: string) => !/^(optimizer|optimizer_weights)\//.test(name) && !nonModelReason(name);

/** The model's topology with every leaf layer renamed to its TF-Keras name (for the Keras 3 path mapping). */
function kerasNamedTopology(model: LayersModel): unknown {
  const names = kerasLayerNames(model);
  const rename = new Map(leafLayers(model).map(({ layer }, i) => [layer.name, names[i]!] as const));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const cfg = o['config'] as Record<string, unknown> | undefined;
      if (typeof o['class_name'] === 'string' && cfg && typeof cfg['name'] === 'string' && rename.has(cfg['name'])) cfg['name'] = rename.get(cfg['name']);
      Object.values(o).forEach(walk);
    }
  };
  const topology = model.toJSON(null, false);
  walk(topology);
  return topology;
}

/** Name views of the file to try, in order (see the file comment). */
function views(reader: CheckpointReader, model: LayersModel): { names: SourceName[]; keras3?: 'model' | 'file' }[] {
  const own = sourceNames(reader).entries.filter((e) => isModelWeight(e.key));
  const k3 = (reader as Partial<KerasH5Reader>).keras3;
  if (!k3) return [{ names: own }];
  const byModel = mapKeras3Names(k3.names.map((n) => ({ path: n.path, shape: reader.info(n.name).shape })), { config: kerasNamedTopology(model) });
  const tf = new Map(k3.names.map((n, i) => [n.name, byModel[i]!.tfName] as const));
  return [{ names: own.map((e) => ({ ...e, name: tf.get(e.key) ?? e.key })), keras3: 'model' }, { names: own, keras3: 'file' }];
}

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
  const reader = await loadCheckpoint(path);
  try {
    const found = chooseMapping(reader, model, keras, tfjs, options.names ?? 'auto');
    const planOptions: RestorePlanOptions = { include: options.include, exclude: options.exclude, ignoreMissing: options.ignoreMissing, allowShapeMismatch: options.allowShapeMismatch };
    if (!found) {
      // nothing fits: plan with the Keras names so the error lists every problem and the pairing hint
      const plan = await planRestore(Object.fromEntries(keras.toArray().map((p) => [p.name, p])), reader, planOptions);
      if (plan.problems.length) throw restoreMismatchError(plan);
      return await execute(plan, 'keras', undefined, Object.fromEntries(keras.toArray().map((p) => [p.name, p])));
    }
    const plan = await planRestore(found.record, reader, planOptions);
    if (plan.problems.length) throw restoreMismatchError(plan);
    return await execute(plan, found.mapping, found.keras3, found.record);
  } finally {
    await reader.close();
  }
}

async function execute(plan: Awaited<ReturnType<typeof planRestore>>, mapping: LayersRestoreReport['mapping'], keras3: LayersRestoreReport['keras3'], record: Record<string, Parameter>): Promise<LayersRestoreReport> {
  await executeRestorePlan(plan);
  return { mapping, ...(keras3 ? { keras3 } : {}), pairs: Object.entries(record).map(([checkpoint, p]) => ({ checkpoint, variable: p.name })), report: plan.toJSON() };
}

/** The first mapping that covers the model (keras, tfjs, then the one-to-one order pairing), or undefined. */
function chooseMapping(reader: CheckpointReader, model: LayersModel, keras: ParameterSet, tfjs: ParameterSet, want: NonNullable<RestoreIntoLayersModelOptions['names']>):
  { mapping: LayersRestoreReport['mapping']; keras3?: 'model' | 'file'; record: Record<string, Parameter> } | undefined {
  const kerasOf = new Map(keras.toArray().map((p) => [p.variable, p] as const));
  const all = views(reader, model);
  for (const view of all) {
    const keyOf = new Map(view.names.map((e) => [e.name, e.key] as const));
    const covers = (names: string[]) => names.every((n) => keyOf.has(n));
    const k3 = view.keras3 ? { keras3: view.keras3 } : {};
    if (want === 'keras' || (want === 'auto' && covers(keras.names()))) {
      return { mapping: 'keras', ...k3, record: Object.fromEntries(keras.toArray().map((p) => [keyOf.get(p.name) ?? p.name, p])) };
    }
    if (want === 'tfjs' || (want === 'auto' && covers(tfjs.names()))) {
      return { mapping: 'tfjs', ...k3, record: Object.fromEntries(tfjs.toArray().map((p) => [keyOf.get(p.name) ?? p.name, kerasOf.get(p.variable)!])) };
    }
  }
  // every name differs: the one-to-one pairing of layers in order by shapes, weights by role
  const view = all[all.length - 1]!;
  const inFile = view.names.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape }));
  const keyOf = new Map(view.names.map((e) => [e.name, e.key] as const));
  const specs = keras.toArray().map((p) => ({ name: p.name, dtype: p.variable.dtype, shape: [...p.variable.shape] }));
  const m = matchCommonLayers(inFile, specs, 'shape', { sourceOrder: sourceNames(reader).order === 'model' ? 'creation' : 'sorted' });
  const paired = m.pairings.flatMap((x) => x.variables);
  const srcLayers = new Set(inFile.map((v) => v.name.slice(0, v.name.lastIndexOf('/'))));
  if (want === 'order' || (paired.length === specs.length && m.pairings.length === srcLayers.size)) {
    return { mapping: 'order', ...(view.keras3 ? { keras3: view.keras3 } : {}), record: Object.fromEntries(paired.map((v) => [keyOf.get(v.source) ?? v.source, keras.require(v.destination)])) };
  }
  return undefined;
}
