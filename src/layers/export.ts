/**
 * Export a checkpoint as a tfjs model folder that `tf.loadLayersModel` opens: the model is built
 * from a topology (a LayersModel `.meta.json`, a tfjs `model.json`, a Keras 2 `model_config` /
 * `model.to_json()`, a Keras 3 `config.json`), the checkpoint is restored into it with the name
 * mapping of {@link restoreIntoLayersModel} (TF-Keras, tfjs, Keras 3 paths, one-to-one order —
 * reported), and `DIR/model.json` + shards are written with `modelTopology` and the weight names
 * tfjs gives that topology's weights (`<layer name>/<weight>`, tfjs's own spelling: `lstm/kernel`,
 * not TF-Keras's `lstm/lstm_cell/kernel`), which is what `loadLayersModel` looks weights up by.
 * The folder is published atomically (formats/tfjs/writer.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { stat } from '../io/fs.js';
import { basename, dirname, resolve } from '../io/path.js';
import { InvalidArgumentError } from '../errors.js';
import { writeTfjsWeights } from '../formats/tfjs/writer.js';
import type { ConvertReport } from '../formats/convert.js';
import { DTYPE_SIZE, type DType } from '../formats/types.js';
import { tensorValueFromVariable } from '../checkpoint/tensor-bytes.js';
import { parametersFromLayersModel } from '../variables/layers-adapter.js';
import { loadCheckpoint } from '../checkpoint/reader.js';
import { isLayersModelMeta, layersModelFromMeta } from './topology.js';
import { fromKeras3Config } from './keras3-topology.js';
import { restoreIntoLayersModel, type LayersRestoreReport, type RestoreIntoLayersModelOptions } from './restore.js';

/** Which kind of topology was given. */
export type TopologyKind = 'meta' | 'tfjs-model-json' | 'keras-config' | 'keras3-config';

/** Options of {@link exportLayersModel}. */
export interface ExportLayersModelOptions extends RestoreIntoLayersModelOptions {
  /** The parsed topology: a `.meta.json`, tfjs `model.json`, Keras 2 config or Keras 3 `config.json`. */
  topology: unknown;
  /** Replace an existing `model.json` (default: refuse). */
  overwrite?: boolean;
  /** Maximum bytes per shard (default 4 MiB, as tfjs-converter). */
  shardBytes?: number;
}

