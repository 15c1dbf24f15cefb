/**
 * Reductions. Primitives: sum, max, min, prod (with vjps), argmax/argmin (no gradient).
 * Composites: mean, var, std, logsumexp, norm, any, all, sumToShape. softmax and logSoftmax are
 * validated here and run as fused ops (ops/fused.ts).
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef, type SaveSpec } from '../core/autograd.js';
import { isFloating, type DType } from '../base/dtype.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { noGrad } from '../core/grad-mode.js';
import { broadcastsTo, normalizeDims, sameShape, showShape, type Shape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { where } from './elementwise.js';
import { productOfOthers } from './scan.js';
import { softmaxFused } from './fused.js';
import { checkTensor, dimArg, fresh, onesLikeRaw } from './util.js';

/** `{ dim, keepdim }` as an options object. */
export interface ReduceOptions {
  dim?: number | readonly number[] | null;
  keepdim?: boolean;
}

/** Arguments of a reduction: `x.sum()`, `x.sum(1)`, `x.sum([0, 1], true)` or `x.sum({ dim: 1, keepdim: true })`. */
export type ReduceArgs = [dim?: number | readonly number[] | ReduceOptions | null, keepdim?: boolean];

interface Reduction {
  dims: number[];
  keepdim: boolean;
}

function parseReduce(x: Tensor, args: ReduceArgs, op: string): Reduction {
  checkTensor(x, op, 'input');
  const [first, second] = args;
  const options: ReduceOptions = typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as ReduceOptions) : { dim: first as number | readonly number[] | null, keepdim: second };
  const keepdim = options.keepdim ?? false;
  check(typeof keepdim === 'boolean', ArgumentError, () => `[${op}] keepdim must be a boolean, got ${fmt(keepdim)}`);
  const dim = options.dim;
  // an empty list reduces over every dim, as in PyTorch
  const all = dim === null || dim === undefined || (Array.isArray(dim) && dim.length === 0);
  return { dims: normalizeDims(all ? undefined : (dim as number | readonly number[]), x.ndim, op), keepdim };
}

/** The output shape of a reduction. */
function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = [];
  shape.forEach((s, d) => {
    if (!dims.includes(d)) out.push(s);
    else if (keepdim) out.push(1);
  });
  return out;
}

/** A reduction primitive: forward is the backend's `reduce`. */
function reduceDef(name: 'sum' | 'max' | 'min' | 'prod', save: SaveSpec, vjp: NonNullable<OpDef<Reduction>['vjp']>): OpDef<Reduction> {
  return {
    name,
    save,
    forward([x], { dims, keepdim }) {
      const dtype: DType = name === 'sum' || name === 'prod' ? (isFloating(x!.dtype) ? x!.dtype : 'int32') : x!.dtype;
      return fresh(backend().reduce(name, x!, dims, dtype), reducedShape(x!.shape, dims, keepdim), dtype);
    },
    vjp,
  };
}

/** The gradient of a reduction's output, reshaped so that it broadcasts against the input. */
function keptGrad(g: Tensor, inputShape: Shape, { dims }: Reduction): Tensor {
  return g.reshape(reducedShape(inputShape, dims, true));
}

// d Σx = g broadcast back over the reduced dims
const SUM = reduceDef('sum', {}, (g, { inputShapes, attrs }) => [keptGrad(g, inputShapes[0]!, attrs).expand(inputShapes[0]!)]);

// d max = g to the entries equal to the max   NOTE: ties share the gradient evenly (as PyTorch's amax).
function extremumVjp(g: Tensor, ctx: Parameters<NonNullable<OpDef<Reduction>['vjp']>>[1]): [Tensor] {
  const x = ctx.inputs[0]!;
  const y = keptGrad(ctx.output, x.shape, ctx.attrs);
  const mask = x.eq(y);
  const count = mask.sum(ctx.attrs.dims, true);
  return [where(mask, keptGrad(g, x.shape, ctx.attrs).div(count), 0)];
}
const MAX = reduceDef('max', { inputs: [0], output: true }, extremumVjp);
const MIN = reduceDef('min', { inputs: [0], output: true }, extremumVjp);

