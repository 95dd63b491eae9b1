/**
 * `graft eval` as a function: rebuild the model a checkpoint's `.meta.json` describes (no code),
 * restore it — optionally with the EMA shadows loaded into the live variables (TF's
 * `variables_to_restore()`), optionally with parts from other checkpoints (the staged model's
 * CNN from its own directory) — and evaluate on the task's test split (or another split size).
 */
import { InvalidArgumentError, RestoreMismatchError } from '../errors.js';
import { isLayersModelMeta } from '../layers/topology.js';
import { evalLayersCheckpoint } from './user-model/eval-layers.js';
import { restoreFromCheckpoint } from '../checkpoint/execute-plan.js';
import { emaVariablesToRestore } from '../checkpoint/ema.js';
import type { RestoreReport } from '../checkpoint/restore-plan.js';
import { ParameterSet } from '../variables/parameter-set.js';
import { matchesScopes, metaExtras, modelFromCheckpointMeta, readCheckpointMeta, resolveCheckpoint, type RestorePart, type ScopeMatching } from './checkpoints.js';
import { evaluate } from './evaluate.js';
import { defaultTaskFor, loadTask, type TaskSpec } from './tasks.js';

/** Options of {@link evalCheckpoint}. */
export interface EvalCheckpointOptions {
  /** Load the `…/ExponentialMovingAverage` shadows instead of the raw weights. */
  ema?: boolean;
  /** More parts from other checkpoints (their scopes are taken from there). */
  restore?: RestorePart[];
  /** Override the test-set size / seed of the stored task. */
  task?: Partial<TaskSpec>;
  /** How restore-part scopes match (default `boundary`). */
  scopeMatching?: ScopeMatching;
  /** Evaluate both raw and EMA weights (`ema` ignored). */
  both?: boolean;
  /** A LayersModel checkpoint trained on user data: evaluate on all of this data set (default: the stored test split). */
  data?: string;
}

/** The result of an evaluation. */
export interface EvalCheckpointReport {
  /** LayersModel checkpoints: the data evaluated (the stored test split, or all of `--data`). */
  data?: { path: string; split: 'test' | 'all'; input: unknown };
  checkpoint: string;
  model: string;
  config: Record<string, unknown>;
  labels: string[];
  /** Which weights were evaluated. */
  weights: 'raw' | 'ema';
  accuracy: number;
  loss: number;
  /** With `both`: the other weights' accuracy. */
  rawAccuracy?: number;
  emaAccuracy?: number;
  examples: number;
  restored: { from: string; include: string[]; summary: RestoreReport['summary'] }[];
}

/**
 * Evaluate a checkpoint (a prefix or a training directory).
 * @throws CheckpointNotFoundError, RestoreMismatchError `not_all_restored` when some model
 *   variables are in no checkpoint given (pass `restore` parts for them).
 */
export async function evalCheckpoint(path: string, options: EvalCheckpointOptions = {}): Promise<EvalCheckpointReport> {
  const ckpt = await resolveCheckpoint(path);
  const meta = await readCheckpointMeta(ckpt);
  if (isLayersModelMeta(meta)) {
    if (options.ema || options.both || options.restore?.length) {
      throw new InvalidArgumentError('not_for_layers_model', `${ckpt}: --ema, --both and --restore apply to built-in models; this checkpoint holds a LayersModel`, { hint: 'evaluate it without them (graft eval --checkpoint DIR [--data D])' });
    }
    return evalLayersCheckpoint(ckpt, meta, { ...(options.data !== undefined ? { data: options.data } : {}), ...(options.task?.testLimit !== undefined ? { testLimit: options.task.testLimit } : {}) });
  }
  if (options.data !== undefined) throw new InvalidArgumentError('not_for_builtin_model', `${ckpt}: --data applies to LayersModel checkpoints; this one holds the built-in model ${meta.model?.name}`, { hint: 'select built-in data with --test-limit (the task is in the .meta.json)' });
  const model = await modelFromCheckpointMeta(meta, ckpt);
  const ex = metaExtras(meta);
  const inMain = new Set(meta.variables.map((v) => v.name));
  const restored: EvalCheckpointReport['restored'] = [];
  const covered = new Set<string>();

  const restoreAll = async (useEma: boolean): Promise<void> => {
    restored.length = 0;
    covered.clear();
    const parts: RestorePart[] = [{ from: ckpt, include: model.params.names().filter((n) => inMain.has(n)) }, ...(options.restore ?? [])];
    for (const part of parts) {
      const from = part === parts[0] ? ckpt : await resolveCheckpoint(part.from);
      const include = part.include ?? [];
      const target = new ParameterSet(model.params.toArray().filter((p) => (include.length === 0 || part === parts[0] || matchesScopes(p.name, include, options.scopeMatching ?? 'boundary')) && (part !== parts[0] || include.includes(p.name)) && (part === parts[0] || !covered.has(p.name))));
      if (target.size === 0) continue;
      const partMeta = part === parts[0] ? meta : await readCheckpointMeta(from).catch(() => undefined);
      const hasEma = partMeta ? partMeta.variables.some((v) => v.name.endsWith('/ExponentialMovingAverage')) : false;
      const varList = useEma && hasEma ? emaVariablesToRestore(target, { movingAverageVariables: partMeta!.variables.filter((v) => v.name.endsWith('/ExponentialMovingAverage')).map((v) => v.name.slice(0, -'/ExponentialMovingAverage'.length)) }) : target;
      const plan = await restoreFromCheckpoint(varList, from, include.length || part === parts[0] ? {} : { ignoreMissing: true });
      for (const e of plan.entries) if (e.status === 'restored' || e.status === 'renamed') covered.add(e.name);
      restored.push({ from, include, summary: plan.summary });
    }
    const missing = model.params.names().filter((n) => !covered.has(n));
    if (missing.length) {
      throw new RestoreMismatchError('not_all_restored', `${ckpt}: ${missing.length} of ${model.params.size} model variables are in no checkpoint given (${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''})`, { missing }, {
        hint: 'this checkpoint holds only part of the model; add the rest with restore parts (CLI --restore DIR:SCOPE)',
        details: { missing },
      });
    }
  };

  const task = await loadTask({ ...defaultTaskFor(model.inputKind), ...(ex.task ?? {}), ...(options.task ?? {}) } as TaskSpec, { vocabulary: ex.vocabulary, maxLength: Number(model.config.maxLength ?? 16), padding: model.tokenPadding ?? 'pre' });
  const forward = (inputs: Parameters<typeof model.logits>[0]) => model.logits(inputs);
  const run = async (useEma: boolean) => {
    await restoreAll(useEma);
    return evaluate(forward, task.test);
  };
  const weights: 'raw' | 'ema' = options.ema && !options.both ? 'ema' : 'raw';
  const main = await run(weights === 'ema');
  const report: EvalCheckpointReport = {
    checkpoint: ckpt,
    model: model.name,
    config: model.config,
    labels: meta.labels ?? task.classNames,
    weights,
    accuracy: main.accuracy,
    loss: main.loss,
    examples: main.count,
    restored: [...restored],
  };
  if (options.both) {
    report.rawAccuracy = main.accuracy;
    report.emaAccuracy = (await run(true)).accuracy;
  }
  return report;
}
