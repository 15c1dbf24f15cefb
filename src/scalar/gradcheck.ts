/**
 * A gradient checker for functions of scalar `Value`s: analytic gradients from `backward()`
 * against float64 central differences.
 */
import { ArgumentError, GradcheckError, check, fmt } from '../base/errors.js';
import { Value } from './value.js';

/** Tolerances of `gradcheckValue`: an input passes when |analytic − numeric| <= atol + rtol·|numeric|. */
export interface ValueGradcheckOptions {
  /** Step of the central difference (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw a `GradcheckError` on the first mismatch (default true); otherwise report it in the result. */
  throwOnFailure?: boolean;
}

/** What `gradcheckValue` measured. */
export interface ValueGradcheckResult {
  ok: boolean;
  /** f at the inputs. */
  value: number;
  /** Gradients from `backward()`, one per input. */
  analytic: number[];
  /** Central-difference gradients, one per input. */
  numeric: number[];
  /** Indices of the inputs whose gradients disagree. */
  mismatches: number[];
}

/**
 * Checks the gradients of `fn` at `inputs`: builds fresh leaves, runs `backward()` on the output
 * and compares each input's `grad` with (f(x+eps) − f(x−eps)) / 2eps, all in float64.
 * Throws a `GradcheckError` naming the input, both values and the tolerance (unless `throwOnFailure: false`).
 * @example
 * gradcheckValue((a, b) => a.mul(b).tanh(), [0.3, -1.2]); // passes, returns the report
 */
export function gradcheckValue(
  fn: (...xs: Value[]) => Value,
  inputs: readonly number[],
  options: ValueGradcheckOptions = {},
): ValueGradcheckResult {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, throwOnFailure = true } = options;
  check(eps > 0 && atol >= 0 && rtol >= 0, ArgumentError, () => `[gradcheckValue] eps must be > 0 and tolerances >= 0, got eps=${eps} atol=${atol} rtol=${rtol}`);
  const evaluate = (xs: readonly number[]): number => fn(...xs.map((x) => new Value(x))).data;

  const leaves = inputs.map((x) => new Value(x));
  const out = fn(...leaves);
  check(out instanceof Value, ArgumentError, () => `[gradcheckValue] fn must return a Value, got ${fmt(out)}`);
  out.backward();
  const analytic = leaves.map((l) => l.grad);

  const numeric = inputs.map((_, i) => {
    const plus = inputs.slice();
    const minus = inputs.slice();
    plus[i] = plus[i]! + eps;
    minus[i] = minus[i]! - eps;
    return (evaluate(plus) - evaluate(minus)) / (2 * eps);
  });

  const mismatches: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const a = analytic[i]!;
    const n = numeric[i]!;
    const tol = atol + rtol * Math.abs(n);
    if (!(Math.abs(a - n) <= tol)) {
      mismatches.push(i);
      if (throwOnFailure) {
        const name = fn.name === '' ? 'fn' : `'${fn.name}'`;
        throw new GradcheckError(
          `gradient mismatch for input ${i} of ${name} at inputs ${fmt(inputs)}: numeric=${n} analytic=${a} ` +
            `(|diff|=${Math.abs(a - n)} > atol + rtol·|numeric| = ${tol})`,
        );
      }
    }
  }
  return { ok: mismatches.length === 0, value: out.data, analytic, numeric, mismatches };
}
