/**
 * CheckpointManager: the checkpoint side of a training loop, as the articles do it by hand —
 * resume from `latestCheckpoint(trainDir)` if there is one, else initialise and warm-start from a
 * pretrained checkpoint with exclusions; keep the N latest checkpoints (TF Saver retention) and
 * the N best by a metric in `<dir>/best/` with its own `checkpoint` state file (listed worst →
 * best, so `latestCheckpoint(dir + '/best')` is the best one).
 *
 * Unlike a fresh TF1 Saver, the manager adopts the checkpoints already listed in the state files
 * (TF2 CheckpointManager does the same), so retention continues across restarts, and it deletes
 * the temporary files a crashed save left behind (it owns its directory: one writer at a time). Every
 * checkpoint gets a `.meta.json` holding `extra: {step, metrics}`, from which the best list is
 * rebuilt after a restart.
 */
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { Parameter } from '../variables/parameter-set.js';
import { normalizeVarList, type VarList } from './var-list.js';
import { Saver, deleteCheckpointFiles, type SaverFormat } from './saver.js';
import { buildMeta, readMeta, writeMeta, type MetaInput } from './meta.js';
import { getCheckpointState, latestCheckpoint, updateCheckpointState } from './state.js';
import { planRestore, type RestorePlanOptions, type RestoreReport } from './restore-plan.js';
import { executeRestorePlan } from './execute-plan.js';
import type { AssignmentMap } from './assignment-map.js';

/** Keep the N best checkpoints by a metric. */
export interface KeepBestOptions {
  /** Key in `save(step, {metrics})`. */
  metric: string;
  /** `'max'` for accuracy-like metrics, `'min'` for losses. */
  mode: 'max' | 'min';
  /** How many best checkpoints to keep; default 1. */
  maxToKeep?: number;
}

/** Where to warm-start from when there is nothing to resume. */
export interface WarmStartOptions {
  /** Pretrained checkpoint: a prefix, a directory with a state file, or any supported file. */
  from: string;
  include?: readonly string[];
  /** Scopes not to load (slim `checkpoint_exclude_scopes`), e.g. `['Logits']`. */
  exclude?: readonly string[];
  ignoreMissing?: boolean;
  assignmentMap?: AssignmentMap;
}

/** Options for {@link CheckpointManager}. */
export interface CheckpointManagerOptions {
  /** Every variable training changes (model, optimizer slots, global step). */
  params: VarList;
  /** Latest checkpoints to keep; default 5. */
  maxToKeep?: number;
  keepCheckpointEveryNHours?: number;
  /** File prefix inside the directory; default `"model.ckpt"`. */
  checkpointName?: string;
  keepBest?: KeepBestOptions;
  warmStart?: WarmStartOptions;
  /** Model description written to every `.meta.json`. */
  meta?: MetaInput;
  /** fsync files and directories; default true. */
  fsync?: boolean;
  /** File format of the checkpoints (latest and best); default `'tf-bundle'`. */
  format?: SaverFormat;
  /** Clock (seconds) for retention; tests inject one. */
  now?: () => number;
}

/** What `restoreOrInitialize` did. */
export interface RestoreOrInitializeReport {
  action: 'resumed' | 'warm-started' | 'fresh';
  /** The checkpoint read, or null when fresh. */
  path: string | null;
  /** The step of the resumed checkpoint (from its name), or null. */
  step: number | null;
  /** The restore report, or null when fresh. */
  plan: RestoreReport | null;
  /** One line for a log. */
  message: string;
}

/** What `save` did. */
export interface ManagerSaveReport {
  path: string;
  /** Path written under `best/`, or null when the metric did not qualify (or no keepBest). */
  bestPath: string | null;
  /** Checkpoints deleted from `best/` by this save. */
  bestDeleted: string[];
}

interface BestEntry {
  path: string;
  step: number;
  value: number;
}

function stepFromPath(path: string): number | null {
  const m = /-(\d+)(\.safetensors)?$/.exec(path);
  return m ? Number(m[1]) : null;
}

/** Temporary siblings left by a crash mid-write (formats/atomic.ts names them `.<file>.tmp<16 hex>`). */
const TEMP_FILE = /^\..+\.tmp[0-9a-f]{16}$/;

/** Delete the temporary files a crashed save left in `dir` (the manager owns its directory). */
async function removeStaleTempFiles(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) if (TEMP_FILE.test(n)) await unlink(join(dir, n)).catch(() => undefined);
}

/** Resume-or-warm-start plus keep-latest and keep-best retention over one directory. */
export class CheckpointManager {
  readonly dir: string;
  readonly bestDir: string;
  private readonly options: CheckpointManagerOptions;
  private readonly saver: Saver;
  private readonly record: Record<string, Parameter> = {};
  private loaded = false;
  private best: BestEntry[] = [];

  /** @throws InvalidArgumentError `bad_max_to_keep` for a keepBest.maxToKeep below 1. */
  constructor(dir: string, options: CheckpointManagerOptions) {
    this.dir = dir;
    this.bestDir = join(dir, 'best');
    this.options = options;
    for (const { key, param } of normalizeVarList(options.params)) this.record[key] = param;
    const keep = options.keepBest?.maxToKeep ?? 1;
    if (options.keepBest && (!Number.isInteger(keep) || keep < 1)) {
      throw new InvalidArgumentError('bad_max_to_keep', `keepBest.maxToKeep must be a positive integer, got ${keep}`, { hint: 'keep at least one best checkpoint' });
    }
    this.saver = new Saver({
      varList: this.record,
      maxToKeep: options.maxToKeep ?? 5,
      keepCheckpointEveryNHours: options.keepCheckpointEveryNHours,
      fsync: options.fsync,
      now: options.now,
      recordTimestamps: true,
      ...(options.format ? { format: options.format } : {}),
    });
  }

