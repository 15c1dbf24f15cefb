/**
 * Cross-entropy and the negative log-likelihood composed from public ops, inputs already checked:
 * `crossEntropy` runs this composition for probability targets, class weights that need a gradient
 * and mixed dtypes (the fused op, ops/fused-loss.ts, covers the rest), and the tests compare the
 * fused op against it. Internal: not re-exported by `nn.functional`.
 */
import { sameShape, showShape } from '../../base/shape.js';
import { ArgumentError, ShapeError, check } from '../../base/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { where } from '../../ops/elementwise.js';

/** How a loss combines its per-element values (as loss.ts's `Reduction`). */
type Reduction = 'mean' | 'sum' | 'none';

/**
 * −weight[y]·input[y] per position of log-probabilities [N, C, ...] (or [C]) and class indices;
 * 'mean' divides by the summed weights of the non-ignored targets (NaN when every target is ignored).
 * @example
 * nllOf(logp, target, null, -100, 'mean');
 */
export function nllOf(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction): Tensor {
  const classDim = input.ndim >= 2 ? 1 : 0;
  const ignored = target.eq(ignoreIndex);
  const safeTarget = where(ignored, 0, target).to('int32');
  const picked = input.gather(classDim, safeTarget.unsqueeze(classDim)).squeeze(classDim);
  const w = weight === null ? where(ignored, 0, 1).to(input.dtype) : where(ignored, 0, weight.indexSelect(0, safeTarget.reshape(-1)).reshape(target.shape));
  const losses = picked.neg().mul(w);
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return losses.sum().div(w.sum());
}

/**
 * Cross-entropy of logits [N, C, ...] (or [C]) against class indices or class probabilities, as
 * `torch.nn.functional.cross_entropy`, composed of logSoftmax, gather and sums.
 * @example
 * crossEntropyComposed(logits, labels, null, -100, 'mean', 0.1);
 */
export function crossEntropyComposed(input: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number, reduction: Reduction, labelSmoothing: number): Tensor {
  const classDim = input.ndim >= 2 ? 1 : 0;
  const classes = input.shape[classDim]!;
  const logp = input.logSoftmax(classDim);
  const weightShape = input.shape.map((s, d) => (d === classDim ? s : 1));

  if (target.dtype !== 'int32') {
    // class probabilities
    check(ignoreIndex < 0, ArgumentError, () => `[crossEntropy] ignoreIndex is not supported for probability (floating-point) targets, got ${ignoreIndex}`);
    check(sameShape(target.shape, input.shape), ShapeError,
      () => `[crossEntropy] probability targets must have the input's shape ${showShape(input.shape)}, got ${showShape(target.shape)}`);
    const t = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
    const weighted = weight === null ? logp : logp.mul(weight.reshape(weightShape));
    const losses = weighted.mul(t).sum(classDim).neg();
    if (reduction === 'mean') return losses.sum().div(input.numel() / classes);
    return reduction === 'sum' ? losses.sum() : losses;
  }

  const nll = nllOf(logp, target, weight, ignoreIndex, reduction);
  if (labelSmoothing === 0) return nll;
  // the uniform part: −Σ_c w_c·log p_c per position, 0 at ignored positions
  const ignored = target.eq(ignoreIndex);
  const weighted = weight === null ? logp : logp.mul(weight.reshape(weightShape));
  let smooth = where(ignored, 0, weighted.sum(classDim).neg());
  if (reduction === 'mean') {
    const safeTarget = where(ignored, 0, target).to('int32');
    const denominator = weight === null
      ? ignored.logicalNot().sum()
      : where(ignored, 0, weight.indexSelect(0, safeTarget.reshape(-1)).reshape(target.shape)).sum();
    smooth = smooth.sum().div(denominator.to(input.dtype));
  } else if (reduction === 'sum') {
    smooth = smooth.sum();
  }
  return nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / classes));
}
