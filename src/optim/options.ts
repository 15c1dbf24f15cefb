/**
 * Hyper-parameter helpers shared by the optimisers: merging options over defaults and the range
 * checks, whose messages follow PyTorch's (`[Adam] invalid beta parameter at index 0: 1.5`).
 */
import { ArgumentError, check, fmt } from '../base/errors.js';

/**
 * `defaults` overridden by the options that are given (keys whose value is `undefined` are ignored).
 * @example
 * withDefaults({ lr: 1e-3, eps: 1e-8 }, { lr: 0.1, eps: undefined }); // { lr: 0.1, eps: 1e-8 }
 */
export function withDefaults<O extends object>(defaults: O, options: Partial<O>): O {
  const out = { ...defaults };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/**
 * Throws `[optimizer] invalid <label>: <value>` unless `value >= 0` (NaN and non-numbers fail too).
 * @example
 * checkNonNegative('SGD', 'momentum value', -0.5); // ArgumentError: [SGD] invalid momentum value: -0.5
 */
export function checkNonNegative(optimizer: string, label: string, value: unknown): void {
  check(typeof value === 'number' && value >= 0, ArgumentError, () => `[${optimizer}] invalid ${label}: ${fmt(value)}`);
}

/**
 * Checks Adam-style `betas`: a pair of numbers, each in [0, 1).
 * @example
 * checkBetas('Adam', [0.9, 1.5]); // ArgumentError: [Adam] invalid beta parameter at index 1: 1.5
 */
export function checkBetas(optimizer: string, betas: unknown): void {
  check(Array.isArray(betas) && betas.length === 2, ArgumentError,
    () => `[${optimizer}] betas must be a pair of numbers, got ${fmt(betas)}`);
  betas.forEach((beta: unknown, i) => {
    check(typeof beta === 'number' && beta >= 0 && beta < 1, ArgumentError,
      () => `[${optimizer}] invalid beta parameter at index ${i}: ${fmt(beta)}`);
  });
}
