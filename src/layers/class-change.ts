/**
 * Class change on a LayersModel head — the built-in models' class change (workflows/class-change.ts)
 * for the user's own `tf.sequential` / functional / Keras-converted model. The label list of the
 * model and the new label list give a plan (checkpoint/class-plan.ts); the model is rebuilt from
 * its own topology with the head's `units` set to the new class count, and filled:
 * - every other layer: copied bit for bit;
 * - head columns, by the plan's literal statuses: `kept` and `moved` classes carry their kernel
 *   column and bias; `merged` classes take the mean of their sources' columns and bias = mean + ln k
 *   (their summed probability, see class-plan.ts); `split` and `new` classes start fresh (the new
 *   head's initialiser) or imprinted from examples (`newClassInit: 'imprint'`, class-columns.ts);
 *   `removed` / `merged_away` / `split_away` classes are dropped;
 * - a compiled model's optimizer: the new model is compiled with a new optimizer of the same class
 *   and config, the same loss and metrics; its state is carried (`optimizerState: 'carry'`: body
 *   slots as they were, head slots column by column as the head, class-columns.ts) or starts fresh.
 *   The default carries it when the classes stay the same (reordered), else fresh — the built-in
 *   models' rule (class-slots.ts: carried slots did not reach the target sooner on BANKING77).
 * The model passed in is left as it was (dispose it when done).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { applyClassChange, parseMergeSpec, parseSplitSpec, planClassChange, type ClassChangePlan, type MergeSpec, type SplitSpec } from '../checkpoint/class-plan.js';
import { FIRST_MOMENT_SLOTS, imprintColumns, remapSlotColumns, type NewClassInit } from '../checkpoint/class-columns.js';
import { leafLayers, parametersFromLayersModel } from '../variables/layers-adapter.js';
import { shuffledIndices } from '../models/data/random.js';
import { findHead, headFeatures, rebuildWithUnits, type HeadLayer } from './class-head.js';
import { disposeOptimizerState, optimizerSlotNames, readOptimizerState, writeOptimizerState, type OptimizerState } from './optimizer-state.js';

/** Examples of the new task for `newClassInit: 'imprint'`. */
export interface ImprintExamples {
  /** Model input(s), examples along axis 0. */
  x: tf.Tensor | tf.Tensor[];
  /** Class index in `newClasses` per example: numbers, a 1-D tensor, or one-hot `[n, K]`. */
  labels: ArrayLike<number> | tf.Tensor;
  /** Examples used per new class (default 64). */
  maxPerClass?: number;
  /** Examples for the overall mean feature (default 64). */
  sample?: number;
  /** Seed of the example order (default 0). */
  seed?: number;
}

/** Options of {@link changeClasses}. */
export interface ChangeClassesOptions {
  /** The classes of the model's head, in its output order. */
  oldClasses: readonly string[];
  /** The classes of the new head, in output order. */
  newClasses: readonly string[];
  /** The head layer (tfjs layer name or TF-Keras name); default the last Dense layer. */
  head?: string;
  /** Old classes merged into a new one: `{sources, target}` or `'a,b=c'`. */
  merges?: readonly (MergeSpec | string)[];
  /** An old class split into new ones: `{source, targets}` or `'c=a,b'`. */
  splits?: readonly (SplitSpec | string)[];
  /** How `new` and `split` columns start (default `fresh`). */
  newClassInit?: NewClassInit;
  /** The new task's examples; required for `imprint`. */
  examples?: ImprintExamples;
  /** Optimizer state of a compiled model: `carry` (remapped) or `fresh`; default per the file comment. */
  optimizerState?: 'carry' | 'fresh';
}

/** What {@link changeClasses} did (plain JSON). */
export interface ChangeClassesReport {
  head: { layer: string; name: string; kernel: string; bias: string | null; features: number; oldUnits: number; newUnits: number };
  /** Per new class: `kept` / `moved` / `merged` / `split` / `new`; removed old classes: `removed` / `merged_away` / `split_away`. */
  plan: ClassChangePlan;
  newClassInit: { method: NewClassInit; classes: string[]; imprinted: string[]; examples: number };
  /** Weights copied bit for bit (TF-Keras names). */
  copied: string[];
  /** `null` for a model that was not compiled. */
  optimizer: null | { className: string; state: 'carried' | 'fresh'; iterations: number; restored: string[]; remapped: string[] };
}

