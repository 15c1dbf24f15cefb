/**
 * Storage lifetime: Tensor.dispose / `using`, and the rule that a backward pass frees the
 * temporaries it created (on the wasm heap their blocks are reused at once) while the gradients it
 * hands out stay intact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, F, Generator, customOp, nn, noGrad, optim, randn, setBackend, tensor, wasmMemoryStats, type Backend, type Tensor } from '../src/index.js';
import { recordStorage, type Storage } from '../src/core/storage.js';

let previous: Backend;
beforeAll(() => {
  previous = setBackend('wasm');
});
afterAll(() => {
  setBackend(previous);
});

const g = new Generator(11);

describe('Tensor.dispose', () => {
  it('frees the storage: the tensor and every view of it throw on use, a second dispose does nothing', () => {
    const x = randn([64, 64], { generator: g });
    const view = x.reshape(4096);
    const before = wasmMemoryStats().bytesInUse;
    x.dispose();
    expect(wasmMemoryStats().bytesInUse).toBe(before - 64 * 64 * 4);
    expect(x.disposed).toBe(true);
    expect(() => x.sum()).toThrow(ArgumentError);
    expect(() => view.toArray()).toThrow(/storage has been disposed/);
    x.dispose();
    expect(wasmMemoryStats().bytesInUse).toBe(before - 64 * 64 * 4);
  });

  it('`using` disposes at the end of the block', () => {
    let kept: Tensor;
    {
      using t = randn([32, 32], { generator: g });
      kept = t;
      expect(t.sum().item()).toBeTypeOf('number');
    }
    expect(kept.disposed).toBe(true);
  });

  it('JS-heap tensors can be disposed too (left to the garbage collector, unusable afterwards)', () => {
    const small = tensor([1, 2, 3]);
    small.dispose();
    expect(() => small.add(1)).toThrow(ArgumentError);
  });
});

/** A two-layer MLP step: returns the loss; grads land in the parameters. */
function step(model: nn.Module, x: Tensor, y: Tensor): number {
  model.zeroGrad();
  const loss = (model.forward(x) as Tensor).sub(y).square().mean();
  loss.backward();
  return loss.item();
}

describe('backward frees its temporaries', () => {
  const model = (): nn.Sequential => {
    const m = new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 64));
    m.parameters().forEach((p, i) => p.data.set(randn(p.shape, { generator: new Generator(i) }).mul(0.1).toTypedArray()));
    return m;
  };

  it('keeps the gradients it hands out, equal to those of a run that frees nothing (a hook disables freeing)', () => {
    const x = randn([256, 64], { generator: g });
    const y = randn([256, 64], { generator: g });
    const a = model();
    const b = model();
    step(a, x, y);
    // a hook on the input means user code saw the gradients: nothing is freed in b's backward
    const xb = x.detach().requiresGrad_(true);
    xb.registerHook(() => undefined);
    b.zeroGrad();
    (b.forward(xb) as Tensor).sub(y).square().mean().backward();
    a.parameters().forEach((p, i) => {
      const q = b.parameters()[i]!;
      expect(p.grad!.disposed).toBe(false);
      expect(Array.from(p.grad!.toTypedArray())).toEqual(Array.from(q.grad!.toTypedArray()));
    });
  });

  it('after backward, the heap holds only the new gradients: every temporary block went back to the pool', () => {
    const m = model();
    const x = randn([256, 64], { generator: g });
    const y = randn([256, 64], { generator: g });
    step(m, x, y);
    m.zeroGrad();
    const loss = (m.forward(x) as Tensor).sub(y).square().mean();
    const before = wasmMemoryStats().bytesInUse;
    loss.backward();
    // the gradients are heap blocks: the two weights' (8192 floats each) and the biases' (128 and 64 floats, the
    // reduction kernel's outputs, which become the .grad as they are: no copy)
    expect(wasmMemoryStats().bytesInUse - before).toBe((2 * 8192 + 128 + 64) * 4);
  });

  it('a gradient hook may keep the gradient it sees: nothing is freed under it', () => {
    const x = randn([32, 32], { generator: g, requiresGrad: true });
    const h = x.mul(3);
    let stash: Tensor | null = null;
    h.registerHook((grad) => {
      stash = grad;
    });
    h.exp().sum().backward();
    expect(stash!.disposed).toBe(false);
    expect(stash!.sub(h.detach().exp()).abs().max().item()).toBeLessThan(1e-4);
  });

  it('custom ops run user code in backward: their gradients are not freed under them', () => {
    let seen: Tensor | null = null;
    const keep = customOp({
      name: 'keep',
      forward: (_ctx, t) => t.mul(1),
      backward: (_ctx, grad) => {
        seen = grad.mul(2);
        return seen;
      },
    });
    const x = randn([32, 32], { generator: g, requiresGrad: true });
    keep(x.mul(3)).sum().backward();
    expect(seen!.disposed).toBe(false);
    expect(seen!.sum().item()).toBeCloseTo(2 * 32 * 32, 3);
    expect(x.grad!.sum().item()).toBeCloseTo(6 * 32 * 32, 2);
  });
});

