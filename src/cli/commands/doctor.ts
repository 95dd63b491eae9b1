/**
 * `graft doctor [--json] [--backend NAME]`: which compute backend runs, why, on how many threads,
 * which kernels Graft registered over it, and the exact steps to get the fast (native) path.
 */
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { UsageError } from '../../errors.js';
import { BACKEND_NAMES, HOW_TO_GET_NATIVE, buildNativeCommand, initBackend, installContext, oneDnnHeadersFound } from '../../runtime/index.js';
import type { BackendInfo, BackendName } from '../../runtime/index.js';
import { stringFlag } from '../command.js';
import type { Command } from '../command.js';

/** What `graft doctor` reports (`--json` prints exactly this). */
export interface DoctorReport extends BackendInfo {
  /** True when the heavy ops run on native code (oneDNN kernels or tfjs-node). */
  fast: boolean;
  /** Versions of the pieces that compute. */
  versions: { node: string; tfjs: string; onednn?: string };
  /** wasm SIMD in use (TF.js flag WASM_HAS_SIMD_SUPPORT), when the backend is wasm. */
  wasmSimd?: boolean;
  /** Facts about the native addon: where it is looked for, whether it is built, oneDNN headers present. */
  native: { addonPath?: string; built: boolean; onednnHeaders: boolean; threads?: number; simd?: string };
  /** Where this copy of Graft lives: a clone of the repo or a package installed into a project. */
  install: 'repo' | 'installed';
  /** The commands to run, in order, to get the fast path ([] when already on it). */
  steps: string[];
}

interface NativeInfoLike { path?: string; onednn?: string; threads?: number; simd?: string }

async function nativeFacts(): Promise<NativeInfoLike | undefined> {
  const spec = '../../runtime/native/index.js'; // optional module (the native kernels' loader)
  try {
    const mod = (await import(spec)) as { nativeInfo?: () => NativeInfoLike };
    return mod.nativeInfo?.();
  } catch {
    return undefined;
  }
}

/** Build the doctor report for the backend this process runs (initialising it if needed). */
export async function doctor(options: { backend?: BackendName } = {}): Promise<DoctorReport> {
  const info = await initBackend(options.backend ? { backend: options.backend } : {});
  const facts = await nativeFacts();
  const built = facts?.path ? existsSync(facts.path) : false;
  const onednnHeaders = oneDnnHeadersFound();
  const fast = info.kernels === 'native' || info.kernels === 'tfjs-node';
  const steps: string[] = [];
  if (!fast) {
    if (!onednnHeaders) steps.push('apt-get install -y libdnnl-dev (or set GRAFT_DNNL_DIR to a oneDNN install prefix)');
    if (!built || !onednnHeaders) steps.push(buildNativeCommand());
    if (built && onednnHeaders && info.nativeError) steps.push(`fix the load error: ${info.nativeError}`);
    if (info.requested === 'wasm' || info.requested === 'cpu') steps.push('unset GRAFT_BACKEND (or drop --backend) so Graft picks the native kernels');
  }
  const report: DoctorReport = {
    ...info,
    fast,
    versions: { node: process.versions.node, tfjs: tf.version_core, ...(facts?.onednn ? { onednn: facts.onednn } : {}) },
    native: {
      ...(facts?.path ? { addonPath: facts.path } : {}), built, onednnHeaders,
      ...(facts?.threads !== undefined ? { threads: facts.threads } : {}), ...(facts?.simd ? { simd: facts.simd } : {}),
    },
    install: installContext(),
    steps,
  };
  if (info.backend === 'wasm') report.wasmSimd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return report;
}

function render(r: DoctorReport): string {
  const threadNote = r.kernels === 'native' ? 'native kernels (oneDNN, OpenMP); the light ops stay on wasm\'s 1 thread'
    : r.backend === 'wasm' ? 'TF.js wasm in Node runs on one thread (its threaded build cannot start workers in Node)'
      : r.backend === 'cpu' ? 'the cpu backend is plain JavaScript' : 'libtensorflow';
  const lines = [
    `backend:   ${r.backend} (kernels: ${r.kernels})${r.fast ? '' : '  — slow path'}`,
    `why:       ${r.reason}`,
    `threads:   ${r.threads} — ${threadNote}`,
    `kernels:   ${r.registeredKernels.length ? r.registeredKernels.join(', ') : 'stock only'}${r.nativeKernels?.length ? ` (native: ${r.nativeKernels.join(', ')})` : ''}`,
    `versions:  node ${r.versions.node}, tfjs ${r.versions.tfjs}${r.versions.onednn ? `, oneDNN ${r.versions.onednn}` : ''}${r.wasmSimd !== undefined ? `, wasm SIMD ${r.wasmSimd ? 'on' : 'off'}` : ''}`,
    `native:    ${r.kernels === 'native' ? 'loaded' : `not loaded${r.nativeError ? ` (${r.nativeError})` : ''}`}; oneDNN headers ${r.native.onednnHeaders ? 'found' : 'missing'}; addon ${r.native.built ? 'built' : 'not built'}`,
  ];
  if (r.tfjsNodeError) lines.push(`tfjs-node: ${r.tfjsNodeError}`);
  if (r.fast) lines.push(`fast path: ${r.howToGetFast}`);
  else {
    lines.push('to get the fast path:');
    for (const s of r.steps) lines.push(`  ${s}`);
    if (r.steps.length === 0) lines.push(`  ${HOW_TO_GET_NATIVE}`);
  }
  return lines.join('\n');
}

/** `graft doctor`. */
export const doctorCommand: Command<DoctorReport> = {
  name: 'doctor',
  summary: 'say which compute backend runs, why, and how to get the fast one',
  help: [
    'graft doctor — which compute backend runs, why, its thread count, the kernels Graft registered,',
    'and exactly how to get the fast (native oneDNN) path.',
    '',
    'usage: graft doctor [--backend NAME] [--json]',
    '',
    'flags:',
    `  --backend NAME  check a specific backend: ${BACKEND_NAMES.join(', ')} (default: GRAFT_BACKEND, else automatic)`,
    '  --json          print the report as one JSON document',
    '',
    'examples:',
    '  graft doctor',
    '  graft doctor --json',
    '  GRAFT_BACKEND=wasm graft doctor',
  ].join('\n'),
  options: { backend: { type: 'string' } },
  async run(args) {
    const backend = stringFlag(args, 'backend');
    if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
      throw new UsageError('bad_usage', `graft doctor: --backend ${backend} is not a backend Graft knows`, {
        hint: `use one of ${BACKEND_NAMES.join(', ')}`,
      });
    }
    return doctor(backend ? { backend: backend as BackendName } : {});
  },
  render,
};
