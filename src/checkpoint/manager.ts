/**
 * CheckpointManager: the checkpoint side of a training loop, as the articles do it by hand —
 * resume from the run directory's latest checkpoint if there is one, else initialise and
 * warm-start from a pretrained checkpoint with exclusions; keep the latest checkpoints with TF2
 * CheckpointManager's retention and preservation rules (retention.ts, case by case from TF's
 * checkpoint_management.py and its tests), and the N best by a metric in `<dir>/best/` with its
 * own `checkpoint` state file (listed worst → best, so `latestCheckpoint(dir + '/best')` is the
 * best one).
 *
 * The run directory is the manager's alone while it lives: it takes `<dir>/.graft.lock`
 * (run-lock.ts) on first use and releases it on close() or process exit; a second writer gets
 * `run_locked`. Holding the lock, it deletes the temporary files a crashed save left behind.
 * State files are written with paths relative to the directory; a listed path outside the
 * directory (a hostile or hand-edited state file) is reported in `warnings`, never adopted,
 * resumed from or deleted (run-files.ts), so a copied run never touches the original and a
 * moved run resumes from its own files. Every checkpoint gets a `.meta.json` holding
 * `extra: {step, metrics}`, from which the best list is rebuilt after a restart.
 */
import { mkdir } from '../io/fs.js';
import { join } from '../io/path.js';
import { GraftError, InvalidArgumentError } from '../errors.js';
import type { Parameter } from '../variables/parameter-set.js';
import { readCheckpointStateDetailed, type CheckpointStateDetails } from '../formats/state-file.js';
import { normalizeVarList, type VarList } from './var-list.js';
import { Saver, type SaverFormat } from './saver.js';
import { buildMeta, readMeta, writeMeta, type MetaInput } from './meta.js';
import { checkpointExists, latestCheckpoint, updateCheckpointState } from './state.js';
import { planRestore, type RestorePlanOptions, type RestoreReport } from './restore-plan.js';
import { executeRestorePlan } from './execute-plan.js';
import type { AssignmentMap } from './assignment-map.js';
import { CheckpointRetention, type RecoveredCheckpointState } from './retention.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { checkpointOwnership, deleteOwnedCheckpoint, removeStaleTempFiles } from './run-files.js';

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
  /** Latest checkpoints to keep (TF's active set); null keeps and lists every one; default 5. */
  maxToKeep?: number | null;
  /** Preserve a checkpoint leaving the active set when N hours passed since the last preserved one (TF2); default never. */
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
  /** Take the run lock even when another host holds it; default false. */
  forceLock?: boolean;
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
  /** What the manager refused or repaired on opening the directory (paths outside it, a stale lock, a moved run). */
  warnings: string[];
}

/** What `save` did. */
export interface ManagerSaveReport {
  path: string;
  /** Path written under `best/`, or null when the metric did not qualify (or no keepBest). */
  bestPath: string | null;
  /** Checkpoints deleted from `best/` by this save. */
  bestDeleted: string[];
  /** Checkpoints deleted from the directory by retention. */
  deleted: string[];
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

/** Which listed paths of a state file the manager adopts; the rest become warnings. */
async function vetState(dir: string, d: CheckpointStateDetails, warnings: string[]): Promise<RecoveredCheckpointState> {
  for (const r of d.relocated) warnings.push(`${d.file}${r.line ? `:${r.line}` : ''}: ${r.from} read as ${r.to} (the run directory was copied or moved)`);
  const where = (line: number | undefined): string => `${d.file}${line ? `:${line}` : ''}`;
  const paths: string[] = [];
  const times: number[] = [];
  const withTimes = d.state.allModelCheckpointTimestamps.length === d.state.allModelCheckpointPaths.length;
  for (let i = 0; i < d.state.allModelCheckpointPaths.length; i++) {
    const p = d.state.allModelCheckpointPaths[i]!;
    const own = await checkpointOwnership(dir, p);
    if (!own.owned) {
      warnings.push(`${where(d.lines.allModelCheckpointPaths[i])}: ${d.written.allModelCheckpointPaths[i]} is outside the run directory: not adopted, never deleted`);
      continue;
    }
    paths.push(p);
    if (withTimes) times.push(d.state.allModelCheckpointTimestamps[i]!);
  }
  let model = d.state.modelCheckpointPath;
  if (!(await checkpointOwnership(dir, model)).owned) {
    warnings.push(`${where(d.lines.modelCheckpointPath)}: model_checkpoint_path ${d.written.modelCheckpointPath} is outside the run directory: not resumed from`);
    model = '';
  }
  return { modelCheckpointPath: model, allModelCheckpointPaths: paths, allModelCheckpointTimestamps: times, lastPreservedTimestamp: d.state.lastPreservedTimestamp };
}

/** Resume-or-warm-start plus keep-latest (TF2 rules) and keep-best retention over one directory it locks. */
export class CheckpointManager {
  readonly dir: string;
  readonly bestDir: string;
  /** Everything refused or repaired so far (also in restoreOrInitialize's report). */
  readonly warnings: string[] = [];
  private readonly options: CheckpointManagerOptions;
  private readonly saver: Saver;
  private readonly record: Record<string, Parameter> = {};
  private readonly now: () => number;
  private readonly constructedAt: number;
  private loading: Promise<void> | undefined;
  private retention!: CheckpointRetention;
  private lock: RunLock | undefined;
  private closed = false;
  private best: BestEntry[] = [];

