/**
 * Strict flag values, one parser for every command: a number is written in decimal
 * (`0.003`, `-2`, `1e-4`), an integer in digits (`100`); `''`, `0x10`, `1e`, `NaN`, `Infinity`,
 * `1_000` and out-of-range values are usage errors naming the flag (exit 2), never silently a 0
 * or a 16 as `Number(text)` would make them. Regular expressions are compiled here, so a bad one
 * is a usage error too. `requireFlags` / `conflictingFlags` turn options that would do nothing, or
 * contradict each other, into usage errors.
 */
import { UsageError } from '../errors.js';
import { listFlag, stringFlag, type ParsedArgs } from './command.js';

/** Decimal number syntax (JSON's, with an optional leading `+` and leading-dot fractions). */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Integer syntax: digits only (no exponent, no hex, no separators). */
const INTEGER = /^[+-]?\d+$/;

/** Bounds and kind of a numeric flag. */
export interface NumberFlagOptions {
  /** Whole numbers only (digits). */
  integer?: boolean;
  /** Smallest value allowed (default 0: no negative numbers unless asked). */
  min?: number;
  /** Whether `min` itself is excluded (`> min`). */
  exclusiveMin?: boolean;
  /** Largest value allowed. */
  max?: number;
}

function describe(o: NumberFlagOptions): string {
  const kind = o.integer ? 'an integer' : 'a number';
  const lo = `${o.exclusiveMin ? '>' : '≥'} ${o.min ?? 0}`;
  return o.max !== undefined ? `${kind} ${lo} and ≤ ${o.max}` : `${kind} ${lo}`;
}

/**
 * Parse `text` as the value of `--name`, strictly.
 * @throws UsageError `bad_flag_value` naming the flag, the text and what is expected.
 */
export function parseNumberValue(name: string, text: string, o: NumberFlagOptions = {}): number {
  const t = text.trim();
  const v = (o.integer ? INTEGER : DECIMAL).test(t) ? Number(t) : Number.NaN;
  const min = o.min ?? 0;
  const ok = Number.isFinite(v) && (!o.integer || Number.isSafeInteger(v)) && (o.exclusiveMin ? v > min : v >= min) && (o.max === undefined || v <= o.max);
  if (!ok) {
    throw new UsageError('bad_flag_value', `--${name} ${JSON.stringify(text)}: expected ${describe(o)}`, {
      hint: `e.g. --${name} ${o.integer ? Math.max(1, Math.ceil(min)) : o.max !== undefined && o.max <= 1 ? '0.9' : '0.01'}`,
      details: { flag: name, value: text },
    });
  }
  return v;
}

/** A numeric flag, or undefined when absent; see {@link parseNumberValue}. */
export function numberFlag(args: ParsedArgs, name: string, options: NumberFlagOptions = {}): number | undefined {
  const s = stringFlag(args, name);
  return s === undefined ? undefined : parseNumberValue(name, s, options);
}

/** A comma-separated list of numbers (repeatable flag values are joined), [] when absent. */
export function numberListFlag(args: ParsedArgs, name: string, options: NumberFlagOptions = {}): number[] {
  const v = args.values[name];
  const raw = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return raw.flatMap((x) => String(x).split(',')).map((t) => parseNumberValue(name, t, options));
}

/** A flag whose value must be one of `choices`, or undefined. */
export function choiceFlag<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const s = stringFlag(args, name);
  if (s === undefined) return undefined;
  const v = choices.find((c) => c === s);
  if (v === undefined) throw new UsageError('bad_flag_value', `--${name} ${s}: expected one of ${choices.join(', ')}`, { hint: `e.g. --${name} ${choices[0]}`, details: { flag: name, value: s } });
  return v;
}

/**
 * A list flag whose entries are regular expressions (TF1 scope matching): each must compile.
 * @throws UsageError `bad_flag_value` with the regex engine's message as the cause.
 */
export function regexListFlag(args: ParsedArgs, name: string): string[] {
  const list = listFlag(args, name);
  for (const s of list) {
    try {
      new RegExp(s);
    } catch (cause) {
      throw new UsageError('bad_flag_value', `--${name} ${JSON.stringify(s)} is not a valid regular expression (${(cause as Error).message})`, {
        hint: `scopes are regular expressions matched at the start of the name; escape special characters, e.g. --${name} 'Logits'`,
        details: { flag: name, value: s },
        cause,
      });
    }
  }
  return list;
}

/** Whether the flag was given at all (a boolean set, a string, a non-empty list). */
export function hasFlag(args: ParsedArgs, name: string): boolean {
  const v = args.values[name];
  return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
}

/**
 * Every flag in `flags` that was given needs `needed` (described by `what`, e.g. `--lr-decay
 * exponential`) to make sense; without it, it would do nothing.
 * @throws UsageError `flag_without_effect`.
 */
export function requireFlags(args: ParsedArgs, flags: readonly string[], satisfied: boolean, what: string, example: string): void {
  if (satisfied) return;
  const given = flags.filter((f) => hasFlag(args, f));
  if (given.length === 0) return;
  throw new UsageError('flag_without_effect', `${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'does' : 'do'} nothing without ${what}`, {
    hint: `add ${example}, or drop ${given.map((f) => `--${f}`).join(' ')}`,
    details: { flags: given },
  });
}

/**
 * At most one of `flags` may be given.
 * @throws UsageError `conflicting_flags`.
 */
export function conflictingFlags(args: ParsedArgs, flags: readonly string[], why: string): void {
  const given = flags.filter((f) => hasFlag(args, f));
  if (given.length > 1) {
    throw new UsageError('conflicting_flags', `${given.map((f) => `--${f}`).join(' and ')} cannot be used together: ${why}`, { hint: `keep one of ${given.map((f) => `--${f}`).join(', ')}`, details: { flags: given } });
  }
}
