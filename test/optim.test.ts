import { describe, expect, it } from 'vitest';
import { ArgumentError, Tensor, noGrad, optim, tensor } from '../src/index.js';
import { expectError } from './helpers/expect.js';
import {
  OPTIMIZERS, assertClose, fixture, lossOf, makeOptimizer, makeParams, snapshot, trainStep,
} from './helpers/optim-fixture.js';

const { Adagrad, Adam, AdamW, RMSprop, SGD } = optim;
type Optimizer = optim.Optimizer;
type OptimizerStateDict = optim.OptimizerStateDict;

const f64 = (data: number[] | number[][], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

describe('optimisers against PyTorch 1.13 trajectories (float64)', () => {
  it('the fixture covers every optimiser', () => {
    expect(new Set(fixture.optimizers.map((c) => c.optimizer))).toEqual(new Set(Object.keys(OPTIMIZERS)));
    expect(fixture.torch).toMatch(/^1\.13/);
  });

  for (const c of fixture.optimizers) {
    it(`${c.name}: every step matches`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      for (let k = 0; k < c.steps; k++) {
        const loss = trainStep(opt, params, c.negate);
        assertClose(loss, c.losses[k]!, `${c.name} loss at step ${k}`);
        const now = snapshot(params);
        assertClose(now.w, c.trajectory[k]!.w, `${c.name} w after step ${k + 1}`);
        assertClose(now.b, c.trajectory[k]!.b, `${c.name} b after step ${k + 1}`);
      }
    });
  }
});

describe('optimisers on float32 parameters', () => {
  const cases = ['SGD nesterov', 'Adam amsgrad', 'AdamW weight decay and amsgrad', 'RMSprop centered, momentum, weight decay',
    'Adagrad lr decay, weight decay, initial accumulator'];
  for (const name of cases) {
    it(`${name}: float32 stays float32 and follows the float64 reference to float32 precision`, () => {
      const c = fixture.optimizers.find((x) => x.name === name)!;
      const params = makeParams('float32');
      const opt = makeOptimizer(c, params);
      for (let k = 0; k < c.steps; k++) trainStep(opt, params, c.negate);
      expect(params.w.dtype).toBe('float32');
      expect(params.b.dtype).toBe('float32');
      for (const s of opt.state.values()) {
        for (const v of Object.values(s)) if (v instanceof Tensor) expect(v.dtype).toBe('float32');
      }
      const last = c.trajectory[c.steps - 1]!;
      assertClose(params.w.toArray(), last.w, `${name} float32 w`, 1e-4, 1e-5);
      assertClose(params.b.toArray(), last.b, `${name} float32 b`, 1e-4, 1e-5);
    });
  }
});

