/**
 * The seventh scenario of `graft demo`: the route most TF.js users take — a `tf.sequential` CNN
 * trained with `model.fit` on real MNIST digits — with Graft's callbacks from `graft/layers`:
 * checkpoints every epoch with keep-best (weights, Adam's slots, the EMA shadows), TensorBoard event
 * files, an exponential-decay LR schedule at the optimizer's step, moving averages, terminate-on-NaN
 * and early stopping with restore-best. Shown: a run stopped after k epochs and resumed in a fresh
 * model is bit-identical to the run that went through (checked byte for byte); raw vs EMA test
 * accuracy across the run; the cost of the callbacks against a plain `model.fit`; and the run
 * continued from its checkpoint until early stopping ends it.
 */
import { readdir } from '../../io/fs.js';
import { join } from '../../io/path.js';
import { availableParallelism, loadAverage } from '#graft/runtime-host';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  adam, checkpointCallback, disposeOptimizerState, earlyStoppingCallback, learningRateScheduleCallback, movingAverageCallback,
  readOptimizerState, tensorBoardCallback, terminateOnNaN, type CheckpointCallback, type MovingAverageCallback,
} from '../../layers/index.js';
import { readMeta } from '../../checkpoint/meta.js';
import { latestCheckpoint } from '../../checkpoint/state.js';
import { loadMnist } from '../../models/data/mnist.js';
import { readEventFile } from '../../train/summary/event-reader.js';
import { exponentialDecay } from '../../train/schedules.js';
import { emaAcrossRun } from './scenarios-mnist.js';
import { layersModelAccuracy } from './scenario-tf-checkpoint.js';
import type { DemoSize, ScenarioResult } from './types.js';

const pct = (x: number) => Math.round(1000 * x) / 10;
const BATCH = 32;
const LR = 0.005;
const DECAY_RATE = 0.7;

/** The tfjs tutorial's MNIST CNN, seeded initial values: conv2d 8 → max_pooling2d → conv2d 16 → max_pooling2d → flatten → dense 10 softmax. */
function buildCnn(seed: number): tfl.Sequential {
  const glorot = (s: number) => ({ kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + s }) });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: 'relu', ...glorot(1) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu', ...glorot(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax', ...glorot(3) }),
    ],
  });
}

/** Raw and EMA test accuracy every `every` optimizer steps (after the EMA's update of that batch). */
class AccuracyProbe extends tfl.Callback {
  readonly evals: { step: number; accuracy: number; emaAccuracy: number }[] = [];
  constructor(private readonly ema: MovingAverageCallback, private readonly test: { x: Float32Array | Int32Array; labels: Int32Array; count: number }, private readonly every: number) {
    super();
  }
  override async onBatchEnd(): Promise<void> {
    const step = this.model.optimizer.iterations;
    if (step % this.every !== 0) return;
    const accuracy = layersModelAccuracy(this.model, this.test);
    const emaAccuracy = await this.ema.withAverages(() => layersModelAccuracy(this.model, this.test));
    this.evals.push({ step, accuracy, emaAccuracy });
  }
}

/** Every byte a resumed run must reproduce: weights, optimizer state, EMA shadows (by position: tfjs names differ per instance). */
async function stateBytes(model: tfl.LayersModel, ema: MovingAverageCallback): Promise<{ weights: Uint8Array[]; optimizer: Uint8Array[]; shadows: Uint8Array[] }> {
  const bytes = (t: tf.Tensor) => new Uint8Array((t.dataSync() as Float32Array).slice().buffer);
  const s = await readOptimizerState(model);
  const optimizer = [new Uint8Array(new Uint32Array([s.iterations]).buffer)];
  for (const m of s.slots.values()) for (const t of m.values()) optimizer.push(bytes(t));
  disposeOptimizerState(s);
  return { weights: model.weights.map((w) => bytes(w.read())), optimizer, shadows: [...ema.variables()].map((p) => bytes(p.variable)) };
}

