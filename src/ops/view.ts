/**
 * Views: ops that return a tensor sharing the input's storage (reshape when strides allow,
 * permute, expand, slice), and the composites built on them.
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { contiguousStrides, normalizeDim, numel, sameShape, showShape, type Shape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { padGeneral } from './copy.js';
import { checkInt, checkTensor, dimArg, fresh } from './util.js';

/**
 * Strides that let a tensor with `shape`/`strides` be seen with `newShape` without copying, or
 * null when its memory layout does not allow it. Old dims are walked from the innermost out in
 * chunks that are contiguous among themselves; each chunk must be covered exactly by new dims.
 */
function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (numel(shape) === 0 || shape.length === 0) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkStride = strides[shape.length - 1]!;
  let chunkNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    chunkNumel *= shape[d]!;
    const chunkEnds = d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== chunkNumel * chunkStride);
    if (!chunkEnds) continue;
    while (viewD >= 0 && (viewNumel < chunkNumel || newShape[viewD] === 1)) {
      out[viewD] = viewNumel * chunkStride;
      viewNumel *= newShape[viewD]!;
      viewD--;
    }
    if (viewNumel !== chunkNumel) return null;
    if (d > 0) {
      chunkStride = strides[d - 1]!;
      chunkNumel = 1;
      viewNumel = 1;
    }
  }
  return viewD === -1 ? out : null;
}

/** Resolves one -1 in a requested shape and checks the element count. */
function inferShape(x: Tensor, shape: readonly number[], op: string): number[] {
  check(Array.isArray(shape) && shape.every((d) => Number.isSafeInteger(d) && d >= -1), ShapeError,
    () => `[${op}] shape must be a list of integers >= -1, got ${fmt(shape)}`);
  const unknown = shape.indexOf(-1);
  check(shape.lastIndexOf(-1) === unknown, ShapeError, () => `[${op}] only one dim can be -1, got ${showShape(shape)}`);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const n = x.numel();
  const out = [...shape];
  if (unknown >= 0) {
    check(known !== 0 && n % known === 0, ShapeError, () => `[${op}] shape ${showShape(shape)} is invalid for input of size ${n}`);
    out[unknown] = n / known;
  }
  check(numel(out) === n, ShapeError, () => `[${op}] shape ${showShape(shape)} is invalid for input of size ${n}`);
  return out;
}

// d reshape = g reshaped back
const RESHAPE: OpDef<{ shape: Shape }> = {
  name: 'reshape',
  save: {},
  forward([x], { shape }) {
    const strides = viewStrides(x!.shape, x!.strides, shape);
    if (strides !== null) return x!._view(shape, strides, x!.offset);
    return fresh(backend().unary('cast', x!, x!.dtype), shape, x!.dtype); // the layout needs a copy
  },
  vjp: (g, { inputShapes }) => [g.reshape(inputShapes[0]!)],
};

/**
 * The same elements with another shape (one dim may be -1); a view when the layout allows, else a copy.
 * @example
 * reshape(arange(6), [2, -1]); // [[0, 1, 2], [3, 4, 5]]
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'reshape', 'input');
  const s = inferShape(x, shape, 'reshape');
  return sameShape(s, x.shape) ? x : apply(RESHAPE, [x], { shape: s });
}

/**
 * Like `reshape`, but always a view: throws when the layout needs a copy (use `reshape` or `contiguous`).
 * @example
 * view(x, [-1]);
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, 'view', 'input');
  const s = inferShape(x, shape, 'view');
  check(viewStrides(x.shape, x.strides, s) !== null, ShapeError,
    () => `[view] shape ${showShape(s)} is not compatible with the input's size ${showShape(x.shape)} and strides [${x.strides.join(',')}]; use reshape()`);
  return reshape(x, s);
}

/**
 * Merges dims `startDim..endDim` into one.
 * @example
 * flatten(zeros([2, 3, 4]), 1); // shape [2, 12]
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, 'flatten', 'input');
  if (x.ndim === 0) return x.reshape([1]);
  const s = dimArg(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten', 'endDim');
  check(s <= e, ShapeError, () => `[flatten] startDim ${startDim} comes after endDim ${endDim}`);
  const merged = x.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

// d permute = g permuted back by the inverse permutation
const PERMUTE: OpDef<{ dims: readonly number[] }> = {
  name: 'permute',
  save: {},
  forward([x], { dims }) {
    return x!._view(dims.map((d) => x!.shape[d]!), dims.map((d) => x!.strides[d]!), x!.offset);
  },
  vjp: (g, { attrs: { dims } }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
};

/**
 * Reorders the dims (a view).
 * @example
 * permute(zeros([2, 3, 4]), [2, 0, 1]); // shape [4, 2, 3]
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  checkTensor(x, 'permute', 'input');
  check(dims.length === x.ndim, ShapeError, () => `[permute] dims ${fmt(dims)} must list each of the ${x.ndim} dims of a tensor of shape ${showShape(x.shape)} once`);
  const d = dims.map((dim) => dimArg(dim, x.ndim, 'permute'));
  check(new Set(d).size === d.length, ArgumentError, () => `[permute] dims ${fmt(dims)} repeat a dim`);
  return apply(PERMUTE, [x], { dims: d });
}

/**
 * Swaps two dims (a view).
 * @example
 * transpose(zeros([2, 3]), 0, 1); // shape [3, 2]
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor(x, 'transpose', 'input');
  const a = dimArg(dim0, x.ndim, 'transpose');
  const b = dimArg(dim1, x.ndim, 'transpose');
  if (x.ndim === 0) return x;
  const dims = x.shape.map((_, i) => (i === a ? b : i === b ? a : i));
  return apply(PERMUTE, [x], { dims });
}

/**
 * Transpose of a tensor of at most 2 dims (`x.T` of a matrix).
 * @example
 * t(zeros([2, 3])); // shape [3, 2]
 */
