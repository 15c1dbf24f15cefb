/**
 * Running products, composed from mul, narrow and cat by a doubling scan (log₂ n steps), so that
 * their gradients of every order are exact even where inputs are 0 (no division anywhere).
 */
import { ones } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { cat } from './copy.js';
import { checkTensor, dimArg } from './util.js';

/** Shifts `x` by `shift` along `dim`, filling the front with ones (a differentiable copy). */
function shiftInOnes(x: Tensor, dim: number, shift: number): Tensor {
  const n = x.shape[dim]!;
  const head = ones(x.shape.map((s, d) => (d === dim ? Math.min(shift, n) : s)), { dtype: x.dtype });
  return shift >= n ? head : cat([head, x.narrow(dim, 0, n - shift)], dim);
}

/**
 * Running product along `dim`: out[i] = x[0]·x[1]·…·x[i].
 * @example
 * cumprod(tensor([1, 2, 3, 4]), 0); // [1, 2, 6, 24]
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'cumprod', 'input');
  if (x.ndim === 0) return x;
  const d = dimArg(dim, x.ndim, 'cumprod');
  let y = x;
  for (let shift = 1; shift < x.shape[d]!; shift *= 2) y = y.mul(shiftInOnes(y, d, shift));
  return y;
}

/**
 * For each element, the product of all the other elements of its slice over `dims` — the
 * gradient of a product — as (product before it)·(product after it).
 * @example
 * productOfOthers(tensor([2, 0, 3]), [0]); // [0, 6, 0]
 */
export function productOfOthers(x: Tensor, dims: readonly number[]): Tensor {
  const kept = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const order = [...kept, ...dims];
  const inverse = new Array<number>(order.length);
  order.forEach((d, i) => (inverse[d] = i));
  const moved = x.permute(order);
  const n = dims.reduce((p, d) => p * x.shape[d]!, 1);
  const flat = moved.reshape([...kept.map((d) => x.shape[d]!), n]);
  const last = flat.ndim - 1;
  const before = shiftInOnes(cumprod(flat, last), last, 1);
  const after = shiftInOnes(cumprod(flat.flip(last), last), last, 1).flip(last);
  return before.mul(after).reshape(moved.shape).permute(inverse);
}
