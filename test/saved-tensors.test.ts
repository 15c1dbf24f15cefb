/**
 * Each op saves exactly what its vjp reads (PyTorch's derivatives.yaml): an in-place change of an
 * input the backward does not read is harmless, one of an input it reads still throws PyTorch's
 * version error, custom-op contexts count what they save, and a vjp that reads an input it did not
 * declare gets a clear error.
 */
import { describe, expect, it } from 'vitest';
import {
  AutogradError, F, Generator, apply, autograd, gather, indexAdd, indexSelect, maskedFill, noGrad, scatterAdd,
  scope, tensor, where, type OpDef, type Tensor,
} from '../src/index.js';
import { cube } from './helpers/cube.js';
import { expectError, values } from './helpers/expect.js';

const f64 = (data: number[] | number[][], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: number[] | number[][]): Tensor => tensor(data, { dtype: 'int32' });

/** PyTorch's in-place error for the tensor saved by `op`. */
const versionError = (op: string): RegExp => new RegExp(`modified by an in-place operation: .* saved by '${op}' is at version 1; expected version 0`);

describe('an op saves only what its backward reads', () => {
  it("where saves only the condition: changing a branch in place is fine, changing the condition throws", () => {
    const c = tensor([true, false, true]);
    const x = f64([1, 2, 3]);
    const a = f64([4, 5, 6]);
    const w = f64([10, 20, 30], false);
    const z = where(c, x, a);
    noGrad(() => a.add_(1));
    noGrad(() => x.mul_(2));
    z.mul(w).sum().backward();
    expect(values(x.grad!)).toEqual([10, 0, 30]); // w where c
    expect(values(a.grad!)).toEqual([0, 20, 0]); // w where ¬c

    const z2 = where(c, f64([1, 2, 3]), 0);
    noGrad(() => c.fill_(0));
    expectError(() => z2.sum().backward(), AutogradError, versionError('where'));
  });

  it('maskedFill (composed from where): changing the input in place is fine, changing the mask throws', () => {
    const x = f64([1, 2, 3, 4]);
    const mask = tensor([false, true, false, true]);
    const y = maskedFill(x, mask, -1);
    noGrad(() => x.sub_(100));
    y.mul(f64([1, 2, 3, 4], false)).sum().backward();
    expect(values(x.grad!)).toEqual([1, 0, 3, 0]);

    const y2 = maskedFill(f64([1, 2, 3, 4]), mask, 0);
    noGrad(() => mask.fill_(1));
    expectError(() => y2.sum().backward(), AutogradError, versionError('where'));
  });

  it('gather saves only the index', () => {
    const x = f64([[1, 2, 3], [4, 5, 6]]);
    const index = i32([[2, 2], [0, 1]]);
    const y = gather(x, 1, index);
    noGrad(() => x.mul_(3));
    y.mul(f64([[1, 2], [3, 4]], false)).sum().backward();
    // row 0 reads column 2 twice (1 + 2), row 1 reads columns 0 and 1
    expect(x.grad!.toArray()).toEqual([[0, 0, 3], [3, 4, 0]]);

    const y2 = gather(f64([[1, 2, 3], [4, 5, 6]]), 1, index);
    noGrad(() => index.fill_(0));
    expectError(() => y2.sum().backward(), AutogradError, versionError('gather'));
  });

  it('indexSelect saves only the index', () => {
    const x = f64([[1, 2], [3, 4], [5, 6]]);
    const index = i32([2, 0, 2]);
    const y = indexSelect(x, 0, index);
    noGrad(() => x.zero_());
    y.mul(f64([[1, 1], [2, 2], [3, 3]], false)).sum().backward();
    expect(x.grad!.toArray()).toEqual([[2, 2], [0, 0], [4, 4]]); // row 2 picked twice: 1 + 3

    const y2 = indexSelect(f64([1, 2, 3]), 0, index);
    noGrad(() => index.fill_(1));
    expectError(() => y2.sum().backward(), AutogradError, versionError('indexSelect'));
  });

  it("indexAdd saves the index, and only for the source's gradient", () => {
    const base = f64([0, 0, 0]);
    const src = f64([1, 2, 3]);
    const index = i32([0, 0, 2]);
    const y = indexAdd(base, 0, index, src);
    noGrad(() => base.add_(7));
    noGrad(() => src.add_(7));
    y.mul(f64([10, 20, 30], false)).sum().backward();
    expect(values(base.grad!)).toEqual([10, 20, 30]);
    expect(values(src.grad!)).toEqual([10, 10, 30]); // w at the indices

    const onlyBase = indexAdd(f64([0, 0, 0]), 0, index, f64([1, 2, 3], false));
    noGrad(() => index.fill_(1));
    expect(() => onlyBase.sum().backward()).not.toThrow(); // the source needs no gradient: the index is not saved

    const idx = i32([0, 1]);
    const withSrc = indexAdd(f64([0, 0]), 0, idx, f64([1, 2]));
    noGrad(() => idx.fill_(0));
    expectError(() => withSrc.sum().backward(), AutogradError, versionError('indexAdd'));
  });

  it("scatterAdd saves the index, and only for src's gradient", () => {
    const base = f64([[0, 0], [0, 0]]);
    const src = f64([[1, 2], [3, 4]]);
    const index = i32([[1, 1], [0, 1]]);
    const y = scatterAdd(base, 1, index, src);
    noGrad(() => base.add_(1));
    noGrad(() => src.add_(1));
    y.mul(f64([[1, 2], [3, 4]], false)).sum().backward();
    expect(base.grad!.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(src.grad!.toArray()).toEqual([[2, 2], [3, 4]]); // w gathered at the indices

    const idx = i32([[0, 1]]);
    const y2 = scatterAdd(f64([[0, 0]]), 1, idx, f64([[1, 2]]));
    noGrad(() => idx.fill_(0));
    expectError(() => y2.sum().backward(), AutogradError, versionError('scatterAdd'));
  });

  it('relu saves its output (not its input): changing x in place is fine, changing y throws', () => {
    const x = f64([-1, 2, 0, 3]);
    const y = x.relu();
    noGrad(() => x.sub_(10)); // every entry now negative: a backward reading x would give zeros
    y.mul(f64([1, 2, 3, 4], false)).sum().backward();
    expect(values(x.grad!)).toEqual([0, 2, 0, 4]);

    const y2 = f64([1, -1]).relu();
    noGrad(() => y2.add_(1));
    expectError(() => y2.sum().backward(), AutogradError, versionError('relu'));
  });

  it("reluGrad (relu's vjp, recorded with createGraph) saves the mask operand, not the incoming gradient", () => {
    const x = f64([-1, 2, 3]);
    const v = f64([5, 6, 7]);
    const y = x.relu();
    const [dx] = autograd.grad(y, [x], { gradOutputs: [v], createGraph: true });
    expect(values(dx!)).toEqual([0, 6, 7]);
    noGrad(() => v.mul_(10));
    const [dv] = autograd.grad(dx!.mul(f64([1, 2, 3], false)).sum(), [v]);
    expect(values(dv!)).toEqual([0, 2, 3]); // d/dv of reluGrad(v, y)·w = [y > 0]·w

    const [dx2] = autograd.grad(y, [x], { gradOutputs: [f64([1, 1, 1])], createGraph: true });
    noGrad(() => y.add_(1));
    expectError(() => autograd.grad(dx2!.sum(), [x], { allowUnused: true }), AutogradError, versionError('reluGrad'));
  });

  it('mul saves a factor only when the other factor needs a gradient', () => {
    const x = f64([1, 2]);
    const y = x.mul(3);
    noGrad(() => x.add_(1));
    y.sum().backward();
    expect(values(x.grad!)).toEqual([3, 3]);

    const a = f64([1, 2]);
    const b = f64([3, 4]);
    const z = a.mul(b);
    noGrad(() => a.add_(1));
    expectError(() => z.sum().backward(), AutogradError, versionError('mul'));
  });

  it('matmul with a frozen weight does not save the weight', () => {
    const x = f64([[1, 2]]);
    const w = f64([[1, 0], [0, 1]], false);
    const y = x.matmul(w);
    expect(() => noGrad(() => w.add_(1))).not.toThrow();
    expectError(() => y.sum().backward(), AutogradError, versionError('matmul')); // d x = g·wᵀ reads w

    const x2 = f64([[1, 2]], false);
    const w2 = f64([[1, 0], [0, 1]]);
    const y2 = x2.matmul(w2);
    noGrad(() => w2.mul_(5)); // d w = xᵀ·g reads x only
    y2.sum().backward();
    expect(w2.grad!.toArray()).toEqual([[1, 1], [2, 2]]);
  });
});

describe('composites keep nothing large that backward does not read', () => {
  it('dropout saves its bool mask, not the input', () => {
    const x = tensor(Array.from({ length: 200 }, (_, i) => 1 + i), { dtype: 'float64', requiresGrad: true });
    const y = F.dropout(x, 0.25, { generator: new Generator(3) });
    expect(x._storage.savedBy).toBe(0);
    const kept = values(y).map((v) => (v !== 0 ? 1 : 0));
    noGrad(() => x.mul_(-1));
    y.sum().backward();
    expect(values(x.grad!)).toEqual(kept.map((k) => k / 0.75));
    expect(kept.filter((k) => k === 1).length).toBeGreaterThan(100);
  });

  it('nllLoss saves neither its input nor its target', () => {
    const logp = f64([[-1, -2, -3], [-0.5, -1, -4]]);
    const target = i32([2, 0]);
    const loss = F.nllLoss(logp, target);
    expect(logp._storage.savedBy).toBe(0);
    expect(target._storage.savedBy).toBe(0);
    noGrad(() => logp.mul_(2));
    noGrad(() => target.fill_(1));
    loss.backward();
    expect(logp.grad!.toArray()).toEqual([[0, 0, -0.5], [-0.5, 0, 0]]);
  });

  it('crossEntropy backpropagates from the saved softmax: changing the logits in place afterwards is fine', () => {
    const rows = [[1, 2, 0.5], [0, -1, 3]];
    const target = [1, 2];
    const logits = f64(rows);
    const loss = F.crossEntropy(logits, i32(target));
    expect(logits._storage.savedBy).toBe(0);
    noGrad(() => logits.mul_(3));
    loss.backward();
    // d/dlogits of the mean cross-entropy = (softmax(row) − onehot(target)) / N, in float64
    const expected = rows.map((row, n) => {
      const e = row.map(Math.exp);
      const s = e.reduce((p, q) => p + q, 0);
      return e.map((v, c) => (v / s - (c === target[n] ? 1 : 0)) / rows.length);
    });
    const got = logits.grad!.toArray() as number[][];
    got.flat().forEach((v, k) => expect(v).toBeCloseTo(expected.flat()[k]!, 12));
  });
});


describe('custom ops count what they save', () => {
  it('a custom op inside a scope that frees its intermediates still finds its saved tensor at backward', () => {
    const x = f64([1, 2]);
    const seen: Tensor[] = [];
    const y = scope(() => {
      const h = x.mul(2); // an intermediate the scope does not return: freed once nothing holds it
      seen.push(h);
      return cube(h).sum();
    });
    const h = seen[0]!;
    expect(h.disposed).toBe(false); // held by cube's context
    y.backward();
    expect(values(x.grad!)).toEqual([24, 96]); // d (2x)³ = 24x²
    expect(h.disposed).toBe(true); // freed when backward released the context
  });

  it('saves are counted while the graph lives and released after backward, or at once under noGrad', () => {
    const x = f64([3]);
    const y = cube(x);
    expect(x._storage.savedBy).toBe(1);
    y.sum().backward();
    expect(x._storage.savedBy).toBe(0);
    noGrad(() => cube(x));
    expect(x._storage.savedBy).toBe(0);
  });
});

describe('a vjp reads only what its op declared', () => {
  const peek = (save: OpDef['save'], read: (ctx: Parameters<NonNullable<OpDef['vjp']>>[1]) => unknown): OpDef => ({
    name: 'peek',
    save,
    forward: ([a, b]) => a!.detach().add(b!.detach()),
    vjp: (g, ctx) => {
      read(ctx);
      return [g, g];
    },
  });

  it('reading an undeclared input throws an AutogradError naming the op', () => {
    const op = peek({ inputs: [0] }, (ctx) => ctx.inputs[1]);
    const y = apply(op, [f64([1]), f64([2])], undefined);
    expectError(() => y.sum().backward(), AutogradError,
      "[peek] the vjp read input 1, which the op did not save for this backward (it saved inputs [0]); declare what the vjp reads in the op's save (e.g. save: { inputs: [0], output: true })");
  });

  it('reading the output when it was not declared throws too; declared reads work', () => {
    const y = apply(peek({}, (ctx) => ctx.output), [f64([1]), f64([2])], undefined);
    expectError(() => y.sum().backward(), AutogradError, /^\[peek\] the vjp read the output, which the op did not save .*\(it saved no inputs\)/);
    let seen: number[] = [];
    const ok = apply(peek({ inputs: [1], output: true }, (ctx) => (seen = [ctx.inputs[1]!.item(), ctx.output.item()])), [f64([1]), f64([2])], undefined);
    ok.sum().backward();
    expect(seen).toEqual([2, 3]);
  });

  it('a per-gradient read is saved only when that input needs a gradient', () => {
    const save = { grads: [null, { inputs: [0] }] };
    const a = f64([1]);
    const y = apply(peek(save, (ctx) => (ctx.needsInputGrad[1] ? ctx.inputs[0] : null)), [a, f64([2], false)], undefined);
    expect(a._storage.savedBy).toBe(0);
    y.sum().backward();
    const y2 = apply(peek(save, (ctx) => ctx.inputs[0]), [a, f64([2])], undefined);
    expect(a._storage.savedBy).toBe(1);
    y2.sum().backward();
    expect(a._storage.savedBy).toBe(0);
  });
});
