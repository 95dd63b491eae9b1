/**
 * The shape of a CLI command: it parses flags, calls the library, and returns a plain data object;
 * rendering that object as text is a separate function (docs/design/STYLE.md §8, oclif's `run()`).
 */
import type { ParseArgsConfig } from 'node:util';

/** Flags and positionals after parsing with `node:util` parseArgs. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** One `graft <name>` command. */
export interface Command<R = unknown> {
  /** The word after `graft`. */
  name: string;
  /** One line for `graft --help`. */
  summary: string;
  /** Full `--help` text: purpose, synopsis, every flag with its default, examples. */
  help: string;
  /** parseArgs option config; `--json`, `--help` and `--debug` are added by the runner. */
  options: NonNullable<ParseArgsConfig['options']>;
  /** Aliases: alternative long flag spellings (e.g. TF-slim's) mapped to the canonical flag. */
  aliases?: Record<string, string>;
  /** Do the work; throw GraftError subclasses on user errors, UsageError on bad usage. */
  run(args: ParsedArgs): Promise<R>;
  /** Text rendering of the result for a terminal. */
  render(result: R): string;
  /**
   * Exit code for a result that was printed (default 0): a command whose result is a verdict
   * (a restore plan that would fail) returns 1 so scripts can test it; the output is the same.
   */
  exitCode?(result: R): number;
}

/** Read a string flag, or undefined. */
export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === 'string' ? v : undefined;
}

/** Read a repeatable string flag as a list (a comma-separated value is split too). */
export function listFlag(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return raw.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Read a boolean flag. */
export function boolFlag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}
