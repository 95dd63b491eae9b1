/**
 * `npm run faults`: the large fault-injection run (not part of `npm test`). Prints one JSON line
 * per write path (points tried, old / new / mixed counts, debris after the next write) and exits
 * 1 if any destination was mixed or any debris was left.
 *   node dist/test/io/faults-run.js [--points 50] [--seed 13] [--only SUBSTRING]
 */
import { parseArgs } from 'node:util';
import { allWritePaths, runKillPoints } from './faults.js';

const { values } = parseArgs({ options: { points: { type: 'string', default: '50' }, seed: { type: 'string', default: '13' }, only: { type: 'string' }, width: { type: 'string', default: '2' } } });
const points = Number(values.points);
let bad = 0;
const t0 = Date.now();
for (const [i, path] of allWritePaths().entries()) {
  if (values.only && !path.name.includes(values.only)) continue;
  const f = await runKillPoints(path, points, Number(values.seed) + i, Number(values.width));
  if (f.mixed > 0 || f.debrisAfterRewrite > 0) bad++;
  process.stdout.write(JSON.stringify(f) + '\n');
}
process.stderr.write(`faults: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${bad} write path(s) with mixed destinations or debris\n`);
process.exit(bad > 0 ? 1 : 0);
