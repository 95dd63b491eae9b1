// TEMPORARY (to be deleted when br-core's node-free src/ lands): an esbuild plugin that resolves
// Node built-ins and Node-only packages to modules of inert functions, so the example bundles
// before then. The export names are the ones src/ imports (scanned from the sources).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function names() {
  const out = new Set(['createRequire', 'default']);
  const walk = (d) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'(?:node:[^']*|module|@node-rs\/crc32)'/g)) {
          for (const x of m[1].split(',')) { const k = x.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]; if (k) out.add(k); }
        }
      }
    }
  };
  walk(new URL('../../src', import.meta.url).pathname);
  return [...out];
}

export const nodeStubs = {
  name: 'node-stubs',
  setup(b) {
    const list = names().filter((n) => n !== 'default');
    const body = 'const dummy = new Proxy(function () {}, { get: (_, k) => (k === Symbol.toPrimitive ? () => "stub" : k === "then" ? undefined : dummy), apply: () => dummy, construct: () => dummy });\n'
      + list.map((n) => `export const ${n} = ${n === 'availableParallelism' ? '() => 1' : 'dummy'};`).join('\n') + '\nexport default dummy;';
    b.onResolve({ filter: /^(node:.*|module|@node-rs\/crc32.*)$/ }, (a) => ({ path: a.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: body, loader: 'js' }));
  },
};
