/**
 * `graft demo` as a function: run the chosen scenarios on the bundled real data, collect their
 * results into a summary, and write the self-contained HTML report.
 */
import { mkdir, mkdtemp, rm, writeFile } from '../../io/fs.js';
import { tmpdir } from '../../io/fs.js';
import { join, resolve } from '../../io/path.js';
import { InvalidArgumentError } from '../../errors.js';
import { renderHtmlReport, type ReportDocument } from '../report/html-report.js';
import { classesScenario, commonScenario } from './scenarios-text.js';
import { emaScenario, stagedScenario, transferScenario } from './scenarios-mnist.js';
import { tfCheckpointScenario } from './scenario-tf-checkpoint.js';
import { FULL, QUICK, type DemoSize, type ScenarioResult } from './types.js';

/** Scenario names, in run order. */
export const SCENARIOS = ['staged', 'ema', 'transfer', 'common', 'classes', 'tf-checkpoint'] as const;
/** One scenario name. */
export type ScenarioName = (typeof SCENARIOS)[number];

const RUNNERS: Record<ScenarioName, (work: string, size: DemoSize) => Promise<ScenarioResult>> = {
  staged: stagedScenario,
  ema: emaScenario,
  transfer: transferScenario,
  common: commonScenario,
  classes: classesScenario,
  'tf-checkpoint': tfCheckpointScenario,
};

/** Options of {@link runDemo}. */
export interface RunDemoOptions {
  /** Scenarios to run; default all. */
  scenarios?: ScenarioName[];
  quick?: boolean;
  /** Override data sizes (tests use tiny ones). */
  size?: Partial<DemoSize>;
  /** Where `index.html` goes; default `report`. Null = no report file. */
  reportDir?: string | null;
  /** Where checkpoints go; default a temporary directory removed afterwards. */
  workDir?: string;
  /** Backend name for the report. */
  backend?: string;
  /** Called after each scenario. */
  onScenario?: (r: ScenarioResult) => void;
}

/** What a demo run did. */
export interface DemoReport {
  quick: boolean;
  scenarios: { id: string; title: string; headline: string; vsBaseline: string; accuracy: number; seconds: number; checks: Record<string, boolean>; data: Record<string, unknown> }[];
  allChecksPassed: boolean;
  seconds: number;
  reportPath: string | null;
  workDir: string | null;
}

/** Run the demo scenarios and write the report. */
export async function runDemo(options: RunDemoOptions = {}): Promise<DemoReport> {
  const t0 = Date.now();
  const names = options.scenarios ?? [...SCENARIOS];
  for (const n of names) {
    if (!SCENARIOS.includes(n)) throw new InvalidArgumentError('unknown_scenario', `unknown demo scenario "${n}"`, { hint: `use one of: all, ${SCENARIOS.join(', ')}` });
  }
  const size: DemoSize = { ...(options.quick ? QUICK : FULL), ...(options.size ?? {}) };
  const keepWork = options.workDir !== undefined;
  const work = options.workDir ?? (await mkdtemp(join(tmpdir(), 'graft-demo-')));
  const results: ScenarioResult[] = [];
  try {
    for (const n of names) {
      const r = await RUNNERS[n](work, size);
      results.push(r);
      options.onScenario?.(r);
    }
  } finally {
    if (!keepWork) await rm(work, { recursive: true, force: true });
  }
  const seconds = (Date.now() - t0) / 1000;
  let reportPath: string | null = null;
  if (options.reportDir !== null) {
    const dir = resolve(options.reportDir ?? 'report');
    await mkdir(dir, { recursive: true });
    reportPath = join(dir, 'index.html');
    await writeFile(reportPath, renderHtmlReport(demoDocument(results, { quick: size.quick, seconds, backend: options.backend ?? 'wasm' })));
  }
  return {
    quick: size.quick,
    scenarios: results.map((r) => ({ id: r.id, title: r.title, headline: r.headline, vsBaseline: r.vsBaseline, accuracy: r.accuracy, seconds: r.seconds, checks: r.checks, data: r.data })),
    allChecksPassed: results.every((r) => Object.values(r.checks).every(Boolean)),
    seconds,
    reportPath,
    workDir: keepWork ? work : null,
  };
}

/** The report document of a demo run. */
export function demoDocument(results: ScenarioResult[], facts: { quick: boolean; seconds: number; backend: string }): ReportDocument {
  return {
    title: 'Graft demo — six TF1-style workflows on real data',
    facts: { run: facts.quick ? 'graft demo --quick' : 'graft demo', backend: facts.backend, 'total seconds': facts.seconds.toFixed(1), data: 'MNIST (LeCun et al.), BANKING77 (Casanueva et al. 2020)', date: new Date().toISOString().slice(0, 19) + 'Z' },
    summary: {
      title: 'summary',
      columns: ['scenario', 'result', 'vs baseline', 'accuracy %', 'seconds', 'checks'],
      rows: results.map((r) => [r.title, r.headline, r.vsBaseline, Math.round(1000 * r.accuracy) / 10, Number(r.seconds.toFixed(1)), `${Object.values(r.checks).filter(Boolean).length}/${Object.keys(r.checks).length} passed`]),
    },
    sections: results.map((r) => r.section),
  };
}