// d Πx = g · (product of the other entries of the slice), by running products: exact at zeros,
// and differentiable again (a division y/x would lose the second derivative where x = 0)
const PROD = reduceDef('prod', { inputs: [0] }, (g, { inputs, attrs }) => {
  const x = inputs[0]!;
  return [keptGrad(g, x.shape, attrs).mul(x.ndim === 0 ? onesLikeRaw(x) : productOfOthers(x, attrs.dims))];
});

function checkNonEmpty(x: Tensor, dims: readonly number[], op: string): void {
  for (const d of dims) {
    check(x.shape[d]! > 0, ShapeError, () => `[${op}] cannot reduce over dim ${d} of size 0 (input shape ${showShape(x.shape)})`);
  }
}

/**
 * Sum over all dims, one dim or several (`keepdim` keeps them as size 1). int32 and bool sum to int32.
 * @example
 * sum(tensor([[1, 2], [3, 4]]), 1); // [3, 7]
 */
export function sum(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'sum');
  return apply(SUM, [x], r);
}

/**
 * Maximum values over dims (for the indices use `argmax`). NaN propagates.
 * @example
 * max(tensor([[1, 5], [7, 2]]), 1); // [5, 7]
 */
export function max(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'max');
  checkNonEmpty(x, r.dims, 'max');
  return apply(MAX, [x], r);
}

/**
 * Minimum values over dims (for the indices use `argmin`). NaN propagates.
 * @example
 * min(tensor([3, 1, 2])); // 1
 */
export function min(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'min');
  checkNonEmpty(x, r.dims, 'min');
  return apply(MIN, [x], r);
}

/**
 * Product over dims.
 * @example
 * prod(tensor([2, 3, 4])); // 24
 */
export function prod(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'prod');
  return apply(PROD, [x], r);
}

/**
 * Mean over dims (floating tensors only, as in PyTorch).
 * @example
 * mean(tensor([[1, 2], [3, 4]]), 0); // [2, 3]
 */
export function mean(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'mean');
  check(isFloating(x.dtype), DTypeError, () => `[mean] needs a floating-point input, got ${x.dtype}; convert with .float()`);
  const n = r.dims.reduce((p, d) => p * x.shape[d]!, 1);
  return sum(x, r.dims, r.keepdim).div(n);
}

/** Options of `var` and `std`. */
export interface VarOptions extends ReduceOptions {
  /** Subtracted from the count in the denominator: 1 for the unbiased estimate (default), 0 for the population one. */
  correction?: number;
}

/** Arguments of var/std: `x.var()`, `x.var(1)`, `x.var(1, { correction: 0, keepdim: true })`, `x.var({ dim: 1 })`. */
export type VarArgs = [dim?: number | readonly number[] | VarOptions | null, options?: Omit<VarOptions, 'dim'>];

/**
 * Variance over dims: Σ(x − mean)² / (N − correction), correction 1 by default; NaN where
 * N − correction is 0 (one element, unbiased), as in PyTorch.
 * @example
 * variance(tensor([1, 2, 3, 4])); // 1.6667
 */
export function variance(x: Tensor, ...args: VarArgs): Tensor {
  return varianceOf(x, args, 'var');
}

function varianceOf(x: Tensor, args: VarArgs, op: string): Tensor {
  const [first, second] = args;
  const options: VarOptions = typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as VarOptions) : { ...second, dim: first as number | readonly number[] | null };
  const r = parseReduce(x, [{ dim: options.dim, keepdim: options.keepdim }], op);
  check(isFloating(x.dtype), DTypeError, () => `[${op}] needs a floating-point input, got ${x.dtype}`);
  const correction = options.correction ?? 1;
  check(typeof correction === 'number' && correction >= 0, ArgumentError, () => `[${op}] correction must be a number >= 0, got ${fmt(correction)}`);
  const n = r.dims.reduce((p, d) => p * x.shape[d]!, 1);
  const centred = x.sub(mean(x, r.dims, true));
  // NOTE: with N − correction <= 0 (one element and the unbiased estimate) this divides by 0 and gives
  // NaN (0/0) or ∞, as PyTorch does (degrees of freedom clamped at 0)
  return sum(centred.mul(centred), r.dims, r.keepdim).div(Math.max(0, n - correction));
}

