/**
 * `nn.functional` against real PyTorch (test/fixtures/nn.json, written by scripts/fixtures/nn.py):
 * every case's forward output and the gradients of sum(output · cot) for its inputs, in float64
 * (tight) and float32 (loose); then gradcheck/gradgradcheck on the same small inputs.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { F, Tensor, gradcheck, gradgradcheck, tensor } from '../src/index.js';

interface Arr {
  shape: number[];
  data: number[];
  dtype?: 'int32';
}
interface Case {
  name: string;
  fn: string;
  options: Record<string, unknown>;
  inputs: Record<string, Arr>;
  out: Arr;
  grad: string[];
  cot?: Arr;
  grads?: Record<string, Arr>;
}
interface BatchNormCase {
  name: string;
  options: { training: boolean; momentum: number; eps: number };
  inputs: Record<string, Arr>;
  out: Arr;
  cot: Arr;
  grads: Record<string, Arr>;
  runningMean: Arr;
  runningVar: Arr;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/nn.json', import.meta.url), 'utf8')) as { cases: Case[]; batchNorm: BatchNormCase[] };

type FloatType = 'float64' | 'float32';
type Inputs = Record<string, Tensor>;
type Options = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** nabla's side of each `fn` of the fixture (options are already in nabla's spelling). */
const NABLA: Record<string, (i: Inputs, o: Options) => Tensor> = {
  linear: (i) => F.linear(i.x!, i.w!, i.b ?? null),
  conv1d: (i, o) => F.conv1d(i.x!, i.w!, i.b ?? null, o),
  conv2d: (i, o) => F.conv2d(i.x!, i.w!, i.b ?? null, o),
  maxPool2d: (i, { kernelSize, ...o }) => F.maxPool2d(i.x!, kernelSize, o),
  avgPool2d: (i, { kernelSize, ...o }) => F.avgPool2d(i.x!, kernelSize, o),
  adaptiveAvgPool2d: (i, o) => F.adaptiveAvgPool2d(i.x!, o.outputSize),
  layerNorm: (i, o) => F.layerNorm(i.x!, o.normalizedShape, i.w ?? null, i.b ?? null, o.eps),
  groupNorm: (i, o) => F.groupNorm(i.x!, o.numGroups, i.w ?? null, i.b ?? null, o.eps),
  embedding: (i, o) => F.embedding(i.idx!, i.w!, o),
  relu: (i) => F.relu(i.x!),
  leakyRelu: (i, o) => F.leakyRelu(i.x!, o.negativeSlope),
  gelu: (i, o) => F.gelu(i.x!, o),
  silu: (i) => F.silu(i.x!),
  elu: (i, o) => F.elu(i.x!, o.alpha),
  softplus: (i, o) => F.softplus(i.x!, o),
  tanh: (i) => F.tanh(i.x!),
  sigmoid: (i) => F.sigmoid(i.x!),
  softmax: (i, o) => F.softmax(i.x!, o.dim),
  logSoftmax: (i, o) => F.logSoftmax(i.x!, o.dim),
  crossEntropy: (i, o) => F.crossEntropy(i.x!, i.t!, { ...o, weight: i.weight ?? null }),
  nllLoss: (i, o) => F.nllLoss(i.x!, i.t!, { ...o, weight: i.weight ?? null }),
  mseLoss: (i, o) => F.mseLoss(i.x!, i.t!, o),
  l1Loss: (i, o) => F.l1Loss(i.x!, i.t!, o),
  smoothL1Loss: (i, o) => F.smoothL1Loss(i.x!, i.t!, o),
  huberLoss: (i, o) => F.huberLoss(i.x!, i.t!, o),
  binaryCrossEntropy: (i, o) => F.binaryCrossEntropy(i.x!, i.t!, { ...o, weight: i.weight ?? null }),
  binaryCrossEntropyWithLogits: (i, o) => F.binaryCrossEntropyWithLogits(i.x!, i.t!, { ...o, weight: i.weight ?? null, posWeight: i.posWeight ?? null }),
  klDiv: (i, o) => F.klDiv(i.x!, i.t!, o),
  cosineSimilarity: (i, o) => F.cosineSimilarity(i.x!, i.y!, o),
};

