/**
 * tfjs optimizers whose learning rate can be changed during `fit` through a public method.
 * tfjs's `SGDOptimizer` and `MomentumOptimizer` have `setLearningRate`; Adam, RMSProp, Adagrad and
 * Adadelta keep theirs in a protected field read at every step (tfjs-core optimizers/*.ts). These
 * subclasses add the same `setLearningRate` — same class names, same math, same `getWeights`
 * layout — so {@link learningRateScheduleCallback} needs no cast. Signatures follow `tf.train.*`.
 */
import * as tf from '@tensorflow/tfjs-core';

/** An optimizer whose learning rate can be set (tfjs SGD/Momentum, and the classes below). */
export interface LearningRateSettable {
  setLearningRate(learningRate: number): void;
}

/** Adam with `setLearningRate`. */
export class AdamWithSchedule extends tf.AdamOptimizer implements LearningRateSettable {
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }
}
/** RMSProp with `setLearningRate`. */
export class RMSPropWithSchedule extends tf.RMSPropOptimizer implements LearningRateSettable {
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }
}
/** Adagrad with `setLearningRate`. */
export class AdagradWithSchedule extends tf.AdagradOptimizer implements LearningRateSettable {
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }
}
/** Adadelta with `setLearningRate`. */
export class AdadeltaWithSchedule extends tf.AdadeltaOptimizer implements LearningRateSettable {
  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate;
  }
}

/** `tf.train.adam` with a settable learning rate (defaults as tfjs: 0.001, 0.9, 0.999). */
export function adam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): AdamWithSchedule {
  return new AdamWithSchedule(learningRate, beta1, beta2, epsilon);
}
/** `tf.train.rmsprop` with a settable learning rate. */
export function rmsprop(learningRate: number, decay = 0.9, momentum = 0, epsilon?: number, centered = false): RMSPropWithSchedule {
  return new RMSPropWithSchedule(learningRate, decay, momentum, epsilon, centered);
}
/** `tf.train.adagrad` with a settable learning rate. */
export function adagrad(learningRate: number, initialAccumulatorValue = 0.1): AdagradWithSchedule {
  return new AdagradWithSchedule(learningRate, initialAccumulatorValue);
}
/** `tf.train.adadelta` with a settable learning rate. */
export function adadelta(learningRate = 0.001, rho = 0.95, epsilon?: number): AdadeltaWithSchedule {
  return new AdadeltaWithSchedule(learningRate, rho, epsilon);
}

/** The optimizer as a {@link LearningRateSettable}, or undefined when it has no `setLearningRate`. */
export function asLearningRateSettable(optimizer: tf.Optimizer): LearningRateSettable | undefined {
  if ('setLearningRate' in optimizer && typeof optimizer.setLearningRate === 'function') {
    const set = optimizer.setLearningRate;
    return { setLearningRate: (lr: number) => set.call(optimizer, lr) };
  }
  return undefined;
}

/** The optimizer's current learning rate (`getConfig().learningRate`), or NaN. */
export function currentLearningRate(optimizer: tf.Optimizer): number {
  const lr = optimizer.getConfig()['learningRate'];
  return typeof lr === 'number' ? lr : Number.NaN;
}
