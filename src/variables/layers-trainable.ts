/**
 * One freezing truth for a tfjs-layers `LayersModel`: the trainable flag of an adapted parameter
 * *is* its layer's `layer.trainable` (and its weight's own flag, and every enclosing model's flag),
 * read live; freezing through Graft (`ParameterSet.freeze`, `transferCommon({freeze})`) sets
 * `layer.trainable`, which is what `model.fit` obeys.
 *
 * Keras rules reproduced:
 * - `trainable` is a property of a layer, not of one of its weights: a selection that covers part
 *   of a layer's trainable weights is refused (`partial_layer_freeze`) before anything changes.
 * - A frozen `BatchNormalization` runs in inference mode — moving statistics stay as they are and
 *   the layer normalises with them (TF-Keras `BatchNormalization._get_training_value`: "if not
 *   self.trainable: training = False", keras/layers/normalization/batch_normalization.py). tfjs-layers
 *   4.x does not do this (its `call` reads only `kwargs.training`), so the adapter wraps each BN
 *   layer's `call` once to pass `training: false` while the layer (or a model enclosing it) is frozen.
 * - A trainable change takes effect in `fit` only after `compile` (Keras and tfjs both collect the
 *   trainable weights at compile time). A model already compiled is recompiled here with its own
 *   optimizer (state kept), loss and metrics, so the change cannot be forgotten.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import type { Parameter, TrainableControl } from './parameter-set.js';

/** The parts of a tfjs-layers Layer the adapter uses (public API only). */
export interface LayerLike {
  name: string;
  trainable: boolean;
  getClassName(): string;
  weights: WeightLike[];
  trainableWeights: WeightLike[];
  layers?: LayerLike[];
  call?: unknown;
}

/** A tfjs-layers `LayerVariable`. */
export interface WeightLike {
  originalName: string;
  name: string;
  trainable: boolean;
  read(): tf.Tensor;
}

interface Owner {
  layer: LayerLike;
  weight: WeightLike;
  /** Enclosing nested models, outermost first. */
  ancestors: LayerLike[];
  /** Keras name of the layer, for messages. */
  layerName: string;
}

const patchedBatchNorms = new WeakSet<object>();

/** Models whose optimizer state is being realigned around a trainable change (layers/freeze.ts). */
export const REALIGNING_OPTIMIZER = new WeakSet<object>();

/** Whether a layer runs frozen: its own flag or any enclosing model's is off. */
function frozen(owner: Pick<Owner, 'layer' | 'ancestors'>): boolean {
  return !owner.layer.trainable || owner.ancestors.some((a) => !a.trainable);
}

/**
 * Make a BatchNormalization layer run in inference mode while frozen (see the file comment).
 * Idempotent; other layers are left alone.
 */
export function patchFrozenBatchNorm(layer: LayerLike, ancestors: readonly LayerLike[] = []): void {
  if (layer.getClassName() !== 'BatchNormalization' || patchedBatchNorms.has(layer)) return;
  const bn = layer as unknown as { call: (inputs: unknown, kwargs: Record<string, unknown>) => unknown };
  const original = bn.call.bind(layer);
  bn.call = (inputs, kwargs) => original(inputs, frozen({ layer, ancestors: [...ancestors] }) ? { ...kwargs, training: false } : kwargs);
  patchedBatchNorms.add(layer);
}

/** The weights of a layer that follow `layer.trainable` (its trainable weights when the layer is trainable). */
function layerTrainableWeights(layer: LayerLike): WeightLike[] {
  if (layer.trainable) return layer.trainableWeights;
  // tfjs lists no trainable weights for a frozen layer; flip it on to read them, then back.
  layer.trainable = true;
  const ws = layer.trainableWeights;
  layer.trainable = false;
  return ws;
}

/** The control the layers adapter installs on every parameter of one LayersModel. */
export class LayersTrainableControl implements TrainableControl {
  private readonly owners = new Map<Parameter, Owner>();
  private readonly capable = new Map<LayerLike, Set<WeightLike>>();

  constructor(private readonly model: LayersModel) {}

  /** A parameter object whose `trainable` reads and writes through the layer. */
  parameter(name: string, variable: tf.Variable, owner: Owner): Parameter {
    if (!this.capable.has(owner.layer)) this.capable.set(owner.layer, new Set(layerTrainableWeights(owner.layer)));
    const control = this;
    const param = {
      name,
      variable,
      control,
      get trainable(): boolean {
        return owner.weight.trainable && !frozen(owner);
      },
      set trainable(value: boolean) {
        control.setTrainable([param], value);
      },
    } as Parameter;
    this.owners.set(param, owner);
    return param;
  }

