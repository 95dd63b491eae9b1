/**
 * SIGINT / SIGTERM for the training commands: the run finishes its step (or, for `model.fit`
 * runs, its epoch), saves and returns; the exit code then says which signal it was.
 */

/** Exit code of an interrupted run: 128 + signal number, as a shell reports it (130 SIGINT, 143 SIGTERM). */
export function interruptedExitCode(reason: string | null): number {
  if (reason === 'SIGINT') return 130;
  if (reason === 'SIGTERM') return 143;
  return reason === null ? 0 : 1;
}

/**
 * Run `fn` with an AbortSignal that SIGINT/SIGTERM abort (reason: the signal's name): training
 * finishes its step, saves and returns. A second signal exits at once with 128 + its number.
 */
export async function withSignals<R>(fn: (signal: AbortSignal) => Promise<R>, unit: 'step' | 'epoch' = 'step'): Promise<R> {
  const controller = new AbortController();
  const on = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(interruptedExitCode(sig));
    process.stderr.write(`graft: ${sig}: finishing the current ${unit} and saving (send it again to quit without saving)\n`);
    controller.abort(sig);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  }
}

