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
import { parseMergeSpec } from '../class-plan.js';
import type { DemoSize, ScenarioResult } from './types.js';

const pct = (x: number) => Math.round(1000 * x) / 10;

/** The cash-withdrawal intents the class-change scenario merges. */
export const CASH_MERGE = 'pending_cash_withdrawal,declined_cash_withdrawal=cash_withdrawal_problem';

/** Article 003: train intent-a, initialise intent-b's shared embedding + LSTM from it, compare with intent-b from scratch. */
/** "after N steps: a% vs b%; " for the first evaluation both runs share (the head start transfer gives), or "". */
function early(a: FitReport, b: FitReport): string {
  const ea = a.evals[0];
  const eb = b.evals.find((e) => e.step === ea?.step);
  return ea && eb ? `after ${ea.step} steps ${pct(ea.accuracy)}% vs ${pct(eb.accuracy)}%; ` : '';
}

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
  const runB = async (transferred: boolean): Promise<{ fit: FitReport; report: Awaited<ReturnType<typeof transferCommon>> | null }> => {
    const b = buildModel('intent-b', config);
    const report = transferred ? await transferCommon(aDir, b, { match: 'structure' }) : null;
    const opt = new AdamOptimizer(b.params, { learningRate: 0.01 });
    const { variable: globalStep } = createGlobalStep();
    const f = await fit((i, t) => b.logits(i, { training: t }), data.train, { optimizer: opt, globalStep, epochs: size.epochs, evalSet: data.test, evalEvery: 10, seed: 0 });
    return { fit: f, report };
  };
  const withT = await runB(true);
  const scratch = await runB(false);
  const rep = withT.report!;
  const dry = await transferCommon(aDir, buildModel('intent-b', config), { match: 'name', dryRun: true });
  const accW = withT.fit.final!.accuracy;
  const accS = scratch.fit.final!.accuracy;
  const checks = {
    'structure matching pairs the embedding and the first LSTM across IntentA/ → IntentB/': rep.pairings.length === 2 && rep.copied.length === 3,
    'the second LSTM and the head are left alone with a reason': rep.leftAlone.filter((l) => l.side === 'destination').length === 4,
    'name matching finds nothing (prefixes differ)': dry.pairings.length === 0,
  };
  return {
    id: 'common', title: 'Automatic transfer of common layers (article 003)',
    headline: `intent-b with the shared layers from intent-a vs from scratch: ${early(withT.fit, scratch.fit)}${pct(accW)}% vs ${pct(accS)}% after ${size.epochs} epoch(s)`,
    accuracy: accW, seconds: (Date.now() - t0) / 1000, checks,
    data: { intentA: a.finalAccuracy, transferred: accW, scratch: accS, pairings: rep.pairings.map((p) => [p.source, p.destination]) },
    section: {
      id: 'common', title: 'Automatic transfer of the layers two architectures share (article 003)',
      notes: [
        `intent-a (IntentA/: embedding → LSTM → fc → Logits) trained on ${categories.length} BANKING77 intents (${pct(a.finalAccuracy)}%). intent-b (IntentB/: embedding → LSTM → LSTM → Logits) is a different architecture under another prefix; transferCommon(…, {match: 'structure'}) found the shared early layers and copied them.`,
      ],
      charts: [
        { title: 'intent-b test accuracy: shared layers transferred vs from scratch', xLabel: 'step', yLabel: 'accuracy', series: [
          { name: 'transferred from intent-a', points: withT.fit.evals.map((e) => [e.step, e.accuracy] as const) },
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

/** Article 004: a text-rnn on old intents; the classes change (merge the cash-withdrawal pair, add held-out intents, drop one); continue vs from scratch. */
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
  const base = { model: 'text-rnn', learningRate: 0.01 };
  const old = await trainModel({ ...base, task: { dataset: 'banking77', categories: oldClasses, perClass: size.perClass, testLimit: size.textTest }, trainDir: oldDir, epochs: size.epochs + 1, label: 'classes/old' });
  const newTask = { dataset: 'banking77' as const, categories: newClasses, merges: [merge], perClass: size.perClass, testLimit: size.textTest };
  const changed = await trainModel({ ...base, task: newTask, classesFrom: { from: oldDir, merges: [merge] }, trainDir: join(work, 'classes', 'new'), epochs: size.epochs + 1, evalEvery: 5, label: 'classes/new' });
  const scratch = await trainModel({ ...base, task: newTask, epochs: size.epochs + 1, evalEvery: 5, label: 'classes/scratch' });
  const cc = changed.classChange!;
  const target = scratch.finalAccuracy;
  const reach = (r: TrainModelReport) => r.fit.evals.find((e) => e.accuracy >= target)?.seconds ?? null;
  // The imprinting pass (body forward over the new classes' examples) counts as the changed run's time.
  const tReach = reach(changed);
  const tChanged = tReach === null ? null : tReach + (changed.newClassInit?.seconds ?? 0);
  const checks = {
    'kept classes kept their head rows (moved, none fresh)': cc.plan.slots.filter((s) => s.status === 'moved' || s.status === 'kept').length === size.intents - 3,
    'the merged class starts from its two sources': cc.plan.slots.some((s) => s.status === 'merged' && s.from.length === 2),
    'held-out intents get new columns (imprinted from their examples), the dropped one is removed': cc.plan.summary.new === 2 && cc.plan.summary.removed === 1 && changed.newClassInit?.method === 'imprint' && changed.newClassInit.classes.length === 2,
    'the label list is saved beside the checkpoint': changed.classNames.join() === newClasses.join(),
  };
  return {
    id: 'classes', title: 'Classes change (article 004)',
    headline: `after the change: ${pct(changed.finalAccuracy)}% in ${size.epochs + 1} epochs (${changed.fit.trainSeconds.toFixed(1)} s) vs from scratch ${pct(scratch.finalAccuracy)}% in ${size.epochs + 1} epochs (${scratch.fit.trainSeconds.toFixed(1)} s)`,
    accuracy: changed.finalAccuracy, seconds: (Date.now() - t0) / 1000, checks,
    data: { old: old.finalAccuracy, changed: changed.finalAccuracy, scratch: scratch.finalAccuracy, secondsToScratchAccuracy: tChanged, scratchSeconds: scratch.fit.trainSeconds, plan: cc.plan.summary },
    section: {
      id: 'classes', title: 'A text classifier whose classes change (article 004)',
      notes: [
        `The old text-rnn (Model/…, softmax_w/softmax_b) was trained on ${oldClasses.length} intents (${pct(old.finalAccuracy)}%). The new label list reorders them, merges ${merge.sources.join(' + ')} into ${merge.target} (its head column starts as the mean of the two, bias mean + ln 2), adds ${added.join(', ')} (new columns imprinted from the mean features of their training examples) and drops ${removed}.`,
        tChanged === null ? 'The changed model did not reach the scratch model\'s final accuracy.' : `The changed model reached the scratch model's final accuracy (${pct(target)}%) after ${tChanged.toFixed(1)} s of training, vs ${scratch.fit.trainSeconds.toFixed(1)} s from scratch (${pct(tChanged / scratch.fit.trainSeconds)}%).`,
      ],
      charts: [
        { title: 'test accuracy vs training seconds', xLabel: 'seconds of training', yLabel: 'accuracy', series: [
          { name: 'class change (restored)', points: changed.fit.evals.map((e) => [e.seconds, e.accuracy] as const) },
          { name: 'from scratch', points: scratch.fit.evals.map((e) => [e.seconds, e.accuracy] as const), dashed: true },
        ] },
      ],
      tables: [
        { title: 'head rows per class', columns: ['class', 'index', 'status', 'from (old classes)'], rows: [
          ...cc.plan.slots.map((s) => [s.name, s.index, s.status, s.fromNames.join(' + ') || '—']),
          ...cc.plan.removed.map((r) => [r.name, null, r.status, r.into.length ? `→ ${r.into.join(', ')}` : '—']),
        ] },
        { title: 'checks', columns: ['check', 'ok'], rows: Object.entries(checks) },
      ],
      commands: [`graft train --model text-rnn --categories NEW_LIST --classes-from runs/old --merge ${CASH_MERGE} --train-dir runs/new`],
    },
  };
}