  /** @throws InvalidArgumentError `bad_max_to_keep` (maxToKeep not a positive integer or null; keepBest.maxToKeep below 1), `bad_keep_every_n_hours`. */
  constructor(dir: string, options: CheckpointManagerOptions) {
    this.dir = dir;
    this.bestDir = join(dir, 'best');
    this.options = options;
    for (const { key, param } of normalizeVarList(options.params)) this.record[key] = param;
    const max = options.maxToKeep === undefined ? 5 : options.maxToKeep;
    if (max !== null && (!Number.isInteger(max) || max <= 0)) {
      throw new InvalidArgumentError('bad_max_to_keep', `Expected a positive integer or null for maxToKeep, got ${max}.`, { hint: 'pass null to keep every checkpoint' });
    }
    const hours = options.keepCheckpointEveryNHours;
    if (hours !== undefined && !(Number.isFinite(hours) && hours > 0)) {
      throw new InvalidArgumentError('bad_keep_every_n_hours', `keepCheckpointEveryNHours must be a positive number of hours, got ${hours}`, { hint: 'leave it out to preserve no checkpoint by age' });
    }
    const keep = options.keepBest?.maxToKeep ?? 1;
    if (options.keepBest && (!Number.isInteger(keep) || keep < 1)) {
      throw new InvalidArgumentError('bad_max_to_keep', `keepBest.maxToKeep must be a positive integer, got ${keep}`, { hint: 'keep at least one best checkpoint' });
    }
    this.saver = new Saver({ varList: this.record, fsync: options.fsync, ...(options.format ? { format: options.format } : {}) });
    this.now = options.now ?? (() => Date.now() / 1000);
    this.constructedAt = this.now(); // TF reads the clock in __init__
  }

  private get name(): string {
    return this.options.checkpointName ?? 'model.ckpt';
  }

