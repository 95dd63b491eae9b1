/**
 * Line charts drawn as inline SVG strings (no library, no network): axes with "nice" ticks, one
 * polyline per series with a point marker per value and a native tooltip, a legend. The report
 * embeds them directly, so the page renders offline and without any script.
 */

/** One named series of (x, y) points. */
export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number])[];
  /** Draw dashed (e.g. the raw curve behind its EMA). */
  dashed?: boolean;
}

/** A line chart. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Log-scale y axis (values must be > 0). */
  logY?: boolean;
}

/** Colours for series, in order (colour-blind-friendly Okabe–Ito palette). */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

/** Escape text for XML/HTML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Round numbers for axis ticks between `lo` and `hi` (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Tick positions (in log10 units) at 1, 2 and 5 times powers of ten within [lo, hi]. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    for (const m of hi - lo > 3 ? [1] : [1, 2, 5]) {
      const t = e + Math.log10(m);
      if (t >= lo && t <= hi) out.push(t);
    }
  }
  return out.length ? out : [lo, hi];
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Render a chart as a standalone `<svg>` element string. */
export function lineChartSvg(spec: ChartSpec, size: { width?: number; height?: number } = {}): string {
  const W = size.width ?? 540;
  const H = size.height ?? 300;
  const m = { left: 66, right: 14, top: 30, bottom: 44 };
  const legendRows = Math.ceil(spec.series.length / 3);
  const plotH = H - m.top - m.bottom - legendRows * 16;
  const plotW = W - m.left - m.right;
  const ty = (v: number) => (spec.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const all = spec.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  let x0 = Math.min(...all.map((p) => p[0]));
  let x1 = Math.max(...all.map((p) => p[0]));
  let y0 = Math.min(...all.map((p) => ty(p[1])));
  let y1 = Math.max(...all.map((p) => ty(p[1])));
  if (all.length === 0) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * plotW;
  const sy = (y: number) => m.top + plotH - ((ty(y) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" class="chart-title">${escapeXml(spec.title)}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" class="plot-bg"/>`);
  for (const t of niceTicks(x0, x1, 6)) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${m.top + plotH}" class="grid"/>`);
    parts.push(`<text x="${x}" y="${m.top + plotH + 14}" text-anchor="middle" class="tick">${fmt(t)}</text>`);
  }
  const yTicks = spec.logY ? logTicks(y0, y1) : niceTicks(y0, y1, 5);
  for (const t of yTicks) {
    const y = (m.top + plotH - ((t - y0) / (y1 - y0)) * plotH).toFixed(1);
    parts.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(`<text x="${m.left - 5}" y="${Number(y) + 4}" text-anchor="end" class="tick">${fmt(spec.logY ? 10 ** t : t)}</text>`);
  }
  parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 30}" text-anchor="middle" class="axis-label">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(12 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-label">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = SERIES_COLORS[i % SERIES_COLORS.length]!;
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    const d = pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<g class="series" data-series="${escapeXml(s.name)}" data-points="${pts.length}">`);
    parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    const every = Math.max(1, Math.ceil(pts.length / 60));
    pts.forEach(([x, y], k) => {
      if (k % every !== 0 && k !== pts.length - 1) return;
      parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.2" fill="${color}"><title>${escapeXml(s.name)}: ${fmt(x)}, ${fmt(y)}</title></circle>`);
    });
    parts.push('</g>');
    const lx = m.left + (i % 3) * (plotW / 3);
    const ly = m.top + plotH + 40 + Math.floor(i / 3) * 16;
    parts.push(`<g class="legend-item" data-series="${escapeXml(s.name)}"><line x1="${lx}" x2="${lx + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><text x="${lx + 22}" y="${ly}" class="legend">${escapeXml(s.name)}</text></g>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