/**
 * Standard deviation: √var. NOTE: its gradient is NaN where the variance is 0 (as in PyTorch).
 * @example
 * std(tensor([1, 2, 3, 4]), { correction: 0 }); // 1.1180
 */
export function std(x: Tensor, ...args: VarArgs): Tensor {
  return varianceOf(x, args, 'std').sqrt();
}

/**
 * The max over `dims` (kept) as a constant: computed without recording, so that no graph node
 * saves x for a gradient nobody asks for (`max(x).detach()` would, and would keep x alive).
 */
function detachedMax(x: Tensor, dims: readonly number[]): Tensor {
  return noGrad(() => max(x, dims, true));
}

/**
 * log Σ exp(x) over dims, computed stably as m + log Σ exp(x − m) with m the (detached) max.
 * @example
 * logsumexp(tensor([1000, 1000]), 0); // 1000.6931
 */
export function logsumexp(x: Tensor, dim: number | readonly number[], keepdim = false): Tensor {
  const r = parseReduce(x, [dim, keepdim], 'logsumexp');
  check(isFloating(x.dtype), DTypeError, () => `[logsumexp] needs a floating-point input, got ${x.dtype}`);
  const m = detachedMax(x, r.dims);
  const shift = where(m.abs().eq(Infinity), 0, m); // all −∞ (or +∞) slices: avoid ∞ − ∞
  const out = shift.add(x.sub(shift).exp().sum(r.dims, true).log());
  return keepdim ? out : out.squeeze(r.dims);
}

/**
 * The p-norm over dims (all by default): (Σ|x|ᵖ)^(1/p); p = Infinity gives max |x|.
 * Its gradient at the zero vector is 0 (a subgradient), as in PyTorch.
 * @example
 * norm(tensor([3, 4])); // 5
 */
export function norm(x: Tensor, p = 2, dim?: number | readonly number[], keepdim = false): Tensor {
  const r = parseReduce(x, [dim, keepdim], 'norm');
  check(isFloating(x.dtype), DTypeError, () => `[norm] needs a floating-point input, got ${x.dtype}`);
  check(typeof p === 'number' && p > 0, ArgumentError, () => `[norm] p must be a positive number or Infinity, got ${fmt(p)}`);
  if (p === Infinity) return max(x.abs(), r.dims, r.keepdim);
  if (p === 1) return sum(x.abs(), r.dims, r.keepdim);
  const s = sum(p === 2 ? x.mul(x) : powAwayFromZero(x.abs(), p), r.dims, r.keepdim);
  // NOTE: at the zero vector d s^(1/p) is ∞ · 0 = NaN (the root has an infinite slope at 0); PyTorch
  // gives 0. The root is taken of 1 there and replaced by 0, so that no gradient reaches s (a double
  // where: differentiable again, and the same values elsewhere)
  const zero = s.eq(0);
  const safe = where(zero, 1, s);
  return where(zero, 0, p === 2 ? safe.sqrt() : safe.pow(1 / p));
}

/** aᵖ for a ≥ 0, with gradient 0 where a = 0 also for p < 1 (where d aᵖ = p·aᵖ⁻¹ is ∞), as PyTorch's norm. */
function powAwayFromZero(a: Tensor, p: number): Tensor {
  if (p >= 1) return a.pow(p);
  const zero = a.eq(0);
  return where(zero, 0, where(zero, 1, a).pow(p));
}

