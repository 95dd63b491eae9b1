/**
 * The pieces of protobuf text format (Python `google.protobuf.text_format`) that TensorFlow's
 * text files need: a tokenizer for `field: value` lines (Merge semantics), C-escaping of strings
 * exactly as `text_encoding.CEscape(value, as_utf8=False)` does, and Python's `repr(float)`
 * (`str(value)` is what MessageToString prints for a double).
 *
 * CEscape (as_utf8=False): the UTF-8 bytes; \t \n \r \" \' \\ by name; other bytes < 32 or ≥ 127 as
 * three-digit octal `\ooo`; everything else as is.
 */

/** One token of a text-format message. */
export interface TextToken {
  kind: 'ident' | 'string' | 'number' | 'punct';
  /** Identifier text, number text, punctuation char; for strings the decoded bytes are in `bytes`. */
  text: string;
  bytes?: Uint8Array;
  line: number;
}

/** Thrown by the tokenizer; callers turn it into their own FormatError with the file name. */
export class TextFormatSyntaxError extends RangeError {
  constructor(readonly line: number, readonly what: string) {
    super(`line ${line}: ${what}`);
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  n: 10, t: 9, r: 13, "'": 39, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11, '?': 63,
};

/** Split text-format input into tokens (comments `#…` and whitespace skipped). */
export function tokenizeTextFormat(text: string): TextToken[] {
  const out: TextToken[] = [];
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') { line++; i++; continue; }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') { i++; continue; }
    if (c === '#') { while (i < n && text[i] !== '\n') i++; continue; }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_]/.test(text[j]!)) j++;
      out.push({ kind: 'ident', text: text.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[-+0-9.]/.test(c)) {
      const m = /^[-+]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?[fF]?|inf(?:inity)?|nan)/i.exec(text.slice(i, i + 64));
      if (m === null) throw new TextFormatSyntaxError(line, `unexpected character ${JSON.stringify(c)}`);
      out.push({ kind: 'number', text: m[0], line });
      i += m[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const bytes: number[] = [];
      let j = i + 1;
      for (;;) {
        if (j >= n || text[j] === '\n') throw new TextFormatSyntaxError(line, 'string is not terminated');
        const ch = text[j]!;
        if (ch === c) { j++; break; }
        if (ch === '\\') {
          const e = text[j + 1];
          if (e === undefined) throw new TextFormatSyntaxError(line, 'string ends with a backslash');
          if (SIMPLE_ESCAPES[e] !== undefined) { bytes.push(SIMPLE_ESCAPES[e]); j += 2; continue; }
          const oct = /^[0-7]{1,3}/.exec(text.slice(j + 1, j + 4));
          if (oct !== null) { bytes.push(parseInt(oct[0], 8) & 0xff); j += 1 + oct[0].length; continue; }
          const hex = /^[xX]([0-9a-fA-F]{1,2})/.exec(text.slice(j + 1, j + 4));
          if (hex !== null) { bytes.push(parseInt(hex[1]!, 16)); j += 1 + hex[0].length; continue; }
          throw new TextFormatSyntaxError(line, `invalid escape \\${e}`);
        }
        const cp = text.codePointAt(j)!;
        bytes.push(...new TextEncoder().encode(String.fromCodePoint(cp)));
        j += cp > 0xffff ? 2 : 1;
      }
      out.push({ kind: 'string', text: '', bytes: Uint8Array.from(bytes), line });
      i = j;
      continue;
    }
    if (':;,[]{}<>'.includes(c)) { out.push({ kind: 'punct', text: c, line }); i++; continue; }
    throw new TextFormatSyntaxError(line, `unexpected character ${JSON.stringify(c)}`);
  }
  return out;
}

/** Python text_encoding.CEscape(s.encode('utf-8'), as_utf8=False). */
export function cEscape(value: string): string {
  let s = '';
  for (const b of new TextEncoder().encode(value)) {
    if (b === 9) s += '\\t';
    else if (b === 10) s += '\\n';
    else if (b === 13) s += '\\r';
    else if (b === 34) s += '\\"';
    else if (b === 39) s += "\\'";
    else if (b === 92) s += '\\\\';
    else if (b < 32 || b >= 127) s += '\\' + b.toString(8).padStart(3, '0');
    else s += String.fromCharCode(b);
  }
  return s;
}

/** Python 3 `repr(x)` of a float: shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  const decpt = exp + 1; // value = 0.DIGITS × 10^decpt
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const e = Math.abs(exp);
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(e).padStart(2, '0')}`;
}

/** Parse a text-format number token as a double (Python's ParseFloat: inf/nan words, trailing f). */
export function parseTextFloat(text: string): number | undefined {
  const t = text.toLowerCase();
  if (/^[-+]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(t)) return NaN;
  if (/^[-+]?0x[0-9a-f]+$/.test(t)) {
    const neg = t.startsWith('-');
    const v = Number.parseInt(t.replace(/^[-+]?0x/, ''), 16);
    return neg ? -v : v;
  }
  const v = Number(t.replace(/f$/, ''));
  return Number.isNaN(v) ? undefined : v;
}