const toMerge = (m: MergeSpec | string) => (typeof m === 'string' ? parseMergeSpec(m) : m);
const toSplit = (s: SplitSpec | string) => (typeof s === 'string' ? parseSplitSpec(s) : s);
const asVariable = (w: { read(): tf.Tensor }) => w.read() as tf.Variable;

function labelIndices(labels: ImprintExamples['labels'], count: number, classes: number): Int32Array {
  let out: Int32Array;
  if (labels instanceof tf.Tensor) {
    out = tf.tidy(() => (labels.rank === 2 ? tf.argMax(labels, -1) : labels).toInt().dataSync() as Int32Array);
  } else out = Int32Array.from(labels);
  const bad = out.findIndex((v) => !(v >= 0 && v < classes));
  if (out.length !== count || bad >= 0) {
    throw new InvalidArgumentError('bad_labels', out.length !== count ? `${out.length} labels for ${count} examples` : `label ${out[bad]} of example ${bad} is not a class index of the ${classes} new classes`, {
      hint: 'give one label per example: its index in newClasses (or a one-hot [n, classes] tensor)',
    });
  }
  return out;
}

/** Mean of the head's input features over examples `idx`. */
function meanFeatures(features: (x: tf.Tensor[]) => tf.Tensor2D, xs: tf.Tensor[], idx: Int32Array): Float32Array {
  return tf.tidy(() => {
    const at = tf.tensor1d(idx, 'int32');
    return tf.mean(features(xs.map((t) => tf.gather(t, at))), 0).dataSync() as Float32Array;
  });
}

/** Imprint the plan's new/split columns into W/B from the examples (see class-columns.ts). */
function imprint(model: tfl.LayersModel, head: HeadLayer, plan: ClassChangePlan, W: Float32Array, B: Float32Array, ex: ImprintExamples): { imprinted: string[]; examples: number } {
  const xs = Array.isArray(ex.x) ? ex.x : [ex.x];
  const count = xs[0]?.shape[0] ?? 0;
  const labels = labelIndices(ex.labels, count, plan.newClasses.length);
  const features = headFeatures(model, head);
  const order = shuffledIndices(count, ex.seed ?? 0);
  const sample = order.slice(0, Math.min(count, ex.sample ?? 64));
  const mu = meanFeatures(features, xs, sample);
  let examples = sample.length;
  const classMeans = new Map<number, Float32Array>();
  for (const slot of plan.slots.filter((s) => s.from.length === 0)) {
    const idx = Int32Array.from([...order].filter((i) => labels[i] === slot.index).slice(0, ex.maxPerClass ?? 64));
    if (idx.length === 0) continue;
    classMeans.set(slot.index, meanFeatures(features, xs, idx));
    examples += idx.length;
  }
  const set = new Set(imprintColumns(plan, W, B, head.features, mu, classMeans));
  return { imprinted: plan.slots.filter((s) => set.has(s.index)).map((s) => s.name), examples };
}

/** A new optimizer of the same class and config as `optimizer` (tfjs `Serializable.fromConfig`). */
function sameOptimizer(optimizer: tf.Optimizer): tf.Optimizer {
  const cls = optimizer.constructor as tf.serialization.SerializableConstructor<tf.Optimizer>;
  return cls.fromConfig(cls, optimizer.getConfig());
}

/**
 * Rebuild a LayersModel with its classifier head changed from `oldClasses` to `newClasses`,
 * rows handled per the file comment. Returns the new model and the report.
 * @example
 * const { model: m2, report } = await changeClasses(model, { oldClasses: ['cat', 'dog', 'fox'], newClasses: ['cat', 'canine', 'owl'], merges: ['dog,fox=canine'] });
 * m2.compile(…); await m2.fit(x, y, …);
 * @throws InvalidArgumentError `head_not_found`, `head_not_dense`, `class_count_mismatch`, `head_feeds_weights`,
 *   `imprint_needs_examples`, `bad_labels`, and the plan's codes (`duplicate_class`, `merge_source_unknown`, …).
 */
