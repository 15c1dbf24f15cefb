/**
 * ONNX export of the ops models are written with (elementwise math, comparisons, where, clamp,
 * reductions, movement, slicing, cat/stack, matmul, softmax, indexing, casts), each family in a small
 * module traced with a dynamic batch axis and run in ONNX Runtime at two batch sizes; and the
 * errors of ops and options that cannot be exported.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ArgumentError, NablaError, OnnxExportError, ShapeError, cat, manualSeed, nn, randint, randn, stack, tensor, toOnnx, unfold, where, type Tensor,
} from '../src/index.js';
import { checkExport } from './onnx-helpers.js';

/** A module from a function of its inputs (the ops under test). */
class Fn extends nn.Module {
  constructor(private readonly fn: (...xs: Tensor[]) => Tensor | Tensor[]) {
    super();
  }

  forward(...xs: Tensor[]): Tensor | Tensor[] {
    return this.fn(...xs);
  }
}

/** Checks `fn` on inputs of batch 2 and 5 (dim 0 dynamic in every input). */
async function checkOps(fn: (...xs: Tensor[]) => Tensor | Tensor[], make: (batch: number) => Tensor[], tol = 1e-5): Promise<void> {
  const example = make(2);
  const names = example.map((_, i) => `x${i}`);
  const dynamicAxes = Object.fromEntries(names.map((n) => [n, { 0: 'batch' }]));
  await checkExport(new Fn(fn), example, { inputNames: names, dynamicAxes, alsoWith: [make(5)], tol });
}

beforeEach(() => manualSeed(7));

