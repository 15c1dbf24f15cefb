/**
 * Layers: BatchNorm's running statistics over several steps against PyTorch (test/fixtures/nn.json),
 * Dropout's statistics and seeding, PyTorch's default initialisation, and every layer agreeing
 * with its functional form.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Generator, Tensor, manualSeed, nn, noGrad, ones, randn, tensor } from '../src/index.js';
import { stats, values } from './helpers/expect.js';

interface Arr {
  shape: number[];
  data: number[];
}
interface BatchNormModuleCase {
  name: string;
  cls: 'BatchNorm1d' | 'BatchNorm2d';
  numFeatures: number;
  options: { momentum?: number | null; eps?: number; affine?: boolean; trackRunningStats?: boolean };
  init: { weight?: Arr; bias?: Arr };
  steps: { x: Arr; out: Arr; cot: Arr; grads: Record<string, Arr>; runningMean?: Arr; runningVar?: Arr; numBatchesTracked?: number }[];
  eval: { x: Arr; out: Arr };
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8')) as { batchNormModules: BatchNormModuleCase[] };

type FloatType = 'float64' | 'float32';

function toTensor(a: Arr, dtype: FloatType, requiresGrad = false): Tensor {
  const data = dtype === 'float64' ? Float64Array.from(a.data) : Float32Array.from(a.data);
  return tensor(data, { shape: a.shape, dtype, requiresGrad });
}

function expectClose(actual: Tensor | null, expected: Arr, tol: number, what: string): void {
  expect(actual, `${what}: missing`).not.toBeNull();
  expect([...actual!.shape], `${what}: shape`).toEqual(expected.shape);
  const got = actual!.toTypedArray();
  expected.data.forEach((e, k) => {
    if (!(Math.abs(got[k]! - e) <= tol * (1 + Math.abs(e)))) expect.fail(`${what}: at flat index ${k} got ${got[k]}, PyTorch ${e}`);
  });
}

describe('BatchNorm layers against PyTorch over several training steps, then eval', () => {
  for (const [dtype, tol] of [['float64', 1e-10], ['float32', 1e-5]] as const) {
    it.each(fixture.batchNormModules.map((c) => [c.name, c] as const))(`%s [${dtype}]`, (_, c) => {
      const Cls = c.cls === 'BatchNorm1d' ? nn.BatchNorm1d : nn.BatchNorm2d;
      const m = new Cls(c.numFeatures, { ...c.options, dtype });
      if (c.init.weight) noGrad(() => m.weight!.copy_(toTensor(c.init.weight!, dtype)));
      if (c.init.bias) noGrad(() => m.bias!.copy_(toTensor(c.init.bias!, dtype)));
      c.steps.forEach((step, k) => {
        const what = `${c.name} [${dtype}] step ${k + 1}`;
        m.zeroGrad();
        const x = toTensor(step.x, dtype, true);
        const out = m.forward(x);
        expectClose(out, step.out, tol, `${what} output`);
        out.mul(toTensor(step.cot, dtype)).sum().backward();
        expectClose(x.grad, step.grads.x!, tol, `${what} input gradient`);
        if (step.grads.weight) expectClose(m.weight!.grad, step.grads.weight, tol, `${what} weight gradient`);
        if (step.grads.bias) expectClose(m.bias!.grad, step.grads.bias, tol, `${what} bias gradient`);
        if (step.runningMean) {
          expectClose(m.runningMean, step.runningMean, tol, `${what} runningMean`);
          expectClose(m.runningVar, step.runningVar!, tol, `${what} runningVar`);
          expect(m.numBatchesTracked!.item(), `${what} numBatchesTracked`).toBe(step.numBatchesTracked);
        } else {
          expect(m.runningMean).toBeNull();
          expect(m.numBatchesTracked).toBeNull();
        }
      });
      m.eval();
      const before = m.runningMean === null ? null : values(m.runningMean);
      expectClose(m.forward(toTensor(c.eval.x, dtype)), c.eval.out, tol, `${c.name} [${dtype}] eval output`);
      if (before !== null) expect(values(m.runningMean!), 'eval must not update the running statistics').toEqual(before);
    });
  }

  it('eval normalises with the running statistics: (x − runningMean)/√(runningVar + eps)·γ + β', () => {
    const bn = new nn.BatchNorm1d(2, { dtype: 'float64', eps: 1e-3 });
    noGrad(() => {
      bn.runningMean!.copy_(tensor([1, -2], { dtype: 'float64' }));
      bn.runningVar!.copy_(tensor([4, 0.25], { dtype: 'float64' }));
      bn.weight!.copy_(tensor([2, 3], { dtype: 'float64' }));
      bn.bias!.copy_(tensor([0.5, -0.5], { dtype: 'float64' }));
    });
    bn.eval();
    const x = tensor([[3, 0], [-1, -2]], { dtype: 'float64' });
    const expected = [[3, 0], [-1, -2]].map((row) => [
      ((row[0]! - 1) / Math.sqrt(4 + 1e-3)) * 2 + 0.5,
      ((row[1]! + 2) / Math.sqrt(0.25 + 1e-3)) * 3 - 0.5,
    ]);
    const y = bn.forward(x).toArray() as number[][];
    y.flat().forEach((v, k) => expect(v).toBeCloseTo(expected.flat()[k]!, 12));
  });

  it('train and eval differ: training output has per-channel mean β and std γ; eval with fresh statistics is ≈ identity', () => {
    manualSeed(3);
    const bn = new nn.BatchNorm2d(3, { dtype: 'float64' });
    const x = randn([8, 3, 4, 4], { dtype: 'float64' }).mul(3).add(5);
    const train = bn.forward(x);
    for (let ch = 0; ch < 3; ch++) {
      const s = stats(values(train.select(1, ch)));
      expect(Math.abs(s.mean)).toBeLessThan(1e-12);
      expect(s.std * Math.sqrt(127 / 128)).toBeCloseTo(1, 4); // biased std ≈ 1 (up to eps)
    }
    const fresh = new nn.BatchNorm2d(3, { dtype: 'float64' }).eval();
    const y = fresh.forward(x);
    values(y).forEach((v, k) => expect(v).toBeCloseTo(values(x)[k]! / Math.sqrt(1 + 1e-5), 12));
    // after one step the running mean moved 10% of the way towards the batch mean (≈ 5)
    values(bn.runningMean!).forEach((v) => expect(v).toBeGreaterThan(0.35));
    values(bn.runningMean!).forEach((v) => expect(v).toBeLessThan(0.65));
    expect(values(bn.eval().forward(x))).not.toEqual(values(train));
  });

  it('numBatchesTracked is an int32 scalar that counts training forwards only', () => {
    const bn = new nn.BatchNorm1d(2);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(bn.numBatchesTracked!.shape).toEqual([]);
    bn.forward(randn([4, 2]));
    bn.forward(randn([4, 2]));
    bn.eval().forward(randn([4, 2]));
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });
});

describe('Dropout', () => {
  it('is the identity in eval mode (the very same tensor) and with p = 0', () => {
    const x = randn([10, 10]);
    expect(new nn.Dropout(0.5).eval().forward(x)).toBe(x);
    expect(F.dropout(x, 0.5, { training: false })).toBe(x);
    expect(values(F.dropout(x, 0))).toEqual(values(x));
  });

  it('with p = 1 in training zeroes everything', () => {
    expect(values(F.dropout(ones([5]), 1))).toEqual([0, 0, 0, 0, 0]);
  });

  it.each([0.1, 0.3, 0.5, 0.8])('p = %s: about p of 200,000 elements are zeroed (5σ bound), survivors are exactly x/(1 − p)', (p) => {
    manualSeed(11);
    const n = 200_000;
    const x = randn([n], { dtype: 'float64' }).add(10); // no zeros in the input
    const y = new nn.Dropout(p).forward(x);
    const xs = values(x);
    const ys = values(y);
    let zeros = 0;
    let wrong = 0;
    for (let i = 0; i < n; i++) {
      if (ys[i] === 0) zeros++;
      else if (ys[i] !== xs[i]! / (1 - p)) wrong++;
    }
    expect(wrong).toBe(0);
    const sigma = Math.sqrt((p * (1 - p)) / n);
    expect(Math.abs(zeros / n - p)).toBeLessThan(5 * sigma);
  });

  it('its gradient is the mask scaled by 1/(1 − p)', () => {
    manualSeed(5);
    const x = randn([1000], { dtype: 'float64', requiresGrad: true });
    const y = F.dropout(x, 0.25);
    y.sum().backward();
    const ys = values(y);
    values(x.grad!).forEach((g, i) => expect(g).toBe(ys[i] === 0 ? 0 : 1 / 0.75));
  });

  it('the same seed gives the same mask; another seed a different one; a generator can be passed', () => {
    const x = ones([1000]);
    manualSeed(123);
    const a = values(F.dropout(x, 0.5));
    manualSeed(123);
    const b = values(F.dropout(x, 0.5));
    manualSeed(124);
    const c = values(F.dropout(x, 0.5));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const g1 = values(F.dropout(x, 0.5, { generator: new Generator(9) }));
    const g2 = values(F.dropout(x, 0.5, { generator: new Generator(9) }));
    expect(g1).toEqual(g2);
  });

  it('Dropout in a model follows train()/eval()', () => {
    const model = new nn.Sequential(new nn.Identity(), new nn.Dropout(0.9));
    const x = ones([1000]);
    expect(values(model.forward(x)).filter((v) => v === 0).length).toBeGreaterThan(800);
    model.eval();
    expect(values(model.forward(x))).toEqual(values(x));
  });
});

describe("PyTorch's default initialisation", () => {
  /** Checks values ~ U(−bound, bound): inside the bounds, close to them, mean ≈ 0 and std ≈ bound/√3 (5σ). */
  function expectUniform(t: Tensor, bound: number): void {
    const xs = t.toTypedArray();
    const s = stats(xs);
    const n = xs.length;
    expect(s.min).toBeGreaterThanOrEqual(-bound * (1 + 1e-7));
    expect(s.max).toBeLessThanOrEqual(bound * (1 + 1e-7));
    // the extremes of n uniform draws reach bound·(1 − 20/n) (P(miss) ≈ e⁻¹⁰ for large n, < 1e-5 for n = 32)
    expect(s.max).toBeGreaterThan(bound * (1 - Math.min(0.9, 20 / n)));
    expect(s.min).toBeLessThan(-bound * (1 - Math.min(0.9, 20 / n)));
    const sd = bound / Math.sqrt(3);
    expect(Math.abs(s.mean)).toBeLessThan((5 * sd) / Math.sqrt(n));
    // the sample variance of a uniform has relative sd √(0.8/n)
    expect(Math.abs(s.std ** 2 / sd ** 2 - 1)).toBeLessThan(5 * Math.sqrt(0.8 / n));
  }

  it('Linear(400, 300): weight and bias ~ U(−1/√400, 1/√400)', () => {
    manualSeed(1);
    const fc = new nn.Linear(400, 300);
    expect(fc.weight.shape).toEqual([300, 400]);
    expect(fc.weight.dtype).toBe('float32');
    expect(fc.weight.requiresGrad).toBe(true);
    expectUniform(fc.weight, 1 / 20);
    expectUniform(fc.bias!, 1 / 20);
  });

  it('Conv2d(16, 32, 3): fanIn = 16·3·3 = 144, bound 1/12; with groups 4 fanIn = 4·3·3', () => {
    manualSeed(2);
    const conv = new nn.Conv2d(16, 32, 3);
    expect(conv.weight.shape).toEqual([32, 16, 3, 3]);
    expectUniform(conv.weight, 1 / 12);
    expectUniform(conv.bias!, 1 / 12);
    const grouped = new nn.Conv2d(16, 32, [3, 5], { groups: 4 });
    expect(grouped.weight.shape).toEqual([32, 4, 3, 5]);
    expectUniform(grouped.weight, 1 / Math.sqrt(60));
  });

  it('Conv1d(8, 64, 5): fanIn 40; no bias when bias: false', () => {
    manualSeed(3);
    const conv = new nn.Conv1d(8, 64, 5);
    expect(conv.weight.shape).toEqual([64, 8, 5]);
    expectUniform(conv.weight, 1 / Math.sqrt(40));
    expect(new nn.Conv1d(8, 64, 5, { bias: false }).bias).toBeNull();
    expect(new nn.Linear(3, 2, { bias: false }).bias).toBeNull();
  });

  it('Embedding ~ N(0, 1); norm layers start at weight 1, bias 0, runningMean 0, runningVar 1', () => {
    manualSeed(4);
    const emb = new nn.Embedding(1000, 64);
    const s = stats(emb.weight.toTypedArray());
    expect(Math.abs(s.mean)).toBeLessThan(5 / Math.sqrt(64000));
    expect(Math.abs(s.std - 1)).toBeLessThan(5 / Math.sqrt(2 * 64000));
    const bn = new nn.BatchNorm2d(3);
    expect(values(bn.weight!)).toEqual([1, 1, 1]);
    expect(values(bn.bias!)).toEqual([0, 0, 0]);
    expect(values(bn.runningMean!)).toEqual([0, 0, 0]);
    expect(values(bn.runningVar!)).toEqual([1, 1, 1]);
    const ln = new nn.LayerNorm([2, 3]);
    expect(values(ln.weight!)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(values(ln.bias!)).toEqual([0, 0, 0, 0, 0, 0]);
    const gn = new nn.GroupNorm(2, 4);
    expect(values(gn.weight!)).toEqual([1, 1, 1, 1]);
    expect(values(gn.bias!)).toEqual([0, 0, 0, 0]);
  });

  it('the same seed builds the same layer; layers honour dtype', () => {
    manualSeed(7);
    const a = new nn.Linear(5, 4);
    manualSeed(7);
    const b = new nn.Linear(5, 4);
    expect(values(a.weight)).toEqual(values(b.weight));
    expect(values(a.bias!)).toEqual(values(b.bias!));
    expect(new nn.Linear(5, 4, { dtype: 'float64' }).weight.dtype).toBe('float64');
    expect(new nn.Conv2d(1, 2, 3, { dtype: 'float64' }).bias!.dtype).toBe('float64');
    expect(new nn.BatchNorm1d(3, { dtype: 'float64' }).runningVar!.dtype).toBe('float64');
  });

  it('optional parts: affine false, elementwiseAffine false, LayerNorm bias false, trackRunningStats false', () => {
    const bn = new nn.BatchNorm1d(3, { affine: false, trackRunningStats: false });
    expect(bn.weight).toBeNull();
    expect(bn.runningMean).toBeNull();
    expect(bn.parameters()).toEqual([]);
    expect(Object.keys(bn.stateDict())).toEqual([]);
    expect(new nn.LayerNorm(4, { elementwiseAffine: false }).parameters()).toEqual([]);
    const ln = new nn.LayerNorm(4, { bias: false });
    expect(ln.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect(new nn.GroupNorm(2, 4, { affine: false }).parameters()).toEqual([]);
  });
});

