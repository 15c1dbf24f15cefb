/**
 * F.scaledDotProductAttention: the fused kernels (JS reference and wasm SIMD, one and two threads)
 * against the composed version, on shapes that cross the kernels' tiles (64 keys, 4 query rows) and
 * SIMD groups, with broadcast batch dims, strided inputs and every kind of mask; rows that see no key;
 * dropout; typed errors. The op table (test/helpers/attention-rows.ts) checks values against loops
 * and runs gradcheck/gradgradcheck.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, F, ShapeError, configureWasm, eye, getNumThreads, manualSeed, ones, randn, setBackend, setNumThreads,
  tensor, zeros, type Backend, type Tensor,
} from '../src/index.js';
import { additiveMask, attentionComposed } from '../src/ops/attention-composed.js';

interface Problem {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  mask: Tensor | null;
  causal: boolean;
}

function problem(batch: number[], l: number, s: number, e: number, ev: number, maskKind: 'none' | 'causal' | 'bool' | 'float', transposed: boolean): Problem {
  const make = (rows: number, cols: number): Tensor => {
    // transposed: the tensor is a [.., cols, rows] array seen through a transpose (row stride 1)
    const t = transposed ? randn([...batch, cols, rows]).transpose(-2, -1) : randn([...batch, rows, cols]);
    return t.detach().requiresGrad_();
  };
  const mask = maskKind === 'bool' ? randn([l, s]).gt(-0.3) : maskKind === 'float' ? randn(batch.length > 0 ? [1, l, s] : [l, s]).mul(2) : null;
  return { q: make(l, e), k: make(s, e).mul(1).detach().requiresGrad_(), v: make(s, ev), mask, causal: maskKind === 'causal' };
}

/** Output and q, k, v gradients of the fused op and of the composition, for one weighting of the output. */
function both(p: Problem): { fused: Tensor[]; composed: Tensor[] } {
  const e = p.q.shape[p.q.ndim - 1]!;
  const grads = (y: Tensor, w: Tensor): Tensor[] => {
    y.mul(w).sum().backward();
    const out = [y.detach(), p.q.grad!, p.k.grad!, p.v.grad!];
    p.q.grad = p.k.grad = p.v.grad = null;
    return out;
  };
  const fusedY = F.scaledDotProductAttention(p.q, p.k, p.v, { attnMask: p.mask, isCausal: p.causal });
  const w = randn(fusedY.shape);
  const fused = grads(fusedY, w);
  const composed = grads(attentionComposed(p.q, p.k, p.v, additiveMask(p.mask, 'float32'), p.causal, 1 / Math.sqrt(e), null), w);
  return { fused, composed };
}

function expectClose(a: Tensor, b: Tensor, rtol: number): void {
  expect(a.shape).toEqual(b.shape);
  // relative to the largest value, or to 1 where everything is near 0 (one key: the exact gradient of q is 0)
  const scale = Math.max(b.abs().max().item(), 1);
  expect(a.sub(b).abs().max().item() / scale).toBeLessThan(rtol);
}

const shapes = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  l: fc.integer({ min: 1, max: 9 }),
  s: fc.integer({ min: 1, max: 140 }),
  e: fc.integer({ min: 1, max: 20 }),
  ev: fc.integer({ min: 1, max: 20 }),
  mask: fc.constantFrom('none' as const, 'causal' as const, 'bool' as const, 'float' as const),
  transposed: fc.boolean(),
});

for (const [backend, threads] of [['js', 1], ['wasm', 1], ['wasm', 2]] as const) {
  describe(`fused attention = composed attention (${backend}, ${threads} thread${threads > 1 ? 's' : ''})`, () => {
    let previous: Backend;
    let previousThreads = 1;
    beforeAll(() => {
      previous = setBackend(backend);
      previousThreads = getNumThreads();
      if (backend === 'wasm') configureWasm({ minElements: 1, parallelMinMacs: threads > 1 ? 0 : 2 ** 24 });
      if (threads <= previousThreads) setNumThreads(threads);
    });
    afterAll(() => {
      configureWasm({ minElements: 256, parallelMinMacs: 2 ** 24 });
      setNumThreads(previousThreads);
      setBackend(previous);
    });

    it('values and gradients, float32, across tiles, tails, broadcast and strided inputs', () => {
      manualSeed(3);
      fc.assert(fc.property(shapes, ({ batch, l, s, e, ev, mask, transposed }) => {
        const { fused, composed } = both(problem(batch, l, s, e, ev, mask, transposed));
        fused.forEach((t, i) => expectClose(t, composed[i]!, 2e-5));
      }), { numRuns: 30 });
    });

    it('a model-sized causal problem: [8, 4, 130, 32] heads', () => {
      manualSeed(4);
      const { fused, composed } = both(problem([8, 4], 130, 130, 32, 32, 'causal', true));
      fused.forEach((t, i) => expectClose(t, composed[i]!, 2e-5));
    });

    it('rows that may attend to no key give zeros, and zero gradients, not NaN', () => {
      const q = randn([2, 3, 4], { requiresGrad: true });
      const k = randn([2, 5, 4], { requiresGrad: true });
      const v = randn([2, 5, 3], { requiresGrad: true });
      const mask = tensor([[true, false, true, true, false], [false, false, false, false, false], [true, true, true, true, true]], { dtype: 'bool' });
      const y = F.scaledDotProductAttention(q, k, v, { attnMask: mask });
      expect(y.select(1, 1).abs().max().item()).toBe(0);
      expect(y.select(1, 0).abs().max().item()).toBeGreaterThan(0);
      y.sum().backward();
      for (const g of [q.grad!, k.grad!, v.grad!]) expect(g.isnan().any().item()).toBe(0);
      expect(q.grad!.select(1, 1).abs().max().item()).toBe(0);
      const floatMask = zeros([3, 5]).maskedFill(mask.logicalNot(), -Infinity);
      expectClose(F.scaledDotProductAttention(q, k, v, { attnMask: floatMask }), y, 1e-6);
    });

    it('huge scores stay finite (the softmax is shifted by the running max)', () => {
      const q = randn([1, 6, 8]).mul(300);
      const k = randn([1, 70, 8]).mul(300);
      const v = randn([1, 70, 5]);
      const y = F.scaledDotProductAttention(q, k, v);
      expect(Number.isFinite(y.abs().max().item())).toBe(true);
      expectClose(y, attentionComposed(q, k, v, null, false, 1 / Math.sqrt(8), null), 1e-5);
    });
  });
}