  private load(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new GraftError('manager_closed', `the CheckpointManager of ${this.dir} was closed`, { hint: 'create a new CheckpointManager' }));
    }
    this.loading ??= this.open();
    return this.loading;
  }

  private async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.lock = await acquireRunLock(this.dir, { force: this.options.forceLock });
    this.warnings.push(...this.lock.notes);
    await removeStaleTempFiles(this.dir);
    await removeStaleTempFiles(this.bestDir);
    const d = await readCheckpointStateDetailed(this.dir);
    const recovered = d ? await vetState(this.dir, d, this.warnings) : null;
    this.retention = new CheckpointRetention(
      { maxToKeep: this.options.maxToKeep === undefined ? 5 : this.options.maxToKeep, keepCheckpointEveryNHours: this.options.keepCheckpointEveryNHours },
      this.constructedAt,
      recovered,
    );
    this.warnings.push(...this.retention.warnings);
    const kb = this.options.keepBest;
    const bd = kb ? await readCheckpointStateDetailed(this.bestDir) : undefined;
    if (kb && bd) {
      const vetted = await vetState(this.bestDir, bd, this.warnings);
      for (const path of vetted.allModelCheckpointPaths) {
        const meta = await readMeta(path).catch(() => undefined);
        const metrics = (meta?.extra?.metrics ?? {}) as Record<string, number>;
        const value = metrics[kb.metric];
        if (typeof value === 'number') this.best.push({ path, step: Number(meta?.extra?.step ?? stepFromPath(path) ?? 0), value });
      }
      this.sortBest();
    }
  }

  /** Release the run lock; the manager cannot save afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.loading?.catch(() => undefined);
    await this.lock?.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Worst first, best last (ties: older first, so a newer equal value ranks higher). */
  private sortBest(): void {
    const sign = this.options.keepBest?.mode === 'min' ? -1 : 1;
    this.best.sort((a, b) => sign * (a.value - b.value) || a.step - b.step);
  }

  /** Newest checkpoint the directory's state file names, or null (TF `tf.train.latest_checkpoint`; no lock taken). */
  async latestCheckpoint(): Promise<string | null> {
    return latestCheckpoint(this.dir);
  }

  /** The active set, oldest first (TF `CheckpointManager.checkpoints`: preserved checkpoints are not listed). */
  async checkpoints(): Promise<string[]> {
    await this.load();
    return this.retention.checkpoints;
  }

  /** Best checkpoints kept, worst first, with their metric values. */
  async bestCheckpoints(): Promise<{ path: string; step: number; value: number }[]> {
    await this.load();
    return this.best.map((b) => ({ ...b }));
  }

  /**
   * Resume from the latest checkpoint in the directory (every variable, strict); else warm-start
   * from `warmStart.from` with its exclusions; else leave the variables as initialised.
   * @throws RestoreMismatchError when the resume or warm-start plan has problems (nothing changed);
   *   RunLockedError `run_locked` when another writer holds the directory.
   */
  async restoreOrInitialize(): Promise<RestoreOrInitializeReport> {
    await this.load();
    const warnings = [...this.warnings];
    const latest = this.retention.latest;
    if (latest !== null) {
      if (await checkpointExists(latest)) {
        const plan = await executeRestorePlan(await planRestore(this.record, latest));
        return { action: 'resumed', path: latest, step: stepFromPath(latest), plan: plan.toJSON(), message: `resumed from ${latest} (${plan.summary.restored + plan.summary.renamed} variables)`, warnings };
      }
      warnings.push(`${latest}: named by ${join(this.dir, 'checkpoint')} but its files are missing: not resumed`);
    }
    const ws = this.options.warmStart;
    if (ws) {
      const opts: RestorePlanOptions = { include: ws.include, exclude: ws.exclude, ignoreMissing: ws.ignoreMissing, assignmentMap: ws.assignmentMap };
      const plan = await executeRestorePlan(await planRestore(this.record, ws.from, opts));
      const n = plan.summary.restored + plan.summary.renamed;
      return { action: 'warm-started', path: plan.source.path, step: null, plan: plan.toJSON(), message: `warm-started ${n} of ${plan.parameterCount} variables from ${plan.source.path}`, warnings };
    }
    return { action: 'fresh', path: null, step: null, plan: null, message: `no checkpoint in ${this.dir} and no warm start: variables keep their initial values`, warnings };
  }

  private async writeState(): Promise<void> {
    const s = this.retention.state();
    if (!s) return;
    await updateCheckpointState(this.dir, s.modelCheckpointPath, {
      allModelCheckpointPaths: s.allModelCheckpointPaths,
      allModelCheckpointTimestamps: s.allModelCheckpointTimestamps,
      lastPreservedTimestamp: s.lastPreservedTimestamp,
      saveRelativePaths: true,
    });
  }

  /**
   * Save `<dir>/<name>-<step>` (and into `best/` when `metrics[keepBest.metric]` ranks among the
   * best), then apply TF2 retention (sweep, state file, deletions); `extra` adds fields to this
   * checkpoint's `.meta.json` `extra` (e.g. the data position).
   */
  async save(step: number, options: { metrics?: Record<string, number>; extra?: Record<string, unknown> } = {}): Promise<ManagerSaveReport> {
    await this.load();
    const extra = { ...(this.options.meta?.extra ?? {}), ...(options.extra ?? {}), step, metrics: options.metrics ?? {} };
    const meta: MetaInput = { ...this.options.meta, extra };
    const fsync = this.options.fsync ?? true;
    const tensors = this.saver.snapshot(); // one read of the values for the latest and the best copy
    const path = await this.saver.writeCopy(join(this.dir, `${this.name}-${step}`), tensors);
    await writeMeta(path, buildMeta(this.record, meta), { fsync });
    this.retention.record(path, this.now());
    // TF writes the state file with the new checkpoint and the doomed ones, sweeps, and writes it
    // again; a kill between the deletions and the second write leaves a list naming deleted
    // checkpoints. Graft sweeps first and writes once, before deleting: the same final file, and
    // at every moment the file names only complete checkpoints, the new one included.
    const doomed = this.retention.sweep();
    await this.writeState();
    const deleted: string[] = [];
    for (const p of doomed) {
      const r = await deleteOwnedCheckpoint(this.dir, p);
      if (r.refused) this.warnings.push(`retention did not delete ${p}: ${r.refused}`);
      else deleted.push(p);
    }
    const report: ManagerSaveReport = { path, bestPath: null, bestDeleted: [], deleted };
    const kb = this.options.keepBest;
    const value = kb ? options.metrics?.[kb.metric] : undefined;
    if (!kb || typeof value !== 'number' || Number.isNaN(value)) return report;
    const keep = kb.maxToKeep ?? 1;
    const worse = (a: number, b: number): boolean => (kb.mode === 'max' ? a < b : a > b);
    if (this.best.length >= keep && !worse(this.best[0]!.value, value)) return report;
    await mkdir(this.bestDir, { recursive: true });
    const bestPath = await this.saver.writeCopy(join(this.bestDir, `${this.name}-${step}`), tensors);
    await writeMeta(bestPath, buildMeta(this.record, meta), { fsync });
    this.best = this.best.filter((b) => b.path !== bestPath);
    this.best.push({ path: bestPath, step, value });
    this.sortBest();
    const evicted = this.best.length > keep ? this.best.splice(0, this.best.length - keep) : [];
    const top = this.best[this.best.length - 1]!;
    await updateCheckpointState(this.bestDir, top.path, { allModelCheckpointPaths: this.best.map((b) => b.path), saveRelativePaths: true });
    for (const e of evicted) {
      const r = await deleteOwnedCheckpoint(this.bestDir, e.path);
      if (r.refused) this.warnings.push(`best/ retention did not delete ${e.path}: ${r.refused}`);
    }
    report.bestPath = bestPath;
    report.bestDeleted = evicted.map((e) => e.path);
    return report;
  }
}