const sameBytes = (a: Uint8Array[], b: Uint8Array[]) => a.length === b.length && a.every((x, i) => Buffer.compare(Buffer.from(x), Buffer.from(b[i]!)) === 0);

/** Scalars of an event file: tag → [[step, value]…]. */
async function scalars(path: string): Promise<Map<string, [number, number][]>> {
  const out = new Map<string, [number, number][]>();
  for (const e of await readEventFile(path)) {
    for (const v of e.summary?.value ?? []) {
      if (v.simpleValue === undefined) continue;
      out.set(v.tag, [...(out.get(v.tag) ?? []), [Number(e.step), v.simpleValue]]);
    }
  }
  return out;
}

/** A `tf.LayersModel` trained with `model.fit` and Graft's callbacks; stop-and-resume checked bit for bit. */
export async function layersFitScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const train = await loadMnist({ split: 'train', seed: 1, limit: size.mnistTrain });
  const test = await loadMnist({ split: 'test', seed: 2, limit: size.mnistTest });
  const x = tf.tensor4d(train.x as Float32Array, [train.count, 28, 28, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10).toFloat());
  const xv = tf.tensor4d(test.x as Float32Array, [test.count, 28, 28, 1]);
  const yv = tf.tidy(() => tf.oneHot(tf.tensor1d(test.labels, 'int32'), 10).toFloat());
  const stepsPerEpoch = Math.ceil(train.count / BATCH);
  const epochs = size.epochs + 1;
  const stopAt = Math.floor(epochs / 2);
  const evalEvery = Math.max(1, Math.round(stepsPerEpoch / 4));
  const schedule = exponentialDecay(LR, { decaySteps: stepsPerEpoch, decayRate: DECAY_RATE });
  // shuffle: false — tfjs shuffles with an unseedable Math.random; MNIST is loaded shuffled with a seed
  const fitArgs = { batchSize: BATCH, shuffle: false, verbose: 0 as const, validationData: [xv, yv] as [tf.Tensor, tf.Tensor] };
  const compiled = (seed = 1) => {
    const m = buildCnn(seed);
    m.compile({ optimizer: adam(LR), loss: 'categoricalCrossentropy', metrics: ['acc'] });
    return m;
  };
  /** Graft's callbacks (+ an accuracy probe; early stopping when asked) on a model, resuming from `dir` when it holds a checkpoint. */
  const callbacks = async (m: tfl.LayersModel, dir: string, probe: boolean, early?: { patience: number }) => {
    const ema = movingAverageCallback(m, { decay: 0.99 });
    const ckpt: CheckpointCallback = await checkpointCallback(m, dir, { extra: ema.variables(), keepBest: { monitor: 'val_acc', mode: 'max' }, maxToKeep: 2 });
    const tb = tensorBoardCallback(join(dir, 'tb'), { histogramFreq: 0 });
    const probeCb = probe ? new AccuracyProbe(ema, test, evalEvery) : null;
    const es = early ? earlyStoppingCallback({ monitor: 'val_acc', patience: early.patience, restoreBestWeights: true }) : null;
    const nan = terminateOnNaN();
    const list: tfl.Callback[] = [learningRateScheduleCallback(schedule), ema, ...(probeCb ? [probeCb] : []), nan, ...(es ? [es] : []), ckpt, tb];
    return { ema, ckpt, tb, probe: probeCb, es, nan, list };
  };
  try {
    // A: the run-through, with the accuracy probe
    const dirA = join(work, 'layers-fit', 'through');
    const a = compiled();
    const ca = await callbacks(a, dirA, true);
    const ha = await a.fit(x, y, { ...fitArgs, epochs, callbacks: ca.list });
    const through = await stateBytes(a, ca.ema);

    // baseline: a plain model.fit of the same model and data, no Graft callback, timed before and after B (after A, so kernels are warm)
    const plainRun = async () => {
      const plain = compiled();
      const tp = Date.now();
      await plain.fit(x, y, { ...fitArgs, epochs: stopAt });
      plain.dispose();
      return (Date.now() - tp) / 1000;
    };
    const plainBefore = await plainRun();

    // B: stopped after `stopAt` epochs; B2: a fresh model (other initial values drawn) resumes from B's directory
    const dirB = join(work, 'layers-fit', 'stopped');
    const b = compiled();
    const cb = await callbacks(b, dirB, false);
    const tb0 = Date.now();
    const hb = await b.fit(x, y, { ...fitArgs, epochs: stopAt, callbacks: cb.list });
    const stoppedSeconds = (Date.now() - tb0) / 1000;
    b.dispose();
    const plainSeconds = (plainBefore + (await plainRun())) / 2;
    const b2 = compiled(99);
    const cb2 = await callbacks(b2, dirB, false);
    const hb2 = await b2.fit(x, y, { ...fitArgs, epochs, initialEpoch: cb2.ckpt.initialEpoch, callbacks: cb2.list });
    const resumed = await stateBytes(b2, cb2.ema);
    b2.dispose();
    const same = { weights: sameBytes(through.weights, resumed.weights), optimizer: sameBytes(through.optimizer, resumed.optimizer), shadows: sameBytes(through.shadows, resumed.shadows) };

    // C: the run-through continued from its own checkpoint (a fresh model again) until early stopping ends it
    a.dispose();
    const c = compiled(199);
    const cc = await callbacks(c, dirA, true, { patience: size.patienceEpochs });
    const hc = await c.fit(x, y, { ...fitArgs, epochs: size.maxEpochs + 2, initialEpoch: cc.ckpt.initialEpoch, callbacks: cc.list });
    const finalRaw = layersModelAccuracy(c, test);
    const esBest = cc.es!.bestEpoch;
    const esBestValAcc = esBest === null ? null : (hc.history['val_acc'] as number[])[esBest - epochs]!;
    const finalEma = await cc.ema.withAverages(() => layersModelAccuracy(c, test));
    c.dispose();

    const valAcc = [...(ha.history['val_acc'] as number[]), ...(hc.history['val_acc'] as number[])];
    const loss = [...(ha.history['loss'] as number[]), ...(hc.history['loss'] as number[])];
    const valLoss = [...(ha.history['val_loss'] as number[]), ...(hc.history['val_loss'] as number[])];
    const resumedValLoss = [...(hb.history['val_loss'] as number[]), ...(hb2.history['val_loss'] as number[])];
    const epochsRun = valAcc.length;
    const bestEpoch = valAcc.indexOf(Math.max(...valAcc)) + 1;
    const bestPrefix = await latestCheckpoint(join(dirA, 'best'));
    const bestStep = bestPrefix ? Number((await readMeta(bestPrefix)).extra?.step) : null;
    const tbFiles = (await readdir(join(dirA, 'tb', 'train'))).length + (await readdir(join(dirA, 'tb', 'validation'))).length;
    const trainScalars = new Map<string, [number, number][]>();
    for (const p of [...ca.tb.paths, ...cc.tb.paths].filter((p) => p.includes(`${join('tb', 'train')}`))) for (const [k, v] of await scalars(p)) trainScalars.set(k, [...(trainScalars.get(k) ?? []), ...v]);
    const tbLr = trainScalars.get('epoch_learning_rate') ?? [];
    const tbLoss = trainScalars.get('epoch_loss') ?? [];
    const evals = [...ca.probe!.evals, ...cc.probe!.evals];
    const across = emaAcrossRun(evals);
    const overhead = stoppedSeconds / plainSeconds - 1;
    const load = loadAverage() ?? Number.NaN;
    // a cost below zero is the machine's noise, not a gain: say so rather than print a negative cost
    const costWords = overhead >= 0
      ? `the callbacks + a checkpoint per epoch cost ${(100 * overhead).toFixed(0)}% over plain model.fit (${stoppedSeconds.toFixed(1)} vs ${plainSeconds.toFixed(1)} s, ${stopAt} epoch(s))`
      : `the callbacks' cost is below this machine's noise (${stoppedSeconds.toFixed(1)} s with them vs ${plainSeconds.toFixed(1)} s plain model.fit, ${stopAt} epoch(s), load ${load.toFixed(1)})`;
    const stopped = cc.es!.stoppedEpoch;
    const checks = {
      [`stopped after ${stopAt} epoch(s) and resumed in a fresh model: every weight, Adam slot and EMA shadow bit-identical to the run-through`]: same.weights && same.optimizer && same.shadows,
      'the resumed run logged the same validation losses as the run-through, epoch for epoch': resumedValLoss.length === epochs && resumedValLoss.every((v, i) => v === valLoss[i]),
      'keep-best: best/ holds an epoch with the highest val_acc': bestStep !== null && valAcc[bestStep - 1] === Math.max(...valAcc),
      'TensorBoard: epoch_loss of every epoch as fit logged it, and the learning rate of the schedule at the optimizer step': tbLoss.length === epochsRun && tbLoss.every(([s, v]) => Math.abs(v - loss[s]!) < 1e-6)
        && tbLr.length === epochsRun && tbLr.every(([s, v]) => Math.abs(v / schedule((s + 1) * stepsPerEpoch - 1) - 1) < 1e-6),
      'terminate-on-NaN watched every batch and found none': ca.nan.terminatedAt === null && cc.nan.terminatedAt === null,
      'early stopping fired in the continued run and put back its best epoch\'s weights (their accuracy = that epoch\'s val_acc)': stopped !== null && esBestValAcc !== null && Math.abs(finalRaw - esBestValAcc) < 1e-6,
    };
    const vsBaseline = `EMA ${across.emaMean >= across.rawMean ? '+' : ''}${(100 * (across.emaMean - across.rawMean)).toFixed(1)} points over raw (second half, ${across.evaluations} evaluations); ${costWords}; resumed = run-through ${same.weights && same.optimizer && same.shadows ? 'bit for bit' : 'NOT bit for bit'}`;
    const epochSteps = (e: number) => (e + 1) * stepsPerEpoch;
    return {
      id: 'layers-fit', title: 'A tf.LayersModel with model.fit and Graft\'s callbacks',
      headline: `tf.sequential CNN, model.fit with Graft's callbacks: stopped after ${stopAt}/${epochs} epochs and resumed in a fresh model — ${same.weights && same.optimizer && same.shadows ? 'bit-identical' : 'DIFFERENT'} to the run-through; continued until early stopping at epoch ${stopped === null ? '—' : stopped + 1}: raw ${pct(finalRaw)}% vs EMA ${pct(finalEma)}% on ${test.count} test digits`,
      vsBaseline,
      accuracy: Math.max(finalRaw, finalEma), seconds: (Date.now() - t0) / 1000, checks,
      data: {
        epochs, stopAt, epochsRun, stoppedEpoch: stopped, bestEpoch, bestStep, identical: same, finalRaw, finalEma, emaAcrossRun: across,
        plainSeconds, stoppedSeconds, callbackOverhead: overhead, loadAverage: load, tensorBoardFiles: tbFiles, valAcc,
      },
      section: {
        id: 'layers-fit', title: 'A tf.LayersModel trained with model.fit and Graft\'s callbacks (graft/layers)',
        notes: [
          `The model is built the usual tfjs way (tf.sequential: conv2d 8 → max_pooling2d → conv2d 16 → max_pooling2d → flatten → dense 10 softmax), compiled with adam(${LR}) from graft/layers and categoricalCrossentropy, and trained with model.fit on ${train.count} real MNIST digits (batch ${BATCH}, validation on ${test.count} test digits). Callbacks: learningRateScheduleCallback(exponentialDecay(${LR}, ${stepsPerEpoch} steps, ${DECAY_RATE})), movingAverageCallback(0.99), terminateOnNaN(), checkpointCallback(keep-best val_acc, EMA shadows saved), tensorBoardCallback; earlyStoppingCallback(val_acc, patience ${size.patienceEpochs}, restore-best) in the continued run.`,
          `Resume: one run went through ${epochs} epochs; another stopped after ${stopAt}, and a fresh model — its own initial weights drawn, its own optimizer — resumed from that directory with checkpointCallback(…).initialEpoch. At epoch ${epochs} the two agree byte for byte: ${through.weights.length} weights ${same.weights ? '=' : '≠'}, ${through.optimizer.length} optimizer values (iterations, Adam m and v) ${same.optimizer ? '=' : '≠'}, ${through.shadows.length} EMA shadows ${same.shadows ? '=' : '≠'}. (shuffle: false, because tfjs shuffles with Math.random, which cannot be seeded; the digits are loaded shuffled with a seed.)`,
          `Then the run-through was continued from its own checkpoint in a fresh model until early stopping ${stopped === null ? `did not stop it within ${size.maxEpochs + 2} epochs` : `stopped it after epoch ${stopped + 1} and put back the weights of epoch ${cc.es!.bestEpoch! + 1}`}; best/ holds epoch ${bestStep} (val_acc ${pct(Math.max(...valAcc))}%).`,
          `Moving averages across the run: over the second half (${across.evaluations} evaluations every ${evalEvery} steps) the EMA weights average ${pct(across.emaMean)}% vs ${pct(across.rawMean)}% for the raw weights; eval-to-eval swing ${across.emaSwing.toFixed(1)} vs ${across.rawSwing.toFixed(1)} points; the EMA is ahead in ${across.emaAhead} of ${across.evaluations}.`,
          `Cost of the callbacks: the stopped run (LR schedule, EMA, NaN check, a checkpoint with fsync every epoch, TensorBoard files) took ${stoppedSeconds.toFixed(2)} s for ${stopAt} epoch(s) vs ${plainSeconds.toFixed(2)} s for a plain model.fit of the same model and data: ${overhead >= 0 ? `${(100 * overhead).toFixed(0)}% more` : 'less, i.e. the cost is below the noise'} (the plain run is the mean of one before and one after the stopped run; 1-minute load average ${load.toFixed(1)} on ${availableParallelism()} cores: on a busy machine these seconds say little; per-step figures for the reference CNN: npm run bench -- train-cnn-layers).`,
        ],
        charts: [
          { title: 'test accuracy during model.fit: raw vs moving averages', xLabel: 'step', yLabel: 'accuracy', series: [
            { name: 'raw weights', points: evals.map((e) => [e.step, e.accuracy] as const), dashed: true },
            { name: 'EMA weights', points: evals.map((e) => [e.step, e.emaAccuracy] as const) },
          ] },
          { title: 'validation loss per epoch: run-through vs stopped and resumed in a fresh model', xLabel: 'step', yLabel: 'val_loss', series: [
            { name: 'run-through (then continued)', points: valLoss.map((v, i) => [epochSteps(i), v] as const) },
            { name: `stopped after epoch ${stopAt}, resumed`, points: resumedValLoss.map((v, i) => [epochSteps(i), v] as const), dashed: true },
          ] },
        ],
        tables: [
          { title: 'epochs', columns: ['epoch', 'loss', 'val_loss', 'val_acc %', 'learning rate (TensorBoard)', 'run'], rows: valAcc.map((v, i) => [
            i + 1, Number(loss[i]!.toFixed(4)), Number(valLoss[i]!.toFixed(4)), pct(v), tbLr.find(([s]) => s === i)?.[1] ?? null, i < epochs ? 'run-through' : 'continued (early stopping)',
          ]) },
          { title: 'resume: run-through vs stopped and resumed', columns: ['state', 'values', 'bit-identical'], rows: [
            ['weights', through.weights.length, same.weights], ['optimizer (iterations, m, v)', through.optimizer.length, same.optimizer], ['EMA shadows', through.shadows.length, same.shadows],
          ] },
          { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
        ],
        commands: [
          'npm run bench -- train-cnn-layers   # the reference CNN with model.fit vs PyTorch; the callbacks\' cost per step',
          'tensorboard --logdir runs/cnn/tb      # the event files the callback wrote',
        ],
      },
    };
  } finally {
    tf.dispose([x, y, xv, yv]);
  }
}
