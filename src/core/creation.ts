/**
 * Creating tensors: from nested arrays or typed arrays, constants, ranges, and seeded random numbers.
 * Numbers default to float32 (JS has no separate integer type to infer int32 from); booleans give bool.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { DEFAULT_DTYPE, allocate, castNumber, checkDType, dtypeOfArray, isFloating, type DType, type TypedArray } from '../base/dtype.js';
import { defaultGenerator, type Generator } from '../base/random.js';
import { checkShape, contiguousStrides, numel, showShape, type Shape } from '../base/shape.js';
import { Storage } from './storage.js';
import { Tensor } from './tensor.js';
import type { NestedArray } from './print.js';

/** Options of the creation functions. */
export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

/** A shape given as a list of sizes, or one size for a 1-d tensor. */
export type SizeArg = number | readonly number[];

/** Creation functions refuse sizes beyond what a typed array can hold. */
const MAX_ELEMENTS = 2 ** 31 - 1;

function shapeOf(size: SizeArg, op: string): Shape {
  const shape = typeof size === 'number' ? [size] : size;
  checkShape(shape, op);
  check(numel(shape) <= MAX_ELEMENTS, ArgumentError, () => `[${op}] size ${showShape(shape)} has more than ${MAX_ELEMENTS} elements`);
  return shape;
}

function checkLike(t: unknown, op: string): void {
  check(t instanceof Tensor, ArgumentError, () => `[${op}] input must be a Tensor, got ${fmt(t)}`);
}

function make(data: TypedArray, shape: Shape, dtype: DType, options: TensorOptions, op: string): Tensor {
  const t = new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
  if (options.requiresGrad) {
    check(isFloating(dtype), DTypeError, () => `[${op}] only floating-point tensors can require gradients, got dtype ${dtype}`);
    t._requiresGrad = true;
  }
  return t;
}

function dtypeArg(options: TensorOptions, op: string, fallback: DType = DEFAULT_DTYPE): DType {
  const dtype = options.dtype ?? fallback;
  checkDType(dtype, op);
  return dtype;
}

/** The shape of a nested array, checking that it is rectangular. */
function nestedShape(x: unknown, op: string): number[] {
  const shape: number[] = [];
  let level: unknown = x;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  const visit = (v: unknown, d: number, path: string): void => {
    if (d === shape.length) {
      check(typeof v === 'number' || typeof v === 'boolean', ArgumentError,
        () => `[${op}] elements must be numbers or booleans, got ${fmt(v)} at ${path || 'the top level'}`);
      return;
    }
    check(Array.isArray(v) && v.length === shape[d], ShapeError,
      () => `[${op}] ragged nested array: expected ${shape[d]} elements at ${path || 'the top level'}, got ${Array.isArray(v) ? v.length : fmt(v)}`);
    (v as unknown[]).forEach((item, i) => visit(item, d + 1, `${path}[${i}]`));
  };
  visit(x, 0, '');
  return shape;
}

/**
 * A tensor from a number, a boolean, nested arrays, or a typed array (`shape` option for a typed array, else 1-d).
 * Numbers give float32 unless `dtype` says otherwise; booleans give bool; a typed array gives its own dtype.
 * @example
 * tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * tensor(new Int32Array([1, 2, 3]));          // int32
 * tensor([true, false]);                      // bool
 */
