/**
 * Activation functions, composed from public ops (so their gradients come for free, to any order);
 * gelu is one fused op (ops/fused.ts), differentiable to any order as well.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { where } from '../../ops/elementwise.js';
import { checkTensor } from '../../ops/util.js';
import { isFloating } from '../../base/dtype.js';
import { geluFused } from '../../ops/fused.js';
import { geluComposed } from '../../ops/fused-composed.js';

/**
 * max(x, 0).
 * @example
 * relu(tensor([-1, 2])); // [0, 2]
 */
export function relu(x: Tensor): Tensor {
  checkTensor(x, 'relu', 'input');
  return x.relu();
}

/**
 * x where x > 0, else negativeSlope·x.
 * @example
 * leakyRelu(tensor([-1, 2]), 0.1); // [-0.1, 2]
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor(x, 'leakyRelu', 'input');
  check(typeof negativeSlope === 'number', ArgumentError, () => `[leakyRelu] negativeSlope must be a number, got ${fmt(negativeSlope)}`);
  return where(x.gt(0), x, x.mul(negativeSlope));
}

/**
 * GELU: x·Φ(x) with Φ the standard normal CDF (`approximate: 'none'`), or its tanh approximation
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (`approximate: 'tanh'`). One fused op for float inputs.
 * @example
 * gelu(tensor([1])); // [0.8413]
 */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  checkTensor(x, 'gelu', 'input');
  const { approximate = 'none' } = options;
  check(approximate === 'none' || approximate === 'tanh', ArgumentError, () => `[gelu] approximate must be 'none' or 'tanh', got ${fmt(approximate)}`);
  const tanh = approximate === 'tanh';
  return isFloating(x.dtype) ? geluFused(x, tanh) : geluComposed(x, tanh);
}

/**
 * SiLU (swish): x·σ(x).
 * @example
 * silu(tensor([0])); // [0]
 */
export function silu(x: Tensor): Tensor {
  checkTensor(x, 'silu', 'input');
  return x.mul(x.sigmoid());
}

/**
 * ELU: x where x > 0, else alpha·(eˣ − 1), computed with expm1 of min(x, 0) (no overflow in the unused branch).
 * @example
 * elu(tensor([-1, 1])); // [-0.6321, 1]
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkTensor(x, 'elu', 'input');
  check(typeof alpha === 'number', ArgumentError, () => `[elu] alpha must be a number, got ${fmt(alpha)}`);
  return where(x.gt(0), x, x.minimum(0).expm1().mul(alpha));
}

/**
 * Softplus: log(1 + e^(βx))/β, linear (x) where βx > threshold, as PyTorch; computed as
 * (max(βx, 0) + log1p(e^(−|βx|)))/β so that it never overflows.
 * @example
 * softplus(tensor([0])); // [0.6931]
 */
export function softplus(x: Tensor, options: { beta?: number; threshold?: number } = {}): Tensor {
  checkTensor(x, 'softplus', 'input');
  const { beta = 1, threshold = 20 } = options;
  check(typeof beta === 'number' && beta !== 0, ArgumentError, () => `[softplus] beta must be a non-zero number, got ${fmt(beta)}`);
  const bx = x.mul(beta);
  const smooth = bx.relu().add(bx.abs().neg().exp().log1p()).div(beta);
  return where(bx.gt(threshold), x, smooth);
}

/**
 * tanh x.
 * @example
 * tanh(tensor([0])); // [0]
 */
export function tanh(x: Tensor): Tensor {
  checkTensor(x, 'tanh', 'input');
  return x.tanh();
}

/**
 * 1/(1 + e⁻ˣ).
 * @example
 * sigmoid(tensor([0])); // [0.5]
 */
export function sigmoid(x: Tensor): Tensor {
  checkTensor(x, 'sigmoid', 'input');
  return x.sigmoid();
}

/**
 * Softmax along `dim` (stable).
 * @example
 * softmax(tensor([[1, 2]]), 1);
 */
export function softmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'softmax', 'input');
  return x.softmax(dim);
}

/**
 * Log-softmax along `dim` (stable).
 * @example
 * logSoftmax(tensor([[1, 2]]), 1);
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'logSoftmax', 'input');
  return x.logSoftmax(dim);
}
