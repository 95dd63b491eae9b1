/** The self-contained HTML report of `graft demo`: inline SVG line charts and tables. */
export { lineChartSvg, niceTicks, escapeXml, SERIES_COLORS } from './svg-chart.js';
export type { ChartSpec, ChartSeries } from './svg-chart.js';
export { renderHtmlReport, tableHtml } from './html-report.js';
export type { ReportDocument, ReportSection, ReportTable } from './html-report.js';