/** What {@link exportLayersModel} did: a convert report plus the topology and the restore. */
export interface ExportLayersModelReport extends ConvertReport {
  topology: TopologyKind;
  /** How the checkpoint's names were mapped onto the model (`restoreIntoLayersModel`'s report). */
  restore: Pick<LayersRestoreReport, 'mapping' | 'keras3' | 'pairs'> & { summary: LayersRestoreReport['report']['summary'] };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Build the LayersModel a topology describes (fresh weights), and say which kind it was.
 * @throws InvalidArgumentError `bad_topology`, `not_a_layers_model_meta`, `meta_without_model`
 */
export async function layersModelFromTopology(topology: unknown, where = 'topology'): Promise<{ model: tfl.LayersModel; kind: TopologyKind }> {
  if (isObj(topology) && 'model' in topology && ('variables' in topology || 'format' in topology)) {
    return { model: await layersModelFromMeta(topology as Parameters<typeof layersModelFromMeta>[0], where), kind: 'meta' };
  }
  let kind: TopologyKind;
  let modelTopology: unknown;
  if (isObj(topology) && isObj(topology['modelTopology'])) {
    kind = 'tfjs-model-json';
    modelTopology = topology['modelTopology'];
  } else if (isObj(topology) && isObj(topology['model_config'])) {
    kind = 'keras-config';
    modelTopology = topology;
  } else if (isObj(topology) && typeof topology['class_name'] === 'string' && typeof topology['module'] === 'string') {
    kind = 'keras3-config';
    modelTopology = fromKeras3Config(topology, where);
  } else if (isObj(topology) && typeof topology['class_name'] === 'string' && isObj(topology['config'])) {
    kind = 'keras-config';
    modelTopology = topology;
  } else {
    throw new InvalidArgumentError('bad_topology', `${where}: not a model topology (expected a LayersModel .meta.json, a tfjs model.json, a Keras model.to_json() / model_config or a Keras 3 config.json)`, {
      hint: 'pass the .meta.json a checkpointCallback wrote, a model.json from tfjs or tfjs-converter, or the config.json inside a .keras',
    });
  }
  if (isObj(topology) && isLayersModelMeta(topology as Parameters<typeof isLayersModelMeta>[0])) kind = 'meta';
  try {
    return { model: await tfl.models.modelFromJSON({ modelTopology: modelTopology as tfl.ModelAndWeightsConfig['modelTopology'] }), kind };
  } catch (cause) {
    throw new InvalidArgumentError('bad_topology', `${where}: tfjs-layers cannot build this ${kind} topology: ${(cause as Error).message}`, {
      hint: 'the topology uses a layer class or option tfjs-layers does not know; build the model in code and restoreIntoLayersModel', cause,
    });
  }
}

/**
 * Write checkpoint `src` as a tfjs model folder `dst` (`…/model.json`) for the topology given.
 * @example
 * const r = await exportLayersModel('runs/cnn/ckpt-20', 'web/cnn/model.json', { topology: JSON.parse(await readFile('runs/cnn/ckpt-20.meta.json', 'utf8')) });
 * const model = await tf.loadLayersModel('https://…/web/cnn/model.json');
 * @throws InvalidArgumentError `not_model_json`, `destination_exists`, `bad_topology`; RestoreMismatchError when the checkpoint does not fit.
 */
export async function exportLayersModel(src: string, dst: string, options: ExportLayersModelOptions): Promise<ExportLayersModelReport> {
  if (basename(dst) !== 'model.json') {
    throw new InvalidArgumentError('not_model_json', `${dst}: an export for tf.loadLayersModel is written as DIR/model.json`, { hint: `write to ${resolve(dst, 'model.json')} or another …/model.json path`, details: { path: dst } });
  }
  if (!options.overwrite && (await stat(dst).then(() => true, () => false))) {
    throw new InvalidArgumentError('destination_exists', `${dst} already exists`, { hint: 'choose a new destination or pass overwrite: true (CLI --overwrite)', details: { path: dst, format: 'tfjs' } });
  }
  const reader = await loadCheckpoint(src);
  const format = reader.format;
  const readerPath = reader.path;
  await reader.close();
  const { model, kind } = await layersModelFromTopology(options.topology);
  try {
    const restored = await restoreIntoLayersModel(model, src, options);
    const seen = new Set<tf.Variable>();
    const tensors = model.weights.flatMap((w) => {
      const v = w.read() as tf.Variable;
      if (seen.has(v)) return [];
      seen.add(v);
      return [tensorValueFromVariable(w.originalName, v)];
    });
    await writeTfjsWeights(dirname(dst), tensors, { modelTopology: model.toJSON(null, false), ...(options.shardBytes !== undefined ? { shardBytes: options.shardBytes } : {}) });
    const byVar = new Map(restored.pairs.map((p) => [p.variable, p.checkpoint] as const));
    const kerasOf = new Map(parametersFromLayersModel(model).toArray().map((p) => [p.variable, p.name] as const));
    const entries = model.weights.map((w) => {
      const v = w.read() as tf.Variable;
      const from = byVar.get(kerasOf.get(v) ?? '') ?? w.originalName;
      const bytes = v.size * (DTYPE_SIZE[v.dtype as Exclude<DType, 'string'>] ?? 4);
      return { source: from, name: w.originalName, status: from === w.originalName ? 'converted' as const : 'renamed' as const, dtype: v.dtype as DType, shape: [...v.shape], bytes };
    });
    return {
      source: { path: readerPath, format },
      destination: { path: dst, format: 'tfjs' },
      tensors: entries,
      written: entries.length,
      excluded: 0,
      renamed: entries.filter((e) => e.status === 'renamed').length,
      bytes: entries.reduce((a, e) => a + e.bytes, 0),
      notes: [
        `topology: ${kind}; weights restored with the ${restored.mapping} name mapping${restored.keras3 ? ` (Keras 3 paths named by the ${restored.keras3 === 'model' ? "topology's layers" : "file's config"})` : ''} and written under the names tfjs gives the topology's weights, with modelTopology, for tf.loadLayersModel`,
        ...(restored.report.summary.unused_in_checkpoint ? [`${restored.report.summary.unused_in_checkpoint} checkpoint tensors were not model weights of this topology and were left out (optimizer state, counters)`] : []),
      ],
      topology: kind,
      restore: { mapping: restored.mapping, ...(restored.keras3 ? { keras3: restored.keras3 } : {}), pairs: restored.pairs, summary: restored.report.summary },
    };
  } finally {
    model.dispose();
  }
}
