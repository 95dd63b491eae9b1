/**
 * The optimizer's state across a class change. The article restores `tf.global_variables()`
 * minus `softmax_w`/`softmax_b`, and in TF1 that list holds the optimizer's slots and non-slot
 * variables too (`…/Adam`, `…/Adam_1`, `beta1_power`, `beta2_power`): the restored body keeps the
 * per-weight step sizes it had learnt (fresh slots make Adam's first steps about ±lr on every
 * weight). Measured on BANKING77 class changes, restored slots did not reach the scratch model's
 * accuracy sooner, so trainModel restores them by default only when the classes stay the same.
 *
 * What is restored (names as the optimizer gives them; one reader, everything read before
 * anything is assigned):
 * - slots of restored body variables and the non-slot variables: as saved;
 * - slots of the head: column by column as the head itself (class-plan.ts) — kept and moved
 *   classes carry their slot columns, merged classes take the mean of their sources', new and
 *   split classes start with first moments (`m`, `momentum`) at 0 and every other slot (`v`,
 *   `rms`, `accumulator`) at the mean of the carried columns, so their steps have the scale of
 *   their neighbours' instead of Adam's oversized first step on a zero second moment;
 * - slots of a first layer whose rows grew (new words): saved rows copied, added rows filled by
 *   the same rule.
 * A slot the checkpoint lacks, or holds with another shape, keeps its fresh value and is listed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint } from '../checkpoint/reader.js';
import { valuesFromTensorValue } from '../checkpoint/tensor-bytes.js';
import type { ClassifierModel } from '../models/types.js';
import type { Optimizer } from '../train/optimizer.js';
import type { ClassChangePlan } from '../checkpoint/class-plan.js';
import { FIRST_MOMENT_SLOTS as FIRST_MOMENTS, remapSlotColumns } from '../checkpoint/class-columns.js';

export { remapSlotColumns };

/** What {@link restoreOptimizerState} did. */
export interface OptimizerStateReport {
  /** Slots and non-slot variables restored as saved. */
  restored: string[];
  /** Head slots rebuilt column by column, and grown first-layer slots (saved rows + filled rows). */
  remapped: string[];
  /** Kept at their fresh values, with the reason. */
  fresh: { name: string; reason: string }[];
}

function mean(values: Float32Array, count: number, at: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < count; i++) s += values[at(i)]!;
  return count ? s / count : 0;
}

/** Rows of a grown [rows, …] slot: saved rows copied, added rows filled per the file comment. */
function growSlotRows(saved: Float32Array, savedRows: number, rows: number, firstMoment: boolean): Float32Array {
  const width = saved.length / savedRows;
  const out = new Float32Array(rows * width);
  out.set(saved);
  if (!firstMoment) {
    for (let c = 0; c < width; c++) {
      const fill = mean(saved, savedRows, (r) => r * width + c);
      for (let r = savedRows; r < rows; r++) out[r * width + c] = fill;
    }
  }
  return out;
}

/**
 * Restore `optimizer`'s slots and non-slot variables from checkpoint `ckpt` for a model whose
 * head was rebuilt by `plan` and whose first-layer variables `grownRows` gained rows. Call after
 * `optimizer.createSlots()`; see the file comment for the rules.
 */
export async function restoreOptimizerState(
  optimizer: Optimizer,
  model: ClassifierModel,
  ckpt: string,
  plan: ClassChangePlan,
  grownRows: { name: string; savedRows: number }[],
): Promise<OptimizerStateReport> {
  const report: OptimizerStateReport = { restored: [], remapped: [], fresh: [] };
  const assignments: { variable: tf.Variable; values: Float32Array }[] = [];
  const headNames = new Set([model.headWeights, model.headBiases]);
  const grown = new Map(grownRows.map((g) => [g.name, g.savedRows]));
  const reader = await loadCheckpoint(ckpt);
  try {
    const slots = optimizer.slots();
    const slotVars = new Set(slots.map((s) => s.slot));
    const entries = [
      ...slots.map((s) => ({ name: s.name, variable: s.slot, owner: s.ownerName, firstMoment: FIRST_MOMENTS.has(s.slotName) })),
      ...optimizer.variables().toArray().filter((p) => !slotVars.has(p.variable)).map((p) => ({ name: p.name, variable: p.variable, owner: null, firstMoment: false })),
    ];
    for (const e of entries) {
      if (e.variable.dtype !== 'float32') {
        report.fresh.push({ name: e.name, reason: `dtype ${e.variable.dtype}` });
        continue;
      }
      if (!reader.has(e.name)) {
        report.fresh.push({ name: e.name, reason: 'not in the checkpoint' });
        continue;
      }
      const info = reader.info(e.name);
      const shape = e.variable.shape;
      const saved = () => reader.read(e.name).then((t) => valuesFromTensorValue(t, 'float32') as Float32Array);
      if (e.owner !== null && headNames.has(e.owner)) {
        const oldK = plan.oldClasses.length;
        const rows = shape.length === 2 ? shape[0]! : 1;
        if (info.shape[info.shape.length - 1] !== oldK || info.shape.length !== shape.length || (shape.length === 2 && info.shape[0] !== rows)) {
          report.fresh.push({ name: e.name, reason: `saved shape [${info.shape}] is not the old head's` });
          continue;
        }
        assignments.push({ variable: e.variable, values: remapSlotColumns(plan, await saved(), rows, e.firstMoment) });
        report.remapped.push(e.name);
      } else if (e.owner !== null && grown.has(e.owner)) {
        const savedRows = grown.get(e.owner)!;
        if (info.shape[0] !== savedRows || info.shape.slice(1).some((d, i) => d !== shape[i + 1])) {
          report.fresh.push({ name: e.name, reason: `saved shape [${info.shape}] does not fit [${shape}]` });
          continue;
        }
        assignments.push({ variable: e.variable, values: growSlotRows(await saved(), savedRows, shape[0]!, e.firstMoment) });
        report.remapped.push(e.name);
      } else {
        if (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i])) {
          report.fresh.push({ name: e.name, reason: `saved shape [${info.shape}] differs from [${shape}]` });
          continue;
        }
        assignments.push({ variable: e.variable, values: await saved() });
        report.restored.push(e.name);
      }
    }
  } finally {
    await reader.close();
  }
  tf.tidy(() => {
    for (const a of assignments) a.variable.assign(tf.tensor(a.values, a.variable.shape, 'float32'));
  });
  return report;
}
