/**
 * The demo report as one self-contained HTML page: inline CSS, inline SVG charts, one small
 * inline script (click a legend entry to hide its series). No external URL of any kind, so the
 * file opens offline from disk.
 */
import type { ChartSpec } from './svg-chart.js';
import { escapeXml, lineChartSvg } from './svg-chart.js';

/** A table: column headers and rows of cells (numbers are formatted, strings escaped). */
export interface ReportTable {
  title?: string;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

/** One scenario's part of the report. */
export interface ReportSection {
  /** HTML id (anchor) of the section. */
  id: string;
  title: string;
  /** Paragraphs of plain text (escaped). */
  notes?: string[];
  tables?: ReportTable[];
  charts?: ChartSpec[];
  /** Command lines that reproduce the scenario. */
  commands?: string[];
  /** A block of preformatted text (e.g. a restore plan's report as the CLI prints it). */
  preformatted?: string;
}

/** The whole report. */
export interface ReportDocument {
  title: string;
  /** Plain facts shown under the title (backend, date, data sizes, …). */
  facts?: Record<string, string | number>;
  /** The summary table shown first. */
  summary?: ReportTable;
  sections: ReportSection[];
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:20px 28px 60px}
h1{font-size:26px;margin:10px 0 4px}h2{font-size:20px;margin:34px 0 8px;border-bottom:1px solid #d9dde4;padding-bottom:4px}
h3{font-size:15px;margin:16px 0 6px}
.facts{color:#4a5263;font-size:13px}.facts span{margin-right:18px}
table{border-collapse:collapse;margin:8px 0 14px;background:#fff;font-size:13px}
th,td{border:1px solid #d9dde4;padding:4px 9px;text-align:left}th{background:#eef1f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:14px}
.chart{background:#fff;border:1px solid #d9dde4;border-radius:4px}
.chart-title{font-size:13px;font-weight:600;fill:#1d2330}.tick{font-size:10px;fill:#4a5263}
.axis-label{font-size:11px;fill:#4a5263}.legend{font-size:11px;fill:#1d2330}
.legend-item{cursor:pointer}.legend-item.off{opacity:.35}.series.off{display:none}
.plot-bg{fill:#fbfcfd;stroke:#c9ced8}.grid{stroke:#e6e9ee;stroke-width:1}
pre{background:#1d2330;color:#e8ecf3;padding:8px 12px;border-radius:4px;overflow-x:auto;font-size:12.5px}
nav a{margin-right:14px}
`;

const SCRIPT = `
(function(){
  var items=document.querySelectorAll('.legend-item');
  for(var i=0;i<items.length;i++){(function(item){
    item.addEventListener('click',function(){
      var svg=item.closest('svg');var name=item.getAttribute('data-series');
      item.classList.toggle('off');
      var groups=svg.querySelectorAll('g.series');
      for(var k=0;k<groups.length;k++){if(groups[k].getAttribute('data-series')===name)groups[k].classList.toggle('off');}
    });})(items[i]);}
  var n=0;var series=document.querySelectorAll('g.series');
  for(var j=0;j<series.length;j++){n+=Number(series[j].getAttribute('data-points'))||0;}
  document.body.setAttribute('data-ready','1');
  document.body.setAttribute('data-chart-count',String(document.querySelectorAll('svg.chart').length));
  document.body.setAttribute('data-point-count',String(n));
})();
`;

function cell(v: string | number | boolean | null): string {
  if (v === null) return '<td>—</td>';
  if (typeof v === 'number') {
    const s = Number.isInteger(v) ? String(v) : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
    return `<td class="num">${s}</td>`;
  }
  return `<td>${escapeXml(String(v))}</td>`;
}

/** Render a table as HTML. */
export function tableHtml(t: ReportTable): string {
  const head = t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  return `${t.title ? `<h3>${escapeXml(t.title)}</h3>` : ''}<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Render the report as one self-contained HTML document. */
export function renderHtmlReport(doc: ReportDocument): string {
  const out: string[] = [];
  out.push('<!DOCTYPE html>', '<html lang="en"><head><meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escapeXml(doc.title)}</title><style>${CSS}</style></head><body><main>`);
  out.push(`<h1>${escapeXml(doc.title)}</h1>`);
  if (doc.facts) {
    out.push(`<p class="facts">${Object.entries(doc.facts).map(([k, v]) => `<span><b>${escapeXml(k)}:</b> ${escapeXml(String(v))}</span>`).join('')}</p>`);
  }
  if (doc.sections.length > 1) out.push(`<nav>${doc.sections.map((s) => `<a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a>`).join('')}</nav>`);
  if (doc.summary) out.push(tableHtml(doc.summary));
  for (const s of doc.sections) {
    out.push(`<section id="${escapeXml(s.id)}"><h2>${escapeXml(s.title)}</h2>`);
    for (const p of s.notes ?? []) out.push(`<p>${escapeXml(p)}</p>`);
    if (s.charts?.length) out.push(`<div class="charts">${s.charts.map((c) => lineChartSvg(c)).join('')}</div>`);
    for (const t of s.tables ?? []) out.push(tableHtml(t));
    if (s.preformatted) out.push(`<pre class="report">${escapeXml(s.preformatted)}</pre>`);
    if (s.commands?.length) out.push(`<pre>${s.commands.map(escapeXml).join('\n')}</pre>`);
    out.push('</section>');
  }
  out.push(`</main><script>${SCRIPT}</script></body></html>`);
  return out.join('\n');
}