/**
 * Softmax along `dim`, stable: exp(x − max) / Σ exp(x − max). One fused op (ops/fused.ts).
 * @example
 * softmax(tensor([1, 2, 3]), 0); // [0.0900, 0.2447, 0.6652]
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'softmax', 'input');
  check(isFloating(x.dtype), DTypeError, () => `[softmax] needs a floating-point input, got ${x.dtype}`);
  return softmaxFused(x, dimArg(dim, x.ndim, 'softmax'), false);
}

/**
 * log(softmax(x)) along `dim`, stable: (x − m) − log Σ exp(x − m) with m the (detached) max, so that
 * logits of ±1000 neither overflow nor lose float32 precision to the scale of m. One fused op (ops/fused.ts).
 * @example
 * logSoftmax(tensor([1000, 0]), 0); // [0, -1000]
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'logSoftmax', 'input');
  check(isFloating(x.dtype), DTypeError, () => `[logSoftmax] needs a floating-point input, got ${x.dtype}`);
  return softmaxFused(x, dimArg(dim, x.ndim, 'logSoftmax'), true);
}

const argDef = (name: 'argmax' | 'argmin'): OpDef<{ dim: number; keepdim: boolean }> => ({
  name,
  save: {},
  forward([x], { dim, keepdim }) {
    return fresh(backend().argReduce(name, x!, dim), reducedShape(x!.shape, [dim], keepdim), 'int32');
  },
});
const ARGMAX = argDef('argmax');
const ARGMIN = argDef('argmin');

function argReduce(def: OpDef<{ dim: number; keepdim: boolean }>, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  checkTensor(x, def.name, 'input');
  check(typeof keepdim === 'boolean', ArgumentError, () => `[${def.name}] keepdim must be a boolean, got ${fmt(keepdim)}`);
  if (dim === undefined) {
    check(x.numel() > 0, ShapeError, () => `[${def.name}] cannot take the ${def.name} of an empty tensor`);
    return apply(def, [x.reshape(-1)], { dim: 0, keepdim: false });
  }
  const d = dimArg(dim, x.ndim, def.name);
  check(x.ndim === 0 || x.shape[d]! > 0, ShapeError, () => `[${def.name}] cannot take the ${def.name} over dim ${d} of size 0 (input shape ${showShape(x.shape)})`);
  return apply(def, [x.ndim === 0 ? x.reshape(1) : x], { dim: x.ndim === 0 ? 0 : d, keepdim: keepdim && x.ndim > 0 });
}

/**
 * Index of the max along `dim` (of the flattened tensor when no dim); int32, no gradient.
 * @example
 * argmax(tensor([[1, 5], [7, 2]]), 1); // [1, 0]
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce(ARGMAX, x, dim, keepdim);
}

/**
 * Index of the min along `dim` (of the flattened tensor when no dim); int32, no gradient.
 * @example
 * argmin(tensor([3, 1, 2])); // 1
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce(ARGMIN, x, dim, keepdim);
}

/**
 * True where any element over dims is non-zero (bool).
 * @example
 * any(tensor([0, 0, 1])); // true
 */
export function any(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'any');
  return sum(x.ne(0), r.dims, r.keepdim).gt(0);
}

/**
 * True where all elements over dims are non-zero (bool).
 * @example
 * all(tensor([1, 2, 0])); // false
 */
export function all(x: Tensor, ...args: ReduceArgs): Tensor {
  const r = parseReduce(x, args, 'all');
  return sum(x.eq(0), r.dims, r.keepdim).eq(0);
}

/**
 * Sums `x` down to `shape`, the reverse of broadcasting `shape` up to `x.shape` (differentiable).
 * @example
 * sumToShape(ones([4, 3]), [3]); // [4, 4, 4]
 */
export function sumToShape(x: Tensor, shape: Shape): Tensor {
  if (sameShape(x.shape, shape)) return x;
  check(broadcastsTo(shape, x.shape), ShapeError, () => `[sumToShape] shape ${showShape(shape)} does not broadcast to ${showShape(x.shape)}`);
  const lead = x.ndim - shape.length;
  const dims: number[] = [];
  x.shape.forEach((s, d) => {
    if (d < lead || (shape[d - lead] === 1 && s !== 1)) dims.push(d);
  });
  return sum(x, dims, true).reshape(shape);
}

