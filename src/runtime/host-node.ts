/**
 * What runtime/ needs of Node (the addon file, `require` of a `.node` file, core count, env),
 * behind `#graft/runtime-host` (package.json `imports`); host-browser.ts in a page.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

export { existsSync, availableParallelism, fileURLToPath };

/** The `file://` URL of a path, as a string (for `import()` of a user's module). */
export function fileUrlOf(path: string): string {
  return pathToFileURL(path).href;
}

/** The 1-minute load average, or undefined where the host has none. */
export function loadAverage(): number | undefined {
  return loadavg()[0];
}

/** `'node'` here, `'browser'` in the browser variant. */
export const RUNTIME_HOST: 'node' | 'browser' = 'node';

/** Load a native addon (`.node` file) by absolute path. */
export function requireNative(path: string): unknown {
  return createRequire(import.meta.url)(path);
}

/** An environment variable, or undefined. */
export function env(name: string): string | undefined {
  return process.env[name];
}

/** Set an environment variable when it is unset. */
export function envDefault(name: string, value: string): void {
  process.env[name] ??= value;
}

/** Write a line to stderr. */
export function stderrWrite(text: string): void {
  process.stderr.write(text);
}