describe('scaledDotProductAttention semantics', () => {
  it('is softmax(q·kᵀ/√E)·v on a hand-sized case, and scale overrides 1/√E', () => {
    const q = tensor([[1, 0], [0, 1]], { dtype: 'float64' });
    const k = tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'float64' });
    const v = eye(3, 3, { dtype: 'float64' });
    const weights = (scale: number): number[][] => [[1, 0, 1], [0, 1, 1]].map((row) => {
      const ex = row.map((d) => Math.exp(d * scale));
      const total = ex.reduce((a, b) => a + b, 0);
      return ex.map((x) => x / total);
    });
    expect(F.scaledDotProductAttention(q, k, v).toArray()).toEqual(weights(1 / Math.SQRT2).map((r) => r.map((x) => expect.closeTo(x, 14))));
    expect(F.scaledDotProductAttention(q, k, v, { scale: 3 }).toArray()).toEqual(weights(3).map((r) => r.map((x) => expect.closeTo(x, 14))));
  });

  it('isCausal is top-left aligned for L ≠ S, as PyTorch (query i sees keys j ≤ i)', () => {
    const v = eye(4, 4, { dtype: 'float64' });
    const w = F.scaledDotProductAttention(zeros([2, 3], { dtype: 'float64' }), zeros([4, 3], { dtype: 'float64' }), v, { isCausal: true });
    expect(w.toArray()).toEqual([[1, 0, 0, 0], [0.5, 0.5, 0, 0]]);
  });

  it('dropout zeroes weights with probability dropoutP and scales the rest by 1/(1 − p), seeded', () => {
    const q = randn([64, 8]);
    const k = randn([32, 8]);
    const v = eye(32); // the output is the weight matrix itself
    const plain = F.scaledDotProductAttention(q, k, v);
    manualSeed(7);
    const dropped = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.25 });
    manualSeed(7);
    expect(F.scaledDotProductAttention(q, k, v, { dropoutP: 0.25 }).toArray()).toEqual(dropped.toArray());
    const kept = dropped.ne(0);
    const fraction = kept.float().mean().item();
    expect(fraction).toBeGreaterThan(0.7);
    expect(fraction).toBeLessThan(0.8);
    expectClose(dropped.maskedFill(kept.logicalNot(), 0), plain.div(0.75).maskedFill(kept.logicalNot(), 0), 1e-5);
  });

  it('a float mask that requires grad gets its gradient (the composed path)', () => {
    const q = randn([3, 4], { dtype: 'float64' });
    const k = randn([5, 4], { dtype: 'float64' });
    const v = randn([5, 2], { dtype: 'float64' });
    const mask = randn([3, 5], { dtype: 'float64', requiresGrad: true });
    F.scaledDotProductAttention(q, k, v, { attnMask: mask }).sum().backward();
    expect(mask.grad!.abs().sum().item()).toBeGreaterThan(0);
  });
});

describe('scaledDotProductAttention errors', () => {
  const q = randn([2, 3, 4]);
  const k = randn([2, 5, 4]);
  const v = randn([2, 5, 6]);
  it('rejects bad shapes, dtypes and options with typed errors naming the op', () => {
    expect(() => F.scaledDotProductAttention(q, randn([2, 5, 3]), v)).toThrow(ShapeError);
    expect(() => F.scaledDotProductAttention(q, k, randn([2, 4, 6]))).toThrow(/same length S/);
    expect(() => F.scaledDotProductAttention(q, randn([3, 5, 4]), v)).toThrow(ShapeError);
    expect(() => F.scaledDotProductAttention(randn([4]), k, v)).toThrow(/\[scaledDotProductAttention\]/);
    expect(() => F.scaledDotProductAttention(q.double(), k, v)).toThrow(DTypeError);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: ones([3, 4], { dtype: 'bool' }) })).toThrow(/cannot be broadcast to the scores' shape \[2,3,5\]/);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: ones([3, 5], { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: ones([3, 5], { dtype: 'bool' }), isCausal: true })).toThrow(ArgumentError);
    expect(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 1 })).toThrow(/dropoutP must be in \[0, 1\)/);
    expect(() => F.scaledDotProductAttention(q, k, v, { scale: Number.NaN })).toThrow(ArgumentError);
    expect(() => F.scaledDotProductAttention(q, k, v, { is_causal: true } as never)).toThrow(/unknown option "is_causal"/);
  });
});
