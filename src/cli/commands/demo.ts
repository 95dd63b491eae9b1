/**
 * `graft demo`: the seven scenarios (the original articles, a TF-written checkpoint, a tf.LayersModel with model.fit), end to end on the bundled real data
 * (MNIST, BANKING77), with a summary table and a self-contained `report/index.html`.
 */
import type { Command, ParsedArgs } from '../command.js';
import { boolFlag, stringFlag } from '../command.js';
import { UsageError } from '../../errors.js';
import { initBackend } from '../../runtime/backend.js';
import { SCENARIOS, runDemo, type DemoReport, type ScenarioName } from '../../workflows/demo/index.js';

const HELP = `graft demo — run the seven scenarios end to end on real data and write report/index.html

usage: graft demo [all|staged|ema|transfer|common|classes|tf-checkpoint|layers-fit]… [--quick] [--report DIR] [--work-dir DIR] [--json]

scenarios (default all):
  staged     article 000: CNN+LSTM trained in stages, each part saved/restored from its own dir,
             the frozen part proven unchanged by checksums
  ema        article 001: MNIST with exponential LR decay and moving averages; raw vs EMA eval
             from .meta.json; a partial save under other names
  transfer   article 002: digits 0–4 → 5–9 with a new Logits head: freeze vs features vs finetune
  common     article 003: two BANKING77 architectures share embedding + first LSTM under other
             prefixes; the shared layers are found and copied automatically
  classes    article 004: a BANKING77 classifier whose classes change (merge, add, drop);
             head rows kept per class; time to the from-scratch model's final accuracy
             (both trained to convergence), measured as bench/class-change does
  tf-checkpoint  a checkpoint TensorFlow wrote (TF1 Estimator MNIST CNN) restored into a
             tf.LayersModel with the restore plan's report, evaluated on the real test digits
  layers-fit a tf.sequential CNN trained with model.fit and Graft's callbacks (checkpoint with
             keep-best, TensorBoard, LR schedule, EMA, early stopping, terminate-on-NaN);
             stopped after k epochs and resumed in a fresh model, bit-identical to a run-through

  --quick          small slices: under 30 s on 2 cores with the native kernels  (default: off, ~2 min)
  --report DIR     where index.html goes                                     (default report)
  --work-dir DIR   keep the checkpoints there                                (default: a temp dir, removed)
  --json           print the results as one JSON document

examples:
  graft demo --quick
  graft demo transfer classes --report out/report`;

/** `graft demo`. */
export const demoCommand: Command<DemoReport> = {
  name: 'demo',
  summary: 'run the seven scenarios end to end on real data and write report/index.html',
  help: HELP,
  options: {
    quick: { type: 'boolean' },
    report: { type: 'string' },
    'work-dir': { type: 'string' },
  },
  async run(args: ParsedArgs): Promise<DemoReport> {
    const picked = args.positionals.length === 0 || args.positionals.includes('all') ? [...SCENARIOS] : args.positionals;
    for (const p of picked) {
      if (!(SCENARIOS as readonly string[]).includes(p)) throw new UsageError('unknown_scenario', `unknown demo scenario "${p}"`, { hint: `use all or some of: ${SCENARIOS.join(', ')}` });
    }
    const info = await initBackend();
    const workDir = stringFlag(args, 'work-dir');
    return runDemo({
      scenarios: picked as ScenarioName[],
      quick: boolFlag(args, 'quick'),
      reportDir: stringFlag(args, 'report') ?? 'report',
      ...(workDir !== undefined ? { workDir } : {}),
      backend: `${info.backend} (${info.reason})`,
      onScenario: (r) => process.stderr.write(`demo: ${r.id} done in ${r.seconds.toFixed(1)} s — ${r.headline}\n`),
    });
  },
  render(r: DemoReport): string {
    const w = Math.max(...r.scenarios.map((s) => s.id.length));
    const lines = [`graft demo${r.quick ? ' --quick' : ''}: ${r.scenarios.length} scenario(s) in ${r.seconds.toFixed(1)} s`, ''];
    for (const s of r.scenarios) {
      const checks = Object.values(s.checks);
      lines.push(`  ${s.id.padEnd(w)}  ${s.seconds.toFixed(0).padStart(4)} s  checks ${checks.filter(Boolean).length}/${checks.length}  ${s.headline}`);
      lines.push(`  ${''.padEnd(w)}  vs baseline: ${s.vsBaseline}`);
      for (const [k, ok] of Object.entries(s.checks)) if (!ok) lines.push(`  ${''.padEnd(w)}  FAILED: ${k}`);
    }
    lines.push('', r.allChecksPassed ? 'all checks passed' : 'SOME CHECKS FAILED');
    if (r.reportPath) lines.push(`report: ${r.reportPath}`);
    return lines.join('\n');
  },
};