describe('toOnnx: ops, in ONNX Runtime', () => {
  it('elementwise math: add, sub, mul, div, pow, exp, log, sqrt, abs, neg, tanh, sigmoid, relu and the rest', async () => {
    await checkOps((x, y) => [
      x.add(y), x.sub(y.mul(0.5)), x.mul(y), x.div(y.abs().add(1)), x.abs().add(0.5).pow(y), x.pow(2), x.pow(3),
      x.exp(), x.abs().add(1).log(), x.abs().sqrt(), x.abs(), x.neg(), x.tanh(), x.sigmoid(), x.relu(), x.abs().add(1).rsqrt(),
      x.mul(0.1).log1p(), x.mul(0.1).expm1(), x.sign(), x.mul(3).floor(), x.mul(3).ceil(), x.mul(3).round(), x.sin(), x.cos(),
      x.erf(), y.abs().add(1).reciprocal(), x.maximum(y), x.minimum(y), x.square(), x.add(y, { alpha: 2 }).sub(3).div(2),
    ], (b) => [randn([b, 6]), randn([b, 6])]);
  });

  it('comparisons, logical ops, where, clamp and maskedFill (bool and int outputs)', async () => {
    await checkOps((x, y) => [
      x.gt(y), x.ge(0), x.lt(y), x.le(0.5), x.eq(x.round()), x.ne(y), x.gt(0).logicalAnd(y.gt(0)), x.gt(0).logicalOr(y.gt(0)),
      x.gt(0).logicalNot(), where(x.gt(y), x, y), where(x.gt(0), x, 0), x.clamp(-0.5, 0.5), x.clamp(null, y), x.clamp(y.neg()),
      x.maskedFill(y.gt(0.3), -1), x.isnan(),
    ], (b) => [randn([b, 3, 4]), randn([b, 3, 4])]);
  });

  it('reductions: sum, mean, max, min, prod, argmax, argmin, var, std, logsumexp, norm, any, all', async () => {
    await checkOps((x) => [
      x.sum(1), x.sum([1, 2], true), x.sum(-1), x.mean(2), x.mean([1, 2]), x.max(1), x.min(-1, true), x.prod(2), x.argmax(1), x.argmin(2, true),
      x.var(2), x.std(1, { correction: 0 }), x.logsumexp(2), x.norm(2, 2), x.norm(1, [1, 2]), x.gt(1).any(2), x.gt(-3).all(1),
    ], (b) => [randn([b, 3, 5])]);
  });

  it('means, variances and batch statistics over a dynamic axis divide by its run-time size', async () => {
    await checkOps((x) => [x.mean(0), x.mean([0, 2], true), x.var(0), x.std([0, 1], { correction: 0 }), x.sub(x.mean(0)).div(x.std(0).add(1))], (b) => [randn([b, 3, 4])]);
    const stats = new nn.BatchNorm1d(3, { trackRunningStats: false });
    await checkExport(stats, [randn([2, 3, 4])], { inputNames: ['x'], dynamicAxes: { x: { 0: 'batch' } }, alsoWith: [[randn([6, 3, 4])]] });
    const pooled = new Fn((x) => x.mean(1).relu());
    await checkExport(pooled, [randn([2, 5, 3])], { inputNames: ['x'], dynamicAxes: { x: { 0: 'batch', 1: 'steps' } }, alsoWith: [[randn([3, 8, 3])]] });
  });

  it('movement: reshape, view, flatten, permute, transpose, squeeze/unsqueeze, expand, repeat, flip, t', async () => {
    await checkOps((x) => {
      const b = x.shape[0]!;
      return [
        x.reshape(b, 2, 12), x.view(-1, 6), x.reshape([b * 4, 6]).reshape(b, 24), x.flatten(1), x.flatten(), x.permute(2, 0, 1), x.transpose(1, 2),
        x.unsqueeze(1).expand([b, 3, 4, 6]), x.select(1, 0).unsqueeze(-1).squeeze(2), x.repeat([1, 2, 1]), x.flip([1, 2]),
        x.reshape(b, 2, 2, 6).permute(0, 2, 1, 3).reshape(b, 4, 6), x.sum(2).t().t(),
      ];
    }, (b) => [randn([b, 4, 6])]);
  });

  it('a dynamic axis merged with a fixed one that its example size divides, and split back', async () => {
    const fn = new Fn((x) => [x.reshape(-1, 6).relu().reshape(x.shape), x.flatten(0, 1).sum(1)]);
    await checkExport(fn, [randn([4, 2, 6])], { inputNames: ['x'], dynamicAxes: { x: { 1: 'batch' } }, alsoWith: [[randn([4, 3, 6])]] });
  });

  it('slicing and joining: slice with steps, narrow, select, split, chunk, cat, stack, pad, tril, triu', async () => {
    await checkOps((x, y) => [
      x.slice(2, 1, 5, 2), x.slice(1, -2), x.narrow(2, 1, 3), x.select(2, -1), ...x.split(2, 2), ...x.chunk(2, 1), cat([x, y], 1), cat([x, y.mul(2)], -1),
      stack([x, y], 1), stack([x, y], -1), x.pad([1, 2]), x.pad([0, 1, 2, 0], -1), x.tril(), x.triu(1),
    ], (b) => [randn([b, 4, 6]), randn([b, 4, 6])]);
  });

  it('matmul in its forms, softmax and logSoftmax along dims, with parameters-free weights as constants', async () => {
    const w = randn([6, 3]);
    await checkOps((x, y) => [
      x.matmul(w), x.matmul(y.transpose(1, 2)), x.select(0, 0).matmul(w), x.matmul(w.select(1, 0)), x.softmax(1), x.logSoftmax(-1), x.softmax(2).sum(2),
    ], (b) => [randn([b, 4, 6]), randn([b, 4, 6])]);
  });

  it('exports at every opset from 17 to 21 (Gelu is an op from 20, reduction axes are inputs from 18)', async () => {
    const model = new Fn((x) => [
      nn.functional.gelu(x), nn.functional.gelu(x, { approximate: 'tanh' }), x.max(1), x.min(1, true), x.prod(1), x.sum(1), x.mean(1),
      nn.functional.layerNorm(x, [6]), x.softmax(1),
    ]);
    for (const opsetVersion of [17, 18, 19, 20, 21]) {
      const bytes = await checkExport(model, [randn([2, 6])], { inputNames: ['x'], dynamicAxes: { x: { 0: 'b' } }, opsetVersion, alsoWith: [[randn([3, 6])]] });
      expect(new TextDecoder('latin1').decode(bytes).includes('Gelu'), `opset ${opsetVersion}`).toBe(opsetVersion >= 20);
    }
  });

  it('indexing and casts: gather, indexSelect, cumsum, int32 and bool inputs, to()', async () => {
    await checkOps((x, ids, mask) => [
      x.gather(1, ids), x.indexSelect(1, tensor([2, 0, 2], { dtype: 'int32' })), x.cumsum(1), ids.add(1).mul(2), ids.float().div(2),
      x.int(), x.gt(0).int().sum(1), where(mask, x, 0), mask.logicalNot(), x.mul(mask.float()), ids.gt(1), x.double(),
    ], (b) => [randn([b, 4]), randint(0, 4, [b, 4], { dtype: 'int32' }), randn([b, 4]).gt(0)]);
  });
});

