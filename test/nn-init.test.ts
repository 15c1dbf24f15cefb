/**
 * nn.init: gains and fans against PyTorch (test/fixtures/nn.json), every initialiser's
 * distribution checked statistically on large tensors, seeding, orthogonality, and why
 * initialisation matters: a 20-layer ReLU MLP keeps its activations' scale only with Kaiming init.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, manualSeed, nn, noGrad, randn, zeros } from '../src/index.js';
import { stats, values } from './helpers/expect.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8')) as {
  gains: [nn.init.Nonlinearity, number | null, number][];
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
};

const init = nn.init;

/** A big float64 weight (500 × 400 = 200,000 values: 5σ of the mean is 0.011·std, of the std about 0.8%). */
const big = (): Tensor => zeros([500, 400], { dtype: 'float64' });
const N = 200_000;

function expectNormal(t: Tensor, mean: number, std: number): void {
  const s = stats(t.toTypedArray());
  expect(Math.abs(s.mean - mean)).toBeLessThan((5 * std) / Math.sqrt(N));
  expect(Math.abs(s.std / std - 1)).toBeLessThan(5 / Math.sqrt(2 * N));
  // a normal sample of 200,000 reaches beyond 3.5σ on both sides (P(miss) ≈ e⁻⁴⁶)
  expect(s.max).toBeGreaterThan(mean + 3.5 * std);
  expect(s.min).toBeLessThan(mean - 3.5 * std);
}

function expectUniform(t: Tensor, low: number, high: number): void {
  const s = stats(t.toTypedArray());
  const sd = (high - low) / Math.sqrt(12);
  expect(s.min).toBeGreaterThanOrEqual(low);
  expect(s.max).toBeLessThan(high);
  expect(s.min).toBeLessThan(low + (high - low) * 1e-3);
  expect(s.max).toBeGreaterThan(high - (high - low) * 1e-3);
  expect(Math.abs(s.mean - (low + high) / 2)).toBeLessThan((5 * sd) / Math.sqrt(N));
  expect(Math.abs(s.std / sd - 1)).toBeLessThan(5 * Math.sqrt(0.8 / N) / 2);
}

describe('calculateGain and computeFans match PyTorch', () => {
  it.each(fixture.gains.map(([name, param, gain]) => [name, param, gain] as const))('calculateGain(%s, %s) = %s', (name, param, gain) => {
    expect(init.calculateGain(name, param ?? undefined)).toBeCloseTo(gain, 15);
  });

  it('identity is 1', () => expect(init.calculateGain('identity')).toBe(1));

  it.each(fixture.fans.map((f) => [JSON.stringify(f.shape), f] as const))('computeFans(%s)', (_, f) => {
    expect(init.computeFans(zeros(f.shape))).toEqual({ fanIn: f.fanIn, fanOut: f.fanOut });
  });
});

