/**
 * The pieces of a class change on a LayersModel head (class-change.ts): find the head (the last
 * Dense leaf layer, or a layer named by its tfjs name or its TF-Keras name), rebuild the model
 * from its own topology (`model.toJSON()` → `tf.models.modelFromJSON`) with the head's `units`
 * changed, and compute the features that enter the head (for imprinting).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { kerasLayerNames, leafLayers } from '../variables/layers-adapter.js';
import type { LayerLike, WeightLike } from '../variables/layers-trainable.js';

/** The head of a LayersModel, as {@link findHead} resolves it. */
export interface HeadLayer {
  /** Position among the model's leaf layers (creation order). */
  index: number;
  layer: LayerLike;
  /** TF-Keras name of the layer (`dense_2`). */
  kerasName: string;
  kernel: WeightLike;
  bias: WeightLike | null;
  /** Input width F (kernel `[F, units]`). */
  features: number;
  units: number;
}

const shortName = (w: WeightLike, layer: LayerLike) => (w.originalName.startsWith(layer.name + '/') ? w.originalName.slice(layer.name.length + 1) : w.originalName);

/**
 * The head: the layer named `head` (tfjs name first, then TF-Keras name), else the last Dense leaf layer.
 * @throws InvalidArgumentError `head_not_found`, `head_not_dense`
 */
export function findHead(model: tfl.LayersModel, head?: string): HeadLayer {
  const leaves = leafLayers(model);
  const names = kerasLayerNames(model);
  const dense = leaves.map((l, i) => ({ ...l, i })).filter((l) => l.layer.getClassName() === 'Dense');
  let index: number;
  if (head !== undefined) {
    index = leaves.findIndex((l) => l.layer.name === head);
    if (index < 0) index = names.indexOf(head);
    if (index < 0) {
      throw new InvalidArgumentError('head_not_found', `the model has no layer named "${head}" (Dense layers: ${dense.map((d) => names[d.i] === d.layer.name ? d.layer.name : `${names[d.i]} (tfjs ${d.layer.name})`).join(', ') || 'none'})`, {
        hint: 'name the head by its layer name (model.layers[i].name) or its TF-Keras name, or leave it out for the last Dense layer', details: { head },
      });
    }
  } else {
    if (dense.length === 0) {
      throw new InvalidArgumentError('head_not_found', 'the model has no Dense layer to use as its classifier head', { hint: 'pass head: the name of the layer whose units are the classes' });
    }
    index = dense[dense.length - 1]!.i;
  }
  const layer = leaves[index]!.layer;
  if (layer.getClassName() !== 'Dense') {
    throw new InvalidArgumentError('head_not_dense', `layer ${names[index]} is a ${layer.getClassName()}; a class change rebuilds a Dense head (kernel [features, classes], bias [classes])`, {
      hint: 'name the Dense layer whose units are the classes', details: { head: names[index], className: layer.getClassName() },
    });
  }
  const kernel = layer.weights.find((w) => shortName(w, layer) === 'kernel');
  const bias = layer.weights.find((w) => shortName(w, layer) === 'bias') ?? null;
  const shape = kernel?.read().shape;
  if (!kernel || !shape || shape.length !== 2) {
    throw new InvalidArgumentError('head_not_dense', `layer ${names[index]} has no [features, units] kernel`, { hint: 'build the model (call it once) before changing its classes', details: { head: names[index] } });
  }
  return { index, layer, kerasName: names[index]!, kernel, bias, features: shape[0]!, units: shape[1]! };
}

/** Every layer entry `{class_name: 'Dense', config: {name}}` in a topology, at any nesting depth. */
function denseEntries(node: unknown, name: string, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(node)) {
    for (const x of node) denseEntries(x, name, out);
  } else if (node !== null && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    const config = o['config'] as Record<string, unknown> | undefined;
    if (o['class_name'] === 'Dense' && config && config['name'] === name) out.push(config);
    for (const v of Object.values(o)) denseEntries(v, name, out);
  }
  return out;
}

/**
 * A new model with the same topology (same layer names, initialisers, `trainable` flags) and the
 * head's units set to `units`; fresh weights.
 * @throws InvalidArgumentError `head_not_in_topology`, `bad_topology`
 */
export async function rebuildWithUnits(model: tfl.LayersModel, head: HeadLayer, units: number): Promise<tfl.LayersModel> {
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  const entries = denseEntries(topology, head.layer.name);
  if (entries.length !== 1) {
    throw new InvalidArgumentError('head_not_in_topology', `the model's topology (model.toJSON()) holds ${entries.length} Dense layers named ${head.layer.name}`, {
      hint: 'give the head a unique name (tf.layers.dense({name: …})) and rebuild the model', details: { head: head.kerasName, found: entries.length },
    });
  }
  entries[0]!['units'] = units;
  try {
    return await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tfl.ModelAndWeightsConfig['modelTopology'] });
  } catch (cause) {
    throw new InvalidArgumentError('bad_topology', `tfjs-layers cannot rebuild the model from its own topology: ${(cause as Error).message}`, {
      hint: 'models with custom layers need them registered (tf.serialization.registerClass) before a class change', cause,
    });
  }
}

/**
 * A function from input examples to the features the head sees (the head layer's input), running
 * the body in inference mode. Needs a head with one inbound node.
 * @throws InvalidArgumentError `imprint_unavailable`
 */
export function headFeatures(model: tfl.LayersModel, head: HeadLayer): (x: tf.Tensor[]) => tf.Tensor2D {
  let body: tfl.LayersModel;
  try {
    body = tfl.model({ inputs: model.inputs, outputs: (head.layer as unknown as tfl.layers.Layer).input as tfl.SymbolicTensor });
  } catch (cause) {
    throw new InvalidArgumentError('imprint_unavailable', `the input of head ${head.kerasName} cannot be reached from the model's inputs (${(cause as Error).message})`, {
      hint: 'use newClassInit: "fresh" for a head inside a nested or shared layer', cause,
    });
  }
  return (x) => body.predict(x.length === 1 ? x[0]! : x, { batchSize: 256 }) as tf.Tensor2D;
}
