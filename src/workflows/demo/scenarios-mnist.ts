/**
 * The three image scenarios of `graft demo`: staged CNN→LSTM training (article 000), MNIST with
 * LR decay and moving averages (article 001), and transfer learning three ways (article 002).
 */
import { mkdir } from '../../io/fs.js';
import { join } from '../../io/path.js';
import { Saver } from '../../checkpoint/saver.js';
import { listVariables } from '../../checkpoint/reader.js';
import { restoreFromCheckpoint } from '../../checkpoint/execute-plan.js';
import { buildModel } from '../../models/registry.js';
import { exponentialDecay } from '../../train/schedules.js';
import { evalCheckpoint } from '../eval-checkpoint.js';
import { trainModel, type TrainModelReport } from '../train-model.js';
import { transfer, type TransferReport } from '../transfer.js';
import type { ChartSeries } from '../report/svg-chart.js';
import type { DemoSize, ScenarioResult } from './types.js';

const pct = (x: number) => Math.round(1000 * x) / 10;
const accCurve = (r: TrainModelReport | TransferReport, name: string, key: 'accuracy' | 'emaAccuracy' = 'accuracy'): ChartSeries => ({
  name,
  points: r.fit.evals.filter((e) => e[key] !== undefined).map((e) => [e.step, e[key]!] as const),
});

/**
 * Raw vs EMA accuracy across a run's evaluations: means over the second half (the averages lag
 * early on by design), the mean absolute change between consecutive evaluations (in points),
 * and how many evaluations the EMA is ahead in.
 */
export function emaAcrossRun(evals: readonly { accuracy: number; emaAccuracy?: number }[]): { evaluations: number; rawMean: number; emaMean: number; rawSwing: number; emaSwing: number; emaAhead: number } {
  const both = evals.filter((e) => e.emaAccuracy !== undefined);
  const half = both.slice(Math.floor(both.length / 2));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  const swing = (xs: number[]) => (xs.length > 1 ? (100 * xs.slice(1).reduce((a, x, i) => a + Math.abs(x - xs[i]!), 0)) / (xs.length - 1) : 0);
  const raw = half.map((e) => e.accuracy);
  const ema = half.map((e) => e.emaAccuracy!);
  return { evaluations: half.length, rawMean: mean(raw), emaMean: mean(ema), rawSwing: swing(raw), emaSwing: swing(ema), emaAhead: half.filter((e) => e.emaAccuracy! > e.accuracy).length };
}

