/** Plain-text tables and number formatting for command output (no colour, fixed columns). */

/** Render rows as left-aligned columns separated by two spaces; `right` lists right-aligned columns. */
export function formatTable(rows: string[][], options: { right?: number[]; indent?: string } = {}): string {
  if (rows.length === 0) return '';
  const right = new Set(options.right ?? []);
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows
    .map((r) => (options.indent ?? '') + r.map((c, i) => (i === r.length - 1 && !right.has(i) ? c : right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

/** 1234567 → "1,234,567". */
export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A shape as TF prints it: [392, 10]; [] for a scalar. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A statistic for a table cell: up to 6 significant digits, '-' when absent. */
export function formatStat(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-4 || a >= 1e6) ? x.toExponential(5) : String(Number(x.toPrecision(6)));
}
