/**
 * Scaled dot-product attention composed from public ops: the reference the fused kernels are
 * checked against, the path that records a graph for second derivatives, and the path taken with
 * dropout or a mask that needs a gradient.
 */
import { noGrad } from '../core/grad-mode.js';
import type { Tensor } from '../core/tensor.js';
import { full } from '../core/creation.js';
import { where } from './elementwise.js';

/**
 * The additive bias of a mask: a boolean mask (true = may attend) becomes 0 / −∞, a float mask is
 * returned as is; `null` for no mask.
 * @example
 * additiveMask(causal); // 0 where allowed, −∞ elsewhere
 */
export function additiveMask(mask: Tensor | null, dtype: 'float32' | 'float64'): Tensor | null {
  if (mask === null) return null;
  if (mask.dtype !== 'bool') return mask;
  return where(mask, full([], 0, { dtype }), full([], -Infinity, { dtype }));
}

/**
 * The [L, S] causal mask of PyTorch's `is_causal`: query i may attend to keys j ≤ i (top-left aligned).
 * @example
 * causalMask(2, 3); // [[true, false, false], [true, true, false]]
 */
export function causalMask(l: number, s: number): Tensor {
  return full([l, s], true, { dtype: 'bool' }).tril();
}

/**
 * softmax(q·kᵀ·scale + bias)·v composed of public ops, with PyTorch 2's semantics. A row that may
 * attend to nothing (every score −∞) gets zero weights and a zero output (PyTorch ≥ 2.5's
 * `_safe_softmax`), not NaN. `dropout` is applied to the weights when given.
 * @example
 * attentionComposed(q, k, v, null, false, 0.25, null);
 */
export function attentionComposed(q: Tensor, k: Tensor, v: Tensor, bias: Tensor | null, isCausal: boolean, scale: number, dropout: ((w: Tensor) => Tensor) | null): Tensor {
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (isCausal) scores = scores.maskedFill(causalMask(q.shape[q.ndim - 2]!, k.shape[k.ndim - 2]!).logicalNot(), -Infinity);
  if (bias !== null) scores = scores.add(bias);
  // NOTE: a row of −∞ scores would give NaN weights (0/0): it attends to nothing instead
  const empty = noGrad(() => scores.max(-1, true).eq(-Infinity));
  let weights = where(empty, 0, where(empty, 0, scores).softmax(-1));
  if (dropout !== null) weights = dropout(weights);
  return weights.matmul(v);
}
