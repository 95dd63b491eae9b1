/**
 * A JSON-lines training log: one JSON object per line (`{"time":…,"step":…,"loss":…}`), appended
 * to a file; buffered in memory and written on `flush()` / `close()`.
 */
import { appendFile, mkdir } from '../io/fs.js';
import { dirname } from '../io/path.js';
import { InvalidArgumentError } from '../errors.js';

/** Appends records as JSON lines. */
export class JsonlLogger implements AsyncDisposable {
  private lines: string[] = [];
  private closed = false;
  private chain: Promise<void> = Promise.resolve();

  private constructor(
    /** The log file. */
    readonly path: string,
  ) {}

  /** Open (create or append to) a JSON-lines log at `path`; parent directories are created. */
  static async create(path: string): Promise<JsonlLogger> {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, '');
    return new JsonlLogger(path);
  }

  /** Queue one record; `time` (ISO-8601) is added first unless the record has one. */
  log(record: Record<string, unknown>): void {
    if (this.closed) {
      throw new InvalidArgumentError('logger_closed', `${this.path}: the log is closed`, { hint: 'create a new JsonlLogger' });
    }
    this.lines.push(JSON.stringify({ time: new Date().toISOString(), ...record }));
  }

  /** Append queued lines to the file. */
  flush(): Promise<void> {
    const text = this.lines.length ? this.lines.join('\n') + '\n' : '';
    this.lines = [];
    this.chain = this.chain.then(() => (text ? appendFile(this.path, text) : undefined));
    return this.chain;
  }

  /** Flush and stop accepting records. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
