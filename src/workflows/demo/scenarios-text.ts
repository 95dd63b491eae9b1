/**
 * The two text scenarios of `graft demo`, on BANKING77: automatic transfer of the layers two
 * architectures share (article 003) and a classifier whose classes change (article 004).
 */
import { join } from 'node:path';
import { banking77Categories } from '../../models/data/banking77.js';
import { buildModel } from '../../models/registry.js';
import { AdamOptimizer } from '../../train/optimizers.js';
import { createGlobalStep } from '../../train/global-step.js';
import { fit, type FitReport } from '../fit.js';
import { loadTask } from '../tasks.js';
import { metaExtras, readCheckpointMeta, resolveCheckpoint } from '../checkpoints.js';
import { trainModel, type TrainModelReport } from '../train-model.js';
import { transferCommon } from '../transfer-common.js';
import { parseMergeSpec } from '../../checkpoint/class-plan.js';
import { timeToTarget } from '../time-to-target.js';
import type { DemoSize, ScenarioResult } from './types.js';

const pct = (x: number) => Math.round(1000 * x) / 10;

/** The cash-withdrawal intents the class-change scenario merges. */
export const CASH_MERGE = 'pending_cash_withdrawal,declined_cash_withdrawal=cash_withdrawal_problem';

/** Article 003: train intent-a, initialise intent-b's shared embedding + LSTM from it, compare with intent-b from scratch: time to the scratch run's final accuracy. */
export async function commonScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const categories = (await banking77Categories()).slice(0, size.intents);
  const task = { dataset: 'banking77' as const, categories, perClass: size.perClass, testLimit: size.textTest };
  const aDir = join(work, 'common', 'intent-a');
  const a = await trainModel({ model: 'intent-a', task, trainDir: aDir, epochs: size.epochs + 1, learningRate: 0.01, label: 'common/intent-a' });
  const meta = await readCheckpointMeta(await resolveCheckpoint(aDir));
  const vocabulary = metaExtras(meta).vocabulary!;
  const data = await loadTask(task, { vocabulary, maxLength: 16 });
  const config = { numClasses: categories.length, vocabSize: vocabulary.size };
  const evalEvery = 10;
  const runB = async (transferred: boolean, opts: { maxSteps?: number; evalEvery?: number } = {}): Promise<{ fit: FitReport; report: Awaited<ReturnType<typeof transferCommon>> | null }> => {
    const b = buildModel('intent-b', config);
    const report = transferred ? await transferCommon(aDir, b, { match: 'structure' }) : null;
    const opt = new AdamOptimizer(b.params, { learningRate: 0.01 });
    const { variable: globalStep } = createGlobalStep();
    const f = await fit((i, t) => b.logits(i, { training: t }), data.train, {
      optimizer: opt, globalStep, epochs: size.epochs, evalSet: data.test, seed: 0, evalAtStart: opts.evalEvery !== undefined,
      ...(opts.evalEvery ? { evalEvery: opts.evalEvery } : {}), ...(opts.maxSteps ? { maxSteps: opts.maxSteps } : {}),
    });
    return { fit: f, report };
  };
  const scratch = await runB(false, { evalEvery });
  const target = scratch.fit.final!.accuracy;
  // the probe is the whole transferred run (its curve and final accuracy are shown), then the
  // steps to the target are replayed without evaluations (time-to-target.ts)
  let withT: Awaited<ReturnType<typeof runB>> | undefined;
  const ttt = await timeToTarget({
    probe: async () => { withT = await runB(true, { evalEvery }); return withT.fit; },
    replay: async (steps) => { const r = await runB(true, { maxSteps: steps }); return { seconds: r.fit.trainSeconds, accuracy: r.fit.final!.accuracy }; },
  }, target, { seconds: scratch.fit.trainSeconds, steps: scratch.fit.steps }, { maxSteps: scratch.fit.steps });
  const rep = withT!.report!;
  const dry = await transferCommon(aDir, buildModel('intent-b', config), { match: 'name', dryRun: true });
  const accW = withT!.fit.final!.accuracy;
  const accS = target;
  const checks = {
    'structure matching pairs the embedding and the first LSTM across IntentA/ → IntentB/': rep.pairings.length === 2 && rep.copied.length === 3,
    'the second LSTM and the head are left alone with a reason': rep.leftAlone.filter((l) => l.side === 'destination').length === 4,
    'name matching finds nothing (prefixes differ)': dry.pairings.length === 0,
    'the replay of the steps to the target ends at the probe\'s accuracy (deterministic training)': ttt.replayMatches !== false,
  };
  const finalWord = accW > accS ? `and ends higher (${pct(accW)}% vs ${pct(accS)}%)` : accW === accS ? `and ends equal (${pct(accW)}%)` : `but does not end higher: ${pct(accW)}% vs ${pct(accS)}% after ${size.epochs} epoch(s) — the gain is the head start, not the final accuracy`;
  const vsBaseline = ttt.ratio === null ? `never reached scratch's final ${pct(accS)}%` : `${(100 * ttt.ratio).toFixed(1)}% of the scratch time to scratch's final accuracy`;
  return {
    id: 'common', title: 'Automatic transfer of common layers (article 003)',
    headline: ttt.ratio === null
      ? `intent-b with the shared layers from intent-a never reached the from-scratch run's final ${pct(accS)}% (${pct(accW)}% at the end)`
      : `intent-b with the shared layers from intent-a reaches the from-scratch run's final ${pct(accS)}% after ${ttt.stepsToTarget} steps (${ttt.secondsToTarget!.toFixed(2)} s) vs ${scratch.fit.steps} steps (${scratch.fit.trainSeconds.toFixed(1)} s), ${finalWord}`,
    vsBaseline,
    accuracy: accW, seconds: (Date.now() - t0) / 1000, checks,
    data: { intentA: a.finalAccuracy, transferred: accW, scratch: accS, timeToTarget: ttt, ratio: ttt.ratio, pairings: rep.pairings.map((p) => [p.source, p.destination]) },
    section: {
      id: 'common', title: 'Automatic transfer of the layers two architectures share (article 003)',
      notes: [
        `intent-a (IntentA/: embedding → LSTM → fc → Logits) trained on ${categories.length} BANKING77 intents (${pct(a.finalAccuracy)}%). intent-b (IntentB/: embedding → LSTM → LSTM → Logits) is a different architecture under another prefix; transferCommon(…, {match: 'structure'}) found the shared early layers and copied them.`,
        `Time to target, as bench/class-change measures it: the target is the from-scratch run's final accuracy (${pct(accS)}%); the transferred run is evaluated every ${evalEvery} steps, the steps to the first evaluation at or above the target are replayed without evaluations, and their training seconds are its time.`,
        ttt.ratio === null ? 'The transferred run never reached the target.' : `The transferred run reached it after ${ttt.stepsToTarget} of the scratch run's ${scratch.fit.steps} steps (${(100 * ttt.stepRatio!).toFixed(1)}% of the steps, ${(100 * ttt.ratio).toFixed(1)}% of the time) ${finalWord}.`,
      ],
      charts: [
        { title: 'intent-b test accuracy: shared layers transferred vs from scratch', xLabel: 'step', yLabel: 'accuracy', series: [
          { name: 'transferred from intent-a', points: withT!.fit.evals.map((e) => [e.step, e.accuracy] as const) },
          { name: 'from scratch', points: scratch.fit.evals.map((e) => [e.step, e.accuracy] as const), dashed: true },
        ] },
      ],
      tables: [
        { title: 'pairings (match: structure)', columns: ['source layer', 'destination layer', 'variables', 'reason'], rows: rep.pairings.map((p) => [p.source, p.destination, p.variables.length, p.reason]) },
        { title: 'left alone in intent-b', columns: ['variable', 'reason'], rows: rep.leftAlone.filter((l) => l.side === 'destination').map((l) => [l.name, l.reason]) },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: ['graft transfer-common runs/intent-a intent-b --dst-config \'{"numClasses":8,"vocabSize":N}\' --dry-run', 'graft transfer-common runs/intent-a runs/intent-b-init --out runs/intent-b-warm/model.ckpt'],
    },
  };
}

