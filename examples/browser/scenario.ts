/**
 * The computations of the browser example, free of the page and of Node: the same functions run
 * in the page (bundled by examples/browser/build.mjs) and in Node (test/browser/page.test.ts
 * computes the Node figures the page must match, on the same data and seed).
 *
 * 1. restore the TF1 Estimator CNN (test/fixtures/tf1-bundle/hsbarker-estimator-cnn-adam) into a
 *    tfjs-layers model through a restore plan, from a path or an http(s) URL;
 * 2. features-mode transfer: the frozen body's 392 features computed once, a new head over digits
 *    0–8 trained on a few examples per class (Graft's AdamOptimizer, the affine head step);
 * 3. a class change: digit 9 added to that head with the workflows' class-change code
 *    (planClassChange / applyClassChange: kept columns copied, the new one fresh), then trained on
 *    a few examples of every class; then 4 and 9 merged into one class by the plan alone.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../../src/errors.js';
import { planRestore, type RestorePlan } from '../../src/checkpoint/restore-plan.js';
import { executeRestorePlan } from '../../src/checkpoint/execute-plan.js';
import { formatRestorePlan } from '../../src/checkpoint/format-report.js';
import { openCheckpoint } from '../../src/formats/open.js';
import { subset, type ExampleSet } from '../../src/models/data/example-set.js';
import { shuffledIndices } from '../../src/models/data/random.js';
import { ESTIMATOR_CNN_FEATURES, estimatorCnnLayersModel, layersModelAccuracy } from '../../src/models/tf-estimator-cnn.js';
import { AdamOptimizer } from '../../src/train/optimizers.js';
import { linearHeadStep } from '../../src/train/linear-head-step.js';
import { newVariable } from '../../src/variables/create.js';
import { parametersFromLayersModel } from '../../src/variables/layers-adapter.js';
import { ParameterSet } from '../../src/variables/parameter-set.js';
import { applyClassChange, planClassChange, type ClassChangePlan, type MergeSpec } from '../../src/workflows/class-plan.js';
import { fit } from '../../src/workflows/fit.js';

/** The settings both runs (page and Node) use; change them in one place. */
export const SCENARIO = {
  /** Digits of the first head (features-mode transfer). */
  transferDigits: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  /** The class the class change adds. */
  addedDigit: 9,
  /** Training examples per class, drawn from train10k with `seed`. */
  perClass: 10,
  seed: 0,
  epochs: 40,
  learningRate: 0.01,
  batchSize: 32,
} as const;

/** The restored model and what the plan said. */
export interface RestoredCnn {
  model: tfl.LayersModel;
  plan: RestorePlan;
  /** The plan as `graft restore-plan` prints it. */
  report: string;
}

/**
 * Build the Estimator CNN and restore it from `prefix` (a checkpoint path or URL) through a
 * restore plan. The checkpoint is opened once, lazily, and the plan is made and executed on that
 * reader (over HTTP: the index, then one Range request per restored tensor).
 */
export async function restoreEstimatorCnn(prefix: string): Promise<RestoredCnn> {
  const model = estimatorCnnLayersModel();
  const reader = await openCheckpoint(prefix);
  try {
    const plan = await planRestore(parametersFromLayersModel(model), reader);
    await executeRestorePlan(plan);
    return { model, plan, report: formatRestorePlan(plan) };
  } finally {
    await reader.close();
  }
}

/** Correct predictions of the restored model on `set` (the Node test asserts 9884 of the 10,000 test digits). */
export function correctCount(model: tfl.LayersModel, set: ExampleSet): number {
  return Math.round(layersModelAccuracy(model, set) * set.count);
}

/** The frozen body (everything up to the flattened features) as its own model, sharing the weights. */
export function bodyOf(model: tfl.LayersModel): tfl.LayersModel {
  const flatten = model.layers.find((l) => l.getClassName() === 'Flatten')!;
  return tfl.model({ inputs: model.inputs, outputs: flatten.output as tfl.SymbolicTensor });
}

/** The body's features of every example of `set`, as an ExampleSet of `[392]` vectors with the same labels. */
export function featuresOf(body: tfl.LayersModel, set: ExampleSet): ExampleSet {
  const width = ESTIMATOR_CNN_FEATURES;
  const out = new Float32Array(set.count * width);
  for (let s = 0; s < set.count; s += 500) {
    const n = Math.min(500, set.count - s);
    const f = tf.tidy(() => (body.predict(tf.tensor4d(set.x.subarray(s * 784, (s + n) * 784), [n, 28, 28, 1])) as tf.Tensor).dataSync() as Float32Array);
    out.set(f, s * width);
  }
  return { x: out, exampleShape: [width], labels: set.labels, classNames: set.classNames, count: set.count };
}

/**
 * The examples of `digits` in `set` (labels = digit values), relabelled 0..k-1 in the order given:
 * the first `perClass` of each digit in a seeded shuffle, or all of them without `perClass`.
 */