export async function changeClasses(model: tfl.LayersModel, options: ChangeClassesOptions): Promise<{ model: tfl.LayersModel; report: ChangeClassesReport }> {
  const head = findHead(model, options.head);
  if (options.oldClasses.length !== head.units) {
    throw new InvalidArgumentError('class_count_mismatch', `${options.oldClasses.length} old class names for head ${head.kerasName} with ${head.units} units`, {
      hint: 'oldClasses lists the classes of the model as it is, in output order', details: { head: head.kerasName, units: head.units, oldClasses: options.oldClasses.length },
    });
  }
  const plan = planClassChange(options.oldClasses, options.newClasses, { merges: (options.merges ?? []).map(toMerge), splits: (options.splits ?? []).map(toSplit) });
  const method = options.newClassInit ?? 'fresh';
  const needImprint = method === 'imprint' && plan.kind === 'changed' && plan.slots.some((s) => s.from.length === 0) && plan.slots.some((s) => s.from.length > 0);
  if (needImprint && !options.examples) {
    throw new InvalidArgumentError('imprint_needs_examples', `imprinting ${plan.slots.filter((s) => s.from.length === 0).length} new classes needs examples of them`, { hint: 'pass examples: {x, labels} (labels as indices in newClasses), or newClassInit: "fresh"' });
  }
  const next = await rebuildWithUnits(model, head, plan.newClasses.length);
  try {
    const oldLeaves = leafLayers(model);
    const newLeaves = leafLayers(next);
    const drift = oldLeaves.findIndex(({ layer }, i) => newLeaves[i]?.layer.getClassName() !== layer.getClassName() || newLeaves[i]!.layer.weights.length !== layer.weights.length);
    if (drift >= 0 || newLeaves.length !== oldLeaves.length) {
      throw new InvalidArgumentError('bad_topology', `the model rebuilt from its own topology differs from it at layer ${drift >= 0 ? oldLeaves[drift]!.layer.name : newLeaves.length} (${oldLeaves.length} vs ${newLeaves.length} layers)`, {
        hint: 'a layer does not serialise all of its state (custom layer?); change the head in code', details: { layer: drift >= 0 ? oldLeaves[drift]!.layer.name : null },
      });
    }
    const oldNames = parametersFromLayersModel(model);
    const kerasOf = new Map(oldNames.toArray().map((p) => [p.variable, p.name] as const));
    const pairs: { from: tf.Variable; to: tf.Variable }[] = [];
    oldLeaves.forEach(({ layer }, i) => {
      if (i === head.index) return;
      const to = newLeaves[i]!.layer;
      layer.weights.forEach((w, j) => {
        const a = asVariable(w);
        const b = asVariable(to.weights[j]!);
        if (!tf.util.arraysEqual(a.shape, b.shape)) {
          throw new InvalidArgumentError('head_feeds_weights', `weight ${kerasOf.get(a) ?? w.originalName} [${a.shape}] after head ${head.kerasName} is sized by the head's units (it would become [${b.shape}])`, {
            hint: 'change classes on the last layer with weights (the one whose units are the classes)', details: { head: head.kerasName, weight: kerasOf.get(a) ?? w.originalName },
          });
        }
        pairs.push({ from: a, to: b });
      });
    });
    for (const p of pairs) p.to.assign(p.from);
    // the head: kept / moved / merged columns from the old head, the others fresh or imprinted
    const newHead = { ...head, layer: newLeaves[head.index]!.layer };
    newHead.kernel = newHead.layer.weights.find((w) => w.originalName.endsWith('/kernel'))!;
    newHead.bias = head.bias ? newHead.layer.weights.find((w) => w.originalName.endsWith('/bias'))! : null;
    const oldW = asVariable(head.kernel).dataSync() as Float32Array;
    const oldB = head.bias ? (asVariable(head.bias).dataSync() as Float32Array) : new Float32Array(head.units);
    const freshB = newHead.bias ? (asVariable(newHead.bias).dataSync() as Float32Array) : new Float32Array(plan.newClasses.length);
    const { weights, biases } = applyClassChange(plan, oldW, oldB, asVariable(newHead.kernel).dataSync() as Float32Array, freshB);
    const init = needImprint ? imprint(next, newHead, plan, weights, biases, options.examples!) : { imprinted: [], examples: 0 };
    tf.tidy(() => {
      asVariable(newHead.kernel).assign(tf.tensor(weights, asVariable(newHead.kernel).shape, 'float32'));
      if (newHead.bias) asVariable(newHead.bias).assign(tf.tensor(biases, asVariable(newHead.bias).shape, 'float32'));
    });
    const optimizer = await moveOptimizer(model, next, plan, head, newHead, pairs, options.optimizerState ?? (plan.kind === 'changed' ? 'fresh' : 'carry'), kerasOf);
    parametersFromLayersModel(next); // frozen BatchNorm layers of the copy run in inference mode too
    const report: ChangeClassesReport = {
      head: { layer: head.layer.name, name: head.kerasName, kernel: kerasOf.get(asVariable(head.kernel))!, bias: head.bias ? kerasOf.get(asVariable(head.bias))! : null, features: head.features, oldUnits: head.units, newUnits: plan.newClasses.length },
      plan,
      newClassInit: { method, classes: plan.slots.filter((s) => s.from.length === 0).map((s) => s.name), ...init },
      copied: pairs.map((p) => kerasOf.get(p.from) ?? p.from.name),
      optimizer,
    };
    return { model: next, report };
  } catch (e) {
    next.dispose();
    throw e;
  }
}

