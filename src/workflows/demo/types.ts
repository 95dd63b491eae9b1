/** What every demo scenario returns: a summary row, a report section, and the facts tests check. */
import type { ReportSection } from '../report/html-report.js';

/** Data sizes of a demo run (`--quick` or full). */
export interface DemoSize {
  quick: boolean;
  /** MNIST training / test examples per model. */
  mnistTrain: number;
  mnistTest: number;
  /** BANKING77 intents and training queries per intent. */
  intents: number;
  perClass: number;
  textTest: number;
  /** Epochs of the main trainings. */
  epochs: number;
  /** Trainings run to convergence (the class change's old and scratch models): at most this many epochs… */
  maxEpochs: number;
  /** …stopping after this many epochs without a better evaluation (TF's stop_if_no_increase). */
  patienceEpochs: number;
}

/** Quick: a few minutes on 2 cores. */
export const QUICK: DemoSize = { quick: true, mnistTrain: 800, mnistTest: 400, intents: 8, perClass: 60, textTest: 240, epochs: 2, maxEpochs: 6, patienceEpochs: 2 };
/** Full: a few minutes on 2 cores with the native kernels (about ten with the JS kernel pack). */
export const FULL: DemoSize = { quick: false, mnistTrain: 4000, mnistTest: 2000, intents: 12, perClass: 120, textTest: 480, epochs: 3, maxEpochs: 8, patienceEpochs: 2 };

/** A scenario's result. */
export interface ScenarioResult {
  id: string;
  title: string;
  /** One line in the summary table. */
  headline: string;
  /** The measured comparison against the scenario's baseline, for the summary's "vs baseline" column. */
  vsBaseline: string;
  /** Main accuracy shown in the summary. */
  accuracy: number;
  seconds: number;
  /** Pass/fail facts the demo asserts (e.g. frozen bytes unchanged). */
  checks: Record<string, boolean>;
  section: ReportSection;
  /** Everything else, JSON. */
  data: Record<string, unknown>;
}
