import { describe, expect, it } from 'vitest';
import {
  AutogradError, ShapeError, Tensor, autograd, cat, grad, hessianVectorProduct, jvp, tensor, valueAndGrad, vjp,
} from '../src/index.js';

const f64 = (data: number[], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const arr = (t: Tensor): unknown => t.toArray();

describe('autograd.grad', () => {
  it('returns gradients without touching .grad', () => {
    const x = f64([1, 2], true);
    const y = x.pow(2).sum();
    const [dx] = autograd.grad(y, [x]);
    expect(arr(dx!)).toEqual([2, 4]);
    expect(x.grad).toBeNull();
  });

  it('with createGraph, the gradient is differentiable again', () => {
    const x = f64([3], true);
    const [dx] = autograd.grad(x.pow(3).sum(), [x], { createGraph: true });
    const [dxx] = autograd.grad(dx!.sum(), [x]);
    expect(arr(dx!)).toEqual([27]);
    expect(arr(dxx!)).toEqual([18]);
  });

  it('takes gradOutputs for non-scalar outputs, and gradients w.r.t. intermediate tensors', () => {
    const x = f64([1, 2], true);
    const h = x.mul(3);
    const y = h.square();
    const [dh, dx] = autograd.grad(y, [h, x], { gradOutputs: [f64([1, 0.5])] });
    expect(arr(dh!)).toEqual([6, 6]);
    expect(arr(dx!)).toEqual([18, 18]);
  });

  it('unused inputs throw unless allowUnused', () => {
    const x = f64([1], true);
    const z = f64([1], true);
    expect(() => autograd.grad(x.mul(2).sum(), [z])).toThrow('[autograd.grad] inputs[0] was not used to compute the outputs');
    expect(autograd.grad(x.mul(2).sum(), [z], { allowUnused: true })).toEqual([null]);
  });

  it('rejects inputs that do not require grad, and non-scalar outputs without gradOutputs', () => {
    const x = f64([1, 2], true);
    expect(() => autograd.grad(x.sum(), [f64([1])])).toThrow('[autograd.grad] inputs[0] does not require grad');
    expect(() => autograd.grad(x.mul(2), [x])).toThrow(AutogradError);
  });
});

describe('grad / valueAndGrad transforms', () => {
  it('grad(f)(x) is df/dx and leaves x untouched', () => {
    const x = f64([2, -1]);
    const dx = grad((t: Tensor) => t.pow(3).sum())(x);
    expect(arr(dx)).toEqual([12, 3]);
    expect(x.requiresGrad).toBe(false);
    expect(dx.requiresGrad).toBe(false);
  });

  it('grad of grad gives second derivatives, and third', () => {
    const f = (t: Tensor): Tensor => t.pow(4).sum();
    expect(arr(grad(grad(f))(f64([2])))).toEqual([48]); // 12x²
    expect(arr(grad(grad(grad(f)))(f64([2])))).toEqual([48]); // 24x
  });

  it('argnums selects the arguments; several argnums give an array', () => {
    const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum();
    expect(arr(grad(f, { argnums: 1 })(f64([2]), f64([5])))).toEqual([2]);
    const both = grad(f, { argnums: [0, 1] })(f64([2]), f64([5]));
    expect(both.map(arr)).toEqual([[5], [2]]);
  });

  it('an argument the function ignores gets a zero gradient (as JAX)', () => {
    const dx = grad((_a: Tensor, b: Tensor) => b.sum(), { argnums: 0 })(f64([1, 2]), f64([3]));
    expect(arr(dx)).toEqual([0, 0]);
  });

  it('valueAndGrad returns both from one forward', () => {
    const [v, g] = valueAndGrad((w: Tensor) => w.square().sum())(f64([1, 2]));
    expect(v.item()).toBe(5);
    expect(arr(g)).toEqual([2, 4]);
  });

  it('the function must return a one-element tensor', () => {
    expect(() => grad((t: Tensor) => t.mul(2))(f64([1, 2]))).toThrow('[grad] the function must return a one-element tensor, got [2]');
  });
});

describe('vjp, jvp, hessianVectorProduct', () => {
  it('vjp gives f(x) and vᵀJ', () => {
    const [y, [dx, dw]] = vjp((x: Tensor, w: Tensor) => x.mul(w), [f64([1, 2]), f64([3, 4])], f64([1, 10]));
    expect(arr(y)).toEqual([3, 8]);
    expect(arr(dx!)).toEqual([3, 40]);
    expect(arr(dw!)).toEqual([1, 20]);
  });

  it('jvp gives f(x) and J·t (double-vjp trick)', () => {
    // f(x) = [x0·x1, sin x0]; J = [[x1, x0], [cos x0, 0]]
    const f = (x: Tensor): Tensor => {
      const first = x.select(0, 0).mul(x.select(0, 1)).unsqueeze(0);
      return cat([first, x.select(0, 0).sin().unsqueeze(0)]);
    };
    const x0 = f64([0.5, 2]);
    const [y, dy] = jvp(f, [x0], [f64([1, 3])]);
    expect((y.toArray() as number[])[0]).toBeCloseTo(1, 14);
    const [a, b] = dy.toArray() as number[];
    expect(a).toBeCloseTo(2 * 1 + 0.5 * 3, 12);
    expect(b).toBeCloseTo(Math.cos(0.5), 12);
  });

  it('jvp of a linear map is the map applied to the tangent', () => {
    const [, dy] = jvp((x: Tensor) => x.mul(3).add(1), [f64([1, 2])], [f64([1, -1])]);
    expect(arr(dy)).toEqual([3, -3]);
  });

  it('hessianVectorProduct of Σx³ is 6x·v', () => {
    expect(arr(hessianVectorProduct((x: Tensor) => x.pow(3).sum(), f64([1, 2]), f64([1, 1])))).toEqual([6, 12]);
    // f = x0²·x1: H = [[2x1, 2x0], [2x0, 0]]
    const hv = hessianVectorProduct((x: Tensor) => x.select(0, 0).square().mul(x.select(0, 1)), f64([3, 5]), f64([1, 2]));
    expect(arr(hv)).toEqual([2 * 5 * 1 + 2 * 3 * 2, 2 * 3 * 1]);
  });

  it('shape errors name the transform', () => {
    expect(() => vjp((x: Tensor) => x.sum(), [f64([1, 2])], f64([1, 2]))).toThrow(ShapeError);
    expect(() => jvp((x: Tensor) => x, [f64([1])], [f64([1, 2])])).toThrow('[jvp] tangents[0] must have the primal\'s shape [1]');
  });
});
