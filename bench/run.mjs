#!/usr/bin/env node
// `npm run bench -- NAME [args…]`: runs bench NAME (compiled from bench/NAME.ts to dist/bench/NAME.js),
// which prints one JSON object a line. Without NAME, lists the benchmarks.
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
const root = new URL('..', import.meta.url).pathname;
const dir = root + 'dist/bench/';
const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)) : [];
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME one of: ${names.join(', ') || 'none built'})`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [dir + name + '.js', ...rest], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