describe('layers compute what their functional forms compute', () => {
  const x4 = (): Tensor => randn([2, 4, 6, 6], { dtype: 'float64', generator: new Generator(1) });
  const same = (a: Tensor, b: Tensor): void => {
    expect(a.shape).toEqual(b.shape);
    expect(values(a)).toEqual(values(b));
  };

  it('Linear, Conv1d, Conv2d', () => {
    const fc = new nn.Linear(6, 3, { dtype: 'float64' });
    const x = x4();
    same(fc.forward(x), F.linear(x, fc.weight, fc.bias));
    const conv = new nn.Conv2d(4, 6, [3, 2], { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2, dtype: 'float64' });
    same(conv.forward(x), F.conv2d(x, conv.weight, conv.bias, { stride: [2, 1], padding: 1, dilation: [1, 2], groups: 2 }));
    const conv1 = new nn.Conv1d(4, 2, 3, { padding: 'same', dilation: 2, bias: false, dtype: 'float64' });
    const x3 = x.reshape(2, 4, 36);
    same(conv1.forward(x3), F.conv1d(x3, conv1.weight, null, { padding: 'same', dilation: 2 }));
    expect(conv1.forward(x3).shape).toEqual([2, 2, 36]);
  });

  it('pooling layers (stride defaults to the kernel size)', () => {
    const x = x4();
    same(new nn.MaxPool2d(2).forward(x), F.maxPool2d(x, 2, { stride: 2 }));
    expect(new nn.MaxPool2d(2).forward(x).shape).toEqual([2, 4, 3, 3]);
    same(new nn.MaxPool2d(3, { stride: 1, padding: 1 }).forward(x), F.maxPool2d(x, 3, { stride: 1, padding: 1 }));
    same(new nn.AvgPool2d([2, 3], { countIncludePad: false, padding: 1 }).forward(x), F.avgPool2d(x, [2, 3], { countIncludePad: false, padding: 1 }));
    same(new nn.AdaptiveAvgPool2d([4, null]).forward(x), F.adaptiveAvgPool2d(x, [4, null]));
    expect(new nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([2, 4, 1, 1]);
  });

  it('LayerNorm, GroupNorm, Embedding, Flatten, Identity', () => {
    const x = x4();
    const ln = new nn.LayerNorm([6, 6], { eps: 1e-3, dtype: 'float64' });
    same(ln.forward(x), F.layerNorm(x, [6, 6], ln.weight, ln.bias, 1e-3));
    const gn = new nn.GroupNorm(2, 4, { dtype: 'float64' });
    same(gn.forward(x), F.groupNorm(x, 2, gn.weight, gn.bias));
    const emb = new nn.Embedding(10, 3);
    const idx = tensor(new Int32Array([1, 2, 9, 1]), { shape: [2, 2] });
    same(emb.forward(idx), F.embedding(idx, emb.weight));
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 144]);
    expect(new nn.Flatten(0, 1).forward(x).shape).toEqual([8, 6, 6]);
    expect(new nn.Identity().forward(x)).toBe(x);
  });

  it('activation modules', () => {
    const x = x4();
    same(new nn.ReLU().forward(x), F.relu(x));
    same(new nn.LeakyReLU(0.2).forward(x), F.leakyRelu(x, 0.2));
    same(new nn.LeakyReLU().forward(x), F.leakyRelu(x, 0.01));
    same(new nn.GELU().forward(x), F.gelu(x));
    same(new nn.GELU({ approximate: 'tanh' }).forward(x), F.gelu(x, { approximate: 'tanh' }));
    same(new nn.SiLU().forward(x), F.silu(x));
    same(new nn.Tanh().forward(x), x.tanh());
    same(new nn.Sigmoid().forward(x), x.sigmoid());
    same(new nn.Softmax(1).forward(x), x.softmax(1));
    same(new nn.LogSoftmax(-1).forward(x), x.logSoftmax(-1));
    same(new nn.ELU(0.5).forward(x), F.elu(x, 0.5));
    same(new nn.Softplus({ beta: 2, threshold: 3 }).forward(x), F.softplus(x, { beta: 2, threshold: 3 }));
  });
});

