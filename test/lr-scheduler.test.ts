import { describe, expect, it } from 'vitest';
import { ArgumentError, optim, tensor } from '../src/index.js';
import { expectError } from './helpers/expect.js';
import {
  type SchedulerCase, type SchedulerSpec, assertClose, fixture, makeOptimizer, makeParams, snapshot, trainStep,
} from './helpers/optim-fixture.js';

const {
  Adagrad, Adam, CosineAnnealingLR, ExponentialLR, LRScheduler, LambdaLR, LinearLR, MultiStepLR, OneCycleLR, ReduceLROnPlateau, SGD, StepLR,
} = optim;
type LRScheduler = optim.LRScheduler;
type Optimizer = optim.Optimizer;
type ParamGroup = optim.ParamGroup;
type ReduceLROnPlateau = optim.ReduceLROnPlateau;
type SGD = optim.SGD;

type Scheduler = LRScheduler | ReduceLROnPlateau;

const LAMBDAS: Record<string, (epoch: number) => number> = {
  pow095: (epoch) => 0.95 ** epoch,
  inverse: (epoch) => 1 / (epoch + 1),
  warmup: (epoch) => Math.min(1, (epoch + 1) / 4),
};

function makeScheduler(spec: SchedulerSpec, opt: Optimizer): Scheduler {
  const [arg] = spec.args as [never];
  const o = spec.options as never;
  switch (spec.kind) {
    case 'StepLR': return new StepLR(opt, arg, o);
    case 'MultiStepLR': return new MultiStepLR(opt, arg, o);
    case 'ExponentialLR': return new ExponentialLR(opt, arg, o);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, arg, o);
    case 'LinearLR': return new LinearLR(opt, o);
    case 'OneCycleLR': return new OneCycleLR(opt, arg, o);
    case 'ReduceLROnPlateau': return new ReduceLROnPlateau(opt, o);
    case 'LambdaLR': {
      const names = arg as string | string[];
      return new LambdaLR(opt, Array.isArray(names) ? names.map((n) => LAMBDAS[n]!) : LAMBDAS[names]!, o);
    }
    default: throw new Error(`unknown scheduler ${spec.kind}`);
  }
}

const momentumOf = (g: ParamGroup): number | null => (Array.isArray(g.betas) ? (g.betas[0] as number) : ((g.momentum as number | undefined) ?? null));

function stepAll(schedulers: Scheduler[], c: SchedulerCase, k: number): void {
  for (const s of schedulers) {
    if (s instanceof ReduceLROnPlateau) s.step(c.metrics![k]!);
    else s.step();
  }
}

function checkStep(c: SchedulerCase, opt: Optimizer, last: Scheduler, k: number, where: string): void {
  const lrs = opt.paramGroups.map((g) => g.lr);
  assertClose(lrs, c.lrs[k]!, `${where}: lrs at ${k}`, 1e-12, 1e-15);
  assertClose(last.getLastLr(), c.lrs[k]!, `${where}: getLastLr() at ${k}`, 1e-12, 1e-15);
  const momenta = opt.paramGroups.map(momentumOf);
  expect(momenta.map((m) => m === null)).toEqual(c.momenta[k]!.map((m) => m === null));
  assertClose(momenta.map((m) => m ?? 0), c.momenta[k]!.map((m) => m ?? 0), `${where}: momenta at ${k}`, 1e-12, 1e-15);
}

const expectArgumentError = (fn: () => unknown, message: string): void => expectError(fn, ArgumentError, message);

const sgd = (options: Record<string, unknown> = {}): SGD => new SGD([tensor([1, 2], { dtype: 'float64', requiresGrad: true })], { lr: 0.1, ...options });

describe('schedulers against PyTorch 1.13 (learning rates, momenta and parameter trajectories)', () => {
  for (const c of fixture.schedulers) {
    it(`${c.name}: every step matches`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      const schedulers = c.schedulers.map((s) => makeScheduler(s, opt));
      const last = schedulers[schedulers.length - 1]!;
      checkStep(c, opt, last, 0, c.name);
      for (let k = 0; k < c.steps; k++) {
        trainStep(opt, params);
        stepAll(schedulers, c, k);
        checkStep(c, opt, last, k + 1, c.name);
        assertClose(params.w.toArray(), c.trajectory[k]!.w, `${c.name} w after step ${k + 1}`);
        assertClose(params.b.toArray(), c.trajectory[k]!.b, `${c.name} b after step ${k + 1}`);
      }
    });
  }

  for (const c of fixture.schedulers) {
    it(`${c.name}: optimiser and scheduler state dicts saved after 4 steps resume the same schedule`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      const schedulers = c.schedulers.map((s) => makeScheduler(s, opt));
      for (let k = 0; k < 4; k++) {
        trainStep(opt, params);
        stepAll(schedulers, c, k);
      }
      const savedOpt = opt.stateDict();
      const savedSchedulers = schedulers.map((s) => s.stateDict());
      const resumed = makeParams('float64', snapshot(params));
      const opt2 = makeOptimizer(c, resumed);
      const schedulers2 = c.schedulers.map((s) => makeScheduler(s, opt2));
      opt2.loadStateDict(savedOpt);
      schedulers2.forEach((s, i) => s.loadStateDict(savedSchedulers[i]!));
      const last = schedulers2[schedulers2.length - 1]!;
      checkStep(c, opt2, last, 4, `${c.name} resumed`);
      for (let k = 4; k < c.steps; k++) {
        trainStep(opt2, resumed);
        stepAll(schedulers2, c, k);
        checkStep(c, opt2, last, k + 1, `${c.name} resumed`);
        assertClose(resumed.w.toArray(), c.trajectory[k]!.w, `${c.name} resumed w after step ${k + 1}`);
      }
    });
  }
});

