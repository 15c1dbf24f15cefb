/**
 * Functional autodiff: `autograd.grad` (gradients of outputs w.r.t. chosen inputs, without touching
 * `.grad`), and the composable transforms `grad`, `valueAndGrad`, `vjp`, `jvp` and
 * `hessianVectorProduct`. Grad of grad works because every gradient is built with createGraph when
 * it may be differentiated again.
 */
import { runBackward } from './autograd.js';
import { onesLike, zerosLike } from './creation.js';
import { ArgumentError, AutogradError, ShapeError, check, fmt } from '../base/errors.js';
import { isGradEnabled } from './grad-mode.js';
import { sameShape, showShape } from '../base/shape.js';
import { Tensor } from './tensor.js';

/** Options of `autograd.grad`. */
export interface AutogradGradOptions {
  /** The vectors of the vector-Jacobian products, one per output (default: ones for scalar outputs). */
  gradOutputs?: readonly (Tensor | null)[];
  /** Keep the graph for another backward (default: createGraph). */
  retainGraph?: boolean;
  /** Record the gradient computation for higher-order derivatives (default false). */
  createGraph?: boolean;
  /** Return null for inputs the outputs don't depend on, instead of throwing (default false). */
  allowUnused?: boolean;
}

function gradOf(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: AutogradGradOptions = {}): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const { createGraph = false, retainGraph = createGraph, allowUnused = false } = options;
  ins.forEach((t, i) => {
    check(t instanceof Tensor && t.requiresGrad, AutogradError, () => `[autograd.grad] inputs[${i}] does not require grad`);
  });
  const roots: Tensor[] = [];
  const grads: Tensor[] = [];
  outs.forEach((o, k) => {
    check(o instanceof Tensor, ArgumentError, () => `[autograd.grad] outputs[${k}] must be a Tensor, got ${fmt(o)}`);
    const given = options.gradOutputs?.[k] ?? null;
    if (given !== null) {
      check(sameShape(given.shape, o.shape), ShapeError,
        () => `[autograd.grad] gradOutputs[${k}] has shape ${showShape(given.shape)}, expected ${showShape(o.shape)}`);
    } else {
      check(o.numel() === 1, AutogradError,
        () => `[autograd.grad] grad can be implicitly created only for scalar outputs; outputs[${k}] has shape ${showShape(o.shape)}`);
    }
    if (!o.requiresGrad) return; // does not depend on any input: contributes nothing
    roots.push(o);
    grads.push(given ?? onesLike(o));
  });
  const result = roots.length === 0 ? ins.map(() => null) : runBackward(roots, grads, { retainGraph, createGraph }, ins);
  if (!allowUnused) {
    result.forEach((g, i) => check(g !== null, AutogradError,
      () => `[autograd.grad] inputs[${i}] was not used to compute the outputs; pass { allowUnused: true } to get null`));
  }
  return result;
}

/**
 * `torch.autograd`'s functional entry points.
 * @example
 * const [dx] = autograd.grad(y, [x], { createGraph: true }); // dy/dx, itself differentiable
 */
export const autograd = {
  /** Gradients of `outputs` w.r.t. `inputs` (returned, not accumulated into `.grad`). */
  grad: gradOf,
};

/** Options of the `grad` and `valueAndGrad` transforms. */
export interface GradOptions {
  /** Which arguments to differentiate with respect to (default 0). */
  argnums?: number | readonly number[];
}

/** Prepares the arguments: differentiated ones become graph inputs (fresh leaves at the top level). */
function prepare(args: readonly Tensor[], argnums: readonly number[], op: string): Tensor[] {
  argnums.forEach((i) => check(Number.isInteger(i) && i >= 0 && i < args.length, ArgumentError,
    () => `[${op}] argnums ${i} is out of range for ${args.length} arguments`));
  return args.map((a, i) => {
    check(a instanceof Tensor, ArgumentError, () => `[${op}] argument ${i} must be a Tensor, got ${fmt(a)}`);
    if (!argnums.includes(i)) return a;
    return a.requiresGrad && isGradEnabled() ? a : a.detach().requiresGrad_();
  });
}

/** Whether the results must stay differentiable (some argument is part of an outer graph). */
function nested(args: readonly Tensor[]): boolean {
  return isGradEnabled() && args.some((a) => a.requiresGrad);
}

function differentiate(f: (...args: Tensor[]) => Tensor, args: Tensor[], argnums: readonly number[], op: string): [Tensor, Tensor[]] {
  const keep = nested(args);
  const xs = prepare(args, argnums, op);
  const out = f(...xs);
  check(out instanceof Tensor && out.numel() === 1, ShapeError,
    () => `[${op}] the function must return a one-element tensor, got ${out instanceof Tensor ? showShape(out.shape) : fmt(out)}`);
  const wrt = argnums.map((i) => xs[i]!);
  const gs = gradOf(out, wrt, { createGraph: keep, allowUnused: true });
  const grads = gs.map((g, k) => g ?? zerosLike(wrt[k]!));
  return [keep ? out : out.detach(), keep ? grads : grads.map((g) => g.detach())];
}

