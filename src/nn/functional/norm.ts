/**
 * Normalisation: batch and group norm composed from public ops; layer norm as one fused op (ops/fused.ts).
 */
import { ArgumentError, ShapeError, check, fmt } from '../../base/errors.js';
import { noGrad } from '../../core/grad-mode.js';
import { showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { checkTensor } from '../../ops/util.js';
import { scope } from '../../core/storage.js';
import { isFloating } from '../../base/dtype.js';
import { layerNormFused } from '../../ops/fused.js';
import { layerNormComposed } from '../../ops/fused-composed.js';

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones) instead of the running statistics. */
  training?: boolean;
  /** Weight of the new batch in the running statistics (default 0.1). */
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalisation over dim 1 (channels) of [N, C] or [N, C, ...] inputs, as
 * `torch.nn.functional.batch_norm`. In training it normalises with the batch's mean and biased
 * variance and updates `runningMean`/`runningVar` in place (unbiased variance, as PyTorch); in
 * evaluation it uses the running statistics.
 * @example
 * batchNorm(x, runningMean, runningVar, { training: true, weight: gamma, bias: beta });
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkTensor(x, 'batchNorm', 'input');
  const { weight = null, bias = null, training = false, momentum = 0.1, eps = 1e-5 } = options;
  check(x.ndim >= 2, ShapeError, () => `[batchNorm] expects an input of at least 2 dims [N, C, ...], got ${showShape(x.shape)}`);
  const c = x.shape[1]!;
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    check(t === null || (t.ndim === 1 && t.shape[0] === c), ShapeError,
      () => `[batchNorm] ${name} must have shape [${c}] for an input with ${c} channels, got ${t === null ? 'null' : showShape(t.shape)}`);
  }
  check(typeof momentum === 'number' && momentum >= 0 && momentum <= 1, ArgumentError, () => `[batchNorm] momentum must be in [0, 1], got ${fmt(momentum)}`);
  check(training || (runningMean !== null && runningVar !== null), ArgumentError,
    () => '[batchNorm] runningMean and runningVar must be given in evaluation mode (training: false)');
  // the running statistics are updated in place: all new storage here is intermediate or the result
  return scope(() => batchNormOf(x, runningMean, runningVar, weight, bias, training, momentum, eps));
}

function batchNormOf(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null, bias: Tensor | null, training: boolean, momentum: number, eps: number): Tensor {
  const c = x.shape[1]!;
  const dims = x.shape.map((_, d) => d).filter((d) => d !== 1);
  const shape = x.shape.map((s, d) => (d === 1 ? s : 1));
  let mean: Tensor;
  let variance: Tensor;
  if (training || runningMean === null || runningVar === null) {
    // batch statistics
    const count = x.numel() / c;
    check(count > 1 || !training, ArgumentError,
      () => `[batchNorm] expected more than 1 value per channel when training, got input of shape ${showShape(x.shape)}`);
    mean = x.mean(dims, true);
    variance = x.sub(mean).square().mean(dims, true);
    if (training && runningMean !== null && runningVar !== null) {
      noGrad(() => {
        runningMean.mul_(1 - momentum).add_(mean.reshape(c), { alpha: momentum });
        runningVar.mul_(1 - momentum).add_(variance.reshape(c).mul(count / (count - 1)), { alpha: momentum });
      });
    }
  } else {
    mean = runningMean.reshape(shape);
    variance = runningVar.reshape(shape);
  }
  let y = x.sub(mean).div(variance.add(eps).sqrt());
  if (weight !== null) y = y.mul(weight.reshape(shape));
  if (bias !== null) y = y.add(bias.reshape(shape));
  return y;
}

/**
 * Layer normalisation over the last dims (`normalizedShape`), as `torch.nn.functional.layer_norm`:
 * (x − mean)/√(var + eps) with the biased variance, then `weight` and `bias` (shaped `normalizedShape`).
 * One fused op (forward and backward one kernel each) for float inputs.
 * @example
 * layerNorm(randn([8, 32, 64]), [64]);
 */
export function layerNorm(x: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkTensor(x, 'layerNorm', 'input');
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  const tail = x.shape.slice(x.ndim - shape.length);
  check(shape.length >= 1 && shape.length <= x.ndim && showShape(tail) === showShape(shape), ShapeError,
    () => `[layerNorm] normalizedShape ${showShape(shape)} must match the last dims of the input ${showShape(x.shape)}`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    check(t === null || showShape(t.shape) === showShape(shape), ShapeError,
      () => `[layerNorm] ${name} must have shape ${showShape(shape)}, got ${t === null ? 'null' : showShape(t.shape)}`);
  }
  check(typeof eps === 'number', ArgumentError, () => `[layerNorm] eps must be a number, got ${fmt(eps)}`);
  const n = shape.reduce((p, s) => p * s, 1);
  // one fused op for float inputs (weight and bias of the same dtype); the composition otherwise
  const fused = isFloating(x.dtype) && n > 0 && [weight, bias].every((t) => t === null || t.dtype === x.dtype);
  return scope(() => fused
    ? layerNormFused(x.reshape(x.numel() / n, n), weight?.reshape(n) ?? null, bias?.reshape(n) ?? null, eps).reshape(x.shape)
    : layerNormComposed(x, shape.length, weight, bias, eps));
}

/**
 * Group normalisation, as `torch.nn.functional.group_norm`: channels split into `numGroups`
 * groups, each normalised over its channels and all spatial positions; per-channel `weight`/`bias`.
 * @example
 * groupNorm(randn([2, 8, 4, 4]), 4);
 */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  checkTensor(x, 'groupNorm', 'input');
  check(x.ndim >= 2, ShapeError, () => `[groupNorm] expects an input of at least 2 dims [N, C, ...], got ${showShape(x.shape)}`);
  const [n, c] = x.shape as [number, number];
  check(Number.isSafeInteger(numGroups) && numGroups > 0 && c % numGroups === 0, ArgumentError,
    () => `[groupNorm] numGroups must be a positive divisor of the ${c} channels, got ${fmt(numGroups)}`);
  for (const [name, t] of [['weight', weight], ['bias', bias]] as const) {
    check(t === null || (t.ndim === 1 && t.shape[0] === c), ShapeError,
      () => `[groupNorm] ${name} must have shape [${c}], got ${t === null ? 'null' : showShape(t.shape)}`);
  }
  return scope(() => {
    const grouped = x.reshape(n, numGroups, -1);
    const mean = grouped.mean(2, true);
    const centred = grouped.sub(mean);
    const variance = centred.square().mean(2, true);
    let y = centred.mul(variance.add(eps).rsqrt()).reshape(x.shape);
    const shape = x.shape.map((s, d) => (d === 1 ? s : 1));
    if (weight !== null) y = y.mul(weight.reshape(shape));
    if (bias !== null) y = y.add(bias.reshape(shape));
    return y;
  });
}
