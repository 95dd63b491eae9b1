/**
 * `graft` entry point: finds the command, parses its flags, runs it, prints text or one JSON
 * document, and maps errors to exit codes (0 ok, 1 user error, 2 bad usage; docs/design/ARCHITECTURE.md).
 */
import { parseArgs } from 'node:util';
import { GraftError, UsageError } from '../errors.js';
import { toFileSystemError } from '../io/fs-errors.js';
import type { Command, ParsedArgs } from './command.js';
import { COMMANDS } from './registry.js';

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'graft — TF1-style variables, checkpoints and transfer learning for TensorFlow.js',
    '',
    'usage: graft <command> [options]      graft <command> --help',
    '',
    'commands:',
    ...lines,
    '',
    'Every reporting command takes --json (one JSON document on stdout). Exit codes: 0 ok,',
    '1 user error (bad file, bad name, mismatch), 2 bad usage.',
  ].join('\n');
}

/** Rewrite alias spellings (`--checkpoint_exclude_scopes`) to canonical flags. */
function applyAliases(argv: string[], aliases: Record<string, string> | undefined): string[] {
  if (!aliases) return argv;
  return argv.map((a) => {
    if (!a.startsWith('--')) return a;
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const canon = aliases[flag];
    if (canon === undefined) return a;
    return eq < 0 ? `--${canon}` : `--${canon}${a.slice(eq)}`;
  });
}

function parse(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args: applyAliases(argv, cmd.aliases),
      options: { ...cmd.options, ...GLOBAL_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw new UsageError('bad_usage', `graft ${cmd.name}: ${(e as Error).message}`, {
      hint: `run "graft ${cmd.name} --help" for the flags it takes`,
    });
  }
}

function printError(e: unknown, json: boolean, debug: boolean): void {
  const err = e instanceof GraftError ? e : undefined;
  if (json) {
    const body = err
      ? err.toJSON()
      : { code: 'internal_error', message: e instanceof Error ? e.message : String(e) };
    process.stdout.write(JSON.stringify({ error: body }) + '\n');
  }
  const lines = [`error: ${e instanceof Error ? e.message : String(e)}`];
  if (err?.hint) lines.push(`hint: ${err.hint}`);
  lines.push(`code: ${err ? err.code : 'internal_error'}`);
  let cause = e instanceof Error ? (e.cause as unknown) : undefined;
  while (cause !== undefined && cause !== null) {
    lines.push(`caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (debug && e instanceof Error && e.stack) lines.push(e.stack);
  process.stderr.write(lines.join('\n') + '\n');
}

/** Run the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  const debug = rest.includes('--debug') || process.env.GRAFT_DEBUG === '1';
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write('graft 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    printError(
      new UsageError('unknown_command', `unknown command "${name}"`, {
        hint: `commands: ${COMMANDS.map((c) => c.name).join(', ')}; run "graft --help"`,
      }),
      json,
      debug,
    );
    return 2;
  }
  try {
    const cmd = await entry.load();
    const args = parse(cmd, rest);
    if (args.values.help) {
      process.stdout.write(cmd.help.trimEnd() + '\n');
      return 0;
    }
    const result = await cmd.run(args);
    if (args.values.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const text = cmd.render(result);
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    }
    return cmd.exitCode?.(result) ?? 0;
  } catch (raw) {
    // An errno error that escaped the library (ENOSPC, EROFS, EACCES, …) is still the user's
    // filesystem, not a bug: report it typed, with a hint, exit 1 (io/fs-errors.ts).
    const e = toFileSystemError(raw);
    printError(e, json, debug);
    if (e instanceof UsageError) return 2;
    return e instanceof GraftError ? 1 : 70;
  }
}