export function t(x: Tensor): Tensor {
  checkTensor(x, 't', 'input');
  check(x.ndim <= 2, ShapeError, () => `[t] expects a tensor of at most 2 dims, got shape ${showShape(x.shape)}; use transpose()`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

// d expand = g; the engine sums it back down to the input's shape
const EXPAND: OpDef<{ shape: Shape }> = {
  name: 'expand',
  save: {},
  forward([x], { shape }) {
    const lead = shape.length - x!.ndim;
    const strides = shape.map((size, d) => (d < lead || x!.shape[d - lead] !== size ? 0 : x!.strides[d - lead]!));
    return x!._view(shape, strides, x!.offset);
  },
  vjp: (g) => [g],
};

/**
 * A view with size-1 dims stretched (stride 0) to `sizes`; -1 keeps a dim; new dims go in front.
 * @example
 * expand(tensor([[1], [2]]), [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 */
export function expand(x: Tensor, sizes: readonly number[]): Tensor {
  checkTensor(x, 'expand', 'input');
  check(sizes.length >= x.ndim, ShapeError, () => `[expand] the number of sizes ${showShape(sizes)} must be at least the input's ${x.ndim} dims (shape ${showShape(x.shape)})`);
  const lead = sizes.length - x.ndim;
  const shape = sizes.map((size, d) => {
    const own = d >= lead ? x.shape[d - lead]! : undefined;
    check(Number.isSafeInteger(size) && (size >= 0 || (size === -1 && own !== undefined)), ShapeError,
      () => `[expand] invalid size ${size} at dim ${d} in ${showShape(sizes)}`);
    const target = size === -1 ? own! : size;
    check(own === undefined || own === target || own === 1, ShapeError,
      () => `[expand] cannot expand shape ${showShape(x.shape)} to ${showShape(sizes)}: size ${own} at dim ${d} must be 1 or ${target}`);
    return target;
  });
  return sameShape(shape, x.shape) ? x : apply(EXPAND, [x], { shape });
}

/**
 * `expand` to a full shape.
 * @example
 * broadcastTo(tensor([1, 2]), [3, 2]);
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/**
 * Removes size-1 dims (all of them, or the given ones; a given dim of another size is left as is, as in PyTorch).
 * @example
 * squeeze(zeros([2, 1, 3])); // shape [2, 3]
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor(x, 'squeeze', 'input');
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => dimArg(d, x.ndim, 'squeeze'));
  return reshape(x, x.shape.filter((s, i) => !(s === 1 && dims.includes(i))));
}

/**
 * Inserts a size-1 dim at `dim` (-1 appends).
 * @example
 * unsqueeze(zeros([2, 3]), 0); // shape [1, 2, 3]
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'unsqueeze', 'input');
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze', 'dim', `inserting a dim into a ${x.ndim}-d tensor`);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/** Per-dim start, stop and step of a slice (steps >= 1, starts/stops already clamped). */
export interface SliceSpec {
  starts: readonly number[];
  steps: readonly number[];
  shape: Shape;
}

// d slice = g placed back at the sliced positions, zeros elsewhere (pad with interior step − 1)
const SLICE: OpDef<SliceSpec> = {
  name: 'slice',
  save: {},
  forward([x], { starts, steps, shape }) {
    let offset = x!.offset;
    starts.forEach((s, d) => (offset += s * x!.strides[d]!));
    return x!._view(shape, steps.map((s, d) => s * x!.strides[d]!), offset);
  },
  vjp: (g, { inputShapes, attrs: { starts, steps, shape } }) => {
    const inShape = inputShapes[0]!;
    const high = inShape.map((size, d) => size - starts[d]! - (shape[d]! === 0 ? 0 : (shape[d]! - 1) * steps[d]! + 1));
    return [padGeneral(g, starts, high, steps.map((s) => s - 1), inShape)];
  },
};

/** Arguments of slice: `x.slice(dim, start?, end?, step?)`. */
export type SliceArgs = [dim: number, start?: number | null, end?: number | null, step?: number];

/**
 * Elements `start, start + step, …` before `end` along `dim`, as Python's `x[start:end:step]`
 * (negative start/end count from the end, out-of-range bounds are clamped). A view.
 * @example
 * slice(arange(10), 0, 1, 8, 3); // [1, 4, 7]
 */
export function slice(x: Tensor, dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
  checkTensor(x, 'slice', 'input');
  check(x.ndim > 0, ShapeError, () => '[slice] cannot slice a 0-d tensor');
  const d = dimArg(dim, x.ndim, 'slice');
  checkInt(step, 'slice', 'step', 1);
  const size = x.shape[d]!;
  const clampIndex = (i: number | null | undefined, fallback: number, arg: string): number => {
    if (i === null || i === undefined) return fallback;
    checkInt(i, 'slice', arg);
    return Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  };
  const lo = clampIndex(start, 0, 'start');
  const hi = Math.max(clampIndex(end, size, 'end'), lo);
  const starts = x.shape.map((_, i) => (i === d ? lo : 0));
  const steps = x.shape.map((_, i) => (i === d ? step : 1));
  const shape = x.shape.map((s, i) => (i === d ? Math.ceil((hi - lo) / step) : s));
  return apply(SLICE, [x], { starts, steps, shape });
}

/**
 * `length` elements from `start` along `dim` (a view); the range must fit.
 * @example
 * narrow(arange(6), 0, 2, 3); // [2, 3, 4]
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  checkTensor(x, 'narrow', 'input');
  check(x.ndim > 0, ShapeError, () => '[narrow] cannot narrow a 0-d tensor');
  const d = dimArg(dim, x.ndim, 'narrow');
  const size = x.shape[d]!;
  checkInt(start, 'narrow', 'start', -size, size);
  const s = start < 0 ? start + size : start;
  checkInt(length, 'narrow', 'length', 0, size - s);
  return slice(x, d, s, s + length);
}

/**
 * The entry `index` along `dim`, with that dim removed (a view): `select(x, 0, i)` is `x[i]`.
 * @example
 * select(tensor([[1, 2], [3, 4]]), 0, 1); // [3, 4]
 */
export function select(x: Tensor, dim: number, index: number): Tensor {
  checkTensor(x, 'select', 'input');
  check(x.ndim > 0, ShapeError, () => '[select] cannot select from a 0-d tensor');
  const d = dimArg(dim, x.ndim, 'select');
  const size = x.shape[d]!;
  check(size > 0, ShapeError, () => `[select] index ${index} is out of range for dim ${d} of size 0`);
  checkInt(index, 'select', 'index', -size, size - 1);
  const i = index < 0 ? index + size : index;
  return slice(x, d, i, i + 1).squeeze(d);
}

/**
 * Splits into pieces of `size` along `dim` (the last may be smaller), or into the given section sizes.
 * @example
 * split(arange(5), 2); // [[0, 1], [2, 3], [4]]
 */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  checkTensor(x, 'split', 'input');
  check(x.ndim > 0, ShapeError, () => '[split] cannot split a 0-d tensor');
  const d = dimArg(dim, x.ndim, 'split');
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    checkInt(sizeOrSections, 'split', 'size', 1);
    sizes = Array.from({ length: Math.max(1, Math.ceil(n / sizeOrSections)) }, (_, i) => Math.min(sizeOrSections, n - i * sizeOrSections));
  } else {
    sizes = [...sizeOrSections];
    sizes.forEach((s) => checkInt(s, 'split', 'section size', 0));
    check(sizes.reduce((p, s) => p + s, 0) === n, ShapeError, () => `[split] section sizes ${fmt(sizes)} must sum to ${n}, the size of dim ${d}`);
  }
  let start = 0;
  return sizes.map((s) => {
    const piece = slice(x, d, start, start + s);
    start += s;
    return piece;
  });
}

/**
 * Splits into `chunks` nearly equal pieces along `dim` (each of size ⌈n/chunks⌉, the last smaller).
 * @example
 * chunk(arange(6), 3); // [[0, 1], [2, 3], [4, 5]]
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, 'chunk', 'input');
  check(x.ndim > 0, ShapeError, () => '[chunk] cannot chunk a 0-d tensor');
  checkInt(chunks, 'chunk', 'chunks', 1);
  const d = dimArg(dim, x.ndim, 'chunk');
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}