describe('Embedding layer', () => {
  it('starts the padding row at zero, and the padding row receives no gradient', () => {
    manualSeed(8);
    const emb = new nn.Embedding(6, 4, { paddingIdx: 2 });
    expect(values(emb.weight.select(0, 2))).toEqual([0, 0, 0, 0]);
    expect(values(emb.weight.select(0, 1)).every((v) => v !== 0)).toBe(true);
    const idx = tensor(new Int32Array([2, 1, 2, 5]), { shape: [4] });
    const out = emb.forward(idx);
    expect(values(out.select(0, 0))).toEqual([0, 0, 0, 0]);
    out.sum().backward();
    const g = emb.weight.grad!.toArray() as number[][];
    expect(g[2]).toEqual([0, 0, 0, 0]);
    expect(g[1]).toEqual([1, 1, 1, 1]);
    expect(g[5]).toEqual([1, 1, 1, 1]);
    expect(g[0]).toEqual([0, 0, 0, 0]);
  });

  it('a negative paddingIdx counts from the end', () => {
    const emb = new nn.Embedding(6, 2, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(5);
    expect(values(emb.weight.select(0, 5))).toEqual([0, 0]);
    emb.forward(tensor(new Int32Array([5, 0]))).sum().backward();
    expect(values(emb.weight.grad!.select(0, 5))).toEqual([0, 0]);
    expect(values(emb.weight.grad!.select(0, 0))).toEqual([1, 1]);
  });

  it('repeated indices accumulate their gradients', () => {
    const emb = new nn.Embedding(3, 2);
    emb.forward(tensor(new Int32Array([1, 1, 1, 0]))).sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[1, 1], [3, 3], [0, 0]]);
  });
});

describe('a small CNN trains end to end through every layer kind', () => {
  it('loss decreases over 30 SGD steps and every parameter gets a gradient', () => {
    manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 4, 3, { padding: 'same', groups: 2 }), new nn.GroupNorm(2, 4), new nn.GELU(), new nn.AdaptiveAvgPool2d(2),
      new nn.Flatten(), new nn.Dropout(0.1), new nn.Linear(16, 8), new nn.LayerNorm(8), new nn.SiLU(), new nn.Linear(8, 3),
    );
    const x = randn([12, 1, 8, 8]);
    const y = tensor(new Int32Array([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]));
    const losses: number[] = [];
    for (let step = 0; step < 30; step++) {
      model.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      losses.push(loss.item());
      for (const [name, p] of model.namedParameters()) {
        expect(p.grad, name).not.toBeNull();
        noGrad(() => p.sub_(p.grad!.mul(0.1)));
      }
    }
    expect(losses[29]!).toBeLessThan(losses[0]! * 0.5);
  });
});
