/**
 * `loadUserLayersModel(path)`: the user's own model for `graft train --model PATH`, as a
 * tf.LayersModel with its weights. What PATH may be, by its name:
 *
 * - `*.json` — a tfjs `model.json` (tfjs-converter or `model.save`): the topology is read from
 *   it (tfjs-node is not needed: Graft's file reader plays the IOHandler) and the weights are
 *   restored from its manifest with `restoreIntoLayersModel` (reported);
 * - `*.h5` / `*.hdf5` — a Keras 1/2 full-model HDF5 (`model.save('m.h5')`): the root attribute
 *   `model_config` is the topology, `model_weights/` the weights (a weights-only `.h5` has no
 *   architecture: `no_model_config`);
 * - `*.keras` — a Keras 3 archive: `config.json` written back in the Keras 2 layout
 *   (keras3-topology.ts) and the weights from `model.weights.h5`; a config tfjs-layers cannot
 *   build is `unsupported_keras_config`, naming what tfjs said;
 * - `*.js` / `*.mjs` — an ES module exporting `build(args)` that returns a tf.LayersModel (or a
 *   Promise of one), with `args = {numClasses, inputShape, classNames, vocabSize, maxLength,
 *   seed, tf}`; `tf` is Graft's own TensorFlow.js (tfjs-core and tfjs-layers in one namespace):
 *   build with it, so the model lives in the engine Graft trains in. Its weights are fresh.
 *
 * Running a module runs its code: name only modules you trust, as with `node file.js`.
 */
import { resolve } from '../io/path.js';
import { fileUrlOf } from '#graft/runtime-host';
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { FormatError, InvalidArgumentError } from '../errors.js';
import { openRegularFile, readRegularFile } from '#graft/node';
import { loadH5, strAttr, type H5Group } from '../formats/keras-h5/reader.js';
import { readKerasArchive } from '../formats/keras-h5/keras-zip.js';
import { fromKeras3Config } from './keras3-topology.js';
import { restoreIntoLayersModel, type LayersRestoreReport } from './restore.js';

/** The kinds of model file {@link loadUserLayersModel} reads. */
export type UserModelFormat = 'tfjs-model-json' | 'keras-h5' | 'keras-archive' | 'js-module';

/** What a builder module's `build` receives. */
export interface ModelBuilderArgs {
  /** Classes of the data (the head's width). */
  numClasses: number;
  /** Shape of one example: `[h, w, c]` for images, `[maxLength]` for token ids. */
  inputShape: number[];
  /** Class names in label order. */
  classNames: string[];
  /** Text data: the vocabulary's size (ids are 0..vocabSize-1; 0 = padding, 1 = unknown). */
  vocabSize?: number;
  /** Text data: the token sequence length. */
  maxLength?: number;
  /** A seed for the builder's initializers (the CLI's --seed). */
  seed: number;
  /** Graft's TensorFlow.js: tfjs-core and tfjs-layers (`tf.sequential`, `tf.layers.dense`, …). */
  tf: typeof tfc & typeof tfl;
}

/** A loaded user model. */
export interface LoadedUserModel {
  model: tfl.LayersModel;
  format: UserModelFormat;
  path: string;
  /** How the weights came in (null: fresh weights, from a builder module or a topology-only file). */
  restore: LayersRestoreReport | null;
  /** What was adapted on the way (e.g. initializers tfjs cannot run). */
  notes: string[];
}

/** Largest model.json / .keras read whole (bytes). */
const MAX_MODEL_FILE_BYTES = 2 ** 31 - 1;

/** The format a model path names, or null for a built-in model name. */
export function userModelFormat(path: string): UserModelFormat | null {
  const p = path.toLowerCase();
  if (p.endsWith('.json')) return 'tfjs-model-json';
  if (p.endsWith('.h5') || p.endsWith('.hdf5')) return 'keras-h5';
  if (p.endsWith('.keras')) return 'keras-archive';
  if (p.endsWith('.js') || p.endsWith('.mjs')) return 'js-module';
  return null;
}

