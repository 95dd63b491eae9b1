/**
 * Text for restore plans: the report a person reads before training (`plan.toString()`, and
 * exactly what `graft restore-plan` prints), and the RestoreMismatchError message that says what
 * to do (docs/design/STYLE.md §4). Data lives in restore-plan.ts; this file only formats it.
 */
import type { RestoreEntry, RestorePlan, RestoreStatus, TensorSpec } from './restore-plan.js';
import { RESTORE_STATUSES } from './restore-plan.js';
import { RestoreMismatchError } from '../errors.js';
import { matchCommonLayers, nonModelReason } from './common-layers.js';

/** `[512,10]`, `[]` for a scalar. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function spec(s: TensorSpec | undefined): string {
  return s ? `${s.dtype} ${formatShape(s.shape)}` : '';
}

function line(e: RestoreEntry, width: number): string {
  const name = e.name.padEnd(width);
  let text: string;
  switch (e.status) {
    case 'restored':
    case 'excluded':
    case 'reinitialized':
    case 'missing_in_checkpoint':
      text = `${name}  ${spec(e.expected)}`;
      if (e.status === 'missing_in_checkpoint' && e.source !== undefined && e.source !== e.name) text += `  (looked for ${e.source})`;
      break;
    case 'renamed':
      text = `${name}  ${spec(e.expected)}  ← ${e.source ?? ''}`;
      break;
    case 'shape_mismatch':
    case 'dtype_mismatch':
      text = `${name}  expected ${spec(e.expected)}${e.found ? `, found ${spec(e.found)}` : ''}${e.source !== undefined && e.source !== e.name ? `  (in ${e.source})` : ''}`;
      break;
    case 'unused_in_checkpoint':
      text = `${name}  ${spec(e.found)}`;
      break;
  }
  return `  ${text}${e.note ? `  (${e.note})` : ''}`.trimEnd();
}

/** The whole report as text: header, counts, one section per non-empty status, verdict. */
export function formatRestorePlan(plan: RestorePlan): string {
  const out: string[] = [];
  out.push(`restore plan: ${plan.source.path} (${plan.source.format}), ${plan.parameterCount} variables`);
  const counts = RESTORE_STATUSES.filter((s) => plan.summary[s] > 0).map((s) => `${plan.summary[s]} ${s}`);
  out.push(`summary: ${counts.length ? counts.join(', ') : 'nothing'}`);
  for (const status of RESTORE_STATUSES) {
    const group = plan.entries.filter((e) => e.status === status);
    if (group.length === 0) continue;
    const width = Math.min(60, Math.max(...group.map((e) => e.name.length)));
    out.push(`${status} (${group.length}):`);
    for (const e of group) out.push(line(e, width));
  }
  const loads = plan.summary.restored + plan.summary.renamed;
  if (plan.ok) out.push(`result: ok, executing it restores ${loads} of ${plan.parameterCount} variables`);
  else out.push(`result: fails, ${plan.problems.length} ${plan.problems.length === 1 ? 'problem' : 'problems'}; nothing would be restored`);
  return out.join('\n');
}

function listed(entries: RestoreEntry[], render: (e: RestoreEntry) => string): string {
  const shown = entries.slice(0, 5).map(render).join(', ');
  return entries.length > 5 ? `${shown}, … ${entries.length - 5} more` : shown;
}

/** Top-level scopes of names, for a suggested `exclude`. */
function scopesOf(names: string[]): string[] {
  return [...new Set(names.map((n) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : n)))];
}

/**
 * The one-to-one pairing of the missing variables with the unused model weights of the checkpoint
 * (common-layers.ts `shape` matching on sorted keys: layers by shapes, weights by role), when it
 * covers every missing variable and every unused model layer; else undefined.
 */