describe('distributions (200,000 draws each)', () => {
  it('uniform_(a, b) and its default U(0, 1)', () => {
    manualSeed(1);
    expectUniform(init.uniform_(big(), -3, 5), -3, 5);
    expectUniform(init.uniform_(big()), 0, 1);
  });

  it('normal_(mean, std) and its default N(0, 1)', () => {
    manualSeed(2);
    expectNormal(init.normal_(big(), 2, 0.5), 2, 0.5);
    expectNormal(init.normal_(big()), 0, 1);
  });

  it('constant_, zeros_, ones_', () => {
    expect(values(init.constant_(zeros([3]), 0.25))).toEqual([0.25, 0.25, 0.25]);
    expect(values(init.ones_(zeros([2, 2])))).toEqual([1, 1, 1, 1]);
    expect(values(init.zeros_(randn([3])))).toEqual([0, 0, 0]);
  });

  it('xavierUniform_: U(±gain·√(6/(fanIn + fanOut)))', () => {
    manualSeed(3);
    expectUniform(init.xavierUniform_(big()), -Math.sqrt(6 / 900), Math.sqrt(6 / 900));
    const b = (5 / 3) * Math.sqrt(6 / 900);
    expectUniform(init.xavierUniform_(big(), 5 / 3), -b, b);
  });

  it('xavierNormal_: N(0, gain²·2/(fanIn + fanOut)); fans of a conv weight include the receptive field', () => {
    manualSeed(4);
    expectNormal(init.xavierNormal_(big()), 0, Math.sqrt(2 / 900));
    expectNormal(init.xavierNormal_(big(), 2), 0, 2 * Math.sqrt(2 / 900));
    const conv = zeros([50, 40, 10, 10], { dtype: 'float64' }); // fanIn 4000, fanOut 5000
    expectNormal(init.xavierNormal_(conv), 0, Math.sqrt(2 / 9000));
  });

  it('kaimingNormal_: N(0, gain²/fan) with mode fanIn (default) or fanOut', () => {
    manualSeed(5);
    expectNormal(init.kaimingNormal_(big()), 0, Math.sqrt(2 / 400)); // default: leaky relu with a = 0 → gain √2
    expectNormal(init.kaimingNormal_(big(), { mode: 'fanOut', nonlinearity: 'relu' }), 0, Math.sqrt(2 / 500));
    expectNormal(init.kaimingNormal_(big(), { a: 0.2 }), 0, Math.sqrt(2 / 1.04 / 400));
    expectNormal(init.kaimingNormal_(big(), { nonlinearity: 'tanh' }), 0, 5 / 3 / Math.sqrt(400));
  });

  it('kaimingUniform_: U(±√3·gain/√fan); with a = √5 it is PyTorch’s Linear default U(±1/√fanIn)', () => {
    manualSeed(6);
    const b = Math.sqrt(6 / 400);
    expectUniform(init.kaimingUniform_(big()), -b, b);
    expectUniform(init.kaimingUniform_(big(), { a: Math.sqrt(5) }), -1 / 20, 1 / 20);
    const c = Math.sqrt(6 / 500);
    expectUniform(init.kaimingUniform_(big(), { mode: 'fanOut', nonlinearity: 'relu' }), -c, c);
  });

  /** Mean and std of N(μ, σ²) truncated to [a, b], by Simpson integration of the density. */
  function truncatedMoments(mu: number, sigma: number, a: number, b: number): { mean: number; std: number } {
    const n = 20_000;
    const h = (b - a) / n;
    let z = 0;
    let m1 = 0;
    let m2 = 0;
    for (let i = 0; i <= n; i++) {
      const x = a + i * h;
      const w = (i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2) * Math.exp(-0.5 * ((x - mu) / sigma) ** 2);
      z += w;
      m1 += w * x;
      m2 += w * x * x;
    }
    const mean = m1 / z;
    return { mean, std: Math.sqrt(m2 / z - mean * mean) };
  }

  it.each([
    [0, 1, -2, 2],
    [1, 2, -1, 2],
    [0, 0.02, -0.04, 0.04],
    [0, 1, 0.5, 3],
  ])('truncNormal_(mean %s, std %s, [%s, %s]): inside the bounds, with the truncated normal’s mean and std', (mu, sigma, a, b) => {
    manualSeed(7);
    const s = stats(init.truncNormal_(big(), mu, sigma, a, b).toTypedArray());
    const m = truncatedMoments(mu, sigma, a, b);
    expect(s.min).toBeGreaterThanOrEqual(a);
    expect(s.max).toBeLessThanOrEqual(b);
    expect(s.min).toBeLessThan(a + (b - a) * 0.01);
    expect(s.max).toBeGreaterThan(b - (b - a) * 0.01);
    expect(Math.abs(s.mean - m.mean)).toBeLessThan((5 * m.std) / Math.sqrt(N));
    expect(Math.abs(s.std / m.std - 1)).toBeLessThan(0.01);
  });

  it('float32 tensors are filled too (values rounded to float32)', () => {
    manualSeed(8);
    const w = init.normal_(zeros([400, 500]), 0, 0.1);
    expect(w.dtype).toBe('float32');
    expectNormal(w, 0, 0.1);
  });
});

describe('seeding', () => {
  const fns: [string, (t: Tensor, g?: Generator) => Tensor][] = [
    ['uniform_', (t, g) => init.uniform_(t, -1, 1, { generator: g })],
    ['normal_', (t, g) => init.normal_(t, 0, 1, { generator: g })],
    ['truncNormal_', (t, g) => init.truncNormal_(t, 0, 1, -2, 2, { generator: g })],
    ['xavierUniform_', (t, g) => init.xavierUniform_(t, 1, { generator: g })],
    ['xavierNormal_', (t, g) => init.xavierNormal_(t, 1, { generator: g })],
    ['kaimingUniform_', (t, g) => init.kaimingUniform_(t, { generator: g })],
    ['kaimingNormal_', (t, g) => init.kaimingNormal_(t, { generator: g })],
    ['orthogonal_', (t, g) => init.orthogonal_(t, 1, { generator: g })],
  ];

  it.each(fns)('%s: the same seed (global or a generator) gives the same values, another seed others', (_, fn) => {
    manualSeed(10);
    const a = values(fn(zeros([6, 5])));
    manualSeed(10);
    const b = values(fn(zeros([6, 5])));
    manualSeed(11);
    const c = values(fn(zeros([6, 5])));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(values(fn(zeros([6, 5]), new Generator(3)))).toEqual(values(fn(zeros([6, 5]), new Generator(3))));
    // a passed generator leaves the global one alone
    manualSeed(10);
    fn(zeros([6, 5]), new Generator(3));
    expect(values(fn(zeros([6, 5])))).toEqual(a);
  });
});

describe('initialisers work in place on parameters and record no graph', () => {
  it('returns the same tensor, keeps requiresGrad and leaf-ness, no grad_fn', () => {
    const fc = new nn.Linear(4, 3);
    for (const f of [
      (t: Tensor) => init.normal_(t), (t: Tensor) => init.kaimingUniform_(t), (t: Tensor) => init.orthogonal_(t),
      (t: Tensor) => init.constant_(t, 2), (t: Tensor) => init.truncNormal_(t),
    ]) {
      expect(f(fc.weight)).toBe(fc.weight);
      expect(fc.weight.requiresGrad).toBe(true);
      expect(fc.weight.isLeaf).toBe(true);
      expect(fc.weight.gradFn).toBeNull();
    }
  });
});

