/**
 * Gradient clipping, as PyTorch's `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_`: the
 * gradients of the given parameters are rescaled or clamped in place.
 */
import { tensor } from '../core/creation.js';
import { ArgumentError, DomainError, check, fmt } from '../base/errors.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { div } from '../ops/elementwise.js';
import { stack } from '../ops/copy.js';

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The order of the norm: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it (default false). */
  errorIfNonfinite?: boolean;
}

function gradsOf(parameters: Tensor | Iterable<Tensor>, op: string): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : Array.from(parameters);
  for (const p of list) check(p instanceof Tensor, ArgumentError, () => `[${op}] parameters must be Tensors, got ${fmt(p)}`);
  return list.filter((p) => p.grad !== null).map((p) => p.grad!.detach());
}

/**
 * Rescales the gradients of `parameters` in place so that their total norm (the norm of the
 * per-gradient norms) is at most `maxNorm`: each is multiplied by min(1, maxNorm/(total + 1e-6)).
 * Parameters without a gradient are ignored. Returns the total norm before clipping, as a 0-d tensor.
 * @example
 * loss.backward();
 * const total = clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): Tensor {
  const { normType = 2, errorIfNonfinite = false } = options;
  check(typeof maxNorm === 'number' && !Number.isNaN(maxNorm), ArgumentError, () => `[clipGradNorm_] maxNorm must be a number, got ${fmt(maxNorm)}`);
  check(typeof normType === 'number' && normType > 0, ArgumentError,
    () => `[clipGradNorm_] normType must be a positive number or Infinity, got ${fmt(normType)}`);
  const grads = gradsOf(parameters, 'clipGradNorm_');
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const norms = grads.map((g) => g.norm(normType));
    const total = normType === Infinity ? stack(norms).max() : stack(norms).norm(normType);
    const value = total.item();
    check(!errorIfNonfinite || Number.isFinite(value), DomainError,
      () => `[clipGradNorm_] the total norm of order ${normType} for gradients from parameters is non-finite (${value}), so it cannot be clipped; to scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false`);
    const coef = div(maxNorm, total.add(1e-6)).clamp(null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/**
 * Clamps the gradients of `parameters` in place to [−clipValue, clipValue].
 * @example
 * loss.backward();
 * clipGradValue_(model.parameters(), 0.5);
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  check(typeof clipValue === 'number' && !Number.isNaN(clipValue), ArgumentError,
    () => `[clipGradValue_] clipValue must be a number, got ${fmt(clipValue)}`);
  const grads = gradsOf(parameters, 'clipGradValue_');
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}
