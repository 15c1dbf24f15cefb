/**
 * Loss functions, composed from public ops, with PyTorch's arguments and reductions. Cross-entropy
 * of class indices is one fused op (ops/fused-loss.ts: log-softmax and NLL in one kernel each way);
 * probability targets go through a stable logSoftmax. Logits of ±1000 do not overflow either way.
 */
import { isFloating } from '../../base/dtype.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { sameShape, showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { customOp } from '../../core/custom-op.js';
import { where } from '../../ops/elementwise.js';
import { checkTensor } from '../../ops/util.js';
import { scope } from '../../core/storage.js';
import { isGradEnabled } from '../../core/grad-mode.js';
import { crossEntropyFused } from '../../ops/fused-loss.js';
import { crossEntropyComposed, nllOf } from './loss-composed.js';

/** How a loss combines its per-element values. */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(loss: Tensor, reduction: Reduction, op: string): Tensor {
  check(reduction === 'mean' || reduction === 'sum' || reduction === 'none', ArgumentError,
    () => `[${op}] reduction must be 'mean', 'sum' or 'none', got ${fmt(reduction)}`);
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}

function checkPair(input: Tensor, target: Tensor, op: string): void {
  checkTensor(input, op, 'input');
  checkTensor(target, op, 'target');
  check(isFloating(input.dtype), DTypeError, () => `[${op}] input must be floating-point, got ${input.dtype}`);
  check(sameShape(input.shape, target.shape), ShapeError,
    () => `[${op}] input of shape ${showShape(input.shape)} and target of shape ${showShape(target.shape)} differ`);
}