export function tensor(data: NestedArray | TypedArray, options: TensorOptions & { shape?: readonly number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    check(data instanceof Float32Array || data instanceof Float64Array || data instanceof Int32Array || data instanceof Uint8Array, DTypeError,
      () => `[tensor] unsupported typed array ${data.constructor.name}; use Float32Array, Float64Array, Int32Array or Uint8Array (bool)`);
    const fromType = dtypeOfArray(data as TypedArray);
    const dtype = dtypeArg(options, 'tensor', fromType);
    const shape = options.shape ?? [data.length];
    checkShape(shape, 'tensor', 'shape');
    check(numel(shape) === data.length, ShapeError,
      () => `[tensor] shape ${showShape(shape)} has ${numel(shape)} elements but the typed array has ${data.length}`);
    const copy = allocate(dtype, data.length);
    copy.set(dtype === 'bool' ? Array.from(data as TypedArray, (v) => (v !== 0 ? 1 : 0)) : (data as never));
    return make(copy, shape, dtype, options, 'tensor');
  }
  check(options.shape === undefined, ArgumentError, () => '[tensor] the shape option applies to typed arrays; reshape nested arrays instead');
  const shape = nestedShape(data, 'tensor');
  const flat: unknown[] = shape.length === 0 ? [data] : (data as unknown[]).flat(Infinity as 1);
  const inferred: DType = flat.length > 0 && flat.every((v) => typeof v === 'boolean') ? 'bool' : DEFAULT_DTYPE;
  const dtype = dtypeArg(options, 'tensor', inferred);
  const out = allocate(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = castNumber(Number(flat[i]), dtype);
  return make(out, shape, dtype, options, 'tensor');
}

/**
 * A tensor filled with `value`.
 * @example
 * full([2, 2], 7); // [[7, 7], [7, 7]]
 */
export function full(size: SizeArg, value: number | boolean, options: TensorOptions = {}): Tensor {
  const shape = shapeOf(size, 'full');
  const dtype = dtypeArg(options, 'full', typeof value === 'boolean' ? 'bool' : DEFAULT_DTYPE);
  check(typeof value === 'number' || typeof value === 'boolean', ArgumentError, () => `[full] fill value must be a number or boolean, got ${fmt(value)}`);
  const data = allocate(dtype, numel(shape));
  const v = castNumber(Number(value), dtype);
  if (v !== 0) data.fill(v);
  return make(data, shape, dtype, options, 'full');
}

/**
 * A tensor of zeros.
 * @example
 * zeros([2, 3], { dtype: 'float64' });
 */
export function zeros(size: SizeArg, options: TensorOptions = {}): Tensor {
  return full(size, 0, options);
}

/**
 * A tensor of ones.
 * @example
 * ones(4);
 */
export function ones(size: SizeArg, options: TensorOptions = {}): Tensor {
  return full(size, 1, options);
}

/**
 * Zeros shaped like `t` (and of its dtype unless given).
 * @example
 * zerosLike(x);
 */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  checkLike(t, 'zerosLike');
  return full(t.shape, 0, { dtype: t.dtype, ...options });
}

/**
 * Ones shaped like `t`.
 * @example
 * onesLike(x);
 */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  checkLike(t, 'onesLike');
  return full(t.shape, 1, { dtype: t.dtype, ...options });
}

/**
 * `value` everywhere, shaped like `t`.
 * @example
 * fullLike(x, -1);
 */
