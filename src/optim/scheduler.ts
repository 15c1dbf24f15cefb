/**
 * `LRScheduler`: the base class of the epoch-based learning-rate schedulers (PyTorch 1.13's
 * `_LRScheduler`). A scheduler sets `initialLr` on the optimiser's groups, performs its first
 * step when constructed, and on each `step()` writes the next learning rates into the groups.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { Optimizer } from './optimizer.js';

/** Options every scheduler accepts. */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming (the groups must then have `initialLr`); -1 starts afresh. */
  lastEpoch?: number;
}

/** A scheduler's state: its fields other than the optimiser (and functions), as plain data. */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * Python's `a % b` (the result has the sign of `b`).
 * @example
 * pyMod(-3, 10); // 7
 */
export function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/**
 * Checks that `value` is an integer >= `min`, naming the scheduler and the argument.
 * @example
 * checkInteger('StepLR', 'stepSize', 0, 1); // ArgumentError: [StepLR] stepSize must be an integer >= 1, got 0
 */
export function checkInteger(scheduler: string, arg: string, value: unknown, min: number): void {
  check(typeof value === 'number' && Number.isInteger(value) && value >= min, ArgumentError,
    () => `[${scheduler}] ${arg} must be an integer >= ${min}, got ${fmt(value)}`);
}

/**
 * The base of the schedulers that compute learning rates from the epoch count. A subclass sets
 * its fields after `super(...)`, then calls `this.start(name)`; `getLr()` returns the learning
 * rates for `lastEpoch` (often chainable: computed from the groups' current `lr`).
 * @example
 * class HalvingLR extends LRScheduler {
 *   constructor(opt: Optimizer) { super('HalvingLR', opt); this.start('HalvingLR'); }
 *   protected getLr() { return this.optimizer.paramGroups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr / 2)); }
 * }
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  /** The number of `step()` calls since the start (0 after the constructor's own step). */
  lastEpoch: number;
  /** The groups' `initialLr` values. */
  baseLrs: number[] = [];
  _stepCount = 0;
  _lastLr: number[] = [];

  protected constructor(name: string, optimizer: Optimizer, lastEpoch = -1) {
    check(optimizer instanceof Optimizer, ArgumentError, () => `[${name}] ${fmt(optimizer)} is not an Optimizer`);
    checkInteger(name, 'lastEpoch', lastEpoch, -1);
    this.optimizer = optimizer;
    this.lastEpoch = lastEpoch;
  }

  /** The learning rates for `lastEpoch`, one per parameter group. */
  protected abstract getLr(): number[];

  /** Sets (or, when resuming, checks) the groups' `initialLr`, then performs the initial step. */
  protected start(name: string): void {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === -1) {
      for (const group of groups) if (!('initialLr' in group)) group.initialLr = group.lr;
    } else {
      groups.forEach((group, i) => check('initialLr' in group, ArgumentError,
        () => `[${name}] param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`));
    }
    this.baseLrs = groups.map((group) => group.initialLr as number);
    this._stepCount = 0;
    this.step();
  }

  /**
   * Advances one epoch and writes the new learning rates into the groups. Call it after `optimizer.step()`.
   * @example
   * opt.step();
   * scheduler.step();
   */
  step(): void {
    this._stepCount += 1;
    this.lastEpoch += 1;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = values[i]!;
    });
    this._lastLr = this.optimizer.paramGroups.map((group) => group.lr);
  }

  /**
   * The learning rates set by the last `step()`, one per group.
   * @example
   * scheduler.getLastLr(); // [0.1]
   */
  getLastLr(): number[] {
    return [...this._lastLr];
  }

  /** Keys left out of the state dict (the optimiser, and functions). */
  protected transientKeys(): readonly string[] {
    return ['optimizer'];
  }

  /**
   * The scheduler's state (every field but the optimiser), deep-copied.
   * @example
   * const saved = scheduler.stateDict();
   */
  stateDict(): SchedulerStateDict {
    const skip = this.transientKeys();
    return structuredClone(Object.fromEntries(Object.entries(this).filter(([key]) => !skip.includes(key))));
  }

  /**
   * Restores a state returned by `stateDict()`.
   * @example
   * scheduler.loadStateDict(saved);
   */
  loadStateDict(state: SchedulerStateDict): void {
    check(state !== null && typeof state === 'object', ArgumentError,
      () => `[loadStateDict] expected a scheduler state dict (an object), got ${fmt(state)}`);
    const skip = this.transientKeys();
    Object.assign(this, structuredClone(Object.fromEntries(Object.entries(state).filter(([key]) => !skip.includes(key)))));
  }
}

/**
 * The current learning rate of each group.
 * @example
 * groupLrs(opt); // [0.1, 0.01]
 */
export function groupLrs(optimizer: Optimizer): number[] {
  return optimizer.paramGroups.map((group) => group.lr);
}
