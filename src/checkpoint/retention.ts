/**
 * TF2 CheckpointManager's bookkeeping, rule for rule (tensorflow/python/checkpoint/
 * checkpoint_management.py, class CheckpointManager: `__init__`, `_sweep`, `_record_state`,
 * `save._record_and_sweep_state`). Pure: no files, the clock passed in.
 *
 * - Construction reads the clock once. No state file → `last_preserved = clock − 1` ("set the
 *   clock back slightly to avoid race conditions when quickly re-creating a CheckpointManager").
 *   A state file → `latest = model_checkpoint_path`, `last_preserved = last_preserved_timestamp`
 *   (0 when absent); a clock behind it → warning "time.time() returned a value %f seconds behind
 *   the last preserved checkpoint timestamp." and `last_preserved = clock`. Missing timestamps
 *   count as `last_preserved`. Each listed checkpoint, its timestamp `min(t, clock)`, is adopted
 *   into the active set only when `t > last_preserved`: checkpoints older than the last
 *   preserved one (kept by keep-every-N-hours, or written by someone else, as tf.train.Checkpoint
 *   without timestamps) are never deleted by this manager.
 * - save: the path is taken out of the active set and put back at its end with the save time;
 *   latest = path; state written; sweep; state written again (the manager sweeps first and writes once, see manager.ts).
 * - sweep (`max_to_keep` set): while the active set is larger, pop the oldest; preserve it when
 *   `keep_every_n_hours` is set and `t − N·3600 ≥ last_preserved` (then `last_preserved = t`, and
 *   the file drops it from its list), else delete its files. `max_to_keep: null` keeps and
 *   lists every checkpoint and never moves last_preserved.
 */

/** Options of {@link CheckpointRetention}. */
export interface RetentionOptions {
  /** Active checkpoints to keep (a positive integer), or null to keep and track all. */
  maxToKeep: number | null;
  /** Preserve one checkpoint every N hours when it leaves the active set; undefined: never. */
  keepCheckpointEveryNHours?: number;
}

/** The state file's fields the manager recovers from. */
export interface RecoveredCheckpointState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: readonly string[];
  allModelCheckpointTimestamps: readonly number[];
  lastPreservedTimestamp?: number;
}

/** What the state file should say now. */
export interface RetentionState {
  modelCheckpointPath: string;
  allModelCheckpointPaths: string[];
  allModelCheckpointTimestamps: number[];
  lastPreservedTimestamp: number;
}

/** The active set, latest checkpoint and preservation clock of one CheckpointManager. */
export class CheckpointRetention {
  private readonly maxToKeep: number | null;
  private readonly everyNHours: number | undefined;
  private readonly active = new Map<string, number>();
  private latestPath: string | null = null;
  private lastPreserved: number;
  /** Warnings raised while recovering (TF logs them). */
  readonly warnings: string[] = [];

  /**
   * @param clock seconds since the epoch when the manager was constructed
   * @param recovered the directory's state file (paths already vetted by the caller), or null
   */
  constructor(options: RetentionOptions, clock: number, recovered: RecoveredCheckpointState | null) {
    this.maxToKeep = options.maxToKeep;
    this.everyNHours = options.keepCheckpointEveryNHours;
    if (recovered === null) {
      this.lastPreserved = clock - 1;
      return;
    }
    this.latestPath = recovered.modelCheckpointPath === '' ? null : recovered.modelCheckpointPath;
    const lp = recovered.lastPreservedTimestamp ?? 0;
    this.lastPreserved = Number.isFinite(lp) ? lp : 0; // a hand-edited nan/inf must not disable every rule below
    if (clock < this.lastPreserved) {
      this.warnings.push(`time.time() returned a value ${(this.lastPreserved - clock).toFixed(6)} seconds behind the last preserved checkpoint timestamp.`);
      this.lastPreserved = clock;
    }
    const paths = recovered.allModelCheckpointPaths;
    const times = recovered.allModelCheckpointTimestamps.length > 0 ? recovered.allModelCheckpointTimestamps : paths.map(() => this.lastPreserved);
    for (let i = 0; i < Math.min(paths.length, times.length); i++) {
      const t = Math.min(times[i]!, clock);
      if (t > this.lastPreserved) this.active.set(paths[i]!, t);
    }
  }

  /** The newest checkpoint (TF `latest_checkpoint`), or null. */
  get latest(): string | null {
    return this.latestPath;
  }

  /** The active set, oldest first (TF `checkpoints`; preserved ones are not listed). */
  get checkpoints(): string[] {
    return [...this.active.keys()];
  }

  /** TF's `_last_preserved_timestamp`. */
  get lastPreservedTimestamp(): number {
    return this.lastPreserved;
  }

  /** A checkpoint was written at `timestamp`: it becomes the newest of the active set. */
  record(path: string, timestamp: number): void {
    this.active.delete(path);
    this.active.set(path, timestamp);
    this.latestPath = path;
  }

  /** TF `_sweep`: the checkpoints to delete now, oldest first (preserved ones just leave the set). */
  sweep(): string[] {
    const doomed: string[] = [];
    if (!this.maxToKeep) return doomed;
    while (this.active.size > this.maxToKeep) {
      const [path, t] = this.active.entries().next().value as [string, number];
      this.active.delete(path);
      if (this.everyNHours && t - this.everyNHours * 3600 >= this.lastPreserved) {
        this.lastPreserved = t;
        continue;
      }
      doomed.push(path);
    }
    return doomed;
  }

  /** TF `_record_state`'s fields; null before anything was saved or recovered. */
  state(): RetentionState | null {
    if (this.latestPath === null || this.active.size === 0) return null;
    return {
      modelCheckpointPath: this.latestPath,
      allModelCheckpointPaths: [...this.active.keys()],
      allModelCheckpointTimestamps: [...this.active.values()],
      lastPreservedTimestamp: this.lastPreserved,
    };
  }
}
