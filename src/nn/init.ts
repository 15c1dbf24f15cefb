/**
 * Parameter initialisation, as `torch.nn.init` (in place, seeded by the global generator unless
 * one is given). Why it matters: see test/nn-init.test.ts, where activations of a 20-layer MLP keep
 * their scale with Kaiming init and vanish or explode with naive ones.
 */
import { randn, tensor } from '../core/creation.js';
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { noGrad } from '../core/grad-mode.js';
import { defaultGenerator, type Generator } from '../base/random.js';
import { showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';

/** Nonlinearities known to `calculateGain`. */
export type Nonlinearity = 'linear' | 'identity' | 'conv1d' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** Options that pick a generator. */
export interface InitOptions {
  generator?: Generator;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's values): 1 for linear/sigmoid, 5/3 for tanh,
 * √2 for relu, √(2/(1 + slope²)) for leaky relu (slope `param`, default 0.01), 3/4 for selu.
 * @example
 * calculateGain('relu'); // 1.4142
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      check(typeof slope === 'number', ArgumentError, () => `[calculateGain] negative slope must be a number, got ${fmt(slope)}`);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`[calculateGain] unsupported nonlinearity ${fmt(nonlinearity)}`);
  }
}

/**
 * Fan-in and fan-out of a weight: size(1)·receptive field and size(0)·receptive field.
 * @example
 * computeFans(zeros([16, 8, 3, 3])); // { fanIn: 72, fanOut: 144 }
 */
export function computeFans(t: Tensor): { fanIn: number; fanOut: number } {
  check(t.ndim >= 2, ShapeError, () => `[init] fan in and fan out cannot be computed for a tensor with fewer than 2 dims (shape ${showShape(t.shape)})`);
  const receptive = t.shape.slice(2).reduce((p, s) => p * s, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

function fill(t: Tensor, draw: () => number): Tensor {
  const values = new Float64Array(t.numel());
  for (let i = 0; i < values.length; i++) values[i] = draw();
  noGrad(() => t.copy_(tensor(values, { shape: t.shape })));
  return t;
}

/**
 * Fills with U(a, b).
 * @example
 * uniform_(w, -0.1, 0.1);
 */
export function uniform_(t: Tensor, a = 0, b = 1, options: InitOptions = {}): Tensor {
  check(a <= b, ArgumentError, () => `[uniform_] expects a range [a, b) with a <= b, got a=${a} b=${b}`);
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => g.uniform(a, b));
}

/**
 * Fills with N(mean, std²).
 * @example
 * normal_(w, 0, 0.02);
 */
export function normal_(t: Tensor, mean = 0, std = 1, options: InitOptions = {}): Tensor {
  check(std >= 0, ArgumentError, () => `[normal_] std must be >= 0, got ${std}`);
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => g.normal(mean, std));
}

/**
 * Fills with N(mean, std²) truncated to [a, b] (values outside are redrawn).
 * @example
 * truncNormal_(w, 0, 0.02, -0.04, 0.04);
 */
export function truncNormal_(t: Tensor, mean = 0, std = 1, a = -2, b = 2, options: InitOptions = {}): Tensor {
  check(a < b && std > 0, ArgumentError, () => `[truncNormal_] needs a < b and std > 0, got a=${a} b=${b} std=${std}`);
  check((b - mean) / std > -5 && (a - mean) / std < 5, ArgumentError,
    () => `[truncNormal_] the interval [${a}, ${b}] is more than 5 std away from the mean ${mean}`);
  const g = options.generator ?? defaultGenerator;
  return fill(t, () => {
    for (;;) {
      const x = g.normal(mean, std);
      if (x >= a && x <= b) return x;
    }
  });
}

/**
 * Fills with `value`.
 * @example
 * constant_(bias, 0.1);
 */
export function constant_(t: Tensor, value: number): Tensor {
  check(typeof value === 'number', ArgumentError, () => `[constant_] value must be a number, got ${fmt(value)}`);
  noGrad(() => t.fill_(value));
  return t;
}

/**
 * Fills with zeros.
 * @example
 * zeros_(bias);
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * Fills with ones.
 * @example
 * ones_(gamma);
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * Xavier/Glorot uniform: U(−a, a) with a = gain·√(6/(fanIn + fanOut)).
 * @example
 * xavierUniform_(w, calculateGain('tanh'));
 */
export function xavierUniform_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = computeFans(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/**
 * Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fanIn + fanOut)).
 * @example
 * xavierNormal_(w);
 */
export function xavierNormal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = computeFans(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky ReLU that follows (default 0). */
  a?: number;
  /** 'fanIn' keeps the forward activations' scale, 'fanOut' the backward gradients' (default 'fanIn'). */
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions, op: string): number {
  const { a = 0, mode = 'fanIn', nonlinearity = 'leakyRelu' } = options;
  check(mode === 'fanIn' || mode === 'fanOut', ArgumentError, () => `[${op}] mode must be 'fanIn' or 'fanOut', got ${fmt(mode)}`);
  const fans = computeFans(t);
  return calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fanIn' ? fans.fanIn : fans.fanOut);
}

/**
 * Kaiming/He uniform: U(−b, b) with b = √3·gain/√fan.
 * @example
 * kaimingUniform_(w, { nonlinearity: 'relu' });
 */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, options);
}

/**
 * Kaiming/He normal: N(0, (gain/√fan)²).
 * @example
 * kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' });
 */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, options, 'kaimingNormal_'), options);
}

/**
 * A (semi-)orthogonal matrix, scaled by `gain`: the Q of a QR decomposition of a normal matrix
 * (signs fixed by R's diagonal), flattened to [size(0), rest].
 * @example
 * orthogonal_(w); // w·wᵀ = I when rows <= columns
 */
export function orthogonal_(t: Tensor, gain = 1, options: InitOptions = {}): Tensor {
  check(t.ndim >= 2, ShapeError, () => `[orthogonal_] only tensors with 2 or more dims are supported, got shape ${showShape(t.shape)}`);
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  const tall = rows >= cols;
  const [m, n] = tall ? [rows, cols] : [cols, rows];
  const a = Float64Array.from(randn([m, n], { dtype: 'float64', generator: options.generator }).toTypedArray());
  const q = gramSchmidt(a, m, n); // m×n with orthonormal columns
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = gain * (tall ? q[i * n + j]! : q[j * n + i]!);
  }
  noGrad(() => t.copy_(tensor(out, { shape: t.shape })));
  return t;
}

/** Modified Gram–Schmidt on the n columns of an m×n row-major matrix (m >= n), with Q·sign(diag R). */
function gramSchmidt(a: Float64Array, m: number, n: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[i * n + k]! * q[i * n + j]!;
      for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! - dot * q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[i * n + j]! ** 2;
    norm = Math.sqrt(norm);
    // R's diagonal entry is +norm: positive, so no sign flip is needed
    for (let i = 0; i < m; i++) q[i * n + j] = q[i * n + j]! / norm;
  }
  return q;
}
