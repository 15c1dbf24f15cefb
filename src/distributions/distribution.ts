/**
 * The base of the probability distributions (as `torch.distributions.Distribution`): batch and event
 * shapes, sampling with a seeded `Generator`, and the checks the subclasses share.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { isFloating, type DType } from '../base/dtype.js';
import { Generator } from '../base/random.js';
import { showShape, type Shape } from '../base/shape.js';
import { tensor } from '../core/creation.js';
import { Tensor } from '../core/tensor.js';

/** Options of `sample` and `rsample`. */
export interface SampleOptions {
  /** Generator of the draws (default: the global one, reseeded by `manualSeed`). */
  generator?: Generator;
}

/** A sample shape: a list of sizes, or one size (`sample(5)` is `sample([5])`). */
export type SampleShape = number | readonly number[];

/**
 * A probability distribution over tensors of shape `batchShape ++ eventShape`, as in PyTorch:
 * `batchShape` indexes independent (not necessarily identical) distributions, `eventShape` is the
 * shape of one draw of one of them. `sample(sampleShape)` returns `sampleShape ++ batchShape ++
 * eventShape`; `logProb(value)` and `entropy()` return `batchShape` (after broadcasting `value`).
 * Subclasses implement `logProb` and `sample` (and `rsample` where the draw is a differentiable
 * function of the parameters); the other members throw an `ArgumentError` naming the class where
 * they are not defined.
 * @example
 * const d: Distribution = new Normal(tensor([0, 1]), 1);
 * d.batchShape;                           // [2]
 * d.sample([3]).shape;                    // [3, 2]
 * d.logProb(tensor([0.5, 0.5])).shape;    // [2]
 */
export abstract class Distribution {
  /** The shape of the independent distributions this one holds. */
  readonly batchShape: Shape;
  /** The shape of one draw of one of them. */
  readonly eventShape: Shape;

  /** Whether `rsample` is available (the draw is a differentiable function of the parameters). */
  abstract readonly hasRsample: boolean;

  protected constructor(batchShape: Shape, eventShape: Shape) {
    this.batchShape = Object.freeze([...batchShape]);
    this.eventShape = Object.freeze([...eventShape]);
  }

  /** The class's name for messages (`Normal`, `Categorical`, ...). */
  protected get label(): string {
    return this.constructor.name.replace(/^_(?=[A-Z])/, ''); // bundlers rename classes _Normal
  }

  /**
   * Draws `sampleShape ++ batchShape ++ eventShape` values without recording a graph.
   * @example
   * new Normal(0, 1).sample([2, 3], { generator: new Generator(0) }).shape; // [2, 3]
   */
  abstract sample(sampleShape?: SampleShape, options?: SampleOptions): Tensor;

  /**
   * A reparameterised draw: a differentiable function of the parameters (the pathwise gradient).
   * Throws an `ArgumentError` for distributions that have none (discrete ones).
   * @example
   * const loc = tensor([0.5], { requiresGrad: true });
   * new Normal(loc, 1).rsample([4]).sum().backward(); // loc.grad = [4]
   */
  rsample(_sampleShape?: SampleShape, _options?: SampleOptions): Tensor {
    throw new ArgumentError(`[${this.label}.rsample] ${this.label} has no reparameterised sample (hasRsample is false); ` +
      'use sample() and a score-function estimator (logProb) instead');
  }

  /**
   * The log of the density (or mass) at `value`, whose trailing dims broadcast with `batchShape ++ eventShape`.
   * @example
   * new Normal(0, 1).logProb(tensor([0])); // [-0.9189]
   */
  abstract logProb(value: Tensor): Tensor;

  /**
   * The entropy of each distribution of the batch (shape `batchShape`).
   * @example
   * new Normal(0, 1).entropy(); // 1.4189
   */
  entropy(): Tensor {
    throw this.undefinedMember('entropy', 'has no closed-form entropy');
  }

  /**
   * The mean (shape `batchShape ++ eventShape`).
   * @example
   * new Normal(tensor([1, 2]), 1).mean; // [1, 2]
   */
  get mean(): Tensor {
    throw this.undefinedMember('mean', 'has no closed-form mean');
  }

  /**
   * The most likely value (shape `batchShape ++ eventShape`).
   * @example
   * new Categorical({ probs: tensor([0.2, 0.8]) }).mode; // 1
   */
  get mode(): Tensor {
    throw this.undefinedMember('mode', 'has no closed-form mode');
  }

  /**
   * The variance (shape `batchShape ++ eventShape`).
   * @example
   * new Normal(0, tensor([2])).variance; // [4]
   */
  get variance(): Tensor {
    throw this.undefinedMember('variance', 'has no closed-form variance');
  }

  /**
   * The standard deviation: the square root of `variance`.
   * @example
   * new Normal(0, tensor([2])).stddev; // [2]
   */
  get stddev(): Tensor {
    return this.variance.sqrt();
  }

  /**
   * The shape of `sample(sampleShape)`: `sampleShape ++ batchShape ++ eventShape`.
   * @example
   * new Normal(tensor([0, 0]), 1).extendedShape([5]); // [5, 2]
   */
  extendedShape(sampleShape: SampleShape = []): number[] {
    return this.drawShape(sampleShape, 'extendedShape');
  }

