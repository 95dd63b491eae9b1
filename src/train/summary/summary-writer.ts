/**
 * A TensorBoard event-file writer (`core/util/events_writer.cc`, Python `FileWriter`;
 * TF-SEMANTICS §6): the file is `<logdir>/events.out.tfevents.<10-digit seconds>.<hostname><suffix>`,
 * its first record is `Event{wall_time, file_version: "brain.Event:2"}` written at once, then one
 * Event per summary call, TFRecord-framed. Records are buffered and appended on `flush()`.
 */
import { mkdir, open, type FileHandle } from '../../io/fs.js';
import { hostname } from '../../io/fs.js';
import { join } from '../../io/path.js';
import { InvalidArgumentError } from '../../errors.js';
import { encodeEvent, type Event, type SummaryValue } from './event.js';
import { encodeRecord } from './tfrecord.js';
import { histogramOf } from './histogram.js';

/** The version string TF writes in the first record. */
export const FILE_VERSION = 'brain.Event:2';
/** `DT_STRING` in `types.proto`. */
const DT_STRING = 7;

/** Options of {@link SummaryWriter.create}. */
export interface SummaryWriterOptions {
  /** Appended to the file name (TF's `filename_suffix`), e.g. `.v2` or `.graft`. */
  filenameSuffix?: string;
  /** Flush after this many buffered records; default 100. */
  maxQueue?: number;
}

/** Writes scalars, histograms and text that TensorBoard reads. */
export class SummaryWriter implements AsyncDisposable {
  private pending: Uint8Array[] = [];
  private closed = false;
  /** Flushes run one after another on the file handle. */
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    /** Path of the event file. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly maxQueue: number,
  ) {}

  /**
   * Create `logdir` if needed and open a new event file in it (first record written and flushed).
   * @example
   * const w = await SummaryWriter.create('runs/mnist');
   * w.scalar('loss', 0.31, 100);
   * await w.close();
   */
  static async create(logdir: string, options: SummaryWriterOptions = {}): Promise<SummaryWriter> {
    await mkdir(logdir, { recursive: true });
    const now = Date.now() / 1000;
    const seconds = Math.floor(now);
    const path = join(logdir, `events.out.tfevents.${String(seconds).padStart(10, '0')}.${hostname()}${options.filenameSuffix ?? ''}`);
    const handle = await open(path, 'wx');
    const writer = new SummaryWriter(path, handle, options.maxQueue ?? 100);
    writer.write({ wallTime: seconds, step: 0, fileVersion: FILE_VERSION });
    await writer.flush();
    return writer;
  }

  /** Log a scalar (`Summary.Value.simple_value`, float32). */
  scalar(tag: string, value: number, step: number): void {
    this.summary(step, { tag, simpleValue: value });
  }

  /** Log a histogram of `values` with TF's default buckets. */
  histogram(tag: string, values: ArrayLike<number>, step: number): void {
    if (values.length === 0) {
      throw new InvalidArgumentError('empty_histogram', `histogram "${tag}" at step ${step} has no values`, { hint: 'log at least one value' });
    }
    this.summary(step, { tag, histo: histogramOf(values) });
  }

  /** Log text (a DT_STRING scalar tensor with the `text` plugin, as `tf.summary.text`). */
  text(tag: string, text: string, step: number): void {
    this.summary(step, {
      tag,
      pluginName: 'text',
      tensor: { dtype: DT_STRING, shape: [], stringVal: [new TextEncoder().encode(text)] },
    });
  }

  /** Append a raw Event (wall time and step as given). */
  write(event: Event): void {
    if (this.closed) {
      throw new InvalidArgumentError('writer_closed', `${this.path}: the summary writer is closed`, { hint: 'create a new SummaryWriter' });
    }
    this.pending.push(encodeRecord(encodeEvent(event)));
  }

  /** Write buffered records to the file and fsync it. */
  flush(): Promise<void> {
    const chunks = this.pending;
    this.pending = [];
    const next = this.chain.then(async () => {
      if (chunks.length === 0) return;
      await this.handle.writev(chunks);
      await this.handle.datasync();
    });
    this.chain = next;
    return next;
  }

  /** Flush and close the file; later writes throw `writer_closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private summary(step: number, value: SummaryValue): void {
    if (!Number.isSafeInteger(step)) {
      throw new InvalidArgumentError('invalid_step', `summary "${value.tag}": step must be an integer, got ${step}`, { hint: 'pass the global step value' });
    }
    this.write({ wallTime: Date.now() / 1000, step, summary: { value: [value] } });
    // A failed background flush surfaces on the next flush()/close(), which awaits the chain.
    if (this.pending.length >= this.maxQueue) this.flush().catch(() => undefined);
  }
}