export function fullLike(t: Tensor, value: number | boolean, options: TensorOptions = {}): Tensor {
  checkLike(t, 'fullLike');
  return full(t.shape, value, { dtype: t.dtype, ...options });
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(n)` is 0..n-1.
 * float32 unless `dtype` is given.
 * @example
 * arange(5);          // [0, 1, 2, 3, 4]
 * arange(1, 2, 0.25); // [1, 1.25, 1.5, 1.75]
 */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  check([lo, hi, step].every(Number.isFinite), ArgumentError, () => `[arange] start, end and step must be finite numbers, got ${lo}, ${hi}, ${step}`);
  check(step !== 0, ArgumentError, () => '[arange] step must be non-zero');
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  check(n <= MAX_ELEMENTS, ArgumentError, () => `[arange] would create ${n} elements (more than ${MAX_ELEMENTS})`);
  const dtype = dtypeArg(options, 'arange');
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) data[i] = castNumber(lo + i * step, dtype);
  return make(data, [n], dtype, options, 'arange');
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included.
 * @example
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  check(Number.isSafeInteger(steps) && steps >= 0 && steps <= MAX_ELEMENTS, ArgumentError, () => `[linspace] steps must be a non-negative integer, got ${fmt(steps)}`);
  check(Number.isFinite(start) && Number.isFinite(end), ArgumentError, () => `[linspace] start and end must be finite numbers, got ${start} and ${end}`);
  const dtype = dtypeArg(options, 'linspace');
  const data = allocate(dtype, steps);
  const delta = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = castNumber(i === steps - 1 && steps > 1 ? end : start + i * delta, dtype);
  return make(data, [steps], dtype, options, 'linspace');
}

/**
 * The n×m identity (m defaults to n).
 * @example
 * eye(3);
 */
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape([n, m], 'eye');
  const dtype = dtypeArg(options, 'eye');
  const data = allocate(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return make(data, [n, m], dtype, options, 'eye');
}

function random(size: SizeArg, options: RandomOptions, op: string, draw: (g: Generator, dtype: DType) => number): Tensor {
  const shape = shapeOf(size, op);
  const dtype = dtypeArg(options, op);
  check(isFloating(dtype), DTypeError, () => `[${op}] needs a floating dtype, got ${dtype}`);
  const g = options.generator ?? defaultGenerator;
  const data = allocate(dtype, numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(g, dtype);
  return make(data, shape, dtype, options, op);
}

/**
 * Uniform samples in [0, 1), from the global generator unless one is given.
 * @example
 * manualSeed(0); rand([2, 2]);
 */
export function rand(size: SizeArg, options: RandomOptions = {}): Tensor {
  return random(size, options, 'rand', (g, dtype) => (dtype === 'float32' ? g.randomFloat32() : g.random()));
}

/**
 * Standard normal samples.
 * @example
 * randn([3], { dtype: 'float64' });
 */
export function randn(size: SizeArg, options: RandomOptions = {}): Tensor {
  return random(size, options, 'randn', (g) => g.normal());
}

/**
 * Uniform integers in [low, high) (int32 unless `dtype` is given).
 * @example
 * randint(0, 10, [5]);
 */
export function randint(low: number, high: number, size: SizeArg, options: RandomOptions = {}): Tensor {
  const shape = shapeOf(size, 'randint');
  const dtype = dtypeArg(options, 'randint', 'int32');
  const g = options.generator ?? defaultGenerator;
  check(Number.isSafeInteger(low) && Number.isSafeInteger(high) && high > low, ArgumentError,
    () => `[randint] needs integers low < high, got low=${fmt(low)} high=${fmt(high)}`);
  check(dtype !== 'int32' || (low >= -(2 ** 31) && high <= 2 ** 31), ArgumentError,
    () => `[randint] int32 values need -2^31 <= low and high <= 2^31, got low=${low} high=${high}`);
  const data = allocate(dtype, numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.randint(low, high);
  return make(data, shape, dtype, options, 'randint');
}

/**
 * Uniform samples in [0, 1) shaped like `t`.
 * @example
 * randLike(x);
 */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  checkLike(t, 'randLike');
  return rand(t.shape, { dtype: isFloating(t.dtype) ? t.dtype : DEFAULT_DTYPE, ...options });
}

/**
 * Standard normal samples shaped like `t`.
 * @example
 * randnLike(x);
 */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  checkLike(t, 'randnLike');
  return randn(t.shape, { dtype: isFloating(t.dtype) ? t.dtype : DEFAULT_DTYPE, ...options });
}

/**
 * A 0-d tensor holding `x` in `dtype` (used for number operands).
 * @example
 * scalarTensor(2, 'float32');
 */
export function scalarTensor(x: number, dtype: DType): Tensor {
  const data = allocate(dtype, 1);
  data[0] = castNumber(x, dtype);
  return new Tensor(new Storage(data), EMPTY_SHAPE, EMPTY_SHAPE, 0, dtype);
}

const EMPTY_SHAPE: Shape = Object.freeze([]) as Shape;