describe('hyper-parameter validation (PyTorch checks, typed errors)', () => {
  const w = (): Tensor => f64([1, 2]);
  const cases: [string, () => unknown, string][] = [
    ['SGD lr', () => new SGD([w()], { lr: -1 }), '[SGD] invalid learning rate: -1'],
    ['SGD momentum', () => new SGD([w()], { lr: 0.1, momentum: -0.5 }), '[SGD] invalid momentum value: -0.5'],
    ['SGD weightDecay', () => new SGD([w()], { lr: 0.1, weightDecay: -1 }), '[SGD] invalid weightDecay value: -1'],
    ['SGD nesterov without momentum', () => new SGD([w()], { lr: 0.1, nesterov: true }),
      '[SGD] nesterov momentum requires a momentum and zero dampening, got momentum 0 and dampening 0'],
    ['SGD nesterov with dampening', () => new SGD([w()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }),
      '[SGD] nesterov momentum requires a momentum and zero dampening, got momentum 0.9 and dampening 0.1'],
    ['SGD without lr', () => new SGD([w()]), "[SGD] parameter group didn't specify a value of required optimization parameter lr"],
    ['SGD group without lr', () => new SGD([{ params: [w()], lr: 0.1 }, { params: [w()] }]),
      "[SGD] parameter group didn't specify a value of required optimization parameter lr"],
    ['Adam lr', () => new Adam([w()], { lr: -0.1 }), '[Adam] invalid learning rate: -0.1'],
    ['Adam eps', () => new Adam([w()], { eps: -1e-8 }), '[Adam] invalid epsilon value: -1e-8'],
    ['Adam beta 0', () => new Adam([w()], { betas: [1.5, 0.999] }), '[Adam] invalid beta parameter at index 0: 1.5'],
    ['Adam beta 1', () => new Adam([w()], { betas: [0.9, 1] }), '[Adam] invalid beta parameter at index 1: 1'],
    ['Adam betas shape', () => new Adam([w()], { betas: [0.9] as unknown as [number, number] }), '[Adam] betas must be a pair of numbers, got [0.9]'],
    ['Adam weightDecay', () => new Adam([w()], { weightDecay: -1 }), '[Adam] invalid weightDecay value: -1'],
    ['Adam group lr', () => new Adam([{ params: [w()], lr: -1 }]), '[Adam] invalid learning rate: -1'],
    ['AdamW beta', () => new AdamW([w()], { betas: [-0.1, 0.9] }), '[AdamW] invalid beta parameter at index 0: -0.1'],
    ['AdamW weightDecay', () => new AdamW([w()], { weightDecay: -0.01 }), '[AdamW] invalid weightDecay value: -0.01'],
    ['RMSprop lr', () => new RMSprop([w()], { lr: -1 }), '[RMSprop] invalid learning rate: -1'],
    ['RMSprop eps', () => new RMSprop([w()], { eps: -1 }), '[RMSprop] invalid epsilon value: -1'],
    ['RMSprop momentum', () => new RMSprop([w()], { momentum: -1 }), '[RMSprop] invalid momentum value: -1'],
    ['RMSprop weightDecay', () => new RMSprop([w()], { weightDecay: -1 }), '[RMSprop] invalid weightDecay value: -1'],
    ['RMSprop alpha', () => new RMSprop([w()], { alpha: -0.5 }), '[RMSprop] invalid alpha value: -0.5'],
    ['Adagrad lr', () => new Adagrad([w()], { lr: -1 }), '[Adagrad] invalid learning rate: -1'],
    ['Adagrad lrDecay', () => new Adagrad([w()], { lrDecay: -1 }), '[Adagrad] invalid lrDecay value: -1'],
    ['Adagrad weightDecay', () => new Adagrad([w()], { weightDecay: -1 }), '[Adagrad] invalid weightDecay value: -1'],
    ['Adagrad initialAccumulatorValue', () => new Adagrad([w()], { initialAccumulatorValue: -1 }),
      '[Adagrad] invalid initialAccumulatorValue value: -1'],
    ['Adagrad eps', () => new Adagrad([w()], { eps: -1 }), '[Adagrad] invalid epsilon value: -1'],
    ['NaN lr', () => new Adam([w()], { lr: NaN }), '[Adam] invalid learning rate: NaN'],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => expectError(fn, ArgumentError, message));
  }

  it('zero is a valid value everywhere PyTorch allows it', () => {
    expect(() => new SGD([w()], { lr: 0, momentum: 0, weightDecay: 0 })).not.toThrow();
    expect(() => new Adam([w()], { lr: 0, betas: [0, 0], eps: 0 })).not.toThrow();
    expect(() => new Adagrad([w()], { lrDecay: 0, initialAccumulatorValue: 0 })).not.toThrow();
  });
});

