/**
 * Learning-rate schedulers with PyTorch 1.13's semantics: each is constructed with the optimiser
 * (which performs the first step), `step()` is called after `optimizer.step()`, and `getLastLr()`
 * reads the rates. The recursive (chainable) forms are used, so schedulers can be stacked.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import type { Optimizer } from './optimizer.js';
import { LRScheduler, checkInteger, groupLrs, pyMod, type SchedulerOptions } from './scheduler.js';

export { LRScheduler, type SchedulerOptions, type SchedulerStateDict } from './scheduler.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';

function checkNumber(scheduler: string, arg: string, value: unknown): void {
  check(typeof value === 'number' && !Number.isNaN(value), ArgumentError, () => `[${scheduler}] ${arg} must be a number, got ${fmt(value)}`);
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` epochs.
 * @example
 * const scheduler = new StepLR(opt, 30, { gamma: 0.1 }); // lr 0.05 for epochs 0-29, 0.005 for 30-59, ...
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: Optimizer, stepSize: number, options: SchedulerOptions & { gamma?: number } = {}) {
    super('StepLR', optimizer, options.lastEpoch);
    checkInteger('StepLR', 'stepSize', stepSize, 1);
    checkNumber('StepLR', 'gamma', options.gamma ?? 0.1);
    this.stepSize = stepSize;
    this.gamma = options.gamma ?? 0.1;
    this.start('StepLR');
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groupLrs(this.optimizer);
    return groupLrs(this.optimizer).map((lr) => lr * this.gamma);
  }
}

/**
 * Multiplies the learning rate by `gamma` at each milestone epoch (a milestone listed twice applies gamma²).
 * @example
 * const scheduler = new MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted, repeats kept (PyTorch's Counter). */
  milestones: number[];
  gamma: number;

  constructor(optimizer: Optimizer, milestones: readonly number[], options: SchedulerOptions & { gamma?: number } = {}) {
    super('MultiStepLR', optimizer, options.lastEpoch);
    check(Array.isArray(milestones), ArgumentError, () => `[MultiStepLR] milestones must be an array of integers, got ${fmt(milestones)}`);
    milestones.forEach((m, i) => checkInteger('MultiStepLR', `milestones[${i}]`, m, 0));
    checkNumber('MultiStepLR', 'gamma', options.gamma ?? 0.1);
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = options.gamma ?? 0.1;
    this.start('MultiStepLR');
  }

  protected getLr(): number[] {
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return groupLrs(this.optimizer);
    return groupLrs(this.optimizer).map((lr) => lr * this.gamma ** count);
  }
}

/**
 * Multiplies the learning rate by `gamma` every epoch.
 * @example
 * const scheduler = new ExponentialLR(opt, 0.95);
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: Optimizer, gamma: number, options: SchedulerOptions = {}) {
    super('ExponentialLR', optimizer, options.lastEpoch);
    checkNumber('ExponentialLR', 'gamma', gamma);
    this.gamma = gamma;
    this.start('ExponentialLR');
  }

  protected getLr(): number[] {
    if (this.lastEpoch === 0) return groupLrs(this.optimizer);
    return groupLrs(this.optimizer).map((lr) => lr * this.gamma);
  }
}

/**
 * Cosine annealing from the initial learning rate to `etaMin` over `tMax` epochs (and back up
 * again after, as PyTorch's recursive form does): ηₜ = η_min + (η₀ − η_min)(1 + cos(πt/T_max))/2.
 * @example
 * const scheduler = new CosineAnnealingLR(opt, 100, { etaMin: 1e-5 });
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: Optimizer, tMax: number, options: SchedulerOptions & { etaMin?: number } = {}) {
    super('CosineAnnealingLR', optimizer, options.lastEpoch);
    checkInteger('CosineAnnealingLR', 'tMax', tMax, 1);
    checkNumber('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0);
    this.tMax = tMax;
    this.etaMin = options.etaMin ?? 0;
    this.start('CosineAnnealingLR');
  }

  protected getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    const lrs = groupLrs(this.optimizer);
    if (t === 0) return lrs;
    if (this._stepCount === 1 && t > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    }
    if (pyMod(t - 1 - tMax, 2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }
}

/** Options of `LinearLR`. */
export interface LinearLROptions extends SchedulerOptions {
  /** The factor at epoch 0 (default 1/3). */
  startFactor?: number;
  /** The factor from `totalIters` on (default 1). */
  endFactor?: number;
  /** The number of epochs of the ramp (default 5). */
  totalIters?: number;
}

/**
 * Scales the learning rate by a factor going linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs (a warm-up, or a linear decay).
 * @example
 * const warmup = new LinearLR(opt, { startFactor: 0.1, totalIters: 10 });
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super('LinearLR', optimizer, options.lastEpoch);
    const { startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options;
    check(startFactor >= 0 && startFactor <= 1, ArgumentError,
      () => `[LinearLR] starting multiplicative factor expected to be between 0 and 1, got ${fmt(startFactor)}`);
    check(endFactor >= 0 && endFactor <= 1, ArgumentError,
      () => `[LinearLR] ending multiplicative factor expected to be between 0 and 1, got ${fmt(endFactor)}`);
    checkInteger('LinearLR', 'totalIters', totalIters, 1);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.start('LinearLR');
  }

  protected getLr(): number[] {
    const { lastEpoch: t, startFactor: s, endFactor: e, totalIters: n } = this;
    const lrs = groupLrs(this.optimizer);
    if (t === 0) return lrs.map((lr) => lr * s);
    if (t > n) return lrs;
    return lrs.map((lr) => lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
}

/** A function of the epoch giving the factor applied to a group's initial learning rate. */
export type LrLambda = (epoch: number) => number;

/**
 * Sets each group's learning rate to its initial value times `lrLambda(epoch)` (one function for
 * all groups, or one per group). The functions are not part of the state dict.
 * @example
 * const scheduler = new LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  lrLambdas: LrLambda[];

  constructor(optimizer: Optimizer, lrLambda: LrLambda | readonly LrLambda[], options: SchedulerOptions = {}) {
    super('LambdaLR', optimizer, options.lastEpoch);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      check(lrLambda.length === groups, ArgumentError, () => `[LambdaLR] expected ${groups} lrLambdas, but got ${lrLambda.length}`);
      this.lrLambdas = [...(lrLambda as readonly LrLambda[])];
    } else {
      this.lrLambdas = new Array<LrLambda>(groups).fill(lrLambda as LrLambda);
    }
    this.lrLambdas.forEach((fn, i) => check(typeof fn === 'function', ArgumentError,
      () => `[LambdaLR] lrLambda ${i} must be a function, got ${fmt(fn)}`));
    this.start('LambdaLR');
  }

  protected override transientKeys(): readonly string[] {
    return ['optimizer', 'lrLambdas'];
  }

  protected getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }
}