  /** @throws InvalidArgumentError `partial_layer_freeze`, `frozen_by_parent`, `not_trainable_weight` */
  setTrainable(params: readonly Parameter[], value: boolean): void {
    const byLayer = new Map<LayerLike, { owner: Owner; chosen: Set<WeightLike> }>();
    const ignored = new Map<LayerLike, Parameter[]>();
    for (const p of params) {
      const owner = this.owners.get(p);
      if (!owner) continue;
      if (!this.capable.get(owner.layer)!.has(owner.weight)) {
        // a weight the layer updates without gradients (moving_mean): follows the layer, never trainable
        ignored.set(owner.layer, [...(ignored.get(owner.layer) ?? []), p]);
        continue;
      }
      const entry = byLayer.get(owner.layer) ?? { owner, chosen: new Set<WeightLike>() };
      entry.chosen.add(owner.weight);
      byLayer.set(owner.layer, entry);
    }
    for (const [layer, ps] of ignored) {
      if (value && !byLayer.has(layer) && layer.trainable) {
        const owner = this.owners.get(ps[0]!)!;
        throw new InvalidArgumentError('not_trainable_weight', `${ps.map((p) => p.name).join(', ')} ${ps.length > 1 ? 'are not trainable weights' : 'is not a trainable weight'} of layer ${owner.layerName} (a ${layer.getClassName()} updates ${ps.length > 1 ? 'them' : 'it'} without gradients)`, {
          hint: 'unfreeze the layer\'s trainable weights (its whole scope); moving statistics are never trained', details: { names: ps.map((p) => p.name), layer: owner.layerName },
        });
      }
    }
    for (const [layer, { owner, chosen }] of byLayer) {
      const need = [...this.capable.get(layer)!];
      const left = need.filter((w) => !chosen.has(w));
      if (left.length > 0) {
        throw new InvalidArgumentError('partial_layer_freeze', `${value ? 'unfreezing' : 'freezing'} ${chosen.size} of the ${need.length} trainable weights of layer ${owner.layerName} (${layer.getClassName()}); Keras and model.fit freeze whole layers (layer.trainable)`, {
          hint: `select the whole layer: scope "${owner.layerName}" (it also holds ${left.map((w) => shortName(w, layer)).join(', ')})`,
          details: { layer: owner.layerName, selected: chosen.size, trainableWeights: need.length },
        });
      }
      const parent = owner.ancestors.find((a) => !a.trainable);
      if (value && parent) {
        throw new InvalidArgumentError('frozen_by_parent', `layer ${owner.layerName} sits in the frozen nested model ${parent.name}`, {
          hint: `set ${parent.name}.trainable = true first, or unfreeze every layer under it`, details: { layer: owner.layerName, parent: parent.name },
        });
      }
    }
    const optimizer = this.model.optimizer as tf.Optimizer | undefined;
    if (byLayer.size > 0 && optimizer && optimizer.iterations > 0 && !REALIGNING_OPTIMIZER.has(this.model)) {
      // tfjs keeps optimizer slots by position in the trainable list: changing the list mid-training
      // would hand layer A's Adam moments to layer B (see layers/optimizer-state.ts)
      throw new InvalidArgumentError('optimizer_has_state', `the model's ${optimizer.getClassName()} optimizer has taken ${optimizer.iterations} steps and keeps its state by position in the trainable weights; changing which layers train would misplace it`, {
        hint: 'use await freezeLayers(model, …) / unfreezeLayers from graft/layers (they move the state with it), or compile with a fresh optimizer',
        details: { optimizer: optimizer.getClassName(), iterations: optimizer.iterations },
      });
    }
    for (const [layer, { owner }] of byLayer) {
      layer.trainable = value;
      patchFrozenBatchNorm(layer, owner.ancestors);
    }
    if (byLayer.size > 0) recompileIfCompiled(this.model);
  }
}

function shortName(w: WeightLike, layer: LayerLike): string {
  return w.originalName.startsWith(layer.name + '/') ? w.originalName.slice(layer.name.length + 1) : w.originalName;
}

/**
 * Recompile a compiled model with its own optimizer (its state is kept), loss and metrics, so a
 * trainable change reaches `fit` (tfjs collects trainable weights in `compile`,
 * tfjs-layers engine/training.ts `collectedTrainableWeights`).
 */
export function recompileIfCompiled(model: LayersModel): void {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (!optimizer || model.loss === undefined) return;
  model.compile({ optimizer, loss: model.loss, ...(model.metrics !== undefined ? { metrics: model.metrics } : {}) });
}
