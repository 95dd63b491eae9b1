/**
 * Host-neutral bits the layers above io/ need at run time: a line to the diagnostic stream
 * (stderr in Node, the console in a page) and one turn of the event loop (`setImmediate` in Node,
 * a zero timeout in a page), so nothing above io/ names `process` or Node-only globals.
 */
type Stream = { write(text: string): unknown; isTTY?: boolean; columns?: number };

const proc = (): { stderr?: Stream } | undefined => (globalThis as { process?: { stderr?: Stream } }).process;

/** A stream that writes to `console.info` line by line (never a TTY; progress is not an error). */
export const consoleStream: Stream = {
  write(text: string) {
    for (const line of text.split('\n')) if (line !== '') console.info(line);
    return true;
  },
  isTTY: false,
};

/** The diagnostic stream: `process.stderr` in Node, {@link consoleStream} elsewhere. */
export function diagnosticStream(): Stream {
  return proc()?.stderr ?? consoleStream;
}

/** Write `text` to the diagnostic stream. */
export function writeDiagnostic(text: string): void {
  diagnosticStream().write(text);
}

/** Resolve after one turn of the event loop. */
export function nextTurn(): Promise<void> {
  const si = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise<void>((resolve) => (typeof si === 'function' ? si(resolve) : setTimeout(resolve, 0)));
}