/**
 * The gradient transform (as `jax.grad`): `grad(f)(x)` is df/dx for a scalar-valued f.
 * Composable: `grad(grad(f))` gives second derivatives. With several `argnums` it returns an array.
 * @example
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([2])); // [12]
 * grad(grad((x: Tensor) => x.pow(3).sum()))(tensor([2])); // [12] (6x)
 */
export function grad(f: (...args: Tensor[]) => Tensor, options: GradOptions = {}): (...args: Tensor[]) => Tensor & Tensor[] {
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return ((...args: Tensor[]) => {
    const [, grads] = differentiate(f, args, list, 'grad');
    return typeof argnums === 'number' ? grads[0]! : grads;
  }) as (...args: Tensor[]) => Tensor & Tensor[];
}

/**
 * Like `grad`, returning `[value, gradient]` from one forward pass.
 * @example
 * const [loss, dw] = valueAndGrad((w: Tensor) => w.square().sum())(tensor([1, 2]));
 */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor, options: GradOptions = {}): (...args: Tensor[]) => [Tensor, Tensor & Tensor[]] {
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args: Tensor[]) => {
    const [value, grads] = differentiate(f, args, list, 'valueAndGrad');
    return [value, (typeof argnums === 'number' ? grads[0]! : grads) as Tensor & Tensor[]];
  };
}

/**
 * The vector-Jacobian product: `[f(x), vᵀ·∂f/∂x]` for every primal (as `torch.func.vjp`, with v given directly).
 * @example
 * const [y, [dx]] = vjp((x: Tensor) => x.mul(2), [tensor([1, 2])], tensor([1, 1])); // dx = [2, 2]
 */
export function vjp(f: (...args: Tensor[]) => Tensor, primals: readonly Tensor[], v: Tensor): [Tensor, Tensor[]] {
  const keep = nested([...primals, v]);
  const xs = prepare(primals, primals.map((_, i) => i), 'vjp');
  const out = f(...xs);
  check(out instanceof Tensor && sameShape(out.shape, v.shape), ShapeError,
    () => `[vjp] v has shape ${showShape(v.shape)}, but f returned ${out instanceof Tensor ? showShape(out.shape) : fmt(out)}`);
  const gs = gradOf(out, xs, { gradOutputs: [v], createGraph: keep, allowUnused: true });
  const grads = gs.map((g, k) => g ?? zerosLike(xs[k]!));
  return [keep ? out : out.detach(), keep ? grads : grads.map((g) => g.detach())];
}

/**
 * The Jacobian-vector product `[f(x), ∂f/∂x·t]`, by the double-vjp trick: g(u) = uᵀJ is linear
 * in u, so the vjp of g with cotangent t is J·t.
 * @example
 * const [y, dy] = jvp((x: Tensor) => x.square(), [tensor([3])], [tensor([1])]); // dy = [6]
 */
export function jvp(f: (...args: Tensor[]) => Tensor, primals: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  check(tangents.length === primals.length, ArgumentError, () => `[jvp] expected ${primals.length} tangents, got ${tangents.length}`);
  tangents.forEach((t, i) => check(t instanceof Tensor && sameShape(t.shape, primals[i]!.shape), ShapeError,
    () => `[jvp] tangents[${i}] must have the primal's shape ${showShape(primals[i]!.shape)}`));
  const keep = nested([...primals, ...tangents]);
  const xs = prepare(primals, primals.map((_, i) => i), 'jvp');
  const out = f(...xs);
  check(out instanceof Tensor, ArgumentError, () => `[jvp] f must return a Tensor, got ${fmt(out)}`);
  if (!out.requiresGrad) return [out, zerosLike(out)];
  const u = zerosLike(out).requiresGrad_();
  const gs = gradOf(out, xs, { gradOutputs: [u], createGraph: true, allowUnused: true });
  const used = gs.map((g, i) => [g, tangents[i]!] as const).filter(([g]) => g !== null && g.requiresGrad) as [Tensor, Tensor][];
  const [dy] = used.length === 0 ? [null] : gradOf(used.map(([g]) => g), [u], { gradOutputs: used.map(([, t]) => t), createGraph: keep, allowUnused: true });
  const result = dy ?? zerosLike(out);
  return [keep ? out : out.detach(), keep ? result : result.detach()];
}

/**
 * The Hessian of a scalar f at x times v, without forming the Hessian: ∇ₓ(∇ₓf · v).
 * @example
 * hessianVectorProduct((x: Tensor) => x.pow(3).sum(), tensor([1, 2]), tensor([1, 1])); // [6, 12]
 */
export function hessianVectorProduct(f: (x: Tensor) => Tensor, x: Tensor, v: Tensor): Tensor {
  check(v instanceof Tensor && sameShape(v.shape, x.shape), ShapeError,
    () => `[hessianVectorProduct] v must have x's shape ${showShape(x.shape)}`);
  return grad((y: Tensor) => grad(f)(y).mul(v).sum())(x);
}