function toTensor(a: Arr, dtype: FloatType, requiresGrad = false): Tensor {
  if (a.dtype === 'int32') return tensor(Int32Array.from(a.data), { shape: a.shape });
  const data = dtype === 'float64' ? Float64Array.from(a.data) : Float32Array.from(a.data);
  return tensor(data, { shape: a.shape, dtype, requiresGrad });
}

/** Elementwise |actual − expected| <= tol·(1 + |expected|), with the first offending index in the message. */
function expectClose(actual: Tensor | null, expected: Arr, tol: number, what: string): void {
  expect(actual, `${what}: missing`).not.toBeNull();
  expect([...actual!.shape], `${what}: shape`).toEqual(expected.shape);
  const got = actual!.toTypedArray();
  for (let k = 0; k < expected.data.length; k++) {
    const e = expected.data[k]!;
    const a = got[k]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) {
      expect.fail(`${what}: at flat index ${k} got ${a}, PyTorch ${e} (|diff| ${Math.abs(a - e)}, tolerance ${tol}·(1 + |expected|))`);
    }
  }
}

function buildInputs(c: Case, dtype: FloatType): Inputs {
  return Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, toTensor(a, dtype, c.grad.includes(k))]));
}

function runCase(c: Case, dtype: FloatType, tol: number): void {
  const inputs = buildInputs(c, dtype);
  const out = NABLA[c.fn]!(inputs, c.options);
  expectClose(out, c.out, tol, `${c.name} [${dtype}] output`);
  if (c.grad.length === 0) return;
  out.mul(toTensor(c.cot!, dtype)).sum().backward();
  for (const k of c.grad) expectClose(inputs[k]!.grad, c.grads![k]!, tol, `${c.name} [${dtype}] gradient of ${k}`);
}

const groups = new Map<string, Case[]>();
for (const c of fixture.cases) groups.set(c.fn, [...(groups.get(c.fn) ?? []), c]);

describe('nn.functional against PyTorch 1.13 (float64, tolerance 1e-10)', () => {
  for (const [fn, cases] of groups) {
    describe(fn, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => runCase(c, 'float64', 1e-10));
    });
  }
});

// float32 rounding of the inputs alone moves these far from the float64 reference
const FLOAT32_SKIP = new Set<string>([
  'binaryCrossEntropy tiny input 1e-50 (log clamped at -100): values', // 1e-50 underflows to 0 in float32
]);

describe('nn.functional against PyTorch 1.13 (float32, tolerance 1e-5)', () => {
  for (const [fn, cases] of groups) {
    describe(fn, () => {
      it.each(cases.filter((c) => !FLOAT32_SKIP.has(c.name)).map((c) => [c.name, c] as const))('%s', (_, c) => runCase(c, 'float32', 1e-5));
    });
  }
});

describe('functional batchNorm against PyTorch (outputs, gradients, updated running statistics)', () => {
  it.each(fixture.batchNorm.map((c) => [c.name, c] as const))('%s', (_, c) => {
    for (const [dtype, tol] of [['float64', 1e-10], ['float32', 1e-5]] as const) {
      const grad = Object.keys(c.grads);
      const i = Object.fromEntries(Object.entries(c.inputs).map(([k, a]) => [k, toTensor(a, dtype, grad.includes(k))])) as Inputs;
      const out = F.batchNorm(i.x!, i.runningMean!, i.runningVar!, { ...c.options, weight: i.w ?? null, bias: i.b ?? null });
      expectClose(out, c.out, tol, `${c.name} [${dtype}] output`);
      expectClose(i.runningMean!, c.runningMean, tol, `${c.name} [${dtype}] runningMean`);
      expectClose(i.runningVar!, c.runningVar, tol, `${c.name} [${dtype}] runningVar`);
      out.mul(toTensor(c.cot, dtype)).sum().backward();
      for (const k of grad) expectClose(i[k]!.grad, c.grads[k]!, tol, `${c.name} [${dtype}] gradient of ${k}`);
    }
  });
});

