/**
 * Waiting for checkpoints as TF does, for continuous evaluation:
 * `getCheckpointMtimes` (`checkpoint_management.py` `get_checkpoint_mtimes`),
 * `waitForNewCheckpoint` and `checkpointsIterator` (`python/training/checkpoint_utils.py`).
 *
 * TF's rules kept: a new checkpoint is the directory's `latest_checkpoint` when it differs from
 * the last one yielded (checkpoints written in between are skipped — only the newest is
 * evaluated); the directory is polled every `secondsToSleep` (default 1 s, a timer, not a busy
 * loop); with `timeout`, waiting gives up when the next poll would end past it; on a time-out
 * the iterator ends unless `timeoutFn` returns false (more may come: wait again); after each
 * yield it sleeps until `minIntervalSecs` have passed since the checkpoint was found (the
 * consumer's work counts toward it). Added: an `AbortSignal` ends the wait early.
 */
import { stat } from '../io/fs.js';
import { InvalidArgumentError } from '../errors.js';
import { latestCheckpoint, type StateFileOptions } from './state.js';

/** Options of {@link waitForNewCheckpoint}. */
export interface WaitForNewCheckpointOptions extends StateFileOptions {
  /** Seconds between polls; default 1 (TF's `seconds_to_sleep`). */
  secondsToSleep?: number;
  /** Give up after this many seconds; default: wait forever. */
  timeout?: number;
  /** Stop waiting (resolves to null) when aborted. */
  signal?: AbortSignal;
}

/** Options of {@link checkpointsIterator}. */
export interface CheckpointsIteratorOptions extends Omit<WaitForNewCheckpointOptions, 'timeout'> {
  /** Minimum seconds between two yielded checkpoints; default 0. */
  minIntervalSecs?: number;
  /** Seconds to wait for each new checkpoint; default forever. */
  timeout?: number;
  /** Called on a time-out: true ends the iteration, false waits again (TF's `timeout_fn`). */
  timeoutFn?: () => boolean | Promise<boolean>;
}

/**
 * The modification times (seconds since the epoch, with sub-second precision) of the given
 * checkpoints (TF `get_checkpoint_mtimes`): `<prefix>.index` for a V2 prefix, else the prefix
 * itself as a file (V1, a `.safetensors` path). Prefixes that exist in neither form are skipped,
 * as in TF; prefixes are literal paths (TF also expands glob patterns).
 */
export async function getCheckpointMtimes(prefixes: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const prefix of prefixes) {
    for (const path of [`${prefix}.index`, prefix]) {
      const st = await stat(path).catch(() => undefined);
      if (st?.isFile()) {
        out.push(st.mtimeMs / 1000);
        break;
      }
    }
  }
  return out;
}

function seconds(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && !(Number.isFinite(value) && value >= min)) {
    throw new InvalidArgumentError('invalid_option', `${name} must be a number >= ${min}, got ${value}`, { hint: `pass ${name} in seconds` });
  }
}

/**
 * Wait until `dir`'s latest checkpoint is not `lastCheckpoint`; returns its path, or null on a
 * time-out or abort (TF `wait_for_new_checkpoint`).
 * @throws InvalidArgumentError `invalid_option`; FormatError `bad_state_file` (state file damaged).
 */
export async function waitForNewCheckpoint(dir: string, lastCheckpoint: string | null = null, options: WaitForNewCheckpointOptions = {}): Promise<string | null> {
  seconds('secondsToSleep', options.secondsToSleep, 0.001);
  seconds('timeout', options.timeout, 0);
  const pause = (options.secondsToSleep ?? 1) * 1000;
  const stopTime = options.timeout !== undefined ? Date.now() + options.timeout * 1000 : null;
  const stateOptions = options.latestFilename ? { latestFilename: options.latestFilename } : {};
  for (;;) {
    if (options.signal?.aborted) return null;
    const path = await latestCheckpoint(dir, stateOptions);
    if (path !== null && path !== lastCheckpoint) return path;
    if (stopTime !== null && Date.now() + pause > stopTime) return null;
    try {
      await sleep(pause, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return null; // aborted
    }
  }
}

/**
 * Yield each new checkpoint of `dir` as it lands (TF `checkpoints_iterator`).
 * @throws InvalidArgumentError `invalid_option`.
 * @example
 * for await (const ckpt of checkpointsIterator('runs/a', { timeout: 600 })) {
 *   console.log(await evaluate(ckpt));
 * }
 */
export async function* checkpointsIterator(dir: string, options: CheckpointsIteratorOptions = {}): AsyncGenerator<string, void, undefined> {
  seconds('minIntervalSecs', options.minIntervalSecs, 0);
  let last: string | null = null;
  for (;;) {
    const next = await waitForNewCheckpoint(dir, last, options);
    if (options.signal?.aborted) return;
    if (next === null) {
      if (!options.timeoutFn) return; // timed out
      if (await options.timeoutFn()) return;
      continue;
    }
    const start = Date.now();
    last = next;
    yield next;
    const wait = start + (options.minIntervalSecs ?? 0) * 1000 - Date.now();
    if (wait > 0) {
      try {
        await sleep(wait, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        return;
      }
    }
  }
}

/** A timer promise that rejects when `signal` aborts (node:timers/promises' `setTimeout`, without Node). */
function sleep(ms: number, _value?: undefined, options: { signal?: AbortSignal } = {}): Promise<void> {
  const { signal } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = (): void => { signal?.removeEventListener('abort', onAbort); resolve(); };
    const timer = setTimeout(done, ms);
    const onAbort = (): void => { clearTimeout(timer); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