/** One namespace of Graft's tfjs (what builder modules get as `args.tf`). */
export function graftTf(): typeof tfc & typeof tfl {
  return Object.assign({}, tfc, tfl) as typeof tfc & typeof tfl;
}

/**
 * Initializers are not used for weights that come from the file; tfjs's Orthogonal fails on
 * some shapes (`rMat.flatten is not a function` in tfjs-layers 4.22), so it is swapped for
 * GlorotUniform in configs whose weights are all restored next.
 */
function replaceBrokenInitializers(config: unknown, notes: string[]): unknown {
  let n = 0;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    if (o.class_name === 'Orthogonal' && 'config' in o) { n++; return { class_name: 'GlorotUniform', config: { seed: null } }; }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  const out = walk(config);
  if (n) notes.push(`${n} Orthogonal initializer(s) replaced by GlorotUniform to build the model (tfjs cannot run them here; the weights come from the file)`);
  return out;
}

async function fromTopology(path: string, topology: unknown, what: string, hint: string): Promise<tfl.LayersModel> {
  try {
    return await tfl.models.modelFromJSON({ modelTopology: topology as tfc.io.ModelJSON['modelTopology'] });
  } catch (cause) {
    throw new InvalidArgumentError('unsupported_keras_config', `${path}: tfjs-layers cannot build the ${what}: ${(cause as Error).message.split('\n')[0]!.slice(0, 300)}`, { hint, details: { path }, cause });
  }
}

function parseJson(path: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new FormatError('bad_model_json', `${path}: the ${what} is not JSON`, { hint: 're-export the model', details: { path }, cause });
  }
}

async function fromModelJson(path: string, notes: string[]): Promise<LoadedUserModel> {
  const doc = parseJson(path, new TextDecoder().decode(await readRegularFile(path, MAX_MODEL_FILE_BYTES, { what: 'model.json' })), 'model.json') as { modelTopology?: unknown; weightsManifest?: unknown };
  if (typeof doc?.modelTopology !== 'object' || doc.modelTopology === null) {
    throw new FormatError('no_model_topology', `${path}: no "modelTopology" (a graph model or a weights manifest only)`, {
      hint: 'pass a layers-model model.json (tfjs-converter --output_format tfjs_layers_model, or model.save in tfjs)', details: { path },
    });
  }
  const model = await fromTopology(path, replaceBrokenInitializers(doc.modelTopology, notes), 'topology in model.json', 'the model uses a layer tfjs-layers does not have; build it in a JS module (--model build.mjs) and restore the weights');
  const restore = Array.isArray(doc.weightsManifest) && doc.weightsManifest.length ? await restoreIntoLayersModel(model, path) : null;
  if (!restore) notes.push('model.json has no weights manifest: the weights are fresh');
  return { model, format: 'tfjs-model-json', path, restore, notes };
}

async function fromKerasH5(path: string, notes: string[]): Promise<LoadedUserModel> {
  await (await openRegularFile(path, { what: 'Keras .h5 file' })).close(); // a regular file (no FIFO reaches HDF5), with typed not-found errors
  const h5 = await loadH5();
  let config: string | undefined;
  try {
    const file = new h5.File(resolve(path), 'r');
    try { config = strAttr(file as unknown as H5Group, 'model_config')?.[0]; } finally { file.close(); }
  } catch (cause) {
    throw new FormatError('hdf5_error', `${path}: HDF5 could not read the file`, { hint: 'the file is damaged or not a Keras .h5 file', details: { path }, cause });
  }
  if (config === undefined) {
    throw new InvalidArgumentError('no_model_config', `${path}: a weights-only Keras .h5 (no model_config attribute): it holds weights but no architecture`, {
      hint: 'save the full model (model.save("m.h5")), or build the architecture in a JS module (--model build.mjs) and load these weights with graft train --restore / restoreIntoLayersModel', details: { path },
    });
  }
  const topology = { model_config: replaceBrokenInitializers(parseJson(path, config, 'model_config attribute'), notes) };
  const model = await fromTopology(path, topology, 'model_config of this .h5', 'the model uses a layer tfjs-layers does not have; build it in a JS module (--model build.mjs) and restore the weights');
  return { model, format: 'keras-h5', path, restore: await restoreIntoLayersModel(model, path), notes };
}

