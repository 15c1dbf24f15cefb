/**
 * Scaled dot-product attention, as PyTorch 2's `torch.nn.functional.scaled_dot_product_attention`.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { checkOptionNames } from '../../base/options.js';
import { broadcastShapes, broadcastsTo, showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { additiveMask, attentionComposed } from '../../ops/attention-composed.js';
import { attentionFused, canFuse } from '../../ops/attention.js';
import { checkTensor } from '../../ops/util.js';
import { dropout } from './misc.js';

/** Options of `scaledDotProductAttention`. */
export interface AttentionOptions {
  /**
   * Broadcastable to [..., L, S]. Boolean: true where the query may attend to the key (PyTorch 2's
   * convention; `nn.MultiheadAttention` masks mean the opposite). Float: added to the scores.
   */
  attnMask?: Tensor | null;
  /** Query i attends to keys j ≤ i only (top-left aligned, as PyTorch); not together with attnMask. */
  isCausal?: boolean;
  /** Dropout probability on the attention weights (applied whenever > 0, as the functional form in PyTorch). */
  dropoutP?: number;
  /** Multiplies q·kᵀ; default 1/√E. */
  scale?: number | null;
}

const OPTION_NAMES = ['attnMask', 'isCausal', 'dropoutP', 'scale'];

function checkInputs(q: Tensor, k: Tensor, v: Tensor): readonly number[] {
  checkTensor(q, 'scaledDotProductAttention', 'query');
  checkTensor(k, 'scaledDotProductAttention', 'key');
  checkTensor(v, 'scaledDotProductAttention', 'value');
  check((q.dtype === 'float32' || q.dtype === 'float64') && k.dtype === q.dtype && v.dtype === q.dtype, DTypeError,
    () => `[scaledDotProductAttention] query, key and value must share one float dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}`);
  const shapes = `query ${showShape(q.shape)}, key ${showShape(k.shape)}, value ${showShape(v.shape)}`;
  check(q.ndim >= 2 && k.ndim >= 2 && v.ndim >= 2, ShapeError,
    () => `[scaledDotProductAttention] query, key and value must be [..., L, E], [..., S, E] and [..., S, Ev], got ${shapes}`);
  check(q.shape[q.ndim - 1] === k.shape[k.ndim - 1] && k.shape[k.ndim - 2] === v.shape[v.ndim - 2], ShapeError,
    () => `[scaledDotProductAttention] query and key need the same last dim E, key and value the same length S, got ${shapes}`);
  const batch = (t: Tensor): readonly number[] => t.shape.slice(0, -2);
  return broadcastShapes(broadcastShapes(batch(q), batch(k), 'scaledDotProductAttention'), batch(v), 'scaledDotProductAttention');
}

/**
 * softmax(q·kᵀ·scale + mask)·v over the last two dims of `query` [..., L, E], `key` [..., S, E] and
 * `value` [..., S, Ev] (leading dims broadcast) → [..., L, Ev]. Runs as fused kernels that keep only
 * a tile of the score matrix (online softmax, as FlashAttention) unless dropout is on or the mask
 * needs a gradient; then, and when backward records a graph, it is composed of public ops. A query
 * that may attend to no key gets a zero output (PyTorch ≥ 2.5), not NaN.
 * @example
 * const y = F.scaledDotProductAttention(q, k, v, { isCausal: true }); // q, k, v: [B, heads, T, 16]
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, options: AttentionOptions = {}): Tensor {
  checkOptionNames(options, OPTION_NAMES, 'scaledDotProductAttention');
  const batch = checkInputs(query, key, value);
  const { attnMask = null, isCausal = false, dropoutP = 0, scale = null } = options;
  const [l, s, e] = [query.shape[query.ndim - 2]!, key.shape[key.ndim - 2]!, query.shape[query.ndim - 1]!];
  if (attnMask !== null) {
    checkTensor(attnMask, 'scaledDotProductAttention', 'attnMask');
    check(attnMask.dtype === 'bool' || attnMask.dtype === query.dtype, DTypeError,
      () => `[scaledDotProductAttention] attnMask must be bool or ${query.dtype} like the query, got ${attnMask.dtype}`);
    check(broadcastsTo(attnMask.shape, [...batch, l, s]), ShapeError,
      () => `[scaledDotProductAttention] attnMask of shape ${showShape(attnMask.shape)} cannot be broadcast to the scores' shape ${showShape([...batch, l, s])}`);
  }
  check(typeof isCausal === 'boolean', ArgumentError, () => `[scaledDotProductAttention] isCausal must be a boolean, got ${fmt(isCausal)}`);
  check(!(isCausal && attnMask !== null), ArgumentError, () => '[scaledDotProductAttention] give either attnMask or isCausal, not both');
  check(typeof dropoutP === 'number' && dropoutP >= 0 && dropoutP < 1, ArgumentError,
    () => `[scaledDotProductAttention] dropoutP must be in [0, 1), got ${fmt(dropoutP)}`);
  check(scale === null || (typeof scale === 'number' && Number.isFinite(scale)), ArgumentError,
    () => `[scaledDotProductAttention] scale must be a finite number, got ${fmt(scale)}`);
  const factor = scale ?? 1 / Math.sqrt(e);
  const bias = additiveMask(attnMask, query.dtype as 'float32' | 'float64');
  if (dropoutP === 0 && canFuse(bias)) return attentionFused(query, key, value, bias, isCausal, factor);
  const drop = dropoutP > 0 ? (w: Tensor): Tensor => dropout(w, dropoutP) : null;
  return attentionComposed(query, key, value, bias, isCausal, factor, drop);
}