/** Compile `next` like `model` and carry or reset the optimizer state (see the file comment). */
async function moveOptimizer(
  model: tfl.LayersModel, next: tfl.LayersModel, plan: ClassChangePlan, head: HeadLayer, newHead: HeadLayer,
  pairs: { from: tf.Variable; to: tf.Variable }[], mode: 'carry' | 'fresh', kerasOf: Map<tf.Variable, string>,
): Promise<ChangeClassesReport['optimizer']> {
  const optimizer = model.optimizer as tf.Optimizer | undefined;
  if (!optimizer || model.loss === undefined) return null;
  const fresh = sameOptimizer(optimizer);
  next.compile({ optimizer: fresh, loss: model.loss, ...(model.metrics !== undefined ? { metrics: model.metrics } : {}) });
  const out = { className: optimizer.getClassName(), state: 'fresh' as 'carried' | 'fresh', iterations: 0, restored: [] as string[], remapped: [] as string[] };
  if (mode === 'fresh') return out;
  optimizerSlotNames(optimizer); // refuses an optimizer whose state tfjs cannot hand out
  const saved = await readOptimizerState(model);
  const state: OptimizerState = { className: saved.className, iterations: saved.iterations, slots: new Map() };
  try {
    for (const p of pairs) {
      const s = saved.slots.get(p.from.name);
      if (!s) continue;
      state.slots.set(p.to.name, new Map([...s].map(([k, t]) => [k, tf.clone(t)] as const)));
      for (const k of s.keys()) out.restored.push(`${kerasOf.get(p.from) ?? p.from.name}/${k}`);
    }
    for (const [w, nw, rows] of [[head.kernel, newHead.kernel, head.features], [head.bias, newHead.bias, 1]] as const) {
      if (!w || !nw) continue;
      const s = saved.slots.get(asVariable(w).name);
      if (!s) continue;
      const m = new Map<string, tf.Tensor>();
      for (const [k, t] of s) {
        m.set(k, tf.tensor(remapSlotColumns(plan, t.dataSync() as Float32Array, rows, FIRST_MOMENT_SLOTS.has(k)), asVariable(nw).shape, 'float32'));
        out.remapped.push(`${kerasOf.get(asVariable(w)) ?? w.originalName}/${k}`);
      }
      state.slots.set(asVariable(nw).name, m);
    }
    await writeOptimizerState(next, state);
  } finally {
    disposeOptimizerState(saved);
    disposeOptimizerState(state);
  }
  return { ...out, state: 'carried', iterations: saved.iterations };
}
