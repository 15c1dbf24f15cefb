/**
 * `OneCycleLR`: the 1cycle policy (Smith & Topin), PyTorch 1.13's `OneCycleLR`, cycling the
 * learning rate up then down and the momentum (or Adam's β₁) inversely.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import type { Optimizer } from './optimizer.js';
import { LRScheduler, checkInteger, type SchedulerOptions } from './scheduler.js';

/** Options of `OneCycleLR`: `totalSteps`, or `epochs` and `stepsPerEpoch`, must be given. */
export interface OneCycleLROptions extends SchedulerOptions {
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** The fraction of the cycle spent increasing the learning rate (default 0.3). */
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  /** Cycle `momentum` (or `betas[0]` for Adam-like optimisers) inversely to the learning rate (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | readonly number[];
  maxMomentum?: number | readonly number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Use a third phase annihilating the learning rate, as in the paper (default false). */
  threePhase?: boolean;
}

/** A phase of the cycle: where it ends and which group keys it anneals between. */
interface Phase {
  endStep: number;
  startLr: string;
  endLr: string;
  startMomentum: string;
  endMomentum: string;
}

function anneal(strategy: 'cos' | 'linear', start: number, end: number, pct: number): number {
  if (strategy === 'linear') return (end - start) * pct + start;
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

function perGroup(name: string, optimizer: Optimizer, value: number | readonly number[]): number[] {
  const groups = optimizer.paramGroups.length;
  if (!Array.isArray(value)) return new Array<number>(groups).fill(value as number);
  check(value.length === groups, ArgumentError, () => `[OneCycleLR] expected ${groups} values for ${name}, got ${value.length}`);
  return [...(value as readonly number[])];
}

function phasesOf(totalSteps: number, pctStart: number, threePhase: boolean): Phase[] {
  const up = { endStep: pctStart * totalSteps - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' };
  if (!threePhase) {
    return [up, { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' }];
  }
  return [
    up,
    { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
    { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
  ];
}

function totalStepsOf(options: OneCycleLROptions): number {
  const { totalSteps, epochs, stepsPerEpoch } = options;
  check(totalSteps !== undefined || (epochs !== undefined && stepsPerEpoch !== undefined), ArgumentError,
    () => '[OneCycleLR] you must define either totalSteps OR (epochs AND stepsPerEpoch)');
  if (totalSteps !== undefined) {
    checkInteger('OneCycleLR', 'totalSteps', totalSteps, 1);
    return totalSteps;
  }
  checkInteger('OneCycleLR', 'epochs', epochs, 1);
  checkInteger('OneCycleLR', 'stepsPerEpoch', stepsPerEpoch, 1);
  return epochs! * stepsPerEpoch!;
}

/**
 * The 1cycle learning-rate policy, stepped after every batch: the learning rate rises from
 * `maxLr/divFactor` to `maxLr` over the first `pctStart` of `totalSteps`, then anneals to
 * `initialLr/finalDivFactor`, while the momentum moves between `maxMomentum` and `baseMomentum`
 * inversely. Not chainable. Stepping past `totalSteps` throws.
 * @example
 * const scheduler = new OneCycleLR(opt, 0.1, { epochs: 10, stepsPerEpoch: 100 });
 * for (const batch of batches) { train(batch); opt.step(); scheduler.step(); }
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  schedulePhases: Phase[];
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;

  constructor(optimizer: Optimizer, maxLr: number | readonly number[], options: OneCycleLROptions = {}) {
    super('OneCycleLR', optimizer, options.lastEpoch);
    const { pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, divFactor = 25, finalDivFactor = 1e4 } = options;
    this.totalSteps = totalStepsOf(options);
    check(typeof pctStart === 'number' && pctStart >= 0 && pctStart <= 1, ArgumentError,
      () => `[OneCycleLR] expected a number between 0 and 1 for pctStart, but got ${fmt(pctStart)}`);
    check(annealStrategy === 'cos' || annealStrategy === 'linear', ArgumentError,
      () => `[OneCycleLR] annealStrategy must be one of 'cos' or 'linear', instead got ${fmt(annealStrategy)}`);
    this.schedulePhases = phasesOf(this.totalSteps, pctStart, options.threePhase ?? false);
    this.annealStrategy = annealStrategy;
    const resuming = this.lastEpoch !== -1;
    const maxLrs = perGroup('maxLr', optimizer, maxLr);
    if (!resuming) {
      optimizer.paramGroups.forEach((group, i) => {
        const initialLr = maxLrs[i]! / divFactor;
        group.initialLr = initialLr;
        group.maxLr = maxLrs[i]!;
        group.minLr = initialLr / finalDivFactor;
      });
    }
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = 'betas' in optimizer.defaults;
    if (cycleMomentum) this.initMomentum(options, resuming);
    this.start('OneCycleLR');
  }

  private initMomentum(options: OneCycleLROptions, resuming: boolean): void {
    const optimizer = this.optimizer;
    check('momentum' in optimizer.defaults || 'betas' in optimizer.defaults, ArgumentError,
      () => `[OneCycleLR] optimizer must support momentum (${optimizer.name} has neither momentum nor betas) with the cycleMomentum option enabled`);
    const maxMomentums = perGroup('maxMomentum', optimizer, options.maxMomentum ?? 0.95);
    const baseMomentums = perGroup('baseMomentum', optimizer, options.baseMomentum ?? 0.85);
    if (resuming) return;
    optimizer.paramGroups.forEach((group, i) => {
      this.setMomentum(group, maxMomentums[i]!);
      group.maxMomentum = maxMomentums[i]!;
      group.baseMomentum = baseMomentums[i]!;
    });
  }

  private setMomentum(group: Record<string, unknown>, momentum: number): void {
    if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
    else group.momentum = momentum;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    check(step <= this.totalSteps, ArgumentError,
      () => `[OneCycleLR] tried to step ${step + 1} times. The specified number of total steps is ${this.totalSteps}`);
    return this.optimizer.paramGroups.map((group) => {
      const values = group as unknown as Record<string, number>;
      let startStep = 0;
      const last = this.schedulePhases.length - 1;
      for (const [i, phase] of this.schedulePhases.entries()) {
        if (step <= phase.endStep || i === last) {
          const pct = (step - startStep) / (phase.endStep - startStep);
          if (this.cycleMomentum) {
            this.setMomentum(group, anneal(this.annealStrategy, values[phase.startMomentum]!, values[phase.endMomentum]!, pct));
          }
          return anneal(this.annealStrategy, values[phase.startLr]!, values[phase.endLr]!, pct);
        }
        startStep = phase.endStep;
      }
      throw new Error('unreachable: the last phase always matches');
    });
  }
}