describe('optimiser steps free their temporaries', () => {
  it('the heap grows by the state the optimiser keeps (momentum buffers, moments), nothing else; the state stays usable', () => {
    for (const [make, stateTensors] of [
      [(ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1 }), 0],
      [(ps: Tensor[]) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }), 1],
      [(ps: Tensor[]) => new optim.Adam(ps, { lr: 1e-3 }), 2],
    ] as const) {
      const w = randn([128, 64], { generator: g, requiresGrad: true });
      w.grad = randn([128, 64], { generator: g });
      const opt = make([w]);
      const before = wasmMemoryStats().bytesInUse;
      opt.step();
      expect(wasmMemoryStats().bytesInUse - before).toBe(stateTensors * 8192 * 4);
      opt.step();
      expect(wasmMemoryStats().bytesInUse - before).toBe(stateTensors * 8192 * 4);
      for (const value of Object.values(opt.state.get(w)!)) if (value instanceof Object && 'disposed' in value) expect(value.disposed).toBe(false);
      expect(Number.isFinite(w.sum().item())).toBe(true);
    }
  });
});


describe('gradients backward allocates', () => {
  it('accumulate in place across backward calls (a held .grad sees the sum, as in PyTorch)', () => {
    const w = randn([32, 16], { generator: g, requiresGrad: true });
    const x = randn([8, 32], { generator: g });
    x.matmul(w).sum().backward();
    const first = w.grad!;
    const once = first.toArray() as number[][];
    x.matmul(w).sum().backward();
    expect(w.grad).toBe(first);
    const twice = first.toArray() as number[][];
    for (let i = 0; i < 32; i++) for (let j = 0; j < 16; j++) expect(twice[i]![j]!).toBeCloseTo(2 * once[i]![j]!, 4);
  });

  it('are freed by zeroGrad (module and optimiser); a gradient user code assigned is only dropped', () => {
    const model = new nn.Linear(64, 32);
    const x = randn([4, 64], { generator: g });
    model.forward(x).sum().backward();
    const fromBackward = model.weight.grad!;
    const before = wasmMemoryStats().bytesInUse;
    model.zeroGrad();
    expect(model.weight.grad).toBe(null);
    expect(fromBackward.disposed).toBe(true);
    expect(before - wasmMemoryStats().bytesInUse).toBe(64 * 32 * 4);
    expect(() => fromBackward.sum()).toThrow(/disposed.*zeroGrad/);

    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    model.forward(x).sum().backward();
    const again = model.weight.grad!;
    const mine = randn([32], { generator: g });
    model.bias!.grad = mine;
    opt.zeroGrad();
    expect(again.disposed).toBe(true);
    expect(mine.disposed).toBe(false);
    expect(model.bias!.grad).toBe(null);
  });

  it('become the .grad without a copy only when nothing else shares their storage', () => {
    // a gradient the pass made for one leaf alone is adopted: the products' outputs become x.grad and
    // w.grad, two storages fewer than when hooks (user code, which may keep what it sees) force copies
    const created = (hooks: boolean): Storage[] => {
      const w = randn([64, 32], { generator: g, requiresGrad: true });
      const x = randn([16, 64], { generator: g, requiresGrad: true });
      if (hooks) [w, x].forEach((t) => t.registerHook(() => undefined));
      const [, made] = recordStorage(() => x.matmul(w).sum().backward());
      expect(made).toContain(x.grad!._storage);
      expect(made).toContain(w.grad!._storage);
      return made;
    };
    expect(created(false).length).toBe(created(true).length - 2);
    // add's vjp hands the same gradient to both leaves: each .grad is its own copy
    const c = randn([300], { generator: g, requiresGrad: true });
    const d = randn([300], { generator: g, requiresGrad: true });
    const e = randn([300], { generator: g });
    c.add(d).mul(e).sum().backward();
    expect(c.grad!._storage).not.toBe(d.grad!._storage);
    c.grad!.add_(1); // an in-place update of one .grad leaves the other as it was
    expect(Array.from(d.grad!.toTypedArray())).toEqual(Array.from(e.toTypedArray()));
    // attention's dq, dk, dv are views of one buffer: each .grad is a copy of its part
    const [q, k, v] = [0, 1, 2].map(() => randn([2, 8, 16], { generator: g, requiresGrad: true }));
    F.scaledDotProductAttention(q!, k!, v!).sum().backward();
    const storages = new Set([q!.grad!._storage, k!.grad!._storage, v!.grad!._storage]);
    expect(storages.size).toBe(3);
    for (const t of [q!, k!, v!]) expect(t.grad!.numel()).toBe(t.grad!._storage.data.length);
  });

  it('are neither reused nor freed with createGraph (the new graph holds them)', () => {
    const w = randn([16], { generator: g, requiresGrad: true });
    w.mul(w).sum().backward(undefined, { createGraph: true });
    const first = w.grad!;
    w.mul(w).sum().backward(undefined, { createGraph: true });
    expect(w.grad).not.toBe(first);
    w.grad = null;
    expect(first.disposed).toBe(false);
    expect(first.requiresGrad).toBe(true);
  });
});

