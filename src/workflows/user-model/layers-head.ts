/**
 * The classifier head of a user's tf.LayersModel for the CLI: the layer producing the model's
 * (single) output must be a Dense (`[features, classes]` kernel, one column per class — TF's
 * layout, so workflows/class-plan.ts applies as is). `withHeadUnits` rebuilds the model from its
 * topology with a head of another width (fresh head weights from its initializer, every other
 * layer's weights copied by layer name), what timm's `reset_classifier` does for its models.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../errors.js';
import { applyClassChange, type ClassChangePlan } from '../class-plan.js';

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

function rename(config: unknown, name: string, units: number): number {
  let n = 0;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) { v.forEach(walk); return; }
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const c = o.config as Record<string, unknown> | undefined;
    if (o.class_name === 'Dense' && c && c.name === name) { c.units = units; n++; return; }
    Object.values(o).forEach(walk);
  };
  walk(config);
  return n;
}

/**
 * A copy of `model` whose head has `units` outputs; other layers' weights are copied, the head's
 * are fresh. The old model is left as it is (dispose it when done).
 */
export async function withHeadUnits(model: tfl.LayersModel, units: number): Promise<tfl.LayersModel> {
  const head = headLayer(model);
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  if (rename(topology, head.name, units) !== 1) {
    throw new InvalidArgumentError('head_not_found', `the head "${head.name}" is not in the model's topology once`, { hint: 'give the head layer a unique name' });
  }
  const next = await tfl.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  const byName = new Map(model.layers.map((l) => [l.name, l] as const));
  for (const l of next.layers) {
    if (l.name === head.name) continue;
    const old = byName.get(l.name);
    if (old && old.weights.length) l.setWeights(old.getWeights());
  }
  return next;
}

/**
 * Apply a class-change plan to a model whose head has `plan.oldClasses.length` units: returns a
 * model with `plan.newClasses.length` units whose kept / moved classes keep their head column,
 * merged ones start from the mean of their sources (class-plan.ts), new and split ones from the
 * fresh initializer; the body is copied.
 */
export async function changeHeadClasses(model: tfl.LayersModel, plan: ClassChangePlan): Promise<tfl.LayersModel> {
  const head = headLayer(model);
  const [oldW, oldB] = head.getWeights();
  if (!oldW || !oldB) throw new InvalidArgumentError('head_without_bias', `the head "${head.name}" has no bias`, { hint: 'use a Dense head with use_bias' });
  if (oldW.shape[1] !== plan.oldClasses.length) {
    throw new InvalidArgumentError('head_shape_mismatch', `the head "${head.name}" has ${oldW.shape[1]} units but the checkpoint lists ${plan.oldClasses.length} classes`, { hint: 'the .meta.json labels do not belong to this model' });
  }
  const next = await withHeadUnits(model, plan.newClasses.length);
  const nhead = headLayer(next);
  const [freshW, freshB] = nhead.getWeights();
  const out = applyClassChange(plan, oldW.dataSync() as Float32Array, oldB.dataSync() as Float32Array, freshW!.dataSync() as Float32Array, freshB!.dataSync() as Float32Array);
  nhead.setWeights([tf.tensor(out.weights, freshW!.shape), tf.tensor(out.biases, freshB!.shape)]);
  return next;
}