// ── gradcheck / gradgradcheck on the fixtures' inputs (float64, all away from kinks) ────────────

/**
 * Cases where the gradient is by design not the derivative of the forward (endpoints of BCE, the
 * padding row of embedding), or where inputs of size 1e-6 make central differences with eps 1e-6 meaningless.
 */
const NO_GRADCHECK = new Set([
  'embedding paddingIdx 2 (the padding row gets no gradient)',
  'embedding paddingIdx -1 (counts from the end)',
  'cosineSimilarity small but above eps',
  'binaryCrossEntropy confidently wrong at exactly 0 and 1: gradients ∓1e12',
  'binaryCrossEntropy confidently right at exactly 0 and 1: gradients 0',
]);

/** Runs `check` with the case's float inputs that need grad as the checked arguments. */
function checkCase(c: Case, check: typeof gradcheck, options: Parameters<typeof gradcheck>[2] = {}): void {
  const fixed = buildInputs(c, 'float64');
  const names = c.grad;
  const fn = (...args: Tensor[]): Tensor => NABLA[c.fn]!({ ...fixed, ...Object.fromEntries(names.map((k, j) => [k, args[j]!])) }, c.options);
  expect(check(fn, names.map((k) => fixed[k]!), { name: c.name, ...options })).toBe(true);
}

describe('gradcheck on every fixture case', () => {
  for (const [fn, cases] of groups) {
    it(`${fn}: ${cases.filter((c) => c.grad.length > 0 && !NO_GRADCHECK.has(c.name)).length} cases`, () => {
      for (const c of cases) if (c.grad.length > 0 && !NO_GRADCHECK.has(c.name)) checkCase(c, gradcheck);
    });
  }
});

/** Second derivatives on a representative, smooth (or piecewise-linear away from kinks) subset. */
const GRADGRAD = [
  'linear 2-d', 'conv1d stride 2 padding 1', "conv1d padding 'same' even kernel", 'conv2d groups 2', "conv2d padding 'same' even kernel",
  'conv2d dilation 2, no bias', 'maxPool2d kernel 3 stride 2 padding 1', 'avgPool2d kernel 3 stride 2 padding 1 countIncludePad false',
  'adaptiveAvgPool2d 7x5 -> 3x2 (uneven bins)', 'layerNorm last dim, affine', 'groupNorm 3 groups of 2 channels, affine',
  'embedding', 'gelu {}', 'gelu {"approximate": "tanh"}', 'silu {}', 'elu {}',
  'softplus {"beta": 2, "threshold": 5} wide range', 'tanh {}', 'sigmoid {}', 'softmax {"dim": 1}', 'logSoftmax {"dim": -2}',
  'crossEntropy labelSmoothing 0.2 with weight mean', 'crossEntropy probabilities labelSmoothing 0.25 mean',
  'crossEntropy [N, C, d] indices mean', 'nllLoss weight ignoreIndex mean', 'mseLoss mean', 'smoothL1Loss beta 0.5 mean',
  'huberLoss delta 0.5 sum', 'binaryCrossEntropy weight mean', 'binaryCrossEntropyWithLogits weight and posWeight mean',
  'klDiv logTarget batchmean', 'klDiv target gradient (positive targets)', 'cosineSimilarity {} [3, 4]',
];