describe('parameters and parameter groups', () => {
  it('rejects a single Tensor, an empty list, non-tensors, non-leaves, duplicates and shared parameters', () => {
    const w = f64([1, 2]);
    expectError(() => new SGD(w as unknown as Tensor[], { lr: 0.1 }), ArgumentError,
      '[SGD] params must be an iterable of Tensors or of parameter groups, got a single Tensor; wrap it in an array');
    expectError(() => new SGD([], { lr: 0.1 }), ArgumentError, '[SGD] optimizer got an empty parameter list');
    expectError(() => new Adam([w, 3 as unknown as Tensor]), ArgumentError,
      '[Adam] optimizer can only optimize Tensors, but one of the params is 3');
    expectError(() => new Adam([w.mul(2)]), ArgumentError,
      "[Adam] can't optimize a non-leaf Tensor (produced by 'mul'); pass leaves, or detach()");
    expectError(() => new Adam([w, w]), ArgumentError, '[Adam] optimizer contains a parameter group with duplicate parameters');
    expectError(() => new Adam([{ params: [w] }, { params: w }]), ArgumentError,
      '[Adam] some parameters appear in more than one parameter group');
    expectError(() => new Adam([{ params: new Set([w]) }]), ArgumentError,
      '[Adam] optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs; use an array instead');
  });

  it('accepts any iterable of parameters and a single Tensor as a group\'s params', () => {
    const a = f64([1]);
    const b = f64([2]);
    function* gen(): Generator<Tensor> {
      yield a;
      yield b;
    }
    expect(new SGD(gen(), { lr: 0.1 }).paramGroups[0]!.params).toEqual([a, b]);
    expect(new SGD([{ params: a }], { lr: 0.1 }).paramGroups[0]!.params).toEqual([a]);
  });

  it('groups take the defaults for what they omit, and their hyper-parameters are readable and writable', () => {
    const w = f64([1, 2]);
    const b = f64([3]);
    const opt = new Adam([{ params: [w], lr: 0.5 }, { params: [b], betas: [0.5, 0.6] }], { lr: 0.01, weightDecay: 0.1 });
    const [g0, g1] = opt.paramGroups;
    expect(g0!.lr).toBe(0.5);
    expect(g0!.betas).toEqual([0.9, 0.999]);
    expect(g0!.weightDecay).toBe(0.1);
    expect(g1!.lr).toBe(0.01);
    expect(g1!.betas).toEqual([0.5, 0.6]);
    // the default betas are copied, not shared between groups
    g0!.betas[0] = 0.1;
    expect(opt.defaults.betas).toEqual([0.9, 0.999]);
    // lr = 0 freezes a group
    g1!.lr = 0;
    w.mul(b).sum().backward();
    opt.step();
    expect(b.toArray()).toEqual([3]);
    expect(w.toArray()).not.toEqual([1, 2]);
  });

  it('addParamGroup adds a group that takes the defaults and is stepped', () => {
    const w = f64([1, 2]);
    const extra = f64([5]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    opt.addParamGroup({ params: [extra], lr: 1 });
    expect(opt.paramGroups[1]!.momentum).toBe(0.9);
    expectError(() => opt.addParamGroup({ params: [w] }), ArgumentError, '[SGD] some parameters appear in more than one parameter group');
    w.sum().add(extra.mul(2).sum()).backward();
    opt.step();
    expect(extra.toArray()).toEqual([3]);
    expect(w.toArray()).toEqual([0.9, 1.9]);
  });
});

describe('step, zeroGrad and the graph', () => {
  it('skips parameters whose grad is null: no change, no state', () => {
    for (const Class of Object.values(OPTIMIZERS)) {
      const params = makeParams();
      const unused = f64([7, 8]);
      const opt = new Class([params.w, params.b, unused], { lr: 0.1 });
      trainStep(opt, params);
      trainStep(opt, params);
      expect(unused.grad).toBeNull();
      expect(unused.toArray()).toEqual([7, 8]);
      expect(unused.version).toBe(0);
      const state = opt.state.get(unused) as { step?: number } | undefined;
      // Adagrad, as PyTorch, creates every parameter's state up front; its step count stays 0
      if (Class === OPTIMIZERS.Adagrad) expect(state?.step).toBe(0);
      else expect(state).toBeUndefined();
    }
  });

  it('never records a graph: parameters stay leaves, state does not require grad', () => {
    const params = makeParams();
    const opt = new Adam([params.w, params.b], { lr: 0.1, amsgrad: true });
    trainStep(opt, params);
    expect(params.w.isLeaf).toBe(true);
    expect(params.w.requiresGrad).toBe(true);
    expect(params.w.gradFn).toBeNull();
    for (const s of opt.state.values()) {
      for (const v of Object.values(s)) if (v instanceof Tensor) expect(v.requiresGrad).toBe(false);
    }
  });

  it('works when the gradient itself requires grad (backward with createGraph)', () => {
    const w = f64([1, 2]);
    w.mul(w).sum().backward(undefined, { createGraph: true });
    expect(w.grad!.requiresGrad).toBe(true);
    const opt = new SGD([w], { lr: 0.25, momentum: 0.5 });
    opt.step();
    expect(w.toArray()).toEqual([0.5, 1]);
    expect(w.isLeaf).toBe(true);
    const buf = opt.state.get(w)!.momentumBuffer!;
    expect(buf.requiresGrad).toBe(false);
  });

  it('step(closure) evaluates the closure with grad mode on and returns its result', () => {
    const params = makeParams();
    const opt = new SGD([params.w, params.b], { lr: 0.1 });
    const c = fixture.optimizers.find((x) => x.name === 'SGD plain')!;
    const loss = noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = lossOf(params);
      l.backward();
      return l;
    }));
    expect(loss).toBeInstanceOf(Tensor);
    assertClose(loss.item(), c.losses[0]!, 'closure loss');
    assertClose(snapshot(params).w, c.trajectory[0]!.w, 'w after the closure step');
    expect(opt.step()).toBeUndefined();
  });

  it('zeroGrad sets grads to null by default, or zeroes them in place with setToNone: false', () => {
    const params = makeParams();
    const opt = new SGD([params.w, params.b], { lr: 0.1 });
    lossOf(params).backward();
    const grad = params.w.grad!;
    opt.zeroGrad({ setToNone: false });
    expect(params.w.grad).toBe(grad);
    expect(grad.toArray()).toEqual([[0, 0], [0, 0], [0, 0]]);
    expect(params.b.grad!.toArray()).toEqual([0, 0]);
    // a zeroed grad still takes a step (momentum-free SGD: no change), unlike a null one
    opt.step();
    assertClose(params.w.toArray(), fixture.problem.w, 'w after a zero-gradient step');
    opt.zeroGrad();
    expect(params.w.grad).toBeNull();
    expect(params.b.grad).toBeNull();
  });

  it('zeroGrad({ setToNone: false }) detaches a gradient that requires grad', () => {
    const w = f64([1, 2]);
    w.mul(w).sum().backward(undefined, { createGraph: true });
    const opt = new SGD([w], { lr: 0.1 });
    opt.zeroGrad({ setToNone: false });
    expect(w.grad!.requiresGrad).toBe(false);
    expect(w.grad!.toArray()).toEqual([0, 0]);
  });
});

