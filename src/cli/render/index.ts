/** Text and JSON rendering helpers shared by the CLI commands. */
export { formatValues, jsonValues, type ValueFormatOptions } from './values.js';
export { formatTable, formatInt, formatShape, formatStat } from './table.js';