/** Article 000: train the CNN part, then the LSTM part with the CNN restored and frozen, then evaluate both parts restored from their two directories. */
export async function stagedScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const task = { digits: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], trainLimit: size.mnistTrain, testLimit: size.mnistTest };
  const cnnDir = join(work, 'staged', 'cnn');
  const lstmDir = join(work, 'staged', 'lstm');
  const common = { model: 'crnn', task, epochs: size.epochs, scopeMatching: 'tf' as const, learningRate: 0.005, evalEvery: size.quick ? 10 : 40 };
  const s1 = await trainModel({ ...common, trainDir: cnnDir, trainableScopes: ['inference/conv'], saveScopes: ['inference/conv'], label: 'staged/cnn' });
  const s2 = await trainModel({ ...common, trainDir: lstmDir, restore: [{ from: cnnDir, include: ['inference/conv'], freeze: true }], trainableScopes: ['inference/lstm_layer'], saveScopes: ['inference/lstm_layer'], label: 'staged/lstm' });
  const ev = await evalCheckpoint(lstmDir, { restore: [{ from: cnnDir, include: ['inference/conv'] }], scopeMatching: 'tf' });
  const cnnKeys = (await listVariables(s1.latestCheckpoint!)).map((v) => v.name).filter((n) => !n.includes('/Adam') && n !== 'global_step');
  const lstmKeys = (await listVariables(s2.latestCheckpoint!)).map((v) => v.name).filter((n) => !n.includes('/Adam') && !n.includes('_power') && n !== 'global_step');
  const checks = {
    'stage 2 left the CNN bytes unchanged': s2.frozenChecksum?.unchanged === true,
    'stage 1 left the LSTM bytes unchanged': s1.frozenChecksum?.unchanged === true,
    'the CNN checkpoint holds only inference/conv*': cnnKeys.every((k) => k.startsWith('inference/conv')),
    'the LSTM checkpoint holds only inference/lstm_layer*': lstmKeys.every((k) => k.startsWith('inference/lstm_layer')),
    'evaluation from the two directories matches stage 2': Math.abs(ev.accuracy - s2.finalAccuracy) < 1e-9,
  };
  return {
    id: 'staged', title: 'Staged CNN→LSTM training (article 000)',
    headline: `CNN stage ${pct(s1.finalAccuracy)}% → LSTM stage ${pct(s2.finalAccuracy)}%; eval from two dirs ${pct(ev.accuracy)}%`,
    vsBaseline: `eval from the two directories ${ev.accuracy === s2.finalAccuracy ? '=' : '≠'} stage 2's own evaluation; frozen CNN bytes ${s2.frozenChecksum?.unchanged ? 'unchanged' : 'CHANGED'}`,
    accuracy: ev.accuracy, seconds: (Date.now() - t0) / 1000, checks,
    data: { stage1: s1.finalAccuracy, stage2: s2.finalAccuracy, eval: ev.accuracy, cnnChecksum: s2.frozenChecksum, cnnKeys, lstmKeys },
    section: {
      id: 'staged', title: 'Staged training of a CNN+LSTM cascade (article 000)',
      notes: [
        'Stage 1 trains only inference/conv* (the LSTM keeps its initial values) and saves only the CNN. Stage 2 restores the CNN from its own directory, freezes it, trains inference/lstm_layer* and saves only the LSTM. Evaluation rebuilds the model from .meta.json and restores the two parts from the two directories.',
        `Frozen CNN checksum during stage 2: ${s2.frozenChecksum?.before} → ${s2.frozenChecksum?.after}.`,
      ],
      charts: [
        { title: 'loss per step', xLabel: 'step', yLabel: 'loss', series: [{ name: 'stage 1 (CNN)', points: s1.fit.history.map((h) => [h.step, h.loss] as const) }, { name: 'stage 2 (LSTM)', points: s2.fit.history.map((h) => [h.step, h.loss] as const) }] },
        { title: 'test accuracy', xLabel: 'step', yLabel: 'accuracy', series: [accCurve(s1, 'stage 1 (CNN)'), accCurve(s2, 'stage 2 (LSTM)')] },
      ],
      tables: [
        { title: 'stages', columns: ['stage', 'trained', 'frozen', 'saved keys', 'accuracy %', 'frozen checksum unchanged'], rows: [
          ['1: CNN', s1.trainedVariables.length, s1.frozenVariables.length, cnnKeys.length, pct(s1.finalAccuracy), s1.frozenChecksum?.unchanged ?? null],
          ['2: LSTM', s2.trainedVariables.length, s2.frozenVariables.length, lstmKeys.length, pct(s2.finalAccuracy), s2.frozenChecksum?.unchanged ?? null],
          ['eval (both dirs)', 0, 0, cnnKeys.length + lstmKeys.length, pct(ev.accuracy), null],
        ] },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [
        'graft train --model crnn --tune-scope inference/conv --save-scope inference/conv --train-dir runs/cnn',
        'graft train --model crnn --restore runs/cnn:inference/conv --freeze-restored --tune-scope inference/lstm_layer --save-scope inference/lstm_layer --train-dir runs/lstm',
        'graft eval --checkpoint runs/lstm --restore runs/cnn:inference/conv',
      ],
    },
  };
}