describe('toOnnx: errors', () => {
  it("throws an OnnxExportError naming an op that has no ONNX export, e.g. '[toOnnx] op 'scatterAdd' has no ONNX export'", () => {
    const idx = tensor([[0, 1]], { dtype: 'int32' });
    const scatter = new Fn((x) => x.scatterAdd(1, idx, x.narrow(1, 0, 2)));
    expect(() => toOnnx(scatter, [randn([1, 3])])).toThrow(OnnxExportError);
    expect(() => toOnnx(scatter, [randn([1, 3])])).toThrow("[toOnnx] op 'scatterAdd' has no ONNX export");
    expect(() => toOnnx(new Fn((x) => unfold(x, 2)), [randn([1, 2, 4, 4])])).toThrow("[toOnnx] op 'unfold' has no ONNX export (convolution and pooling export");
    const e = (() => {
      try {
        toOnnx(new Fn((x) => nn.functional.maxPool2d(x, 2)), [randn([1, 1, 4, 4])]);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(OnnxExportError);
    expect(e).toBeInstanceOf(ArgumentError);
    expect((e as Error).message).toContain("op 'maxPoolIndices' has no ONNX export (max pooling exports through the nn.MaxPool2d module");
  });

  it('throws typed errors for bad options', () => {
    const model = new nn.Linear(3, 2);
    const x = randn([2, 3]);
    expect(() => toOnnx(model, [x], { inputNames: ['a', 'b'] })).toThrow(/\[toOnnx\] 2 inputNames for 1 input/);
    expect(() => toOnnx(model, [x], { outputNames: [] })).toThrow(ArgumentError);
    expect(() => toOnnx(model, [x], { outputNames: ['a', 'b'] })).toThrow(/\[toOnnx\] 2 outputNames for 1 output/);
    expect(() => toOnnx(model, [x], { inputNames: ['x'], dynamicAxes: { x: { 2: 'batch' } } })).toThrow(ShapeError);
    expect(() => toOnnx(model, [x], { inputNames: ['x'], dynamicAxes: { x: { 2: 'batch' } } })).toThrow("dynamic axis 2 of 'x' is out of range for its 2 dims");
    expect(() => toOnnx(model, [x], { dynamicAxes: { nope: [0] } })).toThrow(/dynamicAxes names 'nope'/);
    expect(() => toOnnx(model, [x], { opsetVersion: 11 })).toThrow(/opsetVersion must be an integer from 17 to 21/);
    expect(() => toOnnx(model, [x], { inputNames: ['weight'] })).toThrow(/input name 'weight' is also the name of a parameter/);
    expect(() => toOnnx(model, [x], { batchSize: 2 } as never)).toThrow(/unknown option "batchSize"/);
    expect(() => toOnnx({} as nn.Module, [x])).toThrow(/model must be an nn.Module/);
    expect(() => toOnnx(model, [randn([1, 3])], { inputNames: ['x'], dynamicAxes: { x: [0] } })).toThrow(/has size 1 in the example/);
  });

  it('refuses a size baked in from the example where it meets a dynamic axis', () => {
    const baked = new Fn((x) => x.add(randn([2, 3])));
    expect(() => toOnnx(baked, [randn([2, 3])], { inputNames: ['x'], dynamicAxes: { x: { 0: 'b' } } }))
      .toThrow(/\[toOnnx\] 'add' combines the dynamic axis b with a fixed size 2/);
    // without the dynamic axis the same model exports
    expect(toOnnx(baked, [randn([2, 3])]).length).toBeGreaterThan(0);
  });

  it('refuses in-place changes of traced tensors', () => {
    const inPlace = new Fn((x) => {
      const y = x.mul(2);
      y.add_(1);
      return y.exp();
    });
    expect(() => toOnnx(inPlace, [randn([2, 3])])).toThrow(NablaError);
    expect(() => toOnnx(inPlace, [randn([2, 3])])).toThrow(/\[toOnnx\] a traced tensor of shape \[2,3\] .* was modified in place/);
  });
});
