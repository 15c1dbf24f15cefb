/**
 * Reductions at their edges, with PyTorch's semantics: var/std with no degrees of freedom are NaN (not
 * an error), and the gradient of norm at the zero vector is the subgradient 0 (not NaN).
 */
import { describe, expect, it } from 'vitest';
import { Generator, gradcheck, gradgradcheck, norm, randn, std, tensor, variance, zeros, type Tensor } from '../src/index.js';

const f64 = (data: number[] | number[][], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());

describe('var and std with N − correction <= 0', () => {
  it('one element with the unbiased estimate gives NaN, as torch.tensor([5.]).var()', () => {
    expect(tensor([5]).var().item()).toBeNaN();
    expect(tensor([5]).std().item()).toBeNaN();
    expect(variance(tensor(5)).item()).toBeNaN();
    expect(std(tensor([5]), { correction: 0 }).item()).toBe(0); // the population estimate is defined
  });

  it('reducing a dim of size 1 gives NaN per slice; other dims are unaffected', () => {
    const x = f64([[1], [4]]); // [2, 1]
    expect(values(x.var(1))).toEqual([NaN, NaN]);
    expect(x.std(1, { keepdim: true }).shape).toEqual([2, 1]);
    expect(values(x.std(1, { keepdim: true }))).toEqual([NaN, NaN]);
    expect(values(x.var(0))).toEqual([4.5]); // (1.5² + 1.5²) / 1
    expect(values(x.var(1, { correction: 0 }))).toEqual([0, 0]);
    const row = f64([[1, 2, 4]]); // [1, 3]: dim 0 has size 1
    expect(values(row.var(0))).toEqual([NaN, NaN, NaN]);
    expect(row.std({ dim: [0, 1] }).item()).toBeCloseTo(Math.sqrt(7 / 3), 14);
  });

  it('a correction above N divides by 0 (degrees of freedom clamped at 0): ∞, or NaN for a constant', () => {
    expect(values(f64([1, 2]).var({ correction: 3 }))).toEqual([Infinity]);
    expect(values(zeros([2, 2]).std({ correction: 4 }))).toEqual([NaN]);
    expect(values(zeros([0]).var({ correction: 0 }))).toEqual([NaN]);
  });
});

describe('norm gradient at zero', () => {
  it('the 2-norm (default) of the zero vector has gradient 0, and its value is 0', () => {
    const x = zeros([3], { requiresGrad: true });
    const y = x.norm();
    expect(y.item()).toBe(0);
    y.backward();
    expect(values(x.grad!)).toEqual([0, 0, 0]);
  });

  it('over dims: zero rows get 0, the others x / ‖x‖', () => {
    const x = f64([[0, 0], [3, 4]], true);
    const y = norm(x, 2, 1);
    expect(values(y)).toEqual([0, 5]);
    y.sum().backward();
    const dx = values(x.grad!);
    expect(dx.slice(0, 2)).toEqual([0, 0]);
    expect(dx[2]).toBeCloseTo(0.6, 14);
    expect(dx[3]).toBeCloseTo(0.8, 14);
    const k = f64([[0, 0], [0, 0]], true);
    norm(k, 2, [0, 1], true).sum().backward();
    expect(values(k.grad!)).toEqual([0, 0, 0, 0]);
  });

  it('other p: 0 at the zero vector, and for p < 1 at zero entries (as PyTorch masks them)', () => {
    for (const p of [1, 1.5, 3, 0.5, Infinity]) {
      const x = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
      norm(x, p, 1).sum().backward();
      expect(values(x.grad!), `p = ${p}`).toEqual([0, 0, 0, 0, 0, 0]);
    }
    const x = f64([0, 4], true);
    const y = norm(x, 0.5); // (0 + 2)² = 4
    expect(y.item()).toBeCloseTo(4, 12);
    y.backward();
    // d/dx_i = (Σ|x|ᵖ)^(1/p − 1) · |x_i|^(p − 1) = 2 · 4^(−1/2) = 1 at 4, 0 at 0
    expect(values(x.grad!)[0]).toBe(0);
    expect(values(x.grad!)[1]).toBeCloseTo(1, 12);
  });

  it('gradcheck and gradgradcheck away from 0 still pass', () => {
    const g = new Generator(5);
    const x = randn([3, 4], { dtype: 'float64', requiresGrad: true, generator: g });
    expect(gradcheck((t) => norm(t), [x])).toBe(true);
    expect(gradcheck((t) => norm(t, 2, 1), [x])).toBe(true);
    expect(gradcheck((t) => norm(t, 2, [0, 1], true), [x])).toBe(true);
    expect(gradcheck((t) => norm(t, 3, 0), [x])).toBe(true);
    expect(gradcheck((t) => norm(t, 0.5, 1), [x])).toBe(true);
    expect(gradgradcheck((t) => norm(t, 2, 1), [x])).toBe(true);
    expect(gradgradcheck((t) => norm(t, 3), [x])).toBe(true);
  });
});