export function digitsSubset(set: ExampleSet, digits: readonly number[], options: { perClass?: number; seed?: number } = {}): ExampleSet {
  const order = options.seed === undefined ? Int32Array.from({ length: set.count }, (_, i) => i) : shuffledIndices(set.count, options.seed);
  const taken = new Map<number, number>(digits.map((d) => [d, 0]));
  const picked: number[] = [];
  for (const i of order) {
    const d = set.labels[i]!;
    const n = taken.get(d);
    if (n === undefined || (options.perClass !== undefined && n >= options.perClass)) continue;
    taken.set(d, n + 1);
    picked.push(i);
  }
  if (options.perClass !== undefined) picked.sort((a, b) => a - b);
  const out = subset(set, picked);
  const labelOf = new Map(digits.map((d, k) => [d, k] as const));
  out.labels = Int32Array.from(out.labels, (d) => labelOf.get(d)!);
  out.classNames = digits.map(String);
  return out;
}

/** A head's values: `weights` `[392, K]` row-major (one column per class), `biases` `[K]`. */
export interface HeadValues {
  classNames: string[];
  weights: Float32Array;
  biases: Float32Array;
}

/** What training a head did. */
export interface HeadTraining {
  head: HeadValues;
  accuracy: number;
  steps: number;
  /** Mean seconds of one epoch of head steps (evaluation excluded). */
  epochSeconds: number;
  /** Seconds of each epoch's head steps. */
  perEpoch: number[];
}

/** Options of {@link trainHead}. */
export interface TrainHeadOptions {
  /** `features` (default): `train`/`test` hold features; `freeze`: they hold images and every step runs `body` first. */
  mode?: 'features' | 'freeze';
  /** freeze mode: inputs → features `[batch, featureWidth]`. */
  body?: (x: tf.Tensor) => tf.Tensor2D;
  /** Default 392 (the Estimator CNN's). */
  featureWidth?: number;
  /** Start values (default zeros: a softmax regression's usual start). */
  init?: HeadValues;
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  /** Evaluate only at the end (default true; fit evaluates after every epoch when false). */
  evalAtEndOnly?: boolean;
}

/** Train an affine softmax head `[F, K]` on `train` with Graft's Adam and the affine head step; accuracy on `test`. */
export async function trainHead(train: ExampleSet, test: ExampleSet, options: TrainHeadOptions = {}): Promise<HeadTraining> {
  const k = train.classNames.length;
  const F = options.featureWidth ?? ESTIMATOR_CNN_FEATURES;
  const params = new ParameterSet();
  const w = newVariable('head/kernel', options.init ? tf.tensor2d(options.init.weights, [F, k]) : tf.zeros([F, k]));
  const b = newVariable('head/bias', options.init ? tf.tensor1d(options.init.biases) : tf.zeros([k]));
  params.add('head/kernel', w);
  params.add('head/bias', b);
  const optimizer = new AdamOptimizer(params, { learningRate: options.learningRate ?? SCENARIO.learningRate });
  const freeze = options.mode === 'freeze';
  if (freeze && !options.body) throw new InvalidArgumentError('freeze_needs_body', 'trainHead: freeze mode runs the body on every step, and no body was given', { hint: 'pass options.body (inputs → features), or use mode features with precomputed features' });
  const featuresOfBatch = (x: tf.Tensor): tf.Tensor2D => (freeze ? options.body!(x) : (x as tf.Tensor2D));
  const forward = (inputs: { x: tf.Tensor }) => tf.add(tf.matMul(featuresOfBatch(inputs.x), w), b) as tf.Tensor2D;
  try {
    const report = await fit(forward, train, {
      optimizer,
      varList: params,
      epochs: options.epochs ?? SCENARIO.epochs,
      batchSize: options.batchSize ?? SCENARIO.batchSize,
      seed: options.seed ?? SCENARIO.seed,
      trainStep: (batch) => {
        const x = freeze ? tf.tidy(() => featuresOfBatch(batch.inputs.x)) : (batch.inputs.x as tf.Tensor2D);
        try {
          return linearHeadStep(optimizer, x, batch.labels, w, b);
        } finally {
          if (freeze) x.dispose();
        }
      },
      ...(options.evalAtEndOnly === false ? { evalSet: test } : {}),
    });
    const accuracy = options.evalAtEndOnly === false ? report.final!.accuracy : headAccuracy(forward, test);
    const head = { classNames: [...train.classNames], weights: Float32Array.from(w.dataSync() as Float32Array), biases: Float32Array.from(b.dataSync() as Float32Array) };
    const epochs = report.epochSeconds.length || 1;
    return { head, accuracy, steps: report.steps, epochSeconds: report.epochSeconds.reduce((a, s) => a + s, 0) / epochs, perEpoch: [...report.epochSeconds] };
  } finally {
    for (const v of [w, b, ...optimizer.variables().toArray().map((p) => p.variable)]) v.dispose();
  }
}

