/**
 * `doctor()`: which backend runs and why, as data and as lines a page can show (the CLI's
 * `graft doctor` adds the install checks of a Node machine on top of the same BackendInfo).
 */
import { RUNTIME_HOST } from '#graft/runtime-host';
import { initBackend, type BackendInfo, type InitBackendOptions } from './backend.js';

/** What {@link doctor} found. */
export interface DoctorReport {
  /** Where this runs. */
  host: 'node' | 'browser';
  /** The backend choice (initBackend's result). */
  info: BackendInfo;
  /** The same, one fact per line, for a page or a log. */
  lines: string[];
}

/**
 * Start (or reuse) the backend and describe it.
 * @example
 *   const { lines } = await doctor({ wasmPaths: '/wasm/' });
 *   document.querySelector('#doctor').textContent = lines.join('\n');
 */
export async function doctor(options: InitBackendOptions = {}): Promise<DoctorReport> {
  const info = await initBackend(options);
  const lines = [
    `host: ${RUNTIME_HOST}`,
    `backend: ${info.backend} (kernels: ${info.kernels}, ${info.threads} thread${info.threads === 1 ? '' : 's'})`,
    `why: ${info.reason}`,
  ];
  const b = info.browser;
  if (b) {
    lines.push(
      `cross-origin isolated: ${b.crossOriginIsolated ? 'yes' : 'no'}; wasm SIMD: ${b.simd ? 'yes' : 'no'}; wasm threads: ${b.multithread ? 'yes' : 'no'} (${b.hardwareConcurrency} cores)`,
      `webgl: ${b.webgl ? 'present' : 'absent'}; webgpu: ${b.webgpu ? 'present' : `absent (${b.webgpuNote ?? 'unknown'})`}`,
    );
  }
  if (info.nativeError) lines.push(`native kernels: ${info.nativeError}`);
  lines.push(`faster: ${info.howToGetFast}`);
  return { host: RUNTIME_HOST, info, lines };
}