describe('scheduler construction', () => {
  it('sets initialLr on the groups, once: a second scheduler keeps the first one\'s', () => {
    const opt = sgd();
    new StepLR(opt, 2);
    expect(opt.paramGroups[0]!.initialLr).toBe(0.1);
    opt.paramGroups[0]!.lr = 0.5;
    const second = new ExponentialLR(opt, 0.5);
    expect(opt.paramGroups[0]!.initialLr).toBe(0.1);
    expect(second.baseLrs).toEqual([0.1]);
  });

  it('OneCycleLR overwrites initialLr with maxLr/divFactor and sets maxLr, minLr and the momentum bounds', () => {
    const opt = sgd({ momentum: 0.9 });
    new OneCycleLR(opt, 1, { totalSteps: 10, divFactor: 4, finalDivFactor: 5 });
    const g = opt.paramGroups[0]!;
    expect([g.initialLr, g.maxLr, g.minLr, g.lr]).toEqual([0.25, 1, 0.05, 0.25]);
    expect([g.maxMomentum, g.baseMomentum, g.momentum]).toEqual([0.95, 0.85, 0.95]);
    const adam = new Adam([tensor([1], { requiresGrad: true })], { betas: [0.9, 0.99] });
    new OneCycleLR(adam, 0.1, { totalSteps: 10 });
    expect(adam.paramGroups[0]!.betas).toEqual([0.95, 0.99]);
  });

  it('resumes from lastEpoch: the groups must have initialLr, the constructor steps from there', () => {
    const opt = sgd();
    expectArgumentError(() => new StepLR(opt, 3, { lastEpoch: 5 }),
      "[StepLR] param 'initialLr' is not specified in paramGroups[0] when resuming an optimizer");
    opt.paramGroups[0]!.initialLr = 0.1;
    const s = new StepLR(opt, 3, { gamma: 0.5, lastEpoch: 5 });
    expect(s.lastEpoch).toBe(6);
    expect(s.getLastLr()).toEqual([0.05]); // epoch 6 is a multiple of 3: one decay from the group's lr
  });

  it('CosineAnnealingLR resumed from lastEpoch uses the closed form for its first step', () => {
    const opt = sgd();
    opt.paramGroups[0]!.initialLr = 0.2;
    const s = new CosineAnnealingLR(opt, 10, { etaMin: 0.02, lastEpoch: 2 });
    expect(s.getLastLr()[0]).toBeCloseTo(0.02 + ((0.2 - 0.02) * (1 + Math.cos((3 * Math.PI) / 10))) / 2, 15);
  });

  it('getLastLr returns a copy', () => {
    const s = new StepLR(sgd(), 2);
    s.getLastLr()[0] = 5;
    expect(s.getLastLr()).toEqual([0.1]);
  });

  it('the state dict is plain data without the optimiser or the lambdas; loading keeps the functions', () => {
    const opt = sgd();
    const s = new LambdaLR(opt, (epoch) => 1 / (epoch + 1));
    s.step();
    const sd = s.stateDict();
    expect(sd).toEqual({ lastEpoch: 1, baseLrs: [0.1], _stepCount: 2, _lastLr: [0.05] });
    const again = new LambdaLR(sgd(), (epoch) => 1 / (epoch + 1));
    again.loadStateDict(sd);
    again.step();
    expect(again.getLastLr()[0]).toBeCloseTo(0.1 / 3, 15);
    const cos = new CosineAnnealingLR(opt, 5, { etaMin: 0.01 });
    expect(Object.keys(cos.stateDict()).sort()).toEqual(['_lastLr', '_stepCount', 'baseLrs', 'etaMin', 'lastEpoch', 'tMax']);
  });
});

