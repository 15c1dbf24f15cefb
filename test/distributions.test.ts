import { describe, expect, it } from 'vitest';
import {
  ArgumentError, DTypeError, Generator, ShapeError, Tensor, distributions, gradcheck, gradgradcheck, tensor, zeros,
} from '../src/index.js';
import { expectError, stats, values } from './helpers/expect.js';

const { Categorical, Independent, Normal, TanhNormal } = distributions;

const f64 = (data: number[] | number[][], requiresGrad = false): Tensor => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: number[] | number[][]): Tensor => tensor(data, { dtype: 'int32' });

/** Asserts |actual − expected| <= tol·max(1, |expected|) entrywise. */
function expectClose(actual: Tensor | number[], expected: number[], tol: number): void {
  const got = actual instanceof Tensor ? values(actual) : actual;
  expect(got.length).toBe(expected.length);
  got.forEach((g, i) => {
    const e = expected[i]!;
    if (!Number.isFinite(e)) expect(g).toBe(e);
    else expect(Math.abs(g - e), `entry ${i}: got ${g}, expected ${e}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(e)));
  });
}

// ── plain float64 references ──────────────────────────────────────────────────────────────

const normalLogPdf = (x: number, mu: number, sigma: number): number =>
  -((x - mu) ** 2) / (2 * sigma * sigma) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);

function softmaxJs(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const entropyJs = (p: number[]): number => -p.reduce((acc, pi) => acc + (pi > 0 ? pi * Math.log(pi) : 0), 0);

/** erf by its Maclaurin series (|x| <= 3 here: converges to float64 precision). */
function erfJs(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// ── Normal ────────────────────────────────────────────────────────────────────────────────

describe('Normal', () => {
  const mu = [0.3, -1.2, 2];
  const sigma = [0.5, 1.7, 0.9];
  const xs = [[0.1, -0.4, 3.3], [-2, 0, 1.5]];

  it('logProb, entropy and cdf match the closed forms (float64, 1e-12)', () => {
    const d = new Normal(f64(mu), f64(sigma));
    expect(d.batchShape).toEqual([3]);
    expect(d.eventShape).toEqual([]);
    const lp = d.logProb(f64(xs));
    expect(lp.shape).toEqual([2, 3]);
    expectClose(lp, xs.flatMap((row) => row.map((x, j) => normalLogPdf(x, mu[j]!, sigma[j]!))), 1e-12);
    expectClose(d.entropy(), sigma.map((s) => 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(s)), 1e-12);
    expectClose(d.cdf(f64(xs)), xs.flatMap((row) => row.map((x, j) => 0.5 * (1 + erfJs((x - mu[j]!) / (sigma[j]! * Math.SQRT2))))), 1e-12);
  });

  it('float32 parameters give float32 results within 1e-6', () => {
    const d = new Normal(tensor(mu), tensor(sigma));
    const lp = d.logProb(tensor(xs));
    expect(lp.dtype).toBe('float32');
    expectClose(lp, xs.flatMap((row) => row.map((x, j) => normalLogPdf(x, mu[j]!, sigma[j]!))), 1e-6);
    expectClose(d.entropy(), sigma.map((s) => 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(s)), 1e-6);
  });

  it('broadcasts numbers and tensors; mean, mode, stddev, variance', () => {
    const d = new Normal(f64([[1], [2]]), f64([0.5, 2, 3]));
    expect(d.batchShape).toEqual([2, 3]);
    expectClose(d.mean, [1, 1, 1, 2, 2, 2], 0);
    expectClose(d.mode, [1, 1, 1, 2, 2, 2], 0);
    expectClose(d.stddev, [0.5, 2, 3, 0.5, 2, 3], 0);
    expectClose(d.variance, [0.25, 4, 9, 0.25, 4, 9], 0);
    const n = new Normal(0, 1);
    expect(n.batchShape).toEqual([]);
    expect(n.loc.dtype).toBe('float32');
    expect(new Normal(f64([0]), 2).scale.dtype).toBe('float64');
    expect(new Normal(tensor([0]), f64([2])).loc.dtype).toBe('float64');
  });

  it('gradients of logProb and entropy wrt loc and scale (gradcheck), and second order (gradgradcheck)', () => {
    const x = f64(xs);
    gradcheck((loc, scale) => new Normal(loc!, scale!).logProb(x), [f64(mu, true), f64(sigma, true)], { name: 'Normal.logProb' });
    gradcheck((v) => new Normal(f64(mu), f64(sigma)).logProb(v!), [f64(xs, true)], { name: 'Normal.logProb wrt value' });
    gradcheck((scale) => new Normal(0, scale!).entropy(), [f64(sigma, true)], { name: 'Normal.entropy' });
    gradcheck((loc, scale) => new Normal(loc!, scale!).cdf(x), [f64(mu, true), f64(sigma, true)], { name: 'Normal.cdf' });
    gradgradcheck((loc, scale, v) => new Normal(loc!, scale!).logProb(v!), [f64(mu, true), f64(sigma, true), f64(xs, true)],
      { name: 'Normal.logProb' });
  });

  it('rsample is loc + scale·ε and carries gradients to loc and scale', () => {
    const loc = f64(mu, true);
    const scale = f64(sigma, true);
    const d = new Normal(loc, scale);
    const x = d.rsample([4], { generator: new Generator(3) });
    expect(x.shape).toEqual([4, 3]);
    expect(x.requiresGrad).toBe(true);
    const eps = new Generator(3);
    const expected = Array.from({ length: 12 }, (_, k) => mu[k % 3]! + sigma[k % 3]! * eps.normal());
    expectClose(x, expected, 1e-12);
    x.sum().backward();
    expectClose(loc.grad!, [4, 4, 4], 1e-12);
    gradcheck((l, s) => new Normal(l!, s!).rsample([2], { generator: new Generator(5) }), [f64(mu, true), f64(sigma, true)],
      { name: 'Normal.rsample' });
  });

  it('sample: no graph, seeded determinism, shapes and moments', () => {
    const d = new Normal(f64([1.5], true), f64([2], true));
    const a = d.sample([20000], { generator: new Generator(11) });
    const b = d.sample([20000], { generator: new Generator(11) });
    expect(a.requiresGrad).toBe(false);
    expect(a.shape).toEqual([20000, 1]);
    expect(values(a)).toEqual(values(b));
    expect(values(d.sample([20000], { generator: new Generator(12) }))).not.toEqual(values(a));
    const s = stats(values(a));
    // standard errors: σ/√n = 0.014 for the mean, σ/√(2n) = 0.01 for the std
    expect(Math.abs(s.mean - 1.5)).toBeLessThan(4 * 2 / Math.sqrt(20000));
    expect(Math.abs(s.std - 2)).toBeLessThan(4 * 2 / Math.sqrt(2 * 20000));
    expect(new Normal(0, 1).sample().shape).toEqual([]);
    expect(new Normal(zeros([2, 3]), 1).sample(5).shape).toEqual([5, 2, 3]);
    expect(new Normal(zeros([2, 3]), 1).sample([0, 4]).shape).toEqual([0, 4, 2, 3]);
  });

  it('rejects non-positive scales, bad parameters and badly shaped values', () => {
    expectError(() => new Normal(0, 0), ArgumentError, '[Normal] scale must be > 0, got 0');
    expectError(() => new Normal(0, -1), ArgumentError, '[Normal] scale must be > 0, got -1');
    expectError(() => new Normal(zeros([3]), f64([1, 2, -0.5])), ArgumentError, '[Normal] scale must be > 0, got -0.5 at index [2]');
    expectError(() => new Normal(0, f64([1, NaN])), ArgumentError, '[Normal] scale must be > 0, got NaN at index [1]');
    expectError(() => new Normal(zeros([3]), zeros([2])), ShapeError, /^\[Normal\] shapes \[3\] and \[2\] cannot be broadcast/);
    expectError(() => new Normal(i32([0]), 1), DTypeError, '[Normal] loc must be a floating-point tensor, got int32');
    expectError(() => new Normal('0' as never, 1), ArgumentError, '[Normal] loc must be a number or a Tensor, got "0"');
    expectError(() => new Normal(zeros([3]), 1).logProb(zeros([2])), ShapeError,
      '[Normal.logProb] value of shape [2] does not broadcast with batch shape [3] and event shape []');
    expectError(() => new Normal(0, 1).sample([-1]), ArgumentError, '[Normal.sample] sampleShape must be a list of non-negative integers, got [-1]');
    expectError(() => new Normal(0, 1).rsample([1.5]), ArgumentError, '[Normal.rsample] sampleShape must be a list of non-negative integers, got [1.5]');
    expectError(() => new Normal(0, 1).sample([], { generatr: new Generator(0) } as never), ArgumentError,
      '[Normal.sample] unknown option "generatr"; the options are generator');
    expectError(() => new Normal(0, 1).sample([], { generator: 3 as never }), ArgumentError, '[Normal.sample] generator must be a Generator, got 3');
    // a scale that requires grad is not read back (a learned scale): no check
    expect(() => new Normal(0, f64([-1], true))).not.toThrow();
  });
});

// ── Categorical ───────────────────────────────────────────────────────────────────────────

describe('Categorical', () => {
  const rows = [[0.5, -1, 2, 0.1], [3, 3, -2, 0]];

  it('logits are normalised; probs, logProb, entropy and mode match a softmax computed in JS (float64, 1e-12)', () => {
    const d = new Categorical({ logits: f64(rows) });
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([]);
    expect(d.numCategories).toBe(4);
    const p = rows.map(softmaxJs);
    expectClose(d.probs, p.flat(), 1e-12);
    expectClose(d.logits, p.flat().map(Math.log), 1e-12);
    expectClose(d.logProb(i32([2, 1])), [Math.log(p[0]![2]!), Math.log(p[1]![1]!)], 1e-12);
    expectClose(d.entropy(), p.map(entropyJs), 1e-12);
    expect(values(d.mode)).toEqual([2, 0]);
    expect(d.mode.dtype).toBe('int32');
    // actions with sample dims in front broadcast with the batch shape
    const lp = d.logProb(i32([[0, 3], [1, 2], [3, 0]]));
    expect(lp.shape).toEqual([3, 2]);
    expectClose(lp, [[0, 3], [1, 2], [3, 0]].flatMap((a) => a.map((k, b) => Math.log(p[b]![k]!))), 1e-12);
  });

  it('float32 logits within 1e-6', () => {
    const d = new Categorical({ logits: tensor(rows) });
    const p = rows.map(softmaxJs);
    expect(d.logProb(i32([0, 2])).dtype).toBe('float32');
    expectClose(d.logProb(i32([0, 2])), [Math.log(p[0]![0]!), Math.log(p[1]![2]!)], 1e-6);
    expectClose(d.entropy(), p.map(entropyJs), 1e-6);
  });

  it('probs are normalised to sum 1 (weights need not sum to 1)', () => {
    const w = [[1, 3, 0, 4], [2, 2, 2, 2]];
    const d = new Categorical({ probs: f64(w) });
    const p = w.map((row) => row.map((v) => v / row.reduce((a, b) => a + b, 0)));
    expectClose(d.probs, p.flat(), 1e-15);
    expectClose(d.logProb(i32([3, 1])), [Math.log(4 / 8), Math.log(0.25)], 1e-12);
    expectClose(d.entropy(), p.map(entropyJs), 1e-12);
    // probability 0: log clamped at log(eps), as PyTorch
    expectClose(d.logProb(i32([2, 0])), [Math.log(Number.EPSILON), Math.log(0.25)], 1e-12);
    expect(values(d.mode)).toEqual([3, 0]);
  });

  it('gradients of logProb and entropy wrt logits and probs (gradcheck, gradgradcheck)', () => {
    const actions = i32([[2, 1], [0, 3]]);
    gradcheck((logits) => new Categorical({ logits: logits! }).logProb(actions), [f64(rows, true)], { name: 'Categorical.logProb' });
    gradcheck((logits) => new Categorical({ logits: logits! }).entropy(), [f64(rows, true)], { name: 'Categorical.entropy' });
    gradcheck((probs) => new Categorical({ probs: probs! }).logProb(actions), [f64([[0.2, 0.3, 0.4, 0.1], [1, 2, 3, 4]], true)],
      { name: 'Categorical.logProb wrt probs' });
    gradcheck((probs) => new Categorical({ probs: probs! }).entropy(), [f64([[0.2, 0.3, 0.4, 0.1], [1, 2, 3, 4]], true)],
      { name: 'Categorical.entropy wrt probs' });
    gradgradcheck((logits) => new Categorical({ logits: logits! }).entropy(), [f64(rows, true)], { name: 'Categorical.entropy' });
  });

  it('a −Infinity logit: probability 0, finite entropy, and no NaN in the gradient', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const logits = tensor([[1, -Infinity, 2], [-Infinity, 0, -Infinity]], { dtype, requiresGrad: true });
      const d = new Categorical({ logits });
      const h = d.entropy();
      const p = [softmaxJs([1, 2]), [1]];
      expectClose(h, [entropyJs(p[0]!), 0], dtype === 'float64' ? 1e-12 : 1e-6);
      expectClose(d.probs, [p[0]![0]!, 0, p[0]![1]!, 0, 1, 0], dtype === 'float64' ? 1e-12 : 1e-6);
      h.sum().backward();
      const g = values(logits.grad!);
      expect(g.every(Number.isFinite), `gradient ${g}`).toBe(true);
      expect(g[1]).toBe(0);
      // d H/d logits_i = −p_i·(log p_i + H), checked where p > 0
      const H = entropyJs(p[0]!);
      expectClose([g[0]!, g[2]!], p[0]!.map((pi) => -pi * (Math.log(pi) + H)), dtype === 'float64' ? 1e-12 : 1e-6);
      expect(values(d.logProb(i32([1, 1])))).toEqual([-Infinity, 0]);
    }
  });

  it('sample: int32 indices, seeded determinism, shapes, and frequencies within 0.02 of probs', () => {
    const probs = [[0.1, 0.2, 0.3, 0.4], [0.7, 0.05, 0.05, 0.2]];
    const d = new Categorical({ probs: tensor(probs) });
    const a = d.sample([20000], { generator: new Generator(7) });
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([20000, 2]);
    expect(values(d.sample([20000], { generator: new Generator(7) }))).toEqual(values(a));
    expect(values(d.sample([20000], { generator: new Generator(8) }))).not.toEqual(values(a));
    const counts = [[0, 0, 0, 0], [0, 0, 0, 0]];
    values(a).forEach((k, i) => counts[i % 2]![k]!++);
    counts.forEach((row, b) => row.forEach((c, k) => expect(Math.abs(c / 20000 - probs[b]![k]!)).toBeLessThan(0.02)));
    expect(new Categorical({ logits: zeros([5]) }).sample().shape).toEqual([]);
    expect(new Categorical({ logits: zeros([2, 3, 5]) }).sample([4]).shape).toEqual([4, 2, 3]);
    expect(new Categorical({ logits: zeros([2, 5]) }).sample([0]).shape).toEqual([0, 2]);
    // a category of probability 0 (logit −∞) is never drawn
    const never = new Categorical({ logits: tensor([0, -Infinity, 0]) }).sample([2000], { generator: new Generator(1) });
    expect(values(never).includes(1)).toBe(false);
  });

  it('is not reparameterisable: rsample throws naming the class', () => {
    const d = new Categorical({ logits: zeros([3]) });
    expect(d.hasRsample).toBe(false);
    expectError(() => d.rsample(), ArgumentError, /^\[Categorical\.rsample\] Categorical has no reparameterised sample/);
    expectError(() => d.mean, ArgumentError, /^\[Categorical\.mean\] Categorical has no mean/);
  });

  it('rejects both or neither of logits and probs, bad parameters, and bad actions', () => {
    expectError(() => new Categorical({ logits: zeros([3]), probs: zeros([3]) } as never), ArgumentError,
      '[Categorical] give exactly one of logits and probs, got both');
    expectError(() => new Categorical({} as never), ArgumentError, '[Categorical] give exactly one of logits and probs, got neither');
    expectError(() => new Categorical({ logits: i32([1, 2]) }), DTypeError, '[Categorical] logits must be a floating-point tensor, got int32');
    expectError(() => new Categorical({ logits: tensor(0) }), ShapeError,
      '[Categorical] logits must have at least one dim whose last size (the categories) is > 0, got shape []');
    expectError(() => new Categorical({ probs: tensor([0.5, -0.1]) }), ArgumentError,
      /^\[Categorical\] probs must be finite and >= 0, got -0\.1\d* at index \[1\]$/);
    expectError(() => new Categorical({ probs: tensor([[1, 1], [0, 0]]) }), ArgumentError,
      '[Categorical] probs must not all be 0 along the last dim, but they are at batch index [1]');
    expectError(() => new Categorical({ logits: tensor([0, NaN]) }), ArgumentError, '[Categorical] logits must not be NaN or +Infinity, got NaN at index [1]');
    const d = new Categorical({ logits: zeros([2, 4]) });
    expectError(() => d.logProb(i32([1, 2, 3])), ShapeError,
      '[Categorical.logProb] value of shape [3] does not broadcast with batch shape [2] and event shape []');
    expectError(() => d.logProb(i32([1, 4])), ArgumentError,
      '[Categorical.logProb] value 4 at index [1] is out of range for 4 categories (valid indices are 0 to 3)');
    expectError(() => d.logProb(i32([-1, 0])), ArgumentError, /^\[Categorical\.logProb\] value -1 at index \[0\] is out of range/);
    expectError(() => d.logProb(tensor([1, 2])), DTypeError,
      '[Categorical.logProb] value must be an int32 tensor of category indices, got float32');
    expectError(() => d.logProb([1, 2] as never), ArgumentError, '[Categorical.logProb] value must be a Tensor, got [1,2]');
  });
});

// ── Independent ───────────────────────────────────────────────────────────────────────────

describe('Independent', () => {
  it('moves batch dims into the event and sums logProb and entropy over them', () => {
    const mu = [[0, 1, 2], [-1, 0.5, 0]];
    const sigma = [[1, 2, 0.5], [0.3, 1, 1.5]];
    const base = new Normal(f64(mu), f64(sigma));
    const d = new Independent(base, 1);
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([3]);
    expect(d.hasRsample).toBe(true);
    const x = [[0.5, 0.5, 0.5], [0, 0, 0]];
    expectClose(d.logProb(f64(x)), x.map((row, b) => row.reduce((acc, v, j) => acc + normalLogPdf(v, mu[b]![j]!, sigma[b]![j]!), 0)), 1e-12);
    expectClose(d.entropy(), sigma.map((row) => row.reduce((acc, s) => acc + 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(s), 0)), 1e-12);
    const both = new Independent(base, 2);
    expect(both.batchShape).toEqual([]);
    expect(both.eventShape).toEqual([2, 3]);
    expect(both.logProb(f64(x)).shape).toEqual([]);
    expect(new Independent(base, 0).logProb(f64(x)).shape).toEqual([2, 3]);
    expect(d.sample([5], { generator: new Generator(0) }).shape).toEqual([5, 2, 3]);
    expect(values(d.sample([5], { generator: new Generator(0) }))).toEqual(values(base.sample([5], { generator: new Generator(0) })));
    expectClose(d.mean, mu.flat(), 0);
    expectClose(d.stddev, sigma.flat(), 0);
    gradcheck((l, s) => new Independent(new Normal(l!, s!), 1).logProb(f64(x)), [f64(mu, true), f64(sigma, true)], { name: 'Independent.logProb' });
  });

  it('rejects a bad reinterpretedBatchNdims', () => {
    expectError(() => new Independent(new Normal(zeros([2]), 1), 2), ArgumentError,
      '[Independent] reinterpretedBatchNdims must be an integer in [0, 1] (the base\'s batch shape is [2]), got 2');
    expectError(() => new Independent(new Categorical({ logits: zeros([3]) }), 0).rsample(), ArgumentError, /^\[Categorical\.rsample\]/);
  });
});

// ── TanhNormal ────────────────────────────────────────────────────────────────────────────

describe('TanhNormal', () => {
  const mu = [[0.2, -0.7], [1.1, 0]];
  const sigma = [[0.5, 1.3], [0.8, 2]];
  /** log density of tanh(u), u ~ N(μ, σ²), at action a: Σ log N(atanh a) − log(1 − a²). */
  const logProbJs = (a: number[], m: number[], s: number[]): number =>
    a.reduce((acc, ai, j) => acc + normalLogPdf(Math.atanh(ai), m[j]!, s[j]!) - Math.log(1 - ai * ai), 0);

  it('shapes, and logProb against the change of variables computed in JS (float64 1e-12, float32 1e-6)', () => {
    const d = new TanhNormal(f64(mu), f64(sigma));
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([2]);
    const a = [[0.3, -0.9], [0.99, 0]];
    expectClose(d.logProb(f64(a)), a.map((row, b) => logProbJs(row, mu[b]!, sigma[b]!)), 1e-12);
    const d32 = new TanhNormal(tensor(mu), tensor(sigma));
    expectClose(d32.logProb(tensor([[0.3, -0.5], [0.6, 0]])), [[0.3, -0.5], [0.6, 0]].map((row, b) => logProbJs(row, mu[b]!, sigma[b]!)), 1e-6);
    expectClose(d.mode, mu.flat().map(Math.tanh), 1e-15);
    expect(new TanhNormal(0, f64([1, 1, 1])).eventShape).toEqual([3]);
  });

  it('rsampleWithLogProb: the action is tanh(u) and its log-probability agrees with logProb(action)', () => {
    const d = new TanhNormal(f64(mu), f64(sigma));
    const [action, logProb] = d.rsampleWithLogProb([3], { generator: new Generator(4) });
    expect(action.shape).toEqual([3, 2, 2]);
    expect(logProb.shape).toEqual([3, 2]);
    const g = new Generator(4);
    const u = Array.from({ length: 12 }, (_, k) => mu.flat()[k % 4]! + sigma.flat()[k % 4]! * g.normal());
    expectClose(action, u.map(Math.tanh), 1e-15);
    const expected = Array.from({ length: 6 }, (_, r) => {
      const [u0, u1] = [u[2 * r]!, u[2 * r + 1]!];
      const b = r % 2;
      return normalLogPdf(u0, mu[b]![0]!, sigma[b]![0]!) + normalLogPdf(u1, mu[b]![1]!, sigma[b]![1]!) -
        Math.log(1 - Math.tanh(u0) ** 2) - Math.log(1 - Math.tanh(u1) ** 2);
    });
    expectClose(logProb, expected, 1e-12);
    expectClose(d.logProb(action), values(logProb), 1e-9);
    // the same generator state gives the same action by rsample and sample
    expect(values(d.rsample([3], { generator: new Generator(4) }))).toEqual(values(action));
    expect(values(d.sample([3], { generator: new Generator(4) }))).toEqual(values(action));
  });

  it('stays finite where tanh(u) rounds to ±1 (u far in the tails)', () => {
    const d = new TanhNormal(f64([[30, -30]]), f64([[0.1, 0.1]]));
    const [a, logProb] = d.rsampleWithLogProb([], { generator: new Generator(0) });
    expect(values(a)).toEqual([1, -1]);
    const lp = values(logProb)[0]!;
    expect(Number.isFinite(lp)).toBe(true);
    expect(Number.isFinite(values(d.logProb(a))[0]!)).toBe(true);
  });

  it('gradients of rsampleWithLogProb wrt loc and scale (gradcheck with a fixed seed) and of logProb', () => {
    gradcheck((l, s) => new TanhNormal(l!, s!).rsampleWithLogProb([2], { generator: new Generator(9) }),
      [f64(mu, true), f64(sigma, true)], { name: 'TanhNormal.rsampleWithLogProb' });
    gradcheck((l, s) => new TanhNormal(l!, s!).logProb(f64([[0.3, -0.9], [0.5, 0]])), [f64(mu, true), f64(sigma, true)],
      { name: 'TanhNormal.logProb' });
    gradgradcheck((l, s) => new TanhNormal(l!, s!).rsampleWithLogProb([], { generator: new Generator(9) })[1],
      [f64(mu, true), f64(sigma, true)], { name: 'TanhNormal.rsampleWithLogProb' });
  });

  it('samples lie in (−1, 1) and are deterministic for a seed', () => {
    const d = new TanhNormal(tensor([[0, 2]]), tensor([[1, 3]]));
    const s = d.sample([5000], { generator: new Generator(2) });
    expect(s.shape).toEqual([5000, 1, 2]);
    expect(s.requiresGrad).toBe(false);
    // NOTE: in float32, tanh(u) rounds to ±1 for |u| > 9 (here σ = 3): only the closed interval holds
    expect(values(s).every((v) => v >= -1 && v <= 1)).toBe(true);
    const inner = values(new TanhNormal(f64([0]), f64([1])).sample([5000], { generator: new Generator(2) }));
    expect(inner.every((v) => v > -1 && v < 1)).toBe(true);
    expect(values(d.sample([5000], { generator: new Generator(2) }))).toEqual(values(s));
  });

  it('has no closed-form entropy, mean, variance or standard deviation, and needs an event dim', () => {
    const d = new TanhNormal(zeros([2]), 1);
    expectError(() => d.entropy(), ArgumentError, /^\[TanhNormal\.entropy\] TanhNormal has no closed-form entropy/);
    expectError(() => d.mean, ArgumentError, '[TanhNormal.mean] TanhNormal has no closed-form mean');
    expectError(() => d.variance, ArgumentError, '[TanhNormal.variance] TanhNormal has no closed-form variance');
    expectError(() => d.stddev, ArgumentError, '[TanhNormal.stddev] TanhNormal has no closed-form standard deviation');
    expectError(() => new TanhNormal(0, 1), ShapeError,
      '[TanhNormal] loc and scale must broadcast to at least 1 dim (the last is the action), got shape []');
    expectError(() => new TanhNormal(zeros([2]), 0), ArgumentError, '[Normal] scale must be > 0, got 0');
  });
});
