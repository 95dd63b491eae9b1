/** runtime/'s host facts in a page (`#graft/runtime-host`, `browser` condition): no addon, no env, no files. */
import type * as Node from './host-node.js';

export const existsSync: typeof Node.existsSync = () => false;
export const availableParallelism: typeof Node.availableParallelism = () =>
  Math.max(1, (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
export const fileURLToPath: typeof Node.fileURLToPath = (url) => String(url).replace(/^file:\/\//, '');
export const fileUrlOf: typeof Node.fileUrlOf = (path) => path; // a page imports modules by URL
export const loadAverage: typeof Node.loadAverage = () => undefined;
export const RUNTIME_HOST: typeof Node.RUNTIME_HOST = 'browser';
export const requireNative: typeof Node.requireNative = () => {
  throw new Error('native addons do not load in a browser');
};
export const env: typeof Node.env = () => undefined;
export const envDefault: typeof Node.envDefault = () => undefined;
export const stderrWrite: typeof Node.stderrWrite = (text) => { console.warn(text.trimEnd()); };
