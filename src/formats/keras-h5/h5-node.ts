/** h5wasm's Node build behind `#graft/h5wasm` (package.json `imports`); h5-browser.ts in a page. */
import type { FormatError } from '../../errors.js';

/** The h5wasm module (Node build). */
export async function importH5wasm(): Promise<typeof import('h5wasm/node')> {
  return import('h5wasm/node');
}

/** Why `.h5` cannot be read here, or undefined when it can (Node). */
export function h5Unavailable(_path: string): FormatError | undefined {
  return undefined;
}