async function fromKerasArchive(path: string, notes: string[]): Promise<LoadedUserModel> {
  const archive = readKerasArchive(path, await readRegularFile(path, MAX_MODEL_FILE_BYTES, { what: '.keras archive' }));
  const topology = { model_config: replaceBrokenInitializers(fromKeras3Config(archive.config), notes) };
  const model = await fromTopology(path, topology, 'Keras 3 config.json (written back in the Keras 2 layout tfjs reads)',
    'tfjs-layers lacks a layer or option this Keras 3 model uses; build the same architecture in a JS module (--model build.mjs) and load the weights with restoreIntoLayersModel(model, "m.keras")');
  return { model, format: 'keras-archive', path, restore: await restoreIntoLayersModel(model, path), notes };
}

async function fromModule(path: string, args: Omit<ModelBuilderArgs, 'tf'> | undefined, notes: string[]): Promise<LoadedUserModel> {
  if (!args) throw new InvalidArgumentError('builder_needs_data', `${path}: a builder module needs the data's classes and input shape`, { hint: 'pass --data with the module' });
  let mod: Record<string, unknown>;
  try {
    mod = (await import(fileUrlOf(resolve(path)))) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new InvalidArgumentError(code === 'ERR_MODULE_NOT_FOUND' && String((cause as Error).message).includes(resolve(path)) ? 'model_not_found' : 'bad_model_module', `${path}: cannot import the module: ${(cause as Error).message.split('\n')[0]}`, {
      hint: 'the file must be an ES module (.mjs, or .js in an ESM package) exporting build(args); build with args.tf instead of importing your own tfjs', details: { path }, cause,
    });
  }
  const build = mod.build;
  if (typeof build !== 'function') {
    throw new InvalidArgumentError('no_build_export', `${path}: exports ${Object.keys(mod).join(', ') || 'nothing'}, not a function named build`, {
      hint: 'export function build({numClasses, inputShape, tf}) { return tf.sequential({…}); }', details: { path, exports: Object.keys(mod) },
    });
  }
  const model = (await (build as (a: ModelBuilderArgs) => unknown)({ ...args, tf: graftTf() })) as tfl.LayersModel;
  if (!(model instanceof tfl.LayersModel)) {
    throw new InvalidArgumentError('not_a_layers_model', `${path}: build() returned ${model === null ? 'null' : typeof model === 'object' ? (model as object).constructor?.name ?? 'an object' : typeof model}, not a tf.LayersModel of Graft's tfjs`, {
      hint: 'return tf.sequential(…) or tf.model(…) built with args.tf (a tfjs imported separately is another engine)', details: { path },
    });
  }
  return { model, format: 'js-module', path, restore: null, notes };
}

/**
 * Load the user's model (see the file comment for the formats and the builder contract).
 * @example
 * const { model, restore } = await loadUserLayersModel('keras/model.h5');
 * const built = await loadUserLayersModel('build.mjs', { builder: { numClasses: 3, inputShape: [28, 28, 1], classNames, seed: 0 } });
 * @throws InvalidArgumentError `unknown_model_format`, `no_model_config`, `unsupported_keras_config`,
 *   `no_build_export`, `not_a_layers_model`, `bad_model_module`; FormatError `no_model_topology`,
 *   `bad_model_json`; the readers' and restoreIntoLayersModel's errors.
 */
export async function loadUserLayersModel(path: string, options: { builder?: Omit<ModelBuilderArgs, 'tf'> } = {}): Promise<LoadedUserModel> {
  const notes: string[] = [];
  switch (userModelFormat(path)) {
    case 'tfjs-model-json': return fromModelJson(path, notes);
    case 'keras-h5': return fromKerasH5(path, notes);
    case 'keras-archive': return fromKerasArchive(path, notes);
    case 'js-module': return fromModule(path, options.builder, notes);
    default:
      throw new InvalidArgumentError('unknown_model_format', `${path}: not a model file Graft reads (model.json, .h5, .keras, .js/.mjs builder)`, { hint: 'or name a built-in model', details: { path } });
  }
}