describe('stateDict / loadStateDict', () => {
  it('has PyTorch\'s shape: state by parameter index, groups with options and param indices', () => {
    const params = makeParams();
    const c = fixture.optimizers.find((x) => x.name === 'Adam two groups')!;
    const opt = makeOptimizer(c, params);
    trainStep(opt, params);
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0]!).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(Object.keys(sd.state[1]!).sort()).toEqual(['expAvg', 'expAvgSq', 'step']);
    expect(sd.state[0]!.step).toBe(1);
    expect(sd.paramGroups).toEqual([
      { lr: 0.05, betas: [0.5, 0.6], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.2, amsgrad: false, maximize: false, params: [1] },
    ]);
  });

  it('clones tensors and copies options: the saved dict does not follow the optimiser', () => {
    const params = makeParams();
    const opt = new Adam([params.w, params.b], { lr: 0.05 });
    trainStep(opt, params);
    const sd = opt.stateDict();
    const saved = (sd.state[0]!.expAvg as Tensor).toArray();
    trainStep(opt, params);
    opt.paramGroups[0]!.betas[0] = 0.5;
    expect((sd.state[0]!.expAvg as Tensor).toArray()).toEqual(saved);
    expect(sd.paramGroups[0]!.betas).toEqual([0.9, 0.999]);
    expect(sd.state[0]!.step).toBe(1);
  });

  for (const c of fixture.optimizers) {
    it(`${c.name}: save after 5 steps, load into a fresh optimiser, continue on the same trajectory`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      for (let k = 0; k < 5; k++) trainStep(opt, params, c.negate);
      const saved = opt.stateDict();
      const resumed = makeParams('float64', snapshot(params));
      // constructed with other hyper-parameters: loading restores the saved ones
      const fresh = makeOptimizer({ ...c, options: { ...c.options, lr: 0.9 } }, resumed);
      fresh.loadStateDict(saved);
      expect(fresh.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
      for (let k = 5; k < c.steps; k++) {
        trainStep(fresh, resumed, c.negate);
        assertClose(resumed.w.toArray(), c.trajectory[k]!.w, `${c.name} resumed w after step ${k + 1}`);
        assertClose(resumed.b.toArray(), c.trajectory[k]!.b, `${c.name} resumed b after step ${k + 1}`);
      }
    });
  }

  it('loading casts state tensors to the parameter dtype and copies them', () => {
    const p64 = makeParams();
    const opt64 = new RMSprop([p64.w, p64.b], { momentum: 0.9, centered: true });
    trainStep(opt64, p64);
    const saved = opt64.stateDict();
    const p32 = makeParams('float32');
    const opt32 = new RMSprop([p32.w, p32.b]);
    opt32.loadStateDict(saved);
    const s = opt32.state.get(p32.w)!;
    expect(s.squareAvg.dtype).toBe('float32');
    expect(s.momentumBuffer!.dtype).toBe('float32');
    expect(s.gradAvg!.dtype).toBe('float32');
    expect(opt32.paramGroups[0]!.centered).toBe(true);
    // loading twice from the same dict gives independent state
    const again = new RMSprop([p32.w, p32.b]);
    again.loadStateDict(saved);
    expect(again.state.get(p32.w)!.squareAvg).not.toBe(s.squareAvg);
    trainStep(opt32, p32);
    expect(again.state.get(p32.w)!.step).toBe(1);
  });

  it('rejects a state dict whose groups do not match', () => {
    const w = f64([1, 2]);
    const b = f64([3]);
    const two = new SGD([{ params: [w] }, { params: [b] }], { lr: 0.1 });
    const one = new SGD([w, b], { lr: 0.1 });
    expectError(() => one.loadStateDict(two.stateDict()), ArgumentError,
      '[SGD.loadStateDict] loaded state dict has a different number of parameter groups: 2, expected 1');
    const other = new SGD([{ params: [w, b] }, { params: [f64([4])] }], { lr: 0.1 });
    expectError(() => two.loadStateDict(other.stateDict()), ArgumentError,
      "[SGD.loadStateDict] loaded state dict contains a parameter group that doesn't match the size of optimizer's group: group 0 has 2 parameters, expected 1");
    const bad: OptimizerStateDict = { state: { 5: { momentumBuffer: null } }, paramGroups: one.stateDict().paramGroups };
    expectError(() => one.loadStateDict(bad), ArgumentError,
      '[SGD.loadStateDict] the state refers to parameter 5, which no parameter group lists');
    expectError(() => one.loadStateDict({} as OptimizerStateDict), ArgumentError,
      '[SGD.loadStateDict] expected an object with state and paramGroups, as returned by stateDict(), got Object');
  });
});

describe('update formulas, by hand', () => {
  it('SGD with momentum: the first buffer is the gradient, then μ·buf + (1−τ)·g', () => {
    const w = f64([1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5, dampening: 0.5 });
    const stepWith = (g: number): void => {
      w.grad = f64([g], false);
      opt.step();
    };
    stepWith(2); // buf = 2, w = 1 − 0.2
    expect(w.item()).toBeCloseTo(0.8, 15);
    stepWith(2); // buf = 0.5·2 + 0.5·2 = 2, w = 0.8 − 0.2
    expect(w.item()).toBeCloseTo(0.6, 15);
  });

  it('Adam\'s first step moves each coordinate by about lr (the bias-corrected ratio is ±1)', () => {
    const w = f64([1, -1]);
    const opt: Optimizer = new Adam([w], { lr: 0.01 });
    w.grad = f64([3, -0.001], false);
    opt.step();
    // m̂ = g, v̂ = g², so Δ = lr·g/(|g| + ε)
    expect(w.toArray()).toEqual([1 - 0.01 * (3 / (3 + 1e-8)), -1 + 0.01 * (0.001 / (0.001 + 1e-8))]);
  });
});
