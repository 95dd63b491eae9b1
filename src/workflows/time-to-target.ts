/**
 * Time to a target accuracy, measured the way bench/class-change measures it, so the demo and the
 * benchmark report the same quantity:
 *
 * 1. probe: train the candidate with an evaluation every `evalEvery` steps (and one before the
 *    first step), stopping at the first evaluation at or above the target, or at `maxSteps`;
 * 2. steps to the target = that evaluation's step (rounded up to the evaluation grid);
 * 3. replay: train the same number of steps from the same start without evaluations; its training
 *    seconds (plus whatever start-up work the candidate needs, e.g. imprinting new classes) are the
 *    time to the target. Training is deterministic, so the replay must end at the probe's accuracy
 *    (`replayMatches`); a replay that does not is reported, never hidden.
 *
 * The ratio is that time over the baseline's training seconds (the baseline reached the target at
 * its end: the target is usually the baseline's final accuracy).
 */
import type { EvalRecord } from './fit.js';

/** A candidate run that can be probed and replayed. */
export interface TimeToTargetRun {
  /** Train with evaluations (step 0 included), calling `stopWhen` after each; return the evaluations. */
  probe(options: { maxSteps: number; stopWhen: (e: EvalRecord) => boolean }): Promise<{ evals: EvalRecord[] }>;
  /** Train exactly `steps` steps without evaluations: training seconds (start-up included) and the final accuracy. */
  replay(steps: number): Promise<{ seconds: number; accuracy: number }>;
  /** Seconds of start-up work counted as training when the target is met at step 0 (default 0). */
  startSeconds?: number;
}

/** What {@link timeToTarget} measured. */
export interface TimeToTargetReport {
  targetAccuracy: number;
  /** First evaluation at or above the target, or null when the probe never got there. */
  stepsToTarget: number | null;
  secondsToTarget: number | null;
  /** secondsToTarget / the baseline's training seconds. */
  ratio: number | null;
  /** stepsToTarget / the baseline's steps. */
  stepRatio: number | null;
  /** The replay ended at the probe's accuracy (null when there was nothing to replay). */
  replayMatches: boolean | null;
  /** The probe's curve: [step, accuracy]. */
  curve: [number, number][];
}

/**
 * Probe, then replay, `run` against `targetAccuracy`.
 * @param baseline the run the target comes from: its training seconds and steps.
 */
export async function timeToTarget(
  run: TimeToTargetRun,
  targetAccuracy: number,
  baseline: { seconds: number; steps: number },
  options: { maxSteps: number },
): Promise<TimeToTargetReport> {
  const probe = await run.probe({ maxSteps: options.maxSteps, stopWhen: (e) => e.accuracy >= targetAccuracy });
  const hit = probe.evals.find((e) => e.accuracy >= targetAccuracy) ?? null;
  let seconds: number | null = null;
  let replayMatches: boolean | null = null;
  if (hit && hit.step === 0) seconds = run.startSeconds ?? 0;
  else if (hit) {
    const replay = await run.replay(hit.step);
    seconds = replay.seconds;
    replayMatches = replay.accuracy === hit.accuracy;
  }
  return {
    targetAccuracy,
    stepsToTarget: hit?.step ?? null,
    secondsToTarget: seconds,
    ratio: seconds === null || baseline.seconds <= 0 ? null : seconds / baseline.seconds,
    stepRatio: hit === null || baseline.steps <= 0 ? null : hit.step / baseline.steps,
    replayMatches,
    curve: probe.evals.map((e) => [e.step, e.accuracy]),
  };
}
