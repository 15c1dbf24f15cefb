/**
 * Helpers shared by the op families: argument parsing and validation, broadcast views, fresh outputs.
 */
import type { StridedView } from '../backend/backend.js';
import { isContiguous } from '../backend/js/layout.js';
import { allocate, type DType, type TypedArray } from '../base/dtype.js';
import { ArgumentError, check, fmt } from '../base/errors.js';
import { contiguousStrides, normalizeDim, sameShape, type Shape } from '../base/shape.js';
import { Storage } from '../core/storage.js';
import { Tensor } from '../core/tensor.js';

/**
 * A new contiguous tensor over `data`.
 * @example
 * fresh(new Float32Array(6), [2, 3], 'float32');
 */
export function fresh(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  return new Tensor(new Storage(data), shape, contiguousStrides(shape), 0, dtype);
}

/**
 * `t` seen with shape `shape` it broadcasts to (stride 0 on stretched dims); `t` itself when equal.
 * @example
 * broadcastView(row, [4, 3]); // a [3] row repeated 4 times, no copy
 */
export function broadcastView(t: StridedView, shape: Shape): StridedView {
  if (sameShape(t.shape, shape)) return t;
  const lead = shape.length - t.shape.length;
  const strides = shape.map((size, d) => {
    const i = d - lead;
    return i < 0 || t.shape[i] !== size ? 0 : t.strides[i]!;
  });
  return { data: t.data, shape, strides, offset: t.offset };
}

/**
 * A normalised dim (negative dims count from the end); throws a ShapeError naming the op.
 * @example
 * dimArg(-1, 3, 'softmax'); // 2
 */
export function dimArg(dim: number, ndim: number, op: string): number {
  return normalizeDim(dim, ndim, op);
}

/**
 * Accepts sizes given as `f(2, 3)` or `f([2, 3])`.
 * @example
 * sizesArg([[2, 3]]); // [2, 3]
 */
export function sizesArg(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/**
 * True when two tensors have the same shape.
 * @example
 * sameShapeOf(a, b);
 */
export function sameShapeOf(a: Tensor, b: Tensor): boolean {
  return sameShape(a.shape, b.shape);
}

/**
 * A tensor of ones shaped and typed like `t` (not recorded).
 * @example
 * onesLikeRaw(loss); // the implicit gradient of a scalar backward
 */
export function onesLikeRaw(t: Tensor): Tensor {
  return fresh(allocate(t.dtype, t.numel()).fill(1), t.shape, t.dtype);
}

/**
 * True when a tensor is laid out contiguously.
 * @example
 * isContiguousView(x.t()); // false for a 2×3 x
 */
export function isContiguousView(t: Tensor): boolean {
  return isContiguous(t);
}

/**
 * Checks that `x` is a Tensor, naming the op and the argument.
 * @example
 * checkTensor(input, 'matmul', 'input');
 */
export function checkTensor(x: unknown, op: string, arg: string): asserts x is Tensor {
  check(x instanceof Tensor, ArgumentError, () => `[${op}] ${arg} must be a Tensor, got ${fmt(x)}`);
}

/**
 * Checks that `x` is a number (NaN and ±Infinity allowed) and returns it.
 * @example
 * numberArg(value, 'fill_', 'value');
 */
export function numberArg(x: unknown, op: string, arg: string): number {
  check(typeof x === 'number', ArgumentError, () => `[${op}] ${arg} must be a number, got ${fmt(x)}`);
  return x;
}

/**
 * Checks that `x` is an integer (optionally within [min, max]).
 * @example
 * checkInt(step, 'slice', 'step', 1);
 */
export function checkInt(x: unknown, op: string, arg: string, min = -Infinity, max = Infinity): asserts x is number {
  check(Number.isSafeInteger(x) && (x as number) >= min && (x as number) <= max, ArgumentError, () => {
    const range = min > -Infinity && max < Infinity ? ` in [${min}, ${max}]` : min > -Infinity ? ` >= ${min}` : max < Infinity ? ` <= ${max}` : '';
    return `[${op}] ${arg} must be an integer${range}, got ${fmt(x)}`;
  });
}
