/**
 * Fault-injection hook for the crash tests (test/io/faults): every write path calls
 * `faultPoint(label)` at each syscall-level step (create, write, fsync, rename, link, unlink).
 *
 * - `GRAFT_FAULT_KILL_AT=k` makes the process SIGKILL itself at its k-th step (1-based), which
 *   is exactly a crash between two syscalls;
 * - `GRAFT_FAULT_TRACE=<file>` appends `step label` lines to <file>, so a test can count the
 *   steps of a write path and pick kill points among them.
 *
 * Both are read once, at load; unset (the normal case) a fault point is one comparison.
 */
import { appendFileSync } from 'node:fs';

const killAt = Number.parseInt(process.env.GRAFT_FAULT_KILL_AT ?? '', 10);
const trace = process.env.GRAFT_FAULT_TRACE;
const active = (Number.isSafeInteger(killAt) && killAt > 0) || (trace !== undefined && trace !== '');
let steps = 0;

/** Mark one step of a write path (see the module comment); a no-op unless a fault env var is set. */
export function faultPoint(label: string): void {
  if (!active) return;
  steps++;
  if (trace) appendFileSync(trace, `${steps} ${label}\n`);
  if (steps === killAt) process.kill(process.pid, 'SIGKILL');
}
