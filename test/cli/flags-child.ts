// Child process of flags.test.ts: runs main() in-process for each argv given as JSON in argv[2]
// (with --json), capturing stdout, and prints [{code, error}] as one JSON line. (The test
// process itself cannot capture stdout: Node's test runner speaks over it.)
import { main } from '../../src/cli/main.js';

const cases = JSON.parse(process.argv[2]!) as string[][];
const results: { code: number; error?: unknown }[] = [];
const write = process.stdout.write.bind(process.stdout);
for (const argv of cases) {
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  const code = await main([...argv, '--json']);
  process.stdout.write = write;
  const last = out.trim().split('\n').pop() ?? '';
  results.push({ code, error: last.startsWith('{') ? (JSON.parse(last) as { error?: unknown }).error : out.slice(0, 200) });
}
write(JSON.stringify(results) + '\n');