function headAccuracy(forward: (inputs: { x: tf.Tensor }) => tf.Tensor2D, set: ExampleSet): number {
  const per = set.exampleShape.reduce((a, d) => a * d, 1);
  let correct = 0;
  for (let s = 0; s < set.count; s += 500) {
    const n = Math.min(500, set.count - s);
    const pred = tf.tidy(() => forward({ x: tf.tensor(set.x.subarray(s * per, (s + n) * per), [n, ...set.exampleShape]) }).argMax(1).dataSync());
    for (let i = 0; i < n; i++) if (pred[i] === set.labels[s + i]) correct++;
  }
  return correct / set.count;
}

/** Accuracy of the affine head `head` on a set of features (labels index `head.classNames`). */
export function headValuesAccuracy(head: HeadValues, set: ExampleSet): number {
  const k = head.classNames.length;
  const w = tf.tensor2d(head.weights, [head.weights.length / k, k]);
  const b = tf.tensor1d(head.biases);
  try {
    return headAccuracy((inputs) => tf.add(tf.matMul(inputs.x as tf.Tensor2D, w), b) as tf.Tensor2D, set);
  } finally {
    tf.dispose([w, b]);
  }
}

/**
 * The class changes of the example: the head's classes → `newClasses`, through the workflows'
 * plan (`merges` as `--merge a,b=c`); fresh columns start at zero.
 */
export function changeClasses(head: HeadValues, newClasses: string[], merges: MergeSpec[] = []): { plan: ClassChangePlan; head: HeadValues } {
  const plan = planClassChange(head.classNames, newClasses, { merges });
  const k = newClasses.length;
  const { weights, biases } = applyClassChange(plan, head.weights, head.biases, new Float32Array(ESTIMATOR_CNN_FEATURES * k), new Float32Array(k));
  return { plan, head: { classNames: [...newClasses], weights, biases } };
}

/** Everything the example computes, as plain data (what the page shows and the test compares). */
export interface ScenarioResult {
  restore: { summary: RestorePlan['summary']; report: string; correct: number; testDigits: number };
  transfer: { classes: string[]; trainExamples: number; testExamples: number; accuracy: number; steps: number; epochMs: number };
  classChange: { summary: Record<string, number>; statuses: string[]; trainExamples: number; testExamples: number; accuracy: number; steps: number };
  /** Then 4 and 9 merged into one class by the plan's rule alone (mean column, bias + ln 2), no training. */
  merge: { summary: Record<string, number>; classes: string[]; testExamples: number; accuracy: number };
}

/** The data the scenario needs: MNIST train10k and the official test set, labels = digit values. */
export interface ScenarioData {
  train: ExampleSet;
  test: ExampleSet;
}

/** Run steps 1–3 of the file comment on `data` from the checkpoint at `prefix`; returns the model and the final head too. */
export async function runScenario(prefix: string, data: ScenarioData): Promise<{ result: ScenarioResult; restored: RestoredCnn; head: HeadValues }> {
  const restored = await restoreEstimatorCnn(prefix);
  const correct = correctCount(restored.model, data.test);
  const body = bodyOf(restored.model);
  const testFeatures = featuresOf(body, data.test);
  const s = SCENARIO;
  const few = digitsSubset(data.train, s.transferDigits, { perClass: s.perClass, seed: s.seed });
  const testT = digitsSubset(testFeatures, s.transferDigits);
  const t = await trainHead(featuresOf(body, few), testT);
  const all = [...s.transferDigits, s.addedDigit];
  const change = changeClasses(t.head, all.map(String));
  const few2 = digitsSubset(data.train, all, { perClass: s.perClass, seed: s.seed });
  const testAll = digitsSubset(testFeatures, all);
  const c = await trainHead(featuresOf(body, few2), testAll, { init: change.head });
  // a merge: 4 and 9 (the pair the digits head confuses most) become one class, no examples needed
  const mergedClasses = ['0', '1', '2', '3', '4|9', '5', '6', '7', '8'];
  const merged = changeClasses(c.head, mergedClasses, [{ sources: ['4', '9'], target: '4|9' }]);
  const newIndex = (d: number) => (d === 4 || d === 9 ? 4 : mergedClasses.indexOf(String(d)));
  const testMerged: ExampleSet = { ...testFeatures, labels: Int32Array.from(testFeatures.labels, newIndex), classNames: mergedClasses };
  const mergedAccuracy = headValuesAccuracy(merged.head, testMerged);
  const result: ScenarioResult = {
    restore: { summary: restored.plan.summary, report: restored.report, correct, testDigits: data.test.count },
    transfer: { classes: t.head.classNames, trainExamples: few.count, testExamples: testT.count, accuracy: t.accuracy, steps: t.steps, epochMs: 1000 * t.epochSeconds },
    classChange: { summary: change.plan.summary, statuses: change.plan.slots.map((x) => `${x.name}:${x.status}`), trainExamples: few2.count, testExamples: testAll.count, accuracy: c.accuracy, steps: c.steps },
    merge: { summary: merged.plan.summary, classes: mergedClasses, testExamples: testMerged.count, accuracy: mergedAccuracy },
  };
  return { result, restored, head: c.head };
}
