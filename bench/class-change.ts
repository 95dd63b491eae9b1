/**
 * Class change vs training from scratch (article 004) on BANKING77 with the article's text-rnn:
 * an old model on old intents; the new label list merges the cash-withdrawal pair, adds two
 * held-out intents, drops one and reorders the rest. Measures the training seconds the
 * class-aware restored model needs to reach the scratch model's final accuracy, against the
 * scratch model's training seconds, for both initialisations of the new classes' head columns
 * (`imprint`, the default, and `fresh`). Same model, learning rate, batch size, seed, epochs and
 * data for old, scratch and changed runs. Goal: ≤ 10 %. One JSON object per line.
 *
 * Protocol, per scenario:
 * 1. a probe run evaluates the changed model before its first step and after every step, and
 *    stops at the first evaluation at or above the target (at most the scratch run's steps);
 * 2. a replay run trains the same number of steps from the same start with no evaluation in
 *    between, and its training seconds (plus the imprinting pass, which runs the body forward)
 *    are the time to the target. Training is deterministic, so the replay must end at the probe's
 *    accuracy (`replayMatches`); per-step evaluations would otherwise disturb the step timings.
 *
 * Scenarios: `--windows 0,20,40` picks the intents from offset 0 (the demo's), 20 and 40 of the
 * BANKING77 category list, so one lucky set of intents cannot carry the result; the goal line
 * says whether every window meets it.
 *
 *   npm run bench -- class-change [--intents 12] [--per-class 100] [--epochs 4] [--windows 0,20,40] [--quick]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../src/runtime/backend.js';
import { banking77Categories } from '../src/models/data/banking77.js';
import { parseMergeSpec } from '../src/workflows/class-plan.js';
import { CASH_MERGE } from '../src/workflows/demo/scenarios-text.js';
import { trainModel } from '../src/workflows/train-model.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}

const quick = process.argv.includes('--quick');
const intents = Number(arg('intents', quick ? '6' : '12'));
const perClass = Number(arg('per-class', quick ? '40' : '100'));
const epochs = Number(arg('epochs', quick ? '2' : '4'));
const windows = arg('windows', quick ? '0' : '0,20,40').split(',').map(Number);
const info = await initBackend();
const work = await mkdtemp(join(tmpdir(), 'graft-bench-classes-'));
const ratios: Record<string, (number | null)[]> = { imprint: [], fresh: [] };
try {
  const all = await banking77Categories();
  const merge = parseMergeSpec(CASH_MERGE);
  for (const window of windows) {
    const others = all.filter((c) => !merge.sources.includes(c)).slice(window);
    const oldClasses = [...others.slice(0, intents - 2), ...merge.sources];
    const newClasses = [...oldClasses.slice(1, intents - 2).reverse(), merge.target, ...others.slice(intents - 2, intents)];
    const common = { model: 'text-rnn', learningRate: 0.01 };
    const oldDir = join(work, `old-${window}`);
    const old = await trainModel({ ...common, task: { dataset: 'banking77', categories: oldClasses, perClass, testLimit: 40 * intents }, trainDir: oldDir, epochs });
    console.log(JSON.stringify({ bench: 'class-change', window, step: 'old', backend: info.backend, kernels: (info as { kernels?: string }).kernels ?? null, classes: oldClasses.length, accuracy: old.finalAccuracy, trainSeconds: old.fit.trainSeconds }));
    const newTask = { dataset: 'banking77' as const, categories: newClasses, merges: [merge], perClass, testLimit: 40 * intents };
    const scratch = await trainModel({ ...common, task: newTask, epochs });
    const target = scratch.finalAccuracy;
    console.log(JSON.stringify({ bench: 'class-change', window, step: 'scratch', accuracy: target, trainSeconds: scratch.fit.trainSeconds, steps: scratch.fit.steps, epochs }));
    for (const init of ['imprint', 'fresh'] as const) {
      const classesFrom = { from: oldDir, merges: [merge], newClassInit: init };
      const probe = await trainModel({ ...common, task: newTask, classesFrom, epochs, maxSteps: scratch.fit.steps, evalEvery: 1, evalAtStart: true, stopWhen: (e) => e.accuracy >= target });
      const hit = probe.fit.evals.find((e) => e.accuracy >= target) ?? null;
      let seconds: number | null = null;
      let replayMatches: boolean | null = null;
      if (hit) {
        const replay = hit.step === 0 ? null : await trainModel({ ...common, task: newTask, classesFrom, epochs, maxSteps: hit.step });
        seconds = (replay?.fit.trainSeconds ?? 0) + (replay?.newClassInit?.seconds ?? probe.newClassInit?.seconds ?? 0);
        replayMatches = replay === null || replay.finalAccuracy === hit.accuracy;
      }
      const ratio = seconds === null ? null : seconds / scratch.fit.trainSeconds;
      ratios[init]!.push(ratio);
      console.log(JSON.stringify({
        bench: 'class-change', window, step: 'changed', newClassInit: init, plan: probe.classChange?.plan.summary,
        accuracyAtStart: probe.fit.evals[0]?.accuracy ?? null, initSeconds: probe.newClassInit?.seconds ?? 0, initExamples: probe.newClassInit?.examples ?? 0,
        stepsToScratchAccuracy: hit?.step ?? null, secondsToScratchAccuracy: seconds, replayMatches,
      }));
      console.log(JSON.stringify({
        bench: 'class-change', window, metric: 'time_to_scratch_accuracy_ratio', newClassInit: init,
        value: ratio === null ? null : Number(ratio.toFixed(4)), stepRatio: hit ? Number((hit.step / scratch.fit.steps).toFixed(4)) : null,
        scratchSteps: scratch.fit.steps, scratchSeconds: scratch.fit.trainSeconds, target, goal: 'ratio <= 0.10', met: ratio !== null && ratio <= 0.1 && replayMatches === true,
      }));
    }
  }
  for (const [init, rs] of Object.entries(ratios)) {
    console.log(JSON.stringify({ bench: 'class-change', metric: 'time_to_scratch_accuracy_ratio_all_windows', newClassInit: init, windows, values: rs.map((r) => (r === null ? null : Number(r.toFixed(4)))), goal: 'every window <= 0.10', met: rs.every((r) => r !== null && r <= 0.1) }));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