/** Article 001: MNIST with exponential LR decay and moving averages; save all, save a part under other names; evaluate raw vs EMA from .meta.json. */
export async function emaScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const dir = join(work, 'ema', 'mnist');
  const decay = { type: 'exponential' as const, decaySteps: size.quick ? 10 : 20, decayRate: 0.9, staircase: true };
  const r = await trainModel({ model: 'mnist-cnn', task: { trainLimit: size.mnistTrain, testLimit: size.mnistTest }, trainDir: dir, epochs: size.epochs, learningRate: 0.01, lrDecay: decay, movingAverageDecay: 0.99, evalEvery: size.quick ? 10 : 25, label: 'ema' });
  const ev = await evalCheckpoint(dir, { both: true });
  // A partial save under other names (tf.train.Saver({"v1": v1, "v2": v2})), then restored into a fresh model by those names.
  const fresh = buildModel('mnist-cnn', { numClasses: 10 });
  const m2 = buildModel('mnist-cnn', { numClasses: 10 });
  await restoreFromCheckpoint(m2.params, r.latestCheckpoint!);
  const partPrefix = join(work, 'ema', 'part', 'conv1');
  await mkdir(join(work, 'ema', 'part'), { recursive: true });
  const part = await new Saver({ varList: { v1: m2.params.require('conv1/weights'), v2: m2.params.require('conv1/biases') } }).save(partPrefix);
  const partKeys = (await listVariables(part)).map((v) => v.name);
  await restoreFromCheckpoint({ v1: fresh.params.require('conv1/weights'), v2: fresh.params.require('conv1/biases') }, part);
  const same = String(fresh.params.require('conv1/weights').variable.dataSync()) === String(m2.params.require('conv1/weights').variable.dataSync());
  const lr = exponentialDecay(0.01, decay);
  const across = emaAcrossRun(r.fit.evals);
  const checks = {
    'eval from .meta.json reproduces the training evaluation': Math.abs(ev.rawAccuracy! - r.finalAccuracy) < 1e-9,
    'the partial save holds exactly v1, v2': partKeys.join(',') === 'v1,v2',
    'restoring v1, v2 by name gives conv1 back': same,
    'the checkpoint holds EMA shadows': (await listVariables(r.latestCheckpoint!)).some((v) => v.name === 'conv1/weights/ExponentialMovingAverage'),
  };
  return {
    id: 'ema', title: 'MNIST with LR decay and moving averages (article 001)',
    headline: `across ${across.evaluations} evaluations: EMA ${pct(across.emaMean)}% vs raw ${pct(across.rawMean)}% on average (second half of training), eval-to-eval swing ${across.emaSwing.toFixed(1)} vs ${across.rawSwing.toFixed(1)} points; final raw ${pct(ev.rawAccuracy!)}% vs EMA ${pct(ev.emaAccuracy!)}% after ${r.globalStep} steps`,
    vsBaseline: `EMA ${across.emaMean >= across.rawMean ? '+' : ''}${(100 * (across.emaMean - across.rawMean)).toFixed(1)} points over raw weights (mean of the second half), swing ${across.emaSwing.toFixed(1)} vs ${across.rawSwing.toFixed(1)} points; ahead in ${across.emaAhead}/${across.evaluations} evaluations`,
    accuracy: ev.emaAccuracy!, seconds: (Date.now() - t0) / 1000, checks,
    data: { raw: ev.rawAccuracy, ema: ev.emaAccuracy, steps: r.globalStep, partKeys },
    section: {
      id: 'ema', title: 'MNIST with variable management, exponential LR decay and moving averages (article 001)',
      notes: [
        `Where the averages matter is across training, not only at its last point: over the second half of the run (${across.evaluations} evaluations) the EMA weights average ${pct(across.emaMean)}% vs ${pct(across.rawMean)}% for the raw weights, and move ${across.emaSwing.toFixed(1)} points from one evaluation to the next vs ${across.rawSwing.toFixed(1)} (mean absolute change); the EMA is ahead in ${across.emaAhead} of ${across.evaluations} evaluations. Early on the averages lag (they still remember the initial weights): that is the bias zero_debias and num_updates correct.`,
        `Adam with tf.train.exponential_decay(0.01, step, ${decay.decaySteps}, 0.9, staircase=True) and ExponentialMovingAverage(0.99, num_updates=global_step). graft eval rebuilt the model from the checkpoint's .meta.json and evaluated the raw weights and the moving averages (loaded with variables_to_restore()).`,
      ],
      charts: [
        { title: 'loss per step', xLabel: 'step', yLabel: 'loss', series: [{ name: 'loss', points: r.fit.history.map((h) => [h.step, h.loss] as const) }] },
        { title: 'learning rate (staircase exponential decay)', xLabel: 'step', yLabel: 'learning rate', logY: true, series: [{ name: 'learning rate', points: r.fit.history.map((h) => [h.step, h.learningRate] as const) }, { name: 'formula', points: r.fit.history.map((h) => [h.step, lr(h.step - 1)] as const), dashed: true }] },
        { title: 'test accuracy: raw vs moving averages', xLabel: 'step', yLabel: 'accuracy', series: [{ ...accCurve(r, 'raw weights'), dashed: true }, accCurve(r, 'EMA weights', 'emaAccuracy')] },
      ],
      tables: [
        { title: 'graft eval', columns: ['weights', 'accuracy %'], rows: [['raw', pct(ev.rawAccuracy!)], ['moving averages', pct(ev.emaAccuracy!)]] },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [
        'graft train --model mnist-cnn --lr-decay exponential --decay-steps 10 --decay-rate 0.9 --staircase --moving-average-decay 0.99 --train-dir runs/mnist',
        'graft eval --checkpoint runs/mnist --both',
      ],
    },
  };
}

/** Seconds as milliseconds with three significant digits. */
const ms = (seconds: number): string => (1000 * seconds).toPrecision(3);

