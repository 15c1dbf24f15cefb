/**
 * `ReduceLROnPlateau`: lowers the learning rate when a metric stops improving (PyTorch 1.13's
 * `ReduceLROnPlateau`, which is not an epoch-based `LRScheduler`: `step(metric)` takes the metric).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Tensor } from '../core/tensor.js';
import { Optimizer } from './optimizer.js';
import type { SchedulerStateDict } from './scheduler.js';

/** Options of `ReduceLROnPlateau`. */
export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should decrease (a loss); 'max': increase (an accuracy). Default 'min'. */
  mode?: 'min' | 'max';
  /** The factor the learning rate is multiplied by (default 0.1; must be < 1). */
  factor?: number;
  /** The number of epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** The improvement that counts (default 1e-4), relative or absolute per `thresholdMode`. */
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** A lower bound on the learning rate, for all groups or one per group (default 0). */
  minLr?: number | readonly number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Multiplies each group's learning rate by `factor` once the metric has not improved for more
 * than `patience` epochs (then waits `cooldown` epochs), never going below `minLr`.
 * @example
 * const scheduler = new ReduceLROnPlateau(opt, { mode: 'min', patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); scheduler.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  readonly optimizer: Optimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  cooldown: number;
  cooldownCounter = 0;
  mode: 'min' | 'max';
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  best: number;
  numBadEpochs = 0;
  eps: number;
  lastEpoch = 0;
  _lastLr: number[];

  constructor(optimizer: Optimizer, options: ReduceLROnPlateauOptions = {}) {
    const { mode = 'min', factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8 } = options;
    check(typeof factor === 'number' && factor < 1, ArgumentError, () => `[ReduceLROnPlateau] factor should be < 1.0, got ${fmt(factor)}`);
    check(optimizer instanceof Optimizer, ArgumentError, () => `[ReduceLROnPlateau] ${fmt(optimizer)} is not an Optimizer`);
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      check(minLr.length === groups, ArgumentError, () => `[ReduceLROnPlateau] expected ${groups} minLrs, got ${minLr.length}`);
      this.minLrs = [...(minLr as readonly number[])];
    } else {
      this.minLrs = new Array<number>(groups).fill(minLr as number);
    }
    this.factor = factor;
    this.patience = patience;
    this.cooldown = cooldown;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.eps = eps;
    this.checkModes();
    this.best = this.modeWorse();
    // NOTE: PyTorch 1.13 sets _last_lr only at the first step; the current rates are returned before it.
    this._lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private checkModes(): void {
    check(this.mode === 'min' || this.mode === 'max', ArgumentError, () => `[ReduceLROnPlateau] mode ${fmt(this.mode)} is unknown; expected 'min' or 'max'`);
    check(this.thresholdMode === 'rel' || this.thresholdMode === 'abs', ArgumentError,
      () => `[ReduceLROnPlateau] threshold mode ${fmt(this.thresholdMode)} is unknown; expected 'rel' or 'abs'`);
  }

  private modeWorse(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  private isBetter(a: number, best: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  /**
   * Records one epoch's metric (a number or a one-element tensor) and reduces the learning rates
   * when it has plateaued.
   * @example
   * scheduler.step(valLoss);
   */
  step(metric: number | Tensor): void {
    const current = metric instanceof Tensor ? metric.item() : metric;
    check(typeof current === 'number', ArgumentError, () => `[ReduceLROnPlateau] metric must be a number or a one-element Tensor, got ${fmt(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0; // bad epochs in cooldown are ignored
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this._lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const newLr = Math.max(group.lr * this.factor, this.minLrs[i]!);
      if (group.lr - newLr > this.eps) group.lr = newLr;
    });
  }

  /** True while waiting after a reduction. */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * The learning rates after the last `step()` (the current ones before any step).
   * @example
   * scheduler.getLastLr(); // [0.01]
   */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /**
   * The scheduler's state (every field but the optimiser), deep-copied.
   * @example
   * const saved = scheduler.stateDict();
   */
  stateDict(): SchedulerStateDict {
    return structuredClone(Object.fromEntries(Object.entries(this).filter(([key]) => key !== 'optimizer')));
  }

  /**
   * Restores a state returned by `stateDict()`.
   * @example
   * scheduler.loadStateDict(saved);
   */
  loadStateDict(state: SchedulerStateDict): void {
    check(state !== null && typeof state === 'object', ArgumentError,
      () => `[ReduceLROnPlateau.loadStateDict] expected a scheduler state dict (an object), got ${fmt(state)}`);
    Object.assign(this, structuredClone(Object.fromEntries(Object.entries(state).filter(([key]) => key !== 'optimizer'))));
    this.checkModes();
  }
}
