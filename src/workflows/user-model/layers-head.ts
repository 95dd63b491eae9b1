/**
 * The classifier head of a user's tf.LayersModel for the CLI: the layer producing the model's
 * (single) output must be a Dense (`[features, classes]` kernel, one column per class — TF's
 * layout, so layers/class-change.ts applies as is). `withHeadUnits` rebuilds the model with a
 * head of another width (fresh head weights from its initializer, every other layer's weights
 * copied by layer name), what timm's `reset_classifier` does for its models.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';
import { findHead, rebuildWithUnits } from '../../layers/class-head.js';

/** The Dense layer producing the model's output. */
export function headLayer(model: tfl.LayersModel): tfl.layers.Layer {
  if (model.outputs.length !== 1) {
    throw new InvalidArgumentError('unsupported_model_output', `the model has ${model.outputs.length} outputs; a classifier for --data has one`, { hint: 'train a single-output classifier' });
  }
  const layer = model.outputs[0]!.sourceLayer as tfl.layers.Layer;
  if (layer.getClassName() !== 'Dense') {
    throw new InvalidArgumentError('head_not_dense', `the model's output layer "${layer.name}" is a ${layer.getClassName()}, not a Dense`, {
      hint: 'end the model with a Dense layer of one unit per class (softmax or no activation)', details: { layer: layer.name, className: layer.getClassName() },
    });
  }
  return layer;
}

/** The head's width (classes). */
export function headUnits(model: tfl.LayersModel): number {
  return Number(headLayer(model).getConfig().units);
}

/** How the head turns into probabilities: `softmax`, or `linear` (logits). Others are refused. */
export function headActivation(model: tfl.LayersModel): 'softmax' | 'linear' {
  const a = String(headLayer(model).getConfig().activation ?? 'linear');
  if (a === 'softmax' || a === 'linear') return a;
  throw new InvalidArgumentError('unsupported_head_activation', `the head "${headLayer(model).name}" has activation ${a}; a classifier head is softmax (probabilities) or linear (logits)`, {
    hint: 'end the model with Dense(numClasses, softmax) or Dense(numClasses) without activation', details: { activation: a },
  });
}

/**
 * A copy of `model` whose head has `units` outputs (rebuilt from its topology: layers/class-head.ts);
 * other layers' weights are copied, the head's are fresh. The old model is left as it is.
 */
export async function withHeadUnits(model: tfl.LayersModel, units: number): Promise<tfl.LayersModel> {
  const head = headLayer(model);
  const next = await rebuildWithUnits(model, findHead(model, head.name), units);
  const byName = new Map(model.layers.map((l) => [l.name, l] as const));
  for (const l of next.layers) {
    if (l.name === head.name) continue;
    const old = byName.get(l.name);
    if (old && old.weights.length) l.setWeights(old.getWeights());
  }
  return next;
}