/** Options of `crossEntropy` and `nllLoss`. */
export interface ClassLossOptions {
  /** A weight per class ([C]). */
  weight?: Tensor | null;
  /** Target value whose positions contribute nothing (default -100). */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/** Checks class-index targets against the input [N, C, ...] (or [C]) and returns their values. */
function checkClassTarget(input: Tensor, target: Tensor, op: string, ignoreIndex: number): ArrayLike<number> {
  const batched = input.ndim >= 2;
  const expected = batched ? [input.shape[0]!, ...input.shape.slice(2)] : [];
  check(sameShape(target.shape, expected), ShapeError,
    () => `[${op}] target of shape ${showShape(target.shape)} does not match input ${showShape(input.shape)} (expected ${showShape(expected)})`);
  const classes = input.shape[batched ? 1 : 0]!;
  const values = target.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    check(v === ignoreIndex || (v >= 0 && v < classes), ShapeError,
      () => `[${op}] target ${v} is out of bounds for ${classes} classes`);
  }
  return values;
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities [N, C, ...] (or [C]):
 * −weight[y]·input[y] per position; 'mean' divides by the summed weights of the non-ignored targets.
 * @example
 * nllLoss(logits.logSoftmax(1), labels);
 */
export function nllLoss(input: Tensor, target: Tensor, options: ClassLossOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = options;
  checkTensor(input, 'nllLoss', 'input');
  checkTensor(target, 'nllLoss', 'target');
  check(target.dtype === 'int32', DTypeError, () => `[nllLoss] target must hold class indices (int32), got ${target.dtype}`);
  check(input.ndim >= 1, ShapeError, () => '[nllLoss] input must have at least 1 dim (classes)');
  checkClassTarget(input, target, 'nllLoss', ignoreIndex);
  const classDim = input.ndim >= 2 ? 1 : 0;
  const classes = input.shape[classDim]!;
  check(weight === null || (weight.ndim === 1 && weight.shape[0] === classes), ShapeError,
    () => `[nllLoss] weight must have shape [${classes}], got ${weight === null ? '' : showShape(weight.shape)}`);
  check(reduction === 'none' || reduction === 'sum' || reduction === 'mean', ArgumentError,
    () => `[nllLoss] reduction must be 'mean', 'sum' or 'none', got ${fmt(reduction)}`);
  return scope(() => nllOf(input, target, weight, ignoreIndex, reduction));
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends ClassLossOptions {
  /** Mixes the target with the uniform distribution: (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/**
 * Cross-entropy of logits [N, C, ...] (or [C]) against class indices (int32, [N, ...]) or class
 * probabilities (same shape as the input), as `torch.nn.functional.cross_entropy` — with `weight`,
 * `ignoreIndex`, `labelSmoothing` and `reduction`. Stable: logits of ±1000 are fine.
 * @example
 * crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = options;
  checkTensor(input, 'crossEntropy', 'input');
  checkTensor(target, 'crossEntropy', 'target');
  check(isFloating(input.dtype), DTypeError, () => `[crossEntropy] input must hold floating-point logits, got ${input.dtype}`);
  check(input.ndim >= 1, ShapeError, () => '[crossEntropy] input must have at least 1 dim (classes)');
  check(typeof labelSmoothing === 'number' && labelSmoothing >= 0 && labelSmoothing <= 1, ArgumentError,
    () => `[crossEntropy] labelSmoothing must be in [0, 1], got ${fmt(labelSmoothing)}`);
  const classDim = input.ndim >= 2 ? 1 : 0;
  const classes = input.shape[classDim]!;
  check(weight === null || (weight.ndim === 1 && weight.shape[0] === classes), ShapeError,
    () => `[crossEntropy] weight must have shape [${classes}], got ${weight === null ? '' : showShape(weight.shape)}`);
  check(reduction === 'mean' || reduction === 'sum' || reduction === 'none', ArgumentError,
    () => `[crossEntropy] reduction must be 'mean', 'sum' or 'none', got ${fmt(reduction)}`);
  if (target.dtype !== 'int32') return scope(() => crossEntropyComposed(input, target, weight, ignoreIndex, reduction, labelSmoothing));
  const targets = checkClassTarget(input, target, 'crossEntropy', ignoreIndex);
  // one fused op, unless the class weights need a gradient or have another dtype
  const fused = weight === null || (weight.dtype === input.dtype && !(weight.requiresGrad && isGradEnabled()));
  if (!fused) return scope(() => crossEntropyComposed(input, target, weight, ignoreIndex, reduction, labelSmoothing));
  return scope(() => crossEntropyOfIndices(input, target, targets, weight, ignoreIndex, reduction, labelSmoothing));
}

/** Cross-entropy of class indices by the fused op: logits as rows [R, C] (class dim last), then the reduction. */
function crossEntropyOfIndices(input: Tensor, target: Tensor, targets: ArrayLike<number>, weight: Tensor | null, ignoreIndex: number, reduction: Reduction, labelSmoothing: number): Tensor {
  const rows = target.numel();
  const classes = input.shape[input.ndim >= 2 ? 1 : 0]!;
  const logits = input.ndim === 1 ? input.reshape(1, classes)
    : input.ndim === 2 ? input : input.permute([0, ...input.shape.map((_, d) => d).slice(2), 1]).reshape(rows, classes);
  const losses = crossEntropyFused(logits, target.reshape(rows), weight, ignoreIndex, labelSmoothing);
  if (reduction === 'none') return losses.reshape(target.shape);
  if (reduction === 'sum') return losses.sum();
  // NOTE: a zero divisor gives NaN even where label smoothing made the sum non-zero, as PyTorch (its NLL part is 0/0)
  const divisor = weightOfTargets(targets, weight, ignoreIndex);
  return losses.sum().div(divisor === 0 ? Number.NaN : divisor);
}

/** Σ weight[t] over the targets t that are not ignored (their count without weights): the divisor of 'mean'. */
function weightOfTargets(targets: ArrayLike<number>, weight: Tensor | null, ignoreIndex: number): number {
  const w = weight === null ? null : weight.toTypedArray();
  let total = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    if (t !== ignoreIndex) total += w === null ? 1 : (w[t] as number);
  }
  return total;
}

/**
 * Mean squared error (input − target)².
 * @example
 * mseLoss(prediction, target);
 */
export function mseLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkPair(input, target, 'mseLoss');
  return reduce(input.sub(target).square(), options.reduction ?? 'mean', 'mseLoss');
}

/**
 * Mean absolute error |input − target|.
 * @example
 * l1Loss(prediction, target, { reduction: 'sum' });
 */
export function l1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor {
  checkPair(input, target, 'l1Loss');
  return reduce(input.sub(target).abs(), options.reduction ?? 'mean', 'l1Loss');
}

/**
 * Smooth L1: 0.5·d²/beta where |d| < beta, else |d| − 0.5·beta (beta 0 is the L1 loss).
 * @example
 * smoothL1Loss(prediction, target, { beta: 0.5 });
 */
export function smoothL1Loss(input: Tensor, target: Tensor, options: { reduction?: Reduction; beta?: number } = {}): Tensor {
  checkPair(input, target, 'smoothL1Loss');
  const { beta = 1, reduction = 'mean' } = options;
  check(typeof beta === 'number' && beta >= 0, ArgumentError, () => `[smoothL1Loss] beta must be >= 0, got ${fmt(beta)}`);
  const d = input.sub(target).abs();
  const loss = beta === 0 ? d : where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
  return reduce(loss, reduction, 'smoothL1Loss');
}

/**
 * Huber loss: 0.5·d² where |d| <= delta, else delta·(|d| − 0.5·delta).
 * @example
 * huberLoss(prediction, target, { delta: 2 });
 */
export function huberLoss(input: Tensor, target: Tensor, options: { reduction?: Reduction; delta?: number } = {}): Tensor {
  checkPair(input, target, 'huberLoss');
  const { delta = 1, reduction = 'mean' } = options;
  check(typeof delta === 'number' && delta > 0, ArgumentError, () => `[huberLoss] delta must be > 0, got ${fmt(delta)}`);
  const d = input.sub(target).abs();
  return reduce(where(d.le(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta)), reduction, 'huberLoss');
}

/** PyTorch's floor for p(1 − p) in BCE's gradient: 1e-12 as a float32 constant. */
const BCE_EPSILON = Math.fround(1e-12);

/** max(log x, −100), PyTorch's floor for BCE's logs. */
const clampedLog = (x: Tensor): Tensor => x.log().maximum(-100);

// BCE as a custom op so that its gradient is PyTorch's (p − y)/max(p(1 − p), 1e-12): finite and
// non-zero even for confident wrong predictions at p = 0 or 1, where the clamped log is flat.
const bce = customOp({
  name: 'binaryCrossEntropy',
  forward(ctx, p, y) {
    ctx.saveForBackward(p!, y!);
    return y!.mul(clampedLog(p!)).add(y!.neg().add(1).mul(clampedLog(p!.neg().add(1)))).neg();
  },
  backward(ctx, g) {
    const [p, y] = ctx.savedTensors as [Tensor, Tensor];
    return [
      ctx.needsInputGrad[0] ? g.mul(p.sub(y)).div(p.mul(p.neg().add(1)).maximum(BCE_EPSILON)) : null,
      ctx.needsInputGrad[1] ? g.mul(clampedLog(p.neg().add(1)).sub(clampedLog(p))) : null,
    ];
  },
});

/**
 * Binary cross-entropy of probabilities in [0, 1]: −(y·log p + (1 − y)·log(1 − p)), logs clamped
 * at −100 and the gradient (p − y)/max(p(1 − p), 1e-12), as PyTorch; optional per-element `weight`.
 * @example
 * binaryCrossEntropy(probabilities, targets);
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: { weight?: Tensor | null; reduction?: Reduction } = {}): Tensor {
  checkPair(input, target, 'binaryCrossEntropy');
  const p = input.toTypedArray();
  for (let i = 0; i < p.length; i++) {
    check(p[i]! >= 0 && p[i]! <= 1, ArgumentError, () => `[binaryCrossEntropy] all elements of input must be between 0 and 1, got ${p[i]}`);
  }
  let loss = bce(input, target);
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, options.reduction ?? 'mean', 'binaryCrossEntropy');
}

/**
 * Binary cross-entropy on logits, stable for any x: (1 − y)·x + (1 + (pw − 1)·y)·(log1p(e^(−|x|)) + max(−x, 0)),
 * with `posWeight` (per class, broadcast on the last dim) and per-element `weight`.
 * @example
 * binaryCrossEntropyWithLogits(logits, targets, { posWeight: tensor([3]) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  checkPair(input, target, 'binaryCrossEntropyWithLogits');
  const softplusNeg = input.abs().neg().exp().log1p().add(input.neg().relu()); // log(1 + e^(−x))
  const logWeight = options.posWeight ? options.posWeight.sub(1).mul(target).add(1) : null;
  let loss = target.neg().add(1).mul(input).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg);
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, options.reduction ?? 'mean', 'binaryCrossEntropyWithLogits');
}

/**
 * Kullback–Leibler divergence with `input` as log-probabilities: target·(log target − input)
 * (0 where target = 0); `logTarget` takes the target as log-probabilities; 'batchmean' divides the
 * sum by the batch size (the mathematically correct mean).
 * @example
 * klDiv(logQ, p, { reduction: 'batchmean' });
 */
export function klDiv(input: Tensor, target: Tensor, options: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  checkPair(input, target, 'klDiv');
  const { reduction = 'mean', logTarget = false } = options;
  const loss = logTarget
    ? target.exp().mul(target.sub(input))
    : where(target.gt(0), target.mul(where(target.gt(0), target, 1).log().sub(input)), 0);
  if (reduction === 'batchmean') return input.ndim === 0 ? loss.sum() : loss.sum().div(input.shape[0]!);
  return reduce(loss, reduction, 'klDiv');
}

/**
 * Cosine similarity along `dim`: x1·x2 / (max(‖x1‖, eps)·max(‖x2‖, eps)), as PyTorch 1.13.
 * @example
 * cosineSimilarity(a, b, { dim: 1 });
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, options: { dim?: number; eps?: number } = {}): Tensor {
  checkTensor(x1, 'cosineSimilarity', 'x1');
  checkTensor(x2, 'cosineSimilarity', 'x2');
  const { dim = 1, eps = 1e-8 } = options;
  const dot = x1.mul(x2).sum(dim);
  return dot.div(x1.norm(2, dim).clamp(eps).mul(x2.norm(2, dim).clamp(eps)));
}
