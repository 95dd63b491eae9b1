/**
 * One TF1 training step as a function: what `sess.run(train_op)` did when `train_op` grouped the
 * optimizer update, the UPDATE_OPS, the EMA update and the global-step increment. Order:
 * gradients → update → update ops → EMA → global step; then the step's loss and learning rate go
 * to the summary writer, the JSON-lines log and the progress bar when given.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { MinimizeOptions, MinimizeReport, Optimizer } from './optimizer.js';
import type { SummaryWriter } from './summary/summary-writer.js';
import type { JsonlLogger } from './jsonl-logger.js';
import type { ProgressBar } from './progress-bar.js';

/** Options of {@link trainStep}. */
export interface TrainStepOptions extends MinimizeOptions {
  /** Receives `loss` and `learning_rate` scalars at the step's global step. */
  summaryWriter?: SummaryWriter;
  /** Receives one `{step, loss, learningRate, …}` line. */
  logger?: JsonlLogger;
  /** Advanced by one step with the loss. */
  progress?: ProgressBar;
  /** Log summaries and log lines every N steps only; default 1. */
  logEvery?: number;
}

/**
 * Run one training step of `optimizer` on `lossFn` over the chosen variables.
 * @throws InvalidArgumentError as {@link Optimizer.minimize}.
 */
export function trainStep(optimizer: Optimizer, lossFn: () => tf.Scalar, options: TrainStepOptions = {}): MinimizeReport {
  const report = optimizer.minimize(lossFn, options);
  const step = report.globalStep ?? 0;
  if (step % (options.logEvery ?? 1) === 0) {
    options.summaryWriter?.scalar('loss', report.loss, step);
    options.summaryWriter?.scalar('learning_rate', report.learningRate, step);
    options.logger?.log({ step, loss: report.loss, learningRate: report.learningRate, ...(report.gradientNorm !== null ? { gradientNorm: report.gradientNorm } : {}) });
  }
  options.progress?.tick({ loss: report.loss });
  return report;
}