describe('orthogonal_', () => {
  function gram(t: Tensor, rowsFirst: boolean): number[][] {
    const m = t.reshape(t.shape[0]!, -1);
    return (rowsFirst ? m.matmul(m.t()) : m.t().matmul(m)).toArray() as number[][];
  }
  function expectScaledIdentity(g: number[][], scale: number, tol: number): void {
    g.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - (i === j ? scale : 0))).toBeLessThan(tol)));
  }

  it('rows <= cols: W·Wᵀ = I', () => {
    manualSeed(1);
    expectScaledIdentity(gram(init.orthogonal_(zeros([6, 10], { dtype: 'float64' })), true), 1, 1e-12);
  });

  it('rows > cols: Wᵀ·W = I', () => {
    manualSeed(2);
    expectScaledIdentity(gram(init.orthogonal_(zeros([10, 6], { dtype: 'float64' })), false), 1, 1e-12);
  });

  it('square: both, and the gain scales: W·Wᵀ = gain²·I', () => {
    manualSeed(3);
    const w = init.orthogonal_(zeros([8, 8], { dtype: 'float64' }), 2);
    expectScaledIdentity(gram(w, true), 4, 1e-11);
    expectScaledIdentity(gram(w, false), 4, 1e-11);
  });

  it('a conv weight is flattened to [out, in·k·k]; float32 within float32 precision', () => {
    manualSeed(4);
    expectScaledIdentity(gram(init.orthogonal_(zeros([4, 2, 3, 3])), true), 1, 1e-6);
    expectScaledIdentity(gram(init.orthogonal_(zeros([20, 2, 3])), false), 1, 1e-6);
  });

  it('is not a fixed matrix: entries of a 1×n orthogonal row are spread like a random unit vector', () => {
    manualSeed(5);
    const row = values(init.orthogonal_(zeros([1, 10_000], { dtype: 'float64' })));
    const s = stats(row);
    expect(row.reduce((acc, v) => acc + v * v, 0)).toBeCloseTo(1, 12);
    expect(Math.abs(s.mean)).toBeLessThan(5 / 10_000);
    expect(s.std * 100).toBeCloseTo(1, 1);
  });
});

describe('why initialisation exists: a 20-layer ReLU MLP of width 256', () => {
  /** The std of each layer's (post-ReLU) activations for 64 N(0, 1) inputs, weights drawn by `fill`. */
  function activationStds(fill: (w: Tensor) => void): number[] {
    manualSeed(0);
    const layers = Array.from({ length: 20 }, () => new nn.Linear(256, 256, { bias: false, dtype: 'float64' }));
    for (const l of layers) fill(l.weight);
    let h = randn([64, 256], { dtype: 'float64' });
    const stds: number[] = [];
    noGrad(() => {
      for (const l of layers) {
        h = l.forward(h).relu();
        stds.push(stats(h.toTypedArray()).std);
      }
    });
    return stds;
  }

  // With N(0, σ²) weights each layer multiplies the activations' scale by σ·√(256/2) = σ·11.3.
  it('Kaiming (fanIn, relu): every layer’s std stays within [0.5, 2]; at layer 20 it is ≈ 1', () => {
    const stds = activationStds((w) => init.kaimingNormal_(w, { nonlinearity: 'relu' }));
    for (const s of stds) {
      expect(s).toBeGreaterThan(0.5);
      expect(s).toBeLessThan(2);
    }
    expect(stds[19]!).toBeGreaterThan(0.8);
    expect(stds[19]!).toBeLessThan(1.3);
  });

  it('N(0, 1): the activations explode, ≈ 11.3× per layer, to ~1e21 at layer 20', () => {
    const stds = activationStds((w) => init.normal_(w, 0, 1));
    expect(stds[19]!).toBeGreaterThan(1e20);
    expect(stds[19]!).toBeLessThan(1e22);
    for (let k = 1; k < 20; k++) {
      expect(stds[k]! / stds[k - 1]!).toBeGreaterThan(9);
      expect(stds[k]! / stds[k - 1]!).toBeLessThan(14);
    }
  });

  it('N(0, 0.01): the activations vanish, ≈ 0.113× per layer, to ~1e-19 at layer 20', () => {
    const stds = activationStds((w) => init.normal_(w, 0, 0.01));
    expect(stds[19]!).toBeGreaterThan(1e-20);
    expect(stds[19]!).toBeLessThan(1e-18);
    for (let k = 1; k < 20; k++) {
      expect(stds[k]! / stds[k - 1]!).toBeGreaterThan(0.09);
      expect(stds[k]! / stds[k - 1]!).toBeLessThan(0.14);
    }
  });
});
