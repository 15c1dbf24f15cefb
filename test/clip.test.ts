import { describe, expect, it } from 'vitest';
import { ArgumentError, DomainError, type Tensor, optim, tensor } from '../src/index.js';
import { assertClose, fixture, lossOf, makeParams } from './helpers/optim-fixture.js';
import { expectError } from './helpers/expect.js';

const { clipGradNorm_, clipGradValue_ } = optim;

const f64 = (data: number[], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

function withGrad(data: number[], grad: number[], dtype: 'float32' | 'float64' = 'float64'): Tensor {
  const p = tensor(data, { dtype, requiresGrad: true });
  p.grad = tensor(grad, { dtype });
  return p;
}

describe('gradient clipping against PyTorch 1.13', () => {
  for (const c of fixture.clip) {
    const label = `${c.kind} ${JSON.stringify(c.options)}`;
    it(label, () => {
      const params = makeParams();
      lossOf(params).backward();
      assertClose(params.w.grad!.toArray(), c.gradsBefore.w, `${label} grad w before`, 1e-12, 1e-15);
      assertClose(params.b.grad!.toArray(), c.gradsBefore.b, `${label} grad b before`, 1e-12, 1e-15);
      const gradW = params.w.grad!;
      if (c.kind === 'norm') {
        const normType = c.options.normType === 'Infinity' ? Infinity : c.options.normType;
        const total = clipGradNorm_([params.w, params.b], c.options.maxNorm!, normType === undefined ? {} : { normType });
        expect(total.shape).toEqual([]);
        expect(total.dtype).toBe('float64');
        assertClose(total.item(), c.totalNorm!, `${label} total norm`, 1e-12, 1e-15);
      } else {
        clipGradValue_([params.w, params.b], c.options.clipValue!);
      }
      expect(params.w.grad).toBe(gradW); // in place
      assertClose(params.w.grad!.toArray(), c.gradsAfter.w, `${label} grad w after`, 1e-12, 1e-15);
      assertClose(params.b.grad!.toArray(), c.gradsAfter.b, `${label} grad b after`, 1e-12, 1e-15);
    });
  }
});

describe('clipGradNorm_', () => {
  it('by hand: [3, 4] has norm 5 and is scaled to norm 1 (with PyTorch\'s 1e-6 in the denominator)', () => {
    const p = withGrad([0, 0], [3, 4]);
    const total = clipGradNorm_(p, 1);
    expect(total.item()).toBe(5);
    const coef = 1 / (5 + 1e-6);
    expect(p.grad!.toArray()).toEqual([3 * coef, 4 * coef]);
  });

  it('the total norm spans all parameters; those without a gradient are ignored', () => {
    const a = withGrad([0], [3]);
    const b = withGrad([0], [4]);
    const none = f64([1]);
    expect(clipGradNorm_([a, none, b], 10).item()).toBe(5);
    expect(a.grad!.toArray()).toEqual([3]); // under maxNorm: coefficient clamped to 1
    expect(none.grad).toBeNull();
  });

  it('no gradients at all: returns a 0-d float32 zero', () => {
    const total = clipGradNorm_([f64([1])], 1);
    expect(total.shape).toEqual([]);
    expect(total.dtype).toBe('float32');
    expect(total.item()).toBe(0);
  });

  it('float32 gradients give a float32 total', () => {
    const p = withGrad([0, 0], [3, 4], 'float32');
    const total = clipGradNorm_([p], 2.5);
    expect(total.dtype).toBe('float32');
    expect(p.grad!.dtype).toBe('float32');
    assertClose(p.grad!.toArray(), [1.5, 2], 'float32 clipped', 1e-6);
  });

  it('a non-finite total norm throws with errorIfNonfinite, and is scaled by otherwise (as PyTorch)', () => {
    const p = withGrad([0, 0], [Infinity, 1]);
    expectError(() => clipGradNorm_([p], 1, { errorIfNonfinite: true }), DomainError,
      '[clipGradNorm_] the total norm of order 2 for gradients from parameters is non-finite (Infinity), so it cannot be clipped; to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false');
    expect(p.grad!.toArray()).toEqual([Infinity, 1]);
    const total = clipGradNorm_([p], 1);
    expect(total.item()).toBe(Infinity);
    expect(p.grad!.toArray()).toEqual([NaN, 0]); // ∞·0 and 1·0
  });

  it('validates its arguments', () => {
    const p = withGrad([0], [1]);
    expectError(() => clipGradNorm_([p], 1, { normType: 0 }), ArgumentError,
      '[clipGradNorm_] normType must be a positive number or Infinity, got 0');
    expectError(() => clipGradNorm_([p], NaN), ArgumentError, '[clipGradNorm_] maxNorm must be a number, got NaN');
    expectError(() => clipGradNorm_([p, 2 as unknown as Tensor], 1), ArgumentError, '[clipGradNorm_] parameters must be Tensors, got 2');
  });
});

describe('clipGradValue_', () => {
  it('clamps every gradient to [−clipValue, clipValue] in place, ignoring parameters without one', () => {
    const p = withGrad([0, 0, 0], [-3, 0.5, 2]);
    const none = f64([1]);
    const grad = p.grad!;
    clipGradValue_([p, none], 1);
    expect(p.grad).toBe(grad);
    expect(grad.toArray()).toEqual([-1, 0.5, 1]);
    expect(none.grad).toBeNull();
  });

  it('validates clipValue', () => {
    expectError(() => clipGradValue_([withGrad([0], [1])], NaN), ArgumentError, '[clipGradValue_] clipValue must be a number, got NaN');
  });
});
