/**
 * A training progress display on stderr. On a terminal: one line rewritten in place with
 * `step/total`, a bar, steps/s, the latest loss and the ETA. Otherwise (CI logs, pipes): plain
 * lines every `everySteps` steps and at the end, no control characters.
 */
import { diagnosticStream } from '../io/host.js';
import type { Writable } from 'node:stream';

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Total steps, if known (enables the bar and the ETA). */
  total?: number;
  /** Prefix of each line; default `train`. */
  label?: string;
  /** Output stream; default `process.stderr`. */
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Non-TTY: print every N steps; default total/10 (at least 1) or 100 when total is unknown. */
  everySteps?: number;
  /** Clock in ms (tests pass a fixed clock); default `performance.now`. */
  now?: () => number;
}

/** Progress of a training loop. */
export class ProgressBar {
  private step = 0;
  private loss: number | undefined;
  private readonly start: number;
  private readonly stream: Writable & { isTTY?: boolean; columns?: number };
  private readonly now: () => number;
  private readonly every: number;
  private lastDraw = -Infinity;

  constructor(private readonly options: ProgressBarOptions = {}) {
    this.stream = options.stream ?? (diagnosticStream() as Writable & { isTTY?: boolean; columns?: number });
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    this.every = Math.max(1, options.everySteps ?? (options.total ? Math.ceil(options.total / 10) : 100));
  }

  /** Advance by one step (or `steps`), recording the latest loss. */
  tick(info: { loss?: number; steps?: number } = {}): void {
    this.step += info.steps ?? 1;
    if (info.loss !== undefined) this.loss = info.loss;
    if (this.stream.isTTY) {
      const t = this.now();
      if (t - this.lastDraw >= 100 || this.step === this.options.total) {
        this.lastDraw = t;
        this.stream.write('\r' + this.line(true) + '\x1b[K');
      }
    } else if (this.step % this.every === 0 || this.step === this.options.total) {
      this.stream.write(this.line(false) + '\n');
    }
  }

  /** End the display (newline on a terminal). */
  done(): void {
    if (this.stream.isTTY) this.stream.write('\r' + this.line(true) + '\x1b[K\n');
  }

  /** The status text: `label step/total [bar] x steps/s loss y ETA z`. */
  line(withBar: boolean): string {
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? this.step / elapsed : 0;
    const total = this.options.total;
    const parts = [`${this.options.label ?? 'train'} ${total ? `${this.step}/${total}` : `step ${this.step}`}`];
    if (withBar && total) {
      const width = 20;
      const filled = Math.min(width, Math.round((this.step / total) * width));
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`);
    }
    parts.push(`${rate.toFixed(2)} steps/s`);
    if (this.loss !== undefined) parts.push(`loss ${this.loss.toPrecision(4)}`);
    if (total && rate > 0 && this.step < total) parts.push(`ETA ${formatSeconds((total - this.step) / rate)}`);
    return parts.join('  ');
  }
}

function formatSeconds(s: number): string {
  const sec = Math.round(s);
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const r = sec % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
