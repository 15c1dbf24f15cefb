import { describe, expect, it } from 'vitest';
import {
  AutogradError, GradcheckError, DTypeError, ShapeError, Tensor, apply, customOp, type OpDef, gradcheck, gradgradcheck, noGrad, randn, tensor,
} from '../src/index.js';
import { cube } from './helpers/cube.js';


const f64 = (data: number[], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

describe('customOp', () => {
  it('computes forward, records its name, and backpropagates its own gradient', () => {
    const x = f64([2, -1]);
    const y = cube(x);
    expect(y.toArray()).toEqual([8, -1]);
    expect(y.gradFn).toBe('cube');
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([12, 3]);
  });

  it('passes gradcheck and, since backward is differentiable, gradgradcheck', () => {
    const x = randn([3], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck(cube, [x])).toBe(true);
    expect(gradgradcheck(cube, [x])).toBe(true);
  });

  it('composes with createGraph: d²/dx² of cube is 6x', () => {
    const x = f64([2]);
    cube(x).sum().backward(undefined, { createGraph: true });
    const g1 = x.grad!;
    x.grad = null;
    g1.sum().backward();
    expect(x.grad!.item()).toBe(12);
  });

  it('records nothing under noGrad, and hooks see its output gradient', () => {
    const x = f64([1]);
    expect(noGrad(() => cube(x)).requiresGrad).toBe(false);
    const y = cube(x);
    const seen: number[] = [];
    y.registerHook((g) => void seen.push(g.item()));
    y.mul(5).sum().backward();
    expect(seen).toEqual([5]);
    expect(x.grad!.item()).toBe(15);
  });

  it('needsInputGrad tells which inputs need a gradient; null skips one', () => {
    const seen: boolean[][] = [];
    const scale = customOp({
      name: 'scale',
      forward(ctx, x, s) {
        seen.push([...ctx.needsInputGrad]);
        ctx.saveForBackward(x!, s!);
        return x!.mul(s!);
      },
      backward(ctx, g) {
        const [x, s] = ctx.savedTensors;
        return [ctx.needsInputGrad[0] ? g.mul(s!) : null, ctx.needsInputGrad[1] ? g.mul(x!).sum().reshape([1]) : null];
      },
    });
    const x = f64([1, 2]);
    const s = f64([3], false);
    scale(x, s).sum().backward();
    expect(seen).toEqual([[true, false]]);
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });

  it('frees saved tensors after backward and checks their versions', () => {
    const x = f64([2]);
    const y = cube(x).sum();
    y.backward();
    expect(() => y.backward()).toThrow('[cube] trying to backward through the graph a second time');
    const w = f64([2], false);
    const z = cube(w.add(f64([0]))).sum();
    expect(z.requiresGrad).toBe(true);
    const saved = tensor([1], { dtype: 'float64' });
    const leak = customOp({
      name: 'leak',
      forward(ctx, a) {
        ctx.saveForBackward(saved);
        return a!.mul(2);
      },
      backward: (_ctx, g) => g.mul(2).add(_ctx.savedTensors[0]!.mul(0)),
    });
    const out = leak(f64([1])).sum();
    noGrad(() => saved.add_(1));
    expect(() => out.backward()).toThrow('[leak] one of the tensors needed for gradient computation has been modified by an in-place operation: saved tensor 0 (float64 [1]) is at version 1; expected version 0 instead');
  });

  it('checks what backward returns', () => {
    const wrongCount = customOp({ name: 'wrongCount', forward: (_c, x) => x!.mul(2), backward: (_c, g) => [g, g] });
    expect(() => wrongCount(f64([1])).sum().backward()).toThrow('[wrongCount] backward returned 2 gradients for 1 inputs');
    const wrongShape = customOp({ name: 'wrongShape', forward: (_c, x) => x!.mul(2), backward: (_c, g) => g.sum() });
    expect(() => wrongShape(f64([1, 2])).sum().backward()).toThrow(ShapeError);
    expect(() => wrongShape(f64([1, 2])).sum().backward()).toThrow('[wrongShape] backward returned [] for input 0, expected [2]');
  });

  it('a forward that returns its input unchanged does not turn the input into a non-leaf', () => {
    const identity = customOp({ name: 'identity', forward: (_c, x) => x!, backward: (_c, g) => g });
    const x = f64([1]);
    const y = identity(x);
    expect(x.isLeaf).toBe(true);
    expect(y.gradFn).toBe('identity');
    y.sum().backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('gradcheck catches a wrong custom backward', () => {
    const wrong = customOp({
      name: 'wrongCube',
      forward(ctx, x) {
        ctx.saveForBackward(x!);
        return x!.pow(3);
      },
      backward: (ctx, g) => g.mul(ctx.savedTensors[0]!.square()).mul(2), // should be 3x²
    });
    expect(() => gradcheck(wrong, [f64([1, 2])])).toThrow(GradcheckError);
    expect(() => gradcheck(wrong, [f64([1, 2])])).toThrow(/gradient mismatch for output 0 w.r.t. input 0 of 'fn' at input index \[0\] \(output index \[0\]\): numeric=2\.99999\d* analytic=2 /);
  });
});

describe('gradcheck', () => {
  it('fails on NaN gradients, on one side or both (as PyTorch: allclose without equal_nan)', () => {
    // numeric and analytic are both NaN: log(a) + 1/a at a = 0
    expect(() => gradcheck((a) => a.log().add(a.reciprocal()).sum(), [f64([0])])).toThrow(/numeric=NaN analytic=NaN/);
    expect(() => gradcheck((a) => a.mul(NaN).sum(), [f64([1])])).toThrow(GradcheckError);
    // analytic NaN, numeric 0: sqrt(x²) at 0
    expect(() => gradcheck((a) => a.square().sqrt().sum(), [f64([0])])).toThrow(GradcheckError);
  });

  it('passes correct gradients, and names the input, index and values of a wrong one', () => {
    expect(gradcheck((a, b) => a.mul(b).sin(), [f64([0.5, 1]), f64([2, 3])])).toBe(true);
    const sneaky = function div(a: Tensor, b: Tensor): Tensor {
      return a.div(b.detach()).add(b.mul(0)); // b's real influence is hidden from backward
    };
    expect(() => gradcheck(sneaky, [f64([1]), f64([2, 4])], {})).toThrow(
      /gradient mismatch for output 0 w\.r\.t\. input 1 of 'div' at input index \[0\] \(output index \[0\]\): numeric=-0\.24999\d* analytic=0 /,
    );
  });

  it('uses random directions for large Jacobians and still catches errors', () => {
    const big = randn([40, 30], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((x) => x.tanh().matmul(x.t()), [big])).toBe(true);
    const wrong = customOp({ name: 'wrongScale', forward: (_c, x) => x!.mul(2), backward: (_c, g) => g.mul(2.1) });
    expect(() => gradcheck(wrong, [big])).toThrow(/along random direction 1 of 3/);
  });

  it('handles several outputs, inputs that need no grad, and outputs independent of the inputs', () => {
    const idx = tensor([1, 0], { dtype: 'int32' });
    expect(gradcheck((x, i) => [x.indexSelect(0, i), x.sum(), tensor([1], { dtype: 'float64' })], [f64([1, 2]), idx])).toBe(true);
  });

  it('requires float64 inputs and at least one that requires grad', () => {
    expect(() => gradcheck((x) => x, [tensor([1], { requiresGrad: true })])).toThrow(DTypeError);
    expect(() => gradcheck((x) => x, [tensor([1], { requiresGrad: true })])).toThrow('[gradcheck] inputs[0] is float32; inputs that require grad must be float64');
    expect(() => gradcheck((x) => x, [f64([1], false)])).toThrow('[gradcheck] no input requires grad: nothing to check');
  });

  it('gradgradcheck catches a first derivative that is right but not differentiable correctly', () => {
    // backward is correct at first order but detaches x: its own derivative w.r.t. x is lost
    const detached = customOp({
      name: 'detachedSquare',
      forward(ctx, x) {
        ctx.saveForBackward(x!);
        return x!.square();
      },
      backward: (ctx, g) => g.mul(ctx.savedTensors[0]!.detach()).mul(2),
    });
    expect(gradcheck(detached, [f64([1.5, -0.5])])).toBe(true);
    expect(() => gradgradcheck(detached, [f64([1.5, -0.5])])).toThrow(/second order/);
  });
});

describe('errors of the engine', () => {
  // a primitive registered through apply() with deliberately broken vjps
  const brokenOp = (name: string, vjp: OpDef['vjp']): OpDef => ({ name, save: {}, forward: ([x]) => x!.detach().mul(2), vjp });

  it('checks the shape each vjp returns, naming the op and the input', () => {
    const op = brokenOp('doubler', (g) => [g.sum().reshape([1]).expand([2, 3])]);
    const y = apply(op, [tensor([1, 2, 3], { requiresGrad: true })], undefined);
    expect(() => y.sum().backward()).toThrow(AutogradError);
    expect(() => y.sum().backward()).toThrow('[doubler] vjp for input 0 returned [2,3], expected [3]');
  });

  it('checks the number of gradients each vjp returns', () => {
    const op = brokenOp('pair', (g) => [g, g]);
    const y = apply(op, [tensor([1], { requiresGrad: true })], undefined);
    expect(() => y.sum().backward()).toThrow('[pair] vjp returned 2 gradients for 1 inputs');
  });

  it('a gradient shaped like the output an input was broadcast to is summed down by the engine', () => {
    const spread: OpDef = { name: 'spread', save: {}, forward: ([x]) => x!.detach().expand([4, 3]), vjp: (g) => [g] };
    const x = tensor([1, 2, 3], { requiresGrad: true });
    apply(spread, [x], undefined).mul(tensor([[1], [2], [3], [4]])).sum().backward();
    expect(x.grad!.toArray()).toEqual([10, 10, 10]);
  });
});