describe('ReduceLROnPlateau', () => {
  it('takes a one-element tensor as the metric and reports the current rates before any step', () => {
    const opt = sgd();
    const s = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 });
    expect(s.getLastLr()).toEqual([0.1]);
    s.step(tensor(1));
    s.step(tensor([1]));
    expect(s.getLastLr()).toEqual([0.05]);
    expect(s.lastEpoch).toBe(2);
  });

  it('counts cooldown epochs after a reduction', () => {
    const opt = sgd();
    const s = new ReduceLROnPlateau(opt, { patience: 0, cooldown: 2, factor: 0.5 });
    s.step(1);
    s.step(1);
    expect(s.inCooldown).toBe(true);
    s.step(1);
    s.step(1);
    expect(s.inCooldown).toBe(false);
    expect(opt.paramGroups[0]!.lr).toBe(0.05);
    s.step(1);
    expect(opt.paramGroups[0]!.lr).toBe(0.025);
  });
});

describe('scheduler errors', () => {
  const cases: [string, () => unknown, string][] = [
    ['not an optimiser', () => new StepLR({} as Optimizer, 2), '[StepLR] Object is not an Optimizer'],
    ['StepLR stepSize', () => new StepLR(sgd(), 0), '[StepLR] stepSize must be an integer >= 1, got 0'],
    ['MultiStepLR milestones', () => new MultiStepLR(sgd(), [2, 1.5]), '[MultiStepLR] milestones[1] must be an integer >= 0, got 1.5'],
    ['CosineAnnealingLR tMax', () => new CosineAnnealingLR(sgd(), -1), '[CosineAnnealingLR] tMax must be an integer >= 1, got -1'],
    ['LinearLR startFactor', () => new LinearLR(sgd(), { startFactor: 1.5 }),
      '[LinearLR] starting multiplicative factor expected to be between 0 and 1, got 1.5'],
    ['LinearLR endFactor', () => new LinearLR(sgd(), { endFactor: -0.5 }),
      '[LinearLR] ending multiplicative factor expected to be between 0 and 1, got -0.5'],
    ['LambdaLR count', () => new LambdaLR(sgd(), [() => 1, () => 2]), '[LambdaLR] expected 1 lrLambdas, but got 2'],
    ['OneCycleLR without a length', () => new OneCycleLR(sgd(), 0.1), '[OneCycleLR] you must define either totalSteps OR (epochs AND stepsPerEpoch)'],
    ['OneCycleLR totalSteps', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 0 }), '[OneCycleLR] totalSteps must be an integer >= 1, got 0'],
    ['OneCycleLR epochs', () => new OneCycleLR(sgd(), 0.1, { epochs: 2.5, stepsPerEpoch: 3 }), '[OneCycleLR] epochs must be an integer >= 1, got 2.5'],
    ['OneCycleLR pctStart', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 5, pctStart: 1.2 }),
      '[OneCycleLR] expected a number between 0 and 1 for pctStart, but got 1.2'],
    ['OneCycleLR annealStrategy', () => new OneCycleLR(sgd(), 0.1, { totalSteps: 5, annealStrategy: 'exp' as 'cos' }),
      "[OneCycleLR] annealStrategy must be one of 'cos' or 'linear', instead got \"exp\""],
    ['OneCycleLR maxLr per group', () => new OneCycleLR(sgd(), [0.1, 0.2], { totalSteps: 5 }), '[OneCycleLR] expected 1 values for maxLr, got 2'],
    ['OneCycleLR without momentum', () => new OneCycleLR(new Adagrad([tensor([1], { requiresGrad: true })]), 0.1, { totalSteps: 5 }),
      '[OneCycleLR] optimizer must support momentum (Adagrad has neither momentum nor betas) with the cycleMomentum option enabled'],
    ['ReduceLROnPlateau factor', () => new ReduceLROnPlateau(sgd(), { factor: 1 }), '[ReduceLROnPlateau] factor should be < 1.0, got 1'],
    ['ReduceLROnPlateau mode', () => new ReduceLROnPlateau(sgd(), { mode: 'up' as 'min' }),
      "[ReduceLROnPlateau] mode \"up\" is unknown; expected 'min' or 'max'"],
    ['ReduceLROnPlateau thresholdMode', () => new ReduceLROnPlateau(sgd(), { thresholdMode: 'pct' as 'rel' }),
      "[ReduceLROnPlateau] threshold mode \"pct\" is unknown; expected 'rel' or 'abs'"],
    ['ReduceLROnPlateau minLr', () => new ReduceLROnPlateau(sgd(), { minLr: [0, 0] }), '[ReduceLROnPlateau] expected 1 minLrs, got 2'],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => expectArgumentError(fn, message));
  }

  it('OneCycleLR refuses to step past totalSteps (one step past the end is allowed, as in PyTorch)', () => {
    const s = new OneCycleLR(sgd({ momentum: 0.9 }), 0.1, { totalSteps: 3 });
    s.step();
    s.step();
    s.step(); // lastEpoch 3 = totalSteps
    expectArgumentError(() => s.step(), '[OneCycleLR] tried to step 5 times. The specified number of total steps is 3');
  });
});