/** Article 002: a base CNN on digits 0–4, then digits 5–9 with a new Logits head: freeze vs features vs finetune. */
export async function transferScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const baseDir = join(work, 'transfer', 'base04');
  const base = await trainModel({ model: 'mnist-cnn', task: { digits: [0, 1, 2, 3, 4], trainLimit: size.mnistTrain, testLimit: size.mnistTest }, trainDir: baseDir, epochs: size.epochs, learningRate: 0.005, label: 'transfer/base' });
  const task = { dataset: 'mnist' as const, digits: [5, 6, 7, 8, 9], trainLimit: Math.round(size.mnistTrain / 2), testLimit: size.mnistTest };
  const modes = ['features', 'freeze', 'finetune'] as const;
  const runs: TransferReport[] = [];
  for (const mode of modes) {
    runs.push(await transfer({ mode, from: baseDir, task, trainDir: join(work, 'transfer', mode), epochs: size.epochs + 2, learningRate: 0.01, unfreezeLast: 1 }));
  }
  const [feat, frz, ft] = runs as [TransferReport, TransferReport, TransferReport];
  const checks = {
    'the body stays bit-identical in freeze and features modes': feat.frozenChecksum?.unchanged === true && frz.frozenChecksum?.unchanged === true,
    'features and freeze reach the same accuracy (same math)': Math.abs(feat.accuracy - frz.accuracy) <= 0.005,
    'warm start restored the body and excluded Logits': runs.every((r) => r.start.summary !== null && r.start.summary.restored === 6),
  };
  return {
    id: 'transfer', title: 'Transfer learning three ways (article 002)',
    vsBaseline: `features ${(frz.epochSeconds / feat.epochSeconds).toFixed(0)}× faster per epoch than freeze (${ms(feat.epochSeconds)} vs ${ms(frz.epochSeconds)} ms), accuracy ${pct(feat.accuracy)}% vs ${pct(frz.accuracy)}%`,
    headline: `features ${pct(feat.accuracy)}% (${ms(feat.epochSeconds)} ms/epoch) · freeze ${pct(frz.accuracy)}% (${ms(frz.epochSeconds)} ms/epoch, ${(frz.epochSeconds / feat.epochSeconds).toFixed(0)}× slower) · finetune ${pct(ft.accuracy)}%`,
    accuracy: Math.max(feat.accuracy, frz.accuracy, ft.accuracy), seconds: (Date.now() - t0) / 1000, checks,
    data: { base: base.finalAccuracy, modes: runs.map((r) => ({ mode: r.mode, accuracy: r.accuracy, epochSeconds: r.epochSeconds, totalSeconds: r.totalSeconds })) },
    section: {
      id: 'transfer', title: 'Transfer learning three ways: freeze, features, finetune (article 002)',
      notes: [
        `Base mnist-cnn trained on digits 0–4 (${pct(base.finalAccuracy)}%). New task: digits 5–9 with a new Logits head; everything but Logits warm-started from the base checkpoint (slim checkpoint_exclude_scopes=Logits).`,
        'features computes the frozen body\'s 64 features once (saved as features.safetensors) and trains the head on them; freeze runs the frozen body on every step; finetune also trains fc1.',
      ],
      charts: [
        { title: 'test accuracy by mode', xLabel: 'step', yLabel: 'accuracy', series: runs.map((r) => accCurve(r, r.mode)) },
        { title: 'training loss by mode', xLabel: 'step', yLabel: 'loss', series: runs.map((r) => ({ name: r.mode, points: r.fit.history.map((h) => [h.step, h.loss] as const) })) },
      ],
      tables: [
        { title: 'modes compared', columns: ['mode', 'trained variables', 'step', 'accuracy %', 'head training ms/epoch', 'total s', 'body unchanged'], rows: runs.map((r) => [r.mode, r.trainedVariables.length, r.headStep, pct(r.accuracy), Number(ms(r.epochSeconds)), Number(r.totalSeconds.toFixed(1)), r.frozenChecksum?.unchanged ?? null]) },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [
        'graft train --model mnist-cnn --digits 0,1,2,3,4 --train-dir runs/digits04',
        'graft transfer --mode features --from runs/digits04 --digits 5,6,7,8,9 --exclude-scopes Logits --trainable-scopes Logits --train-dir runs/features',
        'graft transfer --mode finetune --from runs/digits04 --digits 5,6,7,8,9 --unfreeze-last 1 --train-dir runs/finetune',
      ],
    },
  };
}