describe('library functions free their intermediates', () => {
  const x = randn([2, 3, 9, 9], { generator: g });
  const w = randn([4, 3, 3, 3], { generator: g, requiresGrad: true });
  const b = randn([4], { generator: g, requiresGrad: true });
  const sizes = (ss: Storage[]): number[] => ss.map((s) => s.data.length);

  it('conv2d: the product before the bias at once, the im2col matrix when backward is done with it', () => {
    const [y, created] = recordStorage(() => F.conv2d(x, w, b, { padding: 1 }));
    const live = created.filter((s) => !s.disposed);
    // left: the output and the im2col matrix [27, 2·81] that matmul saved for the weight gradient
    expect(live).toContain(y._storage);
    expect(sizes(live.filter((s) => s !== y._storage))).toEqual([27 * 162]);
    const cols = live.find((s) => s !== y._storage)!;
    expect(created.some((s) => s.disposed && s.savedBy === 0)).toBe(true); // the product before the bias
    y.sum().backward();
    expect(cols.disposed).toBe(true);
    expect(y._storage.disposed).toBe(false);
    // the gradients are those of a fresh forward on the reference kernels' path
    const w2 = w.detach().requiresGrad_();
    const b2 = b.detach().requiresGrad_();
    F.conv2d(x, w2, b2, { padding: 1 }).sum().backward();
    expect(w.grad!.sub(w2.grad!).abs().max().item()).toBeLessThan(1e-5);
    w.grad = null;
    b.grad = null;
  });

  it('keeps what a retained graph needs: backward twice gives the same gradients', () => {
    const [y, created] = recordStorage(() => F.conv2d(x, w, b, { padding: 1 }));
    const loss = y.square().sum();
    loss.backward(undefined, { retainGraph: true });
    const first = w.grad!.clone();
    expect(created.filter((s) => !s.disposed).length).toBe(2);
    w.grad = null;
    loss.backward();
    expect(w.grad!.sub(first).abs().max().item()).toBeLessThan(1e-4);
    expect(created.filter((s) => !s.disposed).map((s) => s === y._storage)).toEqual([true]);
    w.grad = null;
  });

  it('without a graph (noGrad) only the result survives the call', () => {
    const lw = randn([5, 9], { generator: g });
    const lb = randn([5], { generator: g });
    const logits = randn([6, 10], { generator: g });
    const labels = tensor([1, 2, 3, 4, 5, 6], { dtype: 'int32' });
    for (const f of [
      () => F.conv2d(x, w, b, { padding: 1 }),
      () => F.maxPool2d(x, 2),
      () => F.layerNorm(x, [9], null, null),
      () => F.linear(x, lw, lb),
      () => F.crossEntropy(logits, labels),
    ]) {
      const [y, created] = recordStorage(() => noGrad(f));
      // (the fused layerNorm allocates its result only)
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(created.filter((s) => !s.disposed)).toEqual([y._storage]);
    }
  });
});

describe('gradients shared between parameters, optimiser state nested in arrays and objects', () => {
  it('a gradient assigned to another parameter is not freed by zeroGrad, and backward goes on', () => {
    const local = new nn.Linear(32, 16);
    const shared = new nn.Linear(32, 16);
    const x = randn([4, 32], { generator: g });
    local.forward(x).sum().backward();
    shared.weight.grad = local.weight.grad; // the A3C pattern: hand the worker's gradient to the shared model
    new optim.SGD(shared.parameters(), { lr: 0.1 }).zeroGrad();
    expect(shared.weight.grad).toBe(null);
    expect(local.weight.grad!.disposed).toBe(false);
    const once = local.weight.grad!.clone();
    local.forward(x).sum().backward(); // accumulates: the shared tensor is not written in place
    expect(local.weight.grad!.sub(once.mul(2)).abs().max().item()).toBeLessThan(1e-5);
  });

  it('step keeps the tensors a subclass keeps in arrays and nested objects of its state', () => {
    class Averaged extends optim.Optimizer<{ lr: number }, { history: Tensor[]; ema: { m: Tensor | null } }> {
      constructor(params: Tensor[]) {
        super('Averaged', params, { lr: 0.1 });
      }
      protected validate(): void {}
      protected initState(): { history: Tensor[]; ema: { m: Tensor | null } } {
        return { history: [], ema: { m: null } };
      }
      protected update(p: Tensor, grad: Tensor, state: { history: Tensor[]; ema: { m: Tensor | null } }): void {
        state.history.push(grad.mul(1));
        state.ema.m = state.ema.m === null ? grad.mul(1) : state.ema.m.mul(0.9).add(grad.mul(0.1));
        p.sub_(state.ema.m.mul(0.1));
      }
    }
    const w = randn([64, 64], { generator: g, requiresGrad: true });
    const opt = new Averaged([w]);
    for (let i = 0; i < 3; i++) {
      w.grad = randn([64, 64], { generator: g });
      opt.step();
    }
    const state = opt.state.get(w)!;
    expect(state.history.every((t) => !t.disposed)).toBe(true);
    expect(Number.isFinite(state.ema.m!.sum().item())).toBe(true);
  });
});