describe('gradgradcheck (second derivatives)', () => {
  it.each(GRADGRAD)('%s', (name) => {
    const c = fixture.cases.find((k) => k.name === name);
    expect(c, name).toBeDefined();
    checkCase(c!, gradgradcheck);
  });

  it('batchNorm in training mode (batch statistics) and in eval mode', () => {
    for (const training of [true, false]) {
      const x = tensor(Float64Array.from({ length: 12 }, (_, k) => Math.sin(k * 1.7) * 2), { shape: [4, 3], dtype: 'float64', requiresGrad: true });
      const w = tensor([0.5, -1.5, 2], { dtype: 'float64', requiresGrad: true });
      const b = tensor([0.1, 0.2, -0.3], { dtype: 'float64', requiresGrad: true });
      const rm = tensor([0.1, -0.2, 0.3], { dtype: 'float64' });
      const rv = tensor([1.5, 0.7, 2], { dtype: 'float64' });
      const fn = (xx: Tensor, ww: Tensor, bb: Tensor): Tensor => F.batchNorm(xx, training ? null : rm, training ? null : rv, { weight: ww, bias: bb, training });
      expect(gradcheck(fn, [x, w, b])).toBe(true);
      expect(gradgradcheck(fn, [x, w, b])).toBe(true);
    }
  });
});

describe('hand-checked semantics', () => {
  const idx = (...v: number[]): Tensor => tensor(new Int32Array(v));

  it("a 'mean' over only ignored targets is NaN (0/0), as in PyTorch", () => {
    expect(F.nllLoss(tensor([[0, 0, 0], [0, 0, 0]]), idx(-100, -100)).item()).toBeNaN();
    expect(F.crossEntropy(tensor([[1, 2, 3], [0, 0, 0]]), idx(-100, -100)).item()).toBeNaN();
    expect(F.crossEntropy(tensor([[1, 2, 3], [0, 0, 0]]), idx(-100, -100), { reduction: 'sum' }).item()).toBe(0);
  });

  it('crossEntropy is logSoftmax + nllLoss, and with one-hot probability targets equals the index form', () => {
    const x = tensor([[0.5, -1, 2], [3, 0.25, -0.5]], { dtype: 'float64' });
    const y = idx(2, 0);
    const viaNll = F.nllLoss(x.logSoftmax(1), y).item();
    expect(F.crossEntropy(x, y).item()).toBeCloseTo(viaNll, 14);
    const oneHot = tensor([[0, 0, 1], [1, 0, 0]], { dtype: 'float64' });
    expect(F.crossEntropy(x, oneHot).item()).toBeCloseTo(viaNll, 14);
    expect(F.crossEntropy(x, oneHot, { labelSmoothing: 0.2 }).item()).toBeCloseTo(F.crossEntropy(x, y, { labelSmoothing: 0.2 }).item(), 14);
  });

  it('softmax rows sum to 1 and logSoftmax = log(softmax), also for logits of ±1000', () => {
    const x = tensor([[1000, -1000, 0], [-1000, -1000, -1000]], { dtype: 'float64' });
    const p = F.softmax(x, 1).toArray() as number[][];
    expect(p[0]).toEqual([1, 0, 0]);
    p[1]!.forEach((v) => expect(v).toBeCloseTo(1 / 3, 15));
    const lp = F.logSoftmax(x, 1).toArray() as number[][];
    expect(lp[0]![0]).toBe(0);
    expect(lp[0]![1]).toBe(-2000);
    expect(Number.isFinite(F.crossEntropy(x, idx(1, 2)).item())).toBe(true);
  });

  it('binaryCrossEntropyWithLogits equals binaryCrossEntropy of the sigmoid where both are accurate', () => {
    const x = tensor([-3, -0.5, 0.2, 2.5], { dtype: 'float64' });
    const y = tensor([0, 1, 0.3, 1], { dtype: 'float64' });
    expect(F.binaryCrossEntropyWithLogits(x, y).item()).toBeCloseTo(F.binaryCrossEntropy(x.sigmoid(), y).item(), 13);
    // and stays finite where the probability form saturates
    const big = tensor([800, -800], { dtype: 'float64' });
    expect(F.binaryCrossEntropyWithLogits(big, tensor([0, 1], { dtype: 'float64' }), { reduction: 'none' }).toArray()).toEqual([800, 800]);
  });
});
