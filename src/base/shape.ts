/**
 * Shapes and strides: sizes, contiguous strides, NumPy broadcasting, dim normalisation.
 * Shapes are `readonly number[]`; every check names the op and the argument.
 */
import { ArgumentError, ShapeError, check, fmt } from './errors.js';

/** A tensor's sizes, outermost first. `[]` is a 0-d (scalar) tensor. */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for `[]`).
 * @example
 * numel([2, 3]); // 6
 */
export function numel(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * Row-major strides of a contiguous tensor of this shape.
 * @example
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * Formats a shape as `[2,3]` for messages.
 * @example
 * showShape([2, 3]); // '[2,3]'
 */
export function showShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/**
 * True when two shapes are equal.
 * @example
 * sameShape([2, 3], [2, 3]); // true
 */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The NumPy broadcast of two shapes (aligned at the right; a size-1 dim stretches).
 * @example
 * broadcastShapes([3, 1], [4], 'add'); // [3, 4]
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (sameShape(a, b)) return a;
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    check(da === db || da === 1 || db === 1, ShapeError,
      () => `[${op}] shapes ${showShape(a)} and ${showShape(b)} cannot be broadcast: size ${da} and ${db} differ at dim ${i - n}`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * True when `from` broadcasts to exactly `to`.
 * @example
 * broadcastsTo([3, 1], [2, 3, 4]); // true
 */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i]!;
    if (f !== 1 && f !== to[to.length - i]) return false;
  }
  return true;
}

/**
 * Checks a dim against `ndim` and returns it non-negative (`-1` is the last dim).
 * @example
 * normalizeDim(-1, 3, 'sum'); // 2
 */
export function normalizeDim(dim: number, ndim: number, op: string, arg = 'dim', context = `a ${ndim}-d tensor`): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  check(Number.isInteger(dim), ArgumentError, () => `[${op}] ${arg} must be an integer, got ${fmt(dim)}`);
  check(dim >= lo && dim <= hi, ShapeError,
    () => `[${op}] ${arg} ${dim} is out of range for ${context} (expected ${lo}..${hi})`);
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/**
 * Normalises a list of dims (or all dims when undefined), sorted, rejecting repeats.
 * @example
 * normalizeDims([-1, 0], 3, 'sum'); // [0, 2]
 */
export function normalizeDims(dims: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dims === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(d, ndim, op)).sort((x, y) => x - y);
  for (let i = 1; i < out.length; i++) {
    check(out[i] !== out[i - 1], ArgumentError, () => `[${op}] dim ${out[i]} appears more than once in ${fmt(list)}`);
  }
  return ndim === 0 ? [] : out;
}

/**
 * Checks that a shape is a list of non-negative integers.
 * @example
 * checkShape([2, -1], 'zeros'); // throws: [zeros] size must be a list of non-negative integers, got [2,-1]
 */
export function checkShape(shape: unknown, op: string, arg = 'size'): asserts shape is Shape {
  check(Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= 0), ShapeError,
    () => `[${op}] ${arg} must be a list of non-negative integers, got ${fmt(shape)}`);
}