/** Article 004: a text-rnn on old intents, trained to convergence; the classes change (merge the cash-withdrawal pair, add held-out intents, drop one); time for the changed model to reach the scratch model's final accuracy, as bench/class-change measures it. */
export async function classesScenario(work: string, size: DemoSize): Promise<ScenarioResult> {
  const t0 = Date.now();
  const all = await banking77Categories();
  const merge = parseMergeSpec(CASH_MERGE);
  const others = all.filter((c) => !merge.sources.includes(c));
  const oldClasses = [...others.slice(0, size.intents - 2), ...merge.sources];
  const removed = oldClasses[0]!;
  const added = others.slice(size.intents - 2, size.intents);
  const newClasses = [...oldClasses.slice(1, size.intents - 2).reverse(), merge.target, ...added];
  const oldDir = join(work, 'classes', 'old');
  const batchSize = 32;
  const base = { model: 'text-rnn', learningRate: 0.01, batchSize };
  const oldTask = { dataset: 'banking77' as const, categories: oldClasses, perClass: size.perClass, testLimit: size.textTest };
  const newTask = { dataset: 'banking77' as const, categories: newClasses, merges: [merge], perClass: size.perClass, testLimit: size.textTest };
  const epochSteps = async (t: typeof oldTask | typeof newTask) => Math.ceil((await loadTask(t)).train.count / batchSize);
  // old and scratch trained the way a production model is: to convergence (TF's
  // stop_if_no_increase rule, patience in epochs, keep-best), capped for the demo's time budget
  const converge = (steps: number) => ({ epochs: size.maxEpochs, earlyStopping: { maxStepsWithoutImprovement: size.patienceEpochs * steps } });
  const newEpoch = await epochSteps(newTask);
  const old = await trainModel({ ...base, task: oldTask, trainDir: oldDir, keepBest: 1, ...converge(await epochSteps(oldTask)), label: 'classes/old' });
  const scratch = await trainModel({ ...base, task: newTask, ...converge(newEpoch), label: 'classes/scratch' });
  const target = scratch.finalAccuracy;
  // the change: class-aware restore of the old run's best checkpoint, new columns imprinted, the
  // rate cosine-decayed over one epoch of the new data (the recipe bench/class-change judges)
  const run = {
    ...base, task: newTask, classesFrom: { from: join(oldDir, 'best'), merges: [merge], newClassInit: 'imprint' as const },
    epochs: size.maxEpochs, lrDecay: { type: 'cosine' as const, decaySteps: newEpoch },
  };
  let probe: TrainModelReport | undefined;
  const ttt = await timeToTarget({
    probe: async ({ maxSteps, stopWhen }) => {
      probe = await trainModel({ ...run, trainDir: join(work, 'classes', 'new'), maxSteps, evalEvery: Math.max(1, Math.round(newEpoch / 16)), evalAtStart: true, stopWhen, label: 'classes/new' });
      return probe.fit;
    },
    replay: async (steps) => {
      const r = await trainModel({ ...run, maxSteps: steps, label: 'classes/replay' });
      return { seconds: r.fit.trainSeconds + (r.newClassInit?.seconds ?? 0), accuracy: r.finalAccuracy };
    },
    get startSeconds() { return probe?.newClassInit?.seconds ?? 0; },
  }, target, { seconds: scratch.fit.trainSeconds, steps: scratch.fit.steps }, { maxSteps: newEpoch });
  const changed = probe!;
  const cc = changed.classChange!;
  const checks = {
    'kept classes kept their head rows (moved, none fresh)': cc.plan.slots.filter((s) => s.status === 'moved' || s.status === 'kept').length === size.intents - 3,
    'the merged class starts from its two sources': cc.plan.slots.some((s) => s.status === 'merged' && s.from.length === 2),
    'held-out intents get new columns (imprinted from their examples), the dropped one is removed': cc.plan.summary.new === 2 && cc.plan.summary.removed === 1 && changed.newClassInit?.method === 'imprint' && changed.newClassInit.classes.length === 2,
    'the label list is saved beside the checkpoint': changed.classNames.join() === newClasses.join(),
    'the replay of the steps to the target ends at the probe\'s accuracy (deterministic training)': ttt.replayMatches !== false,
  };
  const ratio = ttt.ratio;
  const vsBaseline = ratio === null ? `did not reach scratch's ${pct(target)}% within one epoch` : `${(100 * ratio).toFixed(1)}% of the scratch time to scratch's final accuracy`;
  return {
    id: 'classes', title: 'Classes change (article 004)',
    headline: ratio === null
      ? `after the change: ${pct(changed.finalAccuracy)}% after one epoch, below the scratch model's final ${pct(target)}% (${scratch.fit.trainSeconds.toFixed(1)} s, ${scratch.fit.epochs} epochs)`
      : `after the change: the scratch model's final ${pct(target)}% in ${ttt.secondsToTarget!.toFixed(2)} s (${ttt.stepsToTarget} steps) vs ${scratch.fit.trainSeconds.toFixed(1)} s (${scratch.fit.steps} steps, ${scratch.fit.epochs} epochs to convergence) from scratch: ${(100 * ratio).toFixed(1)}% of the time`,
    vsBaseline,
    accuracy: changed.finalAccuracy, seconds: (Date.now() - t0) / 1000, checks,
    data: {
      old: old.finalAccuracy, oldEpochs: old.fit.epochs, changed: changed.finalAccuracy, scratch: scratch.finalAccuracy, scratchEpochs: scratch.fit.epochs, scratchSteps: scratch.fit.steps,
      scratchSeconds: scratch.fit.trainSeconds, timeToTarget: ttt, secondsToScratchAccuracy: ttt.secondsToTarget, ratio, plan: cc.plan.summary,
    },
    section: {
      id: 'classes', title: 'A text classifier whose classes change (article 004)',
      notes: [
        `The old text-rnn (Model/…, softmax_w/softmax_b) was trained to convergence on ${oldClasses.length} intents (${pct(old.finalAccuracy)}%, ${old.fit.epochs} epochs; TF's stop_if_no_increase rule with a patience of ${size.patienceEpochs} epochs, at most ${size.maxEpochs}; its best checkpoint is the one changed). The new label list reorders them, merges ${merge.sources.join(' + ')} into ${merge.target} (its head column starts as the mean of the two, bias mean + ln 2), adds ${added.join(', ')} (new columns imprinted from the mean features of their training examples) and drops ${removed}.`,
        `Measured as bench/class-change measures it: the scratch model trained to convergence the same way gives the target (its final accuracy, ${pct(target)}%); the changed model is probed with an evaluation every ${Math.max(1, Math.round(newEpoch / 16))} steps (1/16 epoch), then the steps to the target are replayed without evaluations; those training seconds plus the imprinting pass are its time.`,
        ratio === null ? 'The changed model did not reach the scratch model\'s final accuracy within one epoch.' : `The changed model reached it after ${ttt.stepsToTarget} steps, ${ttt.secondsToTarget!.toFixed(2)} s, vs ${scratch.fit.trainSeconds.toFixed(1)} s from scratch: ${(100 * ratio).toFixed(1)}% of the scratch time (steps: ${(100 * ttt.stepRatio!).toFixed(1)}%).`,
      ],
      charts: [
        { title: 'test accuracy vs training step', xLabel: 'step', yLabel: 'accuracy', series: [
          { name: 'class change (restored, probe)', points: changed.fit.evals.map((e) => [e.step, e.accuracy] as const) },
          { name: 'from scratch', points: scratch.fit.evals.map((e) => [e.step, e.accuracy] as const), dashed: true },
        ] },
      ],
      tables: [
        { title: 'head rows per class', columns: ['class', 'index', 'status', 'from (old classes)'], rows: [
          ...cc.plan.slots.map((s) => [s.name, s.index, s.status, s.fromNames.join(' + ') || '—']),
          ...cc.plan.removed.map((r) => [r.name, null, r.status, r.into.length ? `→ ${r.into.join(', ')}` : '—']),
        ] },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [
        `graft train --model text-rnn --categories NEW_LIST --classes-from runs/old/best --merge ${CASH_MERGE} --lr-decay cosine --decay-steps ${newEpoch} --train-dir runs/new`,
        'npm run bench -- class-change --size 12 --windows 0   # the same measurement as a benchmark',
      ],
    },
  };
}
