/**
 * A CSV parser for RFC 4180 text: fields separated by commas, records by CRLF or LF, fields in
 * double quotes may hold commas, newlines and doubled quotes (`""` → `"`). BANKING77's texts
 * contain all three.
 */
import { FormatError } from '../../errors.js';

/** Parse CSV text into records of fields; `what` names the source in errors. */
export function parseCsv(text: string, what = 'csv'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  let fieldStarted = false;
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && !fieldStarted) {
      // quoted field
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) {
          throw new FormatError('csv_unterminated_quote', `${what}: line ${startLine}: a quoted field is never closed`, {
            hint: 'the file is truncated or a quote is not doubled ("")',
            details: { line: startLine },
          });
        }
        const d = text[i]!;
        if (d === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (d === '\n') line++;
        field += d;
        i++;
      }
      fieldStarted = true;
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') {
        throw new FormatError('csv_text_after_quote', `${what}: line ${line}: text after a closing quote`, {
          hint: 'quotes inside a quoted field must be doubled ("")',
          details: { line },
        });
      }
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = false;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += c;
    fieldStarted = true;
    i++;
  }
  if (fieldStarted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Parse CSV with a header row into objects keyed by the header's column names. */
export function parseCsvObjects(text: string, what = 'csv'): Record<string, string>[] {
  const rows = parseCsv(text, what);
  if (rows.length === 0) return [];
  const header = rows[0]!;
  return rows.slice(1).filter((r) => !(r.length === 1 && r[0] === '')).map((r, k) => {
    if (r.length !== header.length) {
      throw new FormatError('csv_field_count', `${what}: record ${k + 2} has ${r.length} fields, the header has ${header.length}`, {
        hint: 'quote fields that contain commas',
        details: { record: k + 2, expected: header.length, found: r.length },
      });
    }
    const o: Record<string, string> = {};
    header.forEach((h, j) => (o[h] = r[j]!));
    return o;
  });
}