  private get prefix(): string {
    return join(this.dir, this.options.checkpointName ?? 'model.ckpt');
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    await removeStaleTempFiles(this.dir);
    await removeStaleTempFiles(this.bestDir);
    const state = await getCheckpointState(this.dir);
    if (state) await this.saver.recoverLastCheckpoints(state.allModelCheckpointPaths, state.allModelCheckpointTimestamps, state.lastPreservedTimestamp);
    const kb = this.options.keepBest;
    const bestState = kb ? await getCheckpointState(this.bestDir) : null;
    if (kb && bestState) {
      for (const path of bestState.allModelCheckpointPaths) {
        const meta = await readMeta(path).catch(() => undefined);
        const metrics = (meta?.extra?.metrics ?? {}) as Record<string, number>;
        const value = metrics[kb.metric];
        if (typeof value === 'number') this.best.push({ path, step: Number(meta?.extra?.step ?? stepFromPath(path) ?? 0), value });
      }
      this.sortBest();
    }
  }

  /** Worst first, best last (ties: older first, so a newer equal value ranks higher). */
  private sortBest(): void {
    const sign = this.options.keepBest?.mode === 'min' ? -1 : 1;
    this.best.sort((a, b) => sign * (a.value - b.value) || a.step - b.step);
  }

  /** Newest checkpoint in the directory, or null. */
  async latestCheckpoint(): Promise<string | null> {
    return latestCheckpoint(this.dir);
  }

  /** Best checkpoints kept, worst first, with their metric values. */
  async bestCheckpoints(): Promise<{ path: string; step: number; value: number }[]> {
    await this.load();
    return this.best.map((b) => ({ ...b }));
  }

  /**
   * Resume from the latest checkpoint in the directory (every variable, strict); else warm-start
   * from `warmStart.from` with its exclusions; else leave the variables as initialised.
   * @throws RestoreMismatchError when the resume or warm-start plan has problems (nothing changed).
   */
  async restoreOrInitialize(): Promise<RestoreOrInitializeReport> {
    await this.load();
    const latest = await latestCheckpoint(this.dir);
    if (latest !== null) {
      const plan = await executeRestorePlan(await planRestore(this.record, latest));
      return { action: 'resumed', path: latest, step: stepFromPath(latest), plan: plan.toJSON(), message: `resumed from ${latest} (${plan.summary.restored + plan.summary.renamed} variables)` };
    }
    const ws = this.options.warmStart;
    if (ws) {
      const opts: RestorePlanOptions = { include: ws.include, exclude: ws.exclude, ignoreMissing: ws.ignoreMissing, assignmentMap: ws.assignmentMap };
      const plan = await executeRestorePlan(await planRestore(this.record, ws.from, opts));
      const n = plan.summary.restored + plan.summary.renamed;
      return { action: 'warm-started', path: plan.source.path, step: null, plan: plan.toJSON(), message: `warm-started ${n} of ${plan.parameterCount} variables from ${plan.source.path}` };
    }
    return { action: 'fresh', path: null, step: null, plan: null, message: `no checkpoint in ${this.dir} and no warm start: variables keep their initial values` };
  }

  /**
   * Save `<dir>/<name>-<step>` (and into `best/` when `metrics[keepBest.metric]` ranks among the
   * best); `extra` adds fields to this checkpoint's `.meta.json` `extra` (e.g. the data position).
   */
  async save(step: number, options: { metrics?: Record<string, number>; extra?: Record<string, unknown> } = {}): Promise<ManagerSaveReport> {
    await this.load();
    await mkdir(this.dir, { recursive: true });
    const extra = { ...(this.options.meta?.extra ?? {}), ...(options.extra ?? {}), step, metrics: options.metrics ?? {} };
    const meta: MetaInput = { ...this.options.meta, extra };
    const tensors = this.saver.snapshot(); // one read of the values for the latest and the best copy
    const path = await this.saver.save(this.prefix, { globalStep: step, meta, tensors });
    const report: ManagerSaveReport = { path, bestPath: null, bestDeleted: [] };
    const kb = this.options.keepBest;
    const value = kb ? options.metrics?.[kb.metric] : undefined;
    if (!kb || typeof value !== 'number' || Number.isNaN(value)) return report;
    const keep = kb.maxToKeep ?? 1;
    const worse = (a: number, b: number): boolean => (kb.mode === 'max' ? a < b : a > b);
    if (this.best.length >= keep && !worse(this.best[0]!.value, value)) return report;
    await mkdir(this.bestDir, { recursive: true });
    const fsync = this.options.fsync ?? true;
    const bestPath = await this.saver.writeCopy(join(this.bestDir, `${this.options.checkpointName ?? 'model.ckpt'}-${step}`), tensors);
    await writeMeta(bestPath, buildMeta(this.record, meta), { fsync });
    this.best = this.best.filter((b) => b.path !== bestPath);
    this.best.push({ path: bestPath, step, value });
    this.sortBest();
    const evicted = this.best.length > keep ? this.best.splice(0, this.best.length - keep) : [];
    const top = this.best[this.best.length - 1]!;
    await updateCheckpointState(this.bestDir, top.path, { allModelCheckpointPaths: this.best.map((b) => b.path) });
    for (const e of evicted) await deleteCheckpointFiles(e.path);
    report.bestPath = bestPath;
    report.bestDeleted = evicted.map((e) => e.path);
    return report;
  }
}