function oneToOnePairing(plan: RestorePlan, missing: RestoreEntry[]): { source: string; destination: string }[] | undefined {
  if (missing.length === 0 || missing.length !== plan.problems.length) return undefined;
  const unused = plan.entries.filter((e) => e.status === 'unused_in_checkpoint' && e.found && !/^(optimizer|optimizer_weights)\//.test(e.name) && !nonModelReason(e.name));
  if (unused.length !== missing.length) return undefined;
  const spec = (e: RestoreEntry, t: RestoreEntry['expected']) => ({ name: e.name, dtype: t!.dtype, shape: [...t!.shape] });
  const m = matchCommonLayers(unused.map((e) => spec(e, e.found)), missing.map((e) => spec(e, e.expected)), 'shape', { sourceOrder: 'sorted' });
  const pairs = m.pairings.flatMap((p) => p.variables);
  return pairs.length === missing.length ? pairs.map((p) => ({ source: p.source, destination: p.destination })) : undefined;
}

/** The error a failing plan throws: what is wrong, with concrete names and shapes, then what to do. */
export function restoreMismatchError(plan: RestorePlan): RestoreMismatchError {
  const byStatus = (s: RestoreStatus): RestoreEntry[] => plan.problems.filter((e) => e.status === s);
  const missing = byStatus('missing_in_checkpoint');
  const shape = byStatus('shape_mismatch');
  const dtype = byStatus('dtype_mismatch');
  const n = plan.parameterCount;
  const parts: string[] = [];
  if (missing.length) {
    parts.push(`${missing.length} of ${n} model variables are not in the checkpoint (${listed(missing, (e) => `${e.name}${e.source !== e.name ? ` as ${e.source}` : ''} ${formatShape(e.expected?.shape ?? [])}`)})`);
  }
  if (shape.length) {
    parts.push(`${shape.length} of ${n} have another shape there (${listed(shape, (e) => `${e.name} expected ${formatShape(e.expected?.shape ?? [])}, found ${formatShape(e.found?.shape ?? [])}`)})`);
  }
  if (dtype.length) {
    parts.push(`${dtype.length} of ${n} have a dtype that cannot be loaded (${listed(dtype, (e) => `${e.name} expected ${e.expected?.dtype}, found ${e.found?.dtype}`)})`);
  }
  const scopes = scopesOf([...missing, ...shape, ...dtype].map((e) => e.name));
  // every scope, or the first 8 and how many more: a cut list that is followed still fails
  const shown = scopes.slice(0, 8);
  const more = scopes.length > shown.length ? ` and ${scopes.length - shown.length} more scopes (${plan.problems.length} variables; see the report entries)` : '';
  const quoted = shown.map((s) => `"${s}"`).join(', ');
  const hints: string[] = [];
  const pairing = oneToOnePairing(plan, missing);
  if (pairing) {
    // every name differs but the layers pair one to one: excluding them all would restore nothing
    const shownPairs = pairing.slice(0, 3).map((p) => `"${p.source}": "${p.destination}"`).join(', ');
    hints.push(`every missing variable pairs one to one with an unused checkpoint variable by layer shapes and weight roles (${pairing.length} pairs): pass assignmentMap: {${shownPairs}${pairing.length > 3 ? `, … ${pairing.length - 3} more` : ''}} (CLI --map ${pairing[0]!.source}=${pairing[0]!.destination} …), or for a LayersModel restoreIntoLayersModel(model, path), which pairs them and reports it`);
  } else {
    hints.push(`pass exclude: [${quoted}]${more} (CLI --exclude ${shown.join(',')}) to restore the rest`);
  }
  if (missing.length) hints.push('or ignoreMissing: true to keep the missing ones as initialised');
  if (shape.length) hints.push('or allowShapeMismatch: true to keep the mismatched ones as initialised');
  if (missing.length && !pairing) hints.push('or map names with assignmentMap (CLI --map CKPT=VAR)');
  const code = missing.length ? 'missing_in_checkpoint' : shape.length ? 'shape_mismatch' : 'dtype_mismatch';
  return new RestoreMismatchError(code, `${plan.source.path}: ${parts.join('; ')}.`, plan.toJSON(), {
    hint: `${hints.join(', ')}; nothing was restored.`,
    details: {
      path: plan.source.path,
      missing: missing.map((e) => e.name),
      shapeMismatch: shape.map((e) => e.name),
      dtypeMismatch: dtype.map((e) => e.name),
      ...(pairing ? { pairing: Object.fromEntries(pairing.map((p) => [p.source, p.destination])) } : {}),
    },
  });
}
