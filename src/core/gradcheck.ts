/**
 * Gradient checking: analytic gradients (backward) against float64 central differences. The full
 * Jacobian is compared when it is small; larger ones are checked along random directions.
 */
import { autograd } from './functional.js';
import { randn, zerosLike } from './creation.js';
import { ArgumentError, DTypeError, GradcheckError, check, fmt } from '../base/errors.js';
import { enableGrad } from './grad-mode.js';
import { Generator } from '../base/random.js';
import { showShape, type Shape } from '../base/shape.js';
import { Tensor } from './tensor.js';

/** Options of `gradcheck` and `gradgradcheck`. */
export interface GradcheckOptions {
  /** Step of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5): an entry passes when |analytic − numeric| <= atol + rtol·|numeric|. */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Name used in error messages (default: the function's name). */
  name?: string;
  /** Compare the full Jacobian when it has at most this many entries (default 2048); otherwise use random directions. */
  fullJacobianLimit?: number;
  /** Number of random directions per (output, input) pair for large Jacobians (default 3). */
  directions?: number;
  /** Seed of the random directions (default 0). */
  seed?: number;
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: readonly Tensor[]): Tensor[] {
  const out = fn(...inputs);
  const list = out instanceof Tensor ? [out] : [...out];
  list.forEach((o, k) => check(o instanceof Tensor, ArgumentError, () => `[gradcheck] output ${k} must be a Tensor, got ${fmt(o)}`));
  return list.filter((o) => o.dtype === 'float64' || o.dtype === 'float32');
}

function showIndex(flat: number, shape: Shape): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(',')}]`;
}

/** Evaluates fn on copies of the inputs where input `i` has been replaced by `values`; returns the outputs' values. */
function evaluate(fn: Fn, inputs: readonly Tensor[], i: number, values: Float64Array): Float64Array[] {
  const args = inputs.map((t, k) => {
    const base = k === i ? Tensor.fromData(values.slice(), t.shape, 'float64') : t.detach();
    return t.requiresGrad ? base.requiresGrad_() : base;
  });
  return enableGrad(() => outputsOf(fn, args)).map((o) => Float64Array.from(o.toTypedArray()));
}

/** d(output k)/d(input i) along direction `v` (flat), by central differences: (f(x + eps·v) − f(x − eps·v)) / 2eps. */
function numericDirectional(fn: Fn, inputs: readonly Tensor[], i: number, v: Float64Array, eps: number): Float64Array[] {
  const x = Float64Array.from(inputs[i]!.toTypedArray());
  const plus = x.map((xj, j) => xj + eps * v[j]!);
  const minus = x.map((xj, j) => xj - eps * v[j]!);
  const fp = evaluate(fn, inputs, i, plus);
  const fm = evaluate(fn, inputs, i, minus);
  return fp.map((p, k) => p.map((pj, j) => (pj - fm[k]![j]!) / (2 * eps)));
}

/**
 * Checks every input that requires grad (float64 only) against central differences; throws a
 * `GradcheckError` naming the output, the input, the index and both values. Returns true.
 * @example
 * const a = randn([2, 3], { dtype: 'float64', requiresGrad: true });
 * const b = randn([3], { dtype: 'float64', requiresGrad: true });
 * gradcheck((x, y) => x.div(y.square().add(1)), [a, b]);
 */
export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): true {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, fullJacobianLimit = 2048, directions = 3, seed = 0 } = options;
  const name = options.name ?? (fn.name === '' ? 'fn' : fn.name);
  check(Array.isArray(inputs), ArgumentError, () => `[gradcheck] inputs must be an array of tensors, got ${fmt(inputs)}`);
  inputs.forEach((t, i) => {
    check(t instanceof Tensor, ArgumentError, () => `[gradcheck] inputs[${i}] must be a Tensor, got ${fmt(t)}`);
    check(!t.requiresGrad || t.dtype === 'float64', DTypeError,
      () => `[gradcheck] inputs[${i}] is ${t.dtype}; inputs that require grad must be float64 for meaningful central differences`);
  });
  const checked = inputs.map((t, i) => i).filter((i) => inputs[i]!.requiresGrad);
  check(checked.length > 0, ArgumentError, () => '[gradcheck] no input requires grad: nothing to check');

  const leaves = inputs.map((t) => (t.requiresGrad ? t.detach().requiresGrad_() : t));
  const outputs = enableGrad(() => outputsOf(fn, leaves));
  const fail = (k: number, i: number, where: string, numeric: number, analytic: number): never => {
    throw new GradcheckError(
      `gradient mismatch for output ${k} w.r.t. input ${i} of '${name}' ${where}: numeric=${numeric} analytic=${analytic} ` +
        `(|diff|=${Math.abs(numeric - analytic)}, tolerance ${atol} + ${rtol}·|numeric|)`,
    );
  };
  // as PyTorch's allclose with equal_nan=False: a NaN on either side fails, NaN on both too (a NaN gradient is never checked)
  const close = (a: number, n: number): boolean => Math.abs(a - n) <= atol + rtol * Math.abs(n);

  /** uᵀ·∂(output k)/∂(input i) for every checked input, by backward. */
  const analytic = (k: number, u: Tensor): Float64Array[] => {
    const o = outputs[k]!;
    if (!o.requiresGrad) return checked.map((i) => new Float64Array(inputs[i]!.numel()));
    const gs = autograd.grad(o, checked.map((i) => leaves[i]!), { gradOutputs: [u.to(o.dtype)], retainGraph: true, allowUnused: true });
    return gs.map((g, c) => Float64Array.from((g ?? zerosLike(leaves[checked[c]!]!)).toTypedArray()));
  };

  const totalOut = outputs.reduce((p, o) => p + o.numel(), 0);
  const totalIn = checked.reduce((p, i) => p + inputs[i]!.numel(), 0);
  if (totalOut * totalIn <= fullJacobianLimit) {
    // full Jacobian: one backward per output element, two forwards per input element
    checked.forEach((i, c) => {
      const n = inputs[i]!.numel();
      const numericCols = Array.from({ length: n }, (_, j) => {
        const e = new Float64Array(n);
        e[j] = 1;
        return numericDirectional(fn, inputs, i, e, eps);
      });
      outputs.forEach((o, k) => {
        for (let r = 0; r < o.numel(); r++) {
          const u = new Float64Array(o.numel());
          u[r] = 1;
          const row = analytic(k, Tensor.fromData(u, o.shape, 'float64'))[c]!;
          for (let j = 0; j < n; j++) {
            const num = numericCols[j]![k]![r]!;
            if (!close(row[j]!, num)) {
              fail(k, i, `at input index ${showIndex(j, inputs[i]!.shape)} (output index ${showIndex(r, o.shape)})`, num, row[j]!);
            }
          }
        }
      });
    });
    return true;
  }
  // large Jacobians: compare uᵀ·J·v for random u and v, per (output, input) pair
  const g = new Generator(seed);
  for (let d = 0; d < directions; d++) {
    checked.forEach((i, c) => {
      const v = Float64Array.from(randn(inputs[i]!.shape, { dtype: 'float64', generator: g }).toTypedArray());
      const numeric = numericDirectional(fn, inputs, i, v, eps);
      outputs.forEach((o, k) => {
        const u = randn(o.shape, { dtype: 'float64', generator: g });
        const row = analytic(k, u)[c]!;
        const a = row.reduce((s, x, j) => s + x * v[j]!, 0);
        const uf = u.toTypedArray();
        const n = numeric[k]!.reduce((s, x, j) => s + x * uf[j]!, 0);
        if (!close(a, n)) fail(k, i, `along random direction ${d + 1} of ${directions} (input shape ${showShape(inputs[i]!.shape)})`, n, a);
      });
    });
  }
  return true;
}

/**
 * Checks second derivatives: the gradients of `fn` (vector-Jacobian products with `gradOutputs`,
 * random by default) are themselves checked by `gradcheck` w.r.t. the inputs and the grad outputs.
 * @example
 * gradgradcheck((x) => x.tanh(), [randn([3], { dtype: 'float64', requiresGrad: true })]);
 */
export function gradgradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions & { gradOutputs?: readonly Tensor[] } = {}): true {
  const name = options.name ?? (fn.name === '' ? 'fn' : fn.name);
  const probe = enableGrad(() => outputsOf(fn, inputs.map((t) => (t.requiresGrad ? t.detach().requiresGrad_() : t))));
  const g = new Generator(options.seed ?? 1);
  const vs = options.gradOutputs ?? probe.map((o) => randn(o.shape, { dtype: 'float64', generator: g }));
  check(vs.length === probe.length, ArgumentError, () => `[gradgradcheck] expected ${probe.length} gradOutputs, got ${vs.length}`);
  const n = inputs.length;
  const checked = inputs.map((t, i) => i).filter((i) => inputs[i]!.requiresGrad);
  const firstOrder = (...args: Tensor[]): Tensor[] => {
    const xs = args.slice(0, n);
    const us = args.slice(n);
    const outs = outputsOf(fn, xs);
    const roots = outs.map((o, k) => [o, us[k]!] as const).filter(([o]) => o.requiresGrad);
    if (roots.length === 0) return checked.map((i) => zerosLike(xs[i]!));
    const gs = autograd.grad(roots.map(([o]) => o), checked.map((i) => xs[i]!), {
      gradOutputs: roots.map(([o, u]) => u.to(o.dtype)),
      createGraph: true,
      allowUnused: true,
    });
    return gs.map((gi, c) => gi ?? zerosLike(xs[checked[c]!]!));
  };
  return gradcheck(firstOrder, [...inputs, ...vs.map((v) => v.detach().to('float64').requiresGrad_())], { ...options, name: `${name} (second order)` });
}
