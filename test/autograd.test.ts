import { describe, expect, it } from 'vitest';
import {
  AutogradError, ShapeError, Tensor, enableGrad, isGradEnabled, noGrad, ones, randn, tensor, zeros,
} from '../src/index.js';

const f64 = (data: number[] | number[][], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const values = (t: Tensor | null): unknown => t!.toArray();

describe('autograd: the classic traps', () => {
  it('a value reused (x·x) receives both contributions', () => {
    const x = f64([3, -2]);
    x.mul(x).sum().backward();
    expect(values(x.grad)).toEqual([6, -4]);
  });

  it('a diamond: d = (2x)·(x + 1) gives dd/dx = 2(x + 1) + 2x', () => {
    const x = f64([3]);
    const d = x.mul(2).mul(x.add(1));
    d.sum().backward();
    expect(values(x.grad)).toEqual([2 * 4 + 2 * 3]);
  });

  it('an unused input keeps grad null; an input not requiring grad gets none', () => {
    const x = f64([1, 2]);
    const unused = f64([5]);
    const constant = f64([4, 4], false);
    x.mul(constant).sum().backward();
    expect(values(x.grad)).toEqual([4, 4]);
    expect(unused.grad).toBeNull();
    expect(constant.grad).toBeNull();
  });

  it('a broadcast gradient is summed back to the input shape', () => {
    const row = f64([1, 2, 3]);
    const col = f64([[10], [20]]);
    const y = row.mul(col); // [2, 3]
    y.sum().backward();
    expect(values(row.grad)).toEqual([30, 30, 30]);
    expect(values(col.grad)).toEqual([[6], [6]]);
  });

  it('views share storage: writing through one view is visible through the other and bumps the shared version', () => {
    const base = zeros([2, 3]);
    const v = base.reshape(3, 2);
    const col = base.t();
    noGrad(() => v.fill_(7));
    expect(values(base)).toEqual([[7, 7, 7], [7, 7, 7]]);
    expect(base.version).toBe(1);
    expect(col.version).toBe(1);
  });

  it('gradients accumulate across backward calls until zeroed', () => {
    const w = f64([1, 2]);
    w.mul(3).sum().backward();
    w.mul(w).sum().backward();
    expect(values(w.grad)).toEqual([3 + 2, 3 + 4]);
    w.grad = null;
    w.sum().backward();
    expect(values(w.grad)).toEqual([1, 1]);
  });

  it('backward twice through a graph with saved tensors throws; retainGraph allows it', () => {
    const x = f64([2]);
    const y = x.exp().sum();
    y.backward();
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow("[backward] trying to backward through the graph a second time (the tensors saved by 'exp' have been freed)");
    const z = x.exp().sum();
    x.grad = null;
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect((x.grad as Tensor | null)!.item()).toBeCloseTo(2 * Math.exp(2), 12);
  });

  it('a graph without saved tensors can be backwarded twice (as in PyTorch)', () => {
    const x = f64([1, 2]);
    const y = x.add(1).sum();
    y.backward();
    y.backward();
    expect(values(x.grad)).toEqual([2, 2]);
  });

  it('leaves that were given the same gradient tensor do not share storage', () => {
    const a = f64([1]);
    const b = f64([1]);
    a.add(b).sum().backward(); // add's vjp hands the same tensor to both inputs
    noGrad(() => a.grad!.mul_(10));
    expect(values(a.grad)).toEqual([10]);
    expect(values(b.grad)).toEqual([1]);
  });

  it('a 1,000,000-node chain backpropagates (iterative topological sort)', () => {
    const x = tensor(1, { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < 1_000_000; i++) y = y.neg();
    y.backward();
    expect(y.item()).toBe(1);
    expect(x.grad!.item()).toBe(1);
  }, 120_000);
});

describe('autograd: higher-order gradients with createGraph', () => {
  const secondDerivative = (f: (x: Tensor) => Tensor, x0: number): [number, number] => {
    const x = tensor([x0], { dtype: 'float64', requiresGrad: true });
    f(x).sum().backward(undefined, { createGraph: true });
    const first = x.grad!;
    x.grad = null;
    first.sum().backward();
    return [first.item(), x.grad!.item()];
  };

  it('d²/dx² x³ = 6x', () => {
    const [d1, d2] = secondDerivative((x) => x.pow(3), 2);
    expect(d1).toBeCloseTo(12, 12);
    expect(d2).toBeCloseTo(12, 12);
  });

  it('d²/dx² tanh x = −2 tanh x (1 − tanh² x)', () => {
    const t = Math.tanh(0.7);
    const [d1, d2] = secondDerivative((x) => x.tanh(), 0.7);
    expect(d1).toBeCloseTo(1 - t * t, 12);
    expect(d2).toBeCloseTo(-2 * t * (1 - t * t), 12);
  });

  it('d²/dx² σ(x) = σ(1 − σ)(1 − 2σ)', () => {
    const s = 1 / (1 + Math.exp(-0.3));
    const [d1, d2] = secondDerivative((x) => x.sigmoid(), 0.3);
    expect(d1).toBeCloseTo(s * (1 - s), 12);
    expect(d2).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 12);
  });

  it('d²/dx² eˣ = eˣ, and the third derivative too', () => {
    const x = tensor([0.5], { dtype: 'float64', requiresGrad: true });
    x.exp().sum().backward(undefined, { createGraph: true });
    const g1 = x.grad!;
    x.grad = null;
    g1.sum().backward(undefined, { createGraph: true });
    const g2 = x.grad!;
    x.grad = null;
    g2.sum().backward();
    expect(g1.item()).toBeCloseTo(Math.exp(0.5), 12);
    expect(g2.item()).toBeCloseTo(Math.exp(0.5), 12);
    expect(x.grad!.item()).toBeCloseTo(Math.exp(0.5), 12);
  });

  it('without createGraph the gradient is detached', () => {
    const x = f64([1]);
    x.pow(2).sum().backward();
    expect(x.grad!.requiresGrad).toBe(false);
  });
});

describe('autograd: leaves, retainGrad, hooks and grad mode', () => {
  it('intermediate tensors have no grad unless retainGrad()', () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    const k = x.mul(3).retainGrad();
    h.add(k).sum().backward();
    expect(h.grad).toBeNull();
    expect(values(k.grad)).toEqual([1, 1]);
    expect(h.isLeaf).toBe(false);
    expect(x.isLeaf).toBe(true);
    expect(h.gradFn).toBe('mul');
  });

  it('a hook sees the gradient and may replace it; remove() unregisters it', () => {
    const x = f64([1, 2]);
    const seen: unknown[] = [];
    const handle = x.registerHook((g) => {
      seen.push(g.toArray());
      return g.mul(10);
    });
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expect(values(x.grad)).toEqual([30, 30]);
    handle.remove();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(values(x.grad)).toEqual([3, 3]);
  });

  it('a hook on an intermediate tensor changes what flows to the leaves', () => {
    const x = f64([1, 2]);
    const h = x.mul(2);
    h.registerHook((g) => g.mul(0));
    h.add(x).sum().backward();
    expect(values(x.grad)).toEqual([1, 1]);
  });

  it('noGrad records nothing; enableGrad turns recording back on inside it', () => {
    const x = f64([1]);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(noGrad(() => isGradEnabled())).toBe(false);
    const z = noGrad(() => enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('grad mode is restored when the function throws', () => {
    expect(() => noGrad(() => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach cuts the graph and shares storage', () => {
    const x = f64([1, 2]);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const y = x.mul(d).sum();
    y.backward();
    expect(values(x.grad)).toEqual([2, 4]);
  });

  it("an assigned .grad must match the tensor's shape and dtype", () => {
    const w = f64([1, 2]);
    expect(() => (w.grad = tensor([1, 2, 3], { dtype: 'float64' }))).toThrow('[grad] assigned gradient has shape [3], but the tensor has shape [2]');
    expect(() => (w.grad = tensor([1, 2]))).toThrow('[grad] assigned gradient has dtype float32, but the tensor is float64');
    w.grad = f64([0.5, 0.5], false);
    expect(values(w.grad)).toEqual([0.5, 0.5]);
    w.grad = null;
    expect(w.grad).toBeNull();
  });

  it('requiresGrad_ on an int tensor throws; on a non-leaf it can only stay on', () => {
    expect(() => tensor([1], { dtype: 'int32' }).requiresGrad_()).toThrow('[requiresGrad] only floating-point tensors can require gradients, got int32');
    const h = f64([1]).mul(2);
    expect(() => h.requiresGrad_(false)).toThrow(AutogradError);
  });

  it('int and bool outputs never require grad', () => {
    const x = f64([1.5, -2]);
    expect(x.gt(0).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    expect(x.int().requiresGrad).toBe(false);
  });

  it('gradients flow across dtype conversions and come back in the input dtype', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = x.double().mul(tensor([3, 4], { dtype: 'float64' }));
    expect(y.dtype).toBe('float64');
    y.sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(values(x.grad)).toEqual([3, 4]);
  });
});

describe('autograd: backward arguments and in-place versions', () => {
  it('a non-scalar backward needs a gradient of the same shape', () => {
    const x = f64([1, 2]);
    const y = x.mul(2);
    expect(() => y.backward()).toThrow('[backward] grad can be implicitly created only for scalar outputs, got shape [2]; pass a gradient');
    expect(() => y.backward(ones([3], { dtype: 'float64' }))).toThrow(ShapeError);
    y.backward(tensor([1, 10], { dtype: 'float64' }));
    expect(values(x.grad)).toEqual([2, 20]);
  });

  it('modifying a saved tensor in place makes backward throw, naming the op, shape and versions', () => {
    const x = f64([[1, 2], [3, 4]]);
    const w = tensor([[5, 6], [7, 8]], { dtype: 'float64' });
    const y = x.mul(w).sum();
    noGrad(() => w.add_(1));
    expect(() => y.backward()).toThrow(AutogradError);
    expect(() => y.backward()).toThrow(
      "[backward] one of the tensors needed for gradient computation has been modified by an in-place operation: the float64 [2,2] tensor saved by 'mul' is at version 1; expected version 0 instead",
    );
  });

  it('modifying an input that add does not save is fine', () => {
    const x = f64([1]);
    const w = tensor([5], { dtype: 'float64' });
    const y = x.add(w).sum();
    noGrad(() => w.add_(1));
    y.backward();
    expect(values(x.grad)).toEqual([1]);
  });

  it('in-place ops on a leaf that requires grad are refused while grad mode is on', () => {
    const w = f64([1]);
    expect(() => w.add_(1)).toThrow("[add_] a tensor that requires grad (a leaf) cannot be modified in place while grad mode is on; wrap the update in noGrad()");
    noGrad(() => w.sub_(tensor([0.5], { dtype: 'float64' })));
    expect(values(w)).toEqual([0.5]);
    expect(w.version).toBe(1);
  });

  it('in-place ops: add_ with alpha, mul_, div_, clamp_, copy_, fill_, zero_', () => {
    const t = tensor([1, 2, 3]);
    t.add_(tensor([1, 1, 1]), { alpha: 2 });
    expect(values(t)).toEqual([3, 4, 5]);
    t.mul_(2).div_(4);
    expect(values(t)).toEqual([1.5, 2, 2.5]);
    t.clamp_(1.75, 2.25);
    expect(values(t)).toEqual([1.75, 2, 2.25]);
    t.copy_(tensor([[9], [8], [7]]).reshape(3));
    expect(values(t)).toEqual([9, 8, 7]);
    t.fill_(4);
    expect(values(t)).toEqual([4, 4, 4]);
    t.zero_();
    expect(values(t)).toEqual([0, 0, 0]);
    expect(t.version).toBe(7);
  });

  it('randn-based graphs release saved tensors after backward', () => {
    const x = randn([3], { dtype: 'float64', requiresGrad: true });
    const y = x.sin().sum();
    y.backward();
    expect(() => y.backward()).toThrow(AutogradError);
  });
});