  /** `extendedShape` with errors naming the member `op` (`sample`, `rsample`, ...). */
  protected drawShape(sampleShape: SampleShape, op: string): number[] {
    return [...sampleShapeArg(sampleShape, `${this.label}.${op}`), ...this.batchShape, ...this.eventShape];
  }

  /** The error of a member this distribution does not define. */
  protected undefinedMember(member: string, why: string): ArgumentError {
    return new ArgumentError(`[${this.label}.${member}] ${this.label} ${why}`);
  }

  /**
   * Checks that `value` is a tensor whose shape broadcasts with `batchShape ++ eventShape`;
   * returns the broadcast shape.
   */
  protected checkValue(value: unknown, op: string): Shape {
    check(value instanceof Tensor, ArgumentError, () => `[${this.label}.${op}] value must be a Tensor, got ${fmt(value)}`);
    const full = [...this.batchShape, ...this.eventShape];
    const shape = broadcastOrNull(value.shape, full);
    check(shape !== null, ShapeError,
      () => `[${this.label}.${op}] value of shape ${showShape(value.shape)} does not broadcast with batch shape ` +
        `${showShape(this.batchShape)} and event shape ${showShape(this.eventShape)}`);
    return shape;
  }
}

/**
 * Checks a sample shape (non-negative integer sizes) and returns it as a list.
 * @example
 * sampleShapeArg(5, 'Normal.sample'); // [5]
 */
export function sampleShapeArg(sampleShape: SampleShape, op: string): number[] {
  const shape = typeof sampleShape === 'number' ? [sampleShape] : sampleShape;
  check(Array.isArray(shape) && shape.every((s) => Number.isSafeInteger(s) && s >= 0), ArgumentError,
    () => `[${op}] sampleShape must be a list of non-negative integers, got ${fmt(sampleShape)}`);
  return [...shape];
}

/**
 * Checks `sample`'s options and returns the generator (undefined: the global one).
 * @example
 * generatorArg({ generator: new Generator(1) }, 'Normal.sample');
 */
export function generatorArg(options: SampleOptions, op: string): Generator | undefined {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(key === 'generator', ArgumentError, () => `[${op}] unknown option ${fmt(key)}; the options are generator`);
  }
  const { generator } = options;
  check(generator === undefined || generator instanceof Generator, ArgumentError,
    () => `[${op}] generator must be a Generator, got ${fmt(generator)}`);
  return generator;
}

/**
 * A parameter as a floating tensor of `dtype`: a number becomes a 0-d tensor; a tensor must be floating (and is cast).
 * @example
 * paramTensor(0.5, 'Normal', 'scale', 'float64'); // a 0-d float64 tensor
 */
export function paramTensor(x: unknown, op: string, arg: string, dtype: DType): Tensor {
  if (typeof x === 'number') return tensor(x, { dtype });
  check(x instanceof Tensor, ArgumentError, () => `[${op}] ${arg} must be a number or a Tensor, got ${fmt(x)}`);
  check(isFloating(x.dtype), DTypeError, () => `[${op}] ${arg} must be a floating-point tensor, got ${x.dtype}`);
  return x.dtype === dtype ? x : x.to(dtype);
}

/**
 * The most negative finite value of a floating dtype (PyTorch's `finfo(dtype).min`).
 * @example
 * finiteMin('float32'); // -3.4028234663852886e38
 */
export function finiteMin(dtype: DType): number {
  return dtype === 'float64' ? -Number.MAX_VALUE : -3.4028234663852886e38;
}

/**
 * Sums the last `n` dims (none when n is 0), as PyTorch's `_sum_rightmost`.
 * @example
 * sumRightmost(ones([2, 3, 4]), 2); // shape [2], every entry 12
 */
export function sumRightmost(x: Tensor, n: number): Tensor {
  if (n === 0) return x;
  const dims = Array.from({ length: n }, (_, i) => x.ndim - n + i);
  return x.sum(dims);
}

/**
 * The first value of `x` (row-major) for which `bad` holds, with its index as `[i,j]`; or null.
 * @example
 * findValue(tensor([1, -1]), (v) => v <= 0); // { at: '[1]', value: -1 }
 */
export function findValue(x: Tensor, bad: (v: number) => boolean): { at: string; value: number } | null {
  const values = x.contiguous().toTypedArray();
  for (let i = 0; i < values.length; i++) {
    if (!bad(values[i]!)) continue;
    const idx: number[] = [];
    let flat = i;
    for (let d = x.ndim - 1; d >= 0; d--) {
      idx.unshift(flat % x.shape[d]!);
      flat = Math.floor(flat / x.shape[d]!);
    }
    return { at: `[${idx.join(',')}]`, value: values[i]! };
  }
  return null;
}

/** The broadcast of two shapes, or null when they do not broadcast. */
function broadcastOrNull(a: Shape, b: Shape): Shape | null {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out[i] = da === 1 ? db : da;
  }
  return out;
}
