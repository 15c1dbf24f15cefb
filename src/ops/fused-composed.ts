/**
 * The fused ops of ops/fused.ts composed from public ops: the reference the fused kernels are
 * tested against, and the path the fused ops' vjps take when backward records a graph (createGraph),
 * so that gradients of gradients work. Internal: not re-exported by the public barrel.
 */
import { noGrad } from '../core/grad-mode.js';
import type { Tensor } from '../core/tensor.js';
import { where } from './elementwise.js';
import { max } from './reduce.js';

/** The max along `dim` (kept) as a constant. */
const detachedMax = (x: Tensor, dim: number): Tensor => noGrad(() => max(x, [dim], true));

/**
 * Softmax along `dim`, composed: exp(x − max) / Σ exp(x − max).
 * @example
 * softmaxComposed(tensor([1, 2, 3]), 0); // [0.0900, 0.2447, 0.6652]
 */
export function softmaxComposed(x: Tensor, dim: number): Tensor {
  const e = x.sub(detachedMax(x, dim)).exp();
  return e.div(e.sum(dim, true));
}

/**
 * Log-softmax along `dim`, composed: (x − m) − log Σ exp(x − m), m the max (0 where it is ±∞).
 * @example
 * logSoftmaxComposed(tensor([1000, 0]), 0); // [0, -1000]
 */
export function logSoftmaxComposed(x: Tensor, dim: number): Tensor {
  const m = detachedMax(x, dim);
  const shifted = x.sub(where(m.abs().eq(Infinity), 0, m));
  return shifted.sub(shifted.exp().sum(dim, true).log());
}

/**
 * Layer normalisation over the last `k` dims, composed: (x − mean)/√(var + eps) with the biased
 * variance, then `weight` and `bias` (shaped like those dims).
 * @example
 * layerNormComposed(randn([4, 8]), 1, null, null, 1e-5);
 */
export function layerNormComposed(x: Tensor, k: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const mean = x.mean(dims, true);
  const centred = x.sub(mean);
  const variance = centred.square().mean(dims, true);
  let y = centred.mul(variance.add(eps).rsqrt());
  if (weight !== null) y = y.mul(weight);
  if (bias !== null) y = y.add(bias);
  return y;
}

/**
 * GELU composed: x·Φ(x) = 0.5·x·(1 + erf(x/√2)), or with `tanh` 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 * @example
 * geluComposed(tensor([1]), false); // [0.8413]
 */
export function geluComposed(x: Tensor, tanh: boolean): Tensor {
  if (tanh) {
    const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(inner.tanh().add(1)).mul(0.5);
  }
  return x.mul(x.mul(Math.SQRT1_2).erf().add(1)).mul(0.5);
}

