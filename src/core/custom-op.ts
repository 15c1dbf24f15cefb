/**
 * Custom ops, in the spirit of `torch.autograd.Function`: the user writes forward and backward,
 * saves what backward needs on a context, and the op then composes with everything (noGrad,
 * createGraph for higher-order gradients when backward uses differentiable ops, hooks, gradcheck).
 */
import { apply, type OpDef } from './autograd.js';
import { ArgumentError, AutogradError, ShapeError, check, fmt } from '../base/errors.js';
import { isGradEnabled, noGrad } from './grad-mode.js';
import { sameShape, showShape } from '../base/shape.js';
import type { Storage } from './storage.js';
import { Tensor } from './tensor.js';

/**
 * A context that is garbage before the engine released it (its graph was dropped without a backward,
 * or forward threw) lets go of what it saved then.
 */
const unsaveWhenCollected = new FinalizationRegistry<Storage[]>((held) => {
  for (const s of held) s.unsave();
});

/**
 * The context shared by a custom op's forward and backward.
 * @example
 * forward(ctx, x) { ctx.saveForBackward(x); ctx.data.scale = 2; return x.mul(2); }
 */
export class FunctionContext {
  /** `needsInputGrad[i]` is true when input i requires a gradient. */
  readonly needsInputGrad: readonly boolean[];
  /** Anything else forward wants to hand to backward (non-tensor values, shapes, flags). */
  readonly data: Record<string, unknown> = {};
  private saved: { tensors: Tensor[]; versions: number[] } | null = { tensors: [], versions: [] };
  /** The storage of the saved tensors, as the finalization registry holds it (it must not hold the context). */
  private readonly held: Storage[] = [];

  constructor(
    readonly opName: string,
    needsInputGrad: readonly boolean[],
  ) {
    this.needsInputGrad = needsInputGrad;
  }

  /**
   * Saves tensors for backward (inputs, outputs or intermediates); they are version-checked, and
   * counted as held (`savedBy`) until backward is done with them, so that a scope that created
   * them does not free them first.
   */
  saveForBackward(...tensors: Tensor[]): void {
    tensors.forEach((t, i) => check(t instanceof Tensor, ArgumentError, () => `[${this.opName}] saveForBackward argument ${i} must be a Tensor, got ${fmt(t)}`));
    const saved = this.saved;
    check(saved !== null, AutogradError, () => `[${this.opName}] saveForBackward after the context was released (call it in forward)`);
    if (this.held.length === 0 && tensors.length > 0) unsaveWhenCollected.register(this, this.held, this);
    for (const t of tensors) {
      saved.tensors.push(t);
      saved.versions.push(t.version);
      t._storage.save();
      this.held.push(t._storage);
    }
  }

  /** The tensors given to `saveForBackward`, in order. */
  get savedTensors(): readonly Tensor[] {
    const saved = this.saved;
    check(saved !== null, AutogradError, () =>
      `[${this.opName}] trying to backward through the graph a second time (its saved tensors have been freed); pass { retainGraph: true } to the first backward`);
    saved.tensors.forEach((t, i) => check(t.version === saved.versions[i], AutogradError, () =>
      `[${this.opName}] one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
        `saved tensor ${i} (${t.dtype} ${showShape(t.shape)}) is at version ${t.version}; expected version ${saved.versions[i]} instead`));
    return saved.tensors;
  }

  /** Lets go of the saved tensors (called by the engine after backward unless retainGraph, or when no graph was recorded). */
  release(): void {
    if (this.saved === null) return;
    this.saved = null;
    unsaveWhenCollected.unregister(this);
    for (const s of this.held.splice(0)) s.unsave();
  }
}

/** A custom op's definition. */
export interface CustomOpDefinition {
  /** Shown in errors and as the output's `gradFn`. */
  name: string;
  /** Computes the output from the inputs; runs without recording the graph. */
  forward(ctx: FunctionContext, ...inputs: Tensor[]): Tensor;
  /** Gradients for each input from the output's gradient: a tensor (one input), an array, or null entries. */
  backward(ctx: FunctionContext, grad: Tensor): Tensor | null | readonly (Tensor | null)[];
}

/**
 * Turns a forward/backward pair into an op usable like any other.
 * @example
 * const cube = customOp({
 *   name: 'cube',
 *   forward(ctx, x) { ctx.saveForBackward(x); return x.mul(x).mul(x); },
 *   backward(ctx, g) { const [x] = ctx.savedTensors; return g.mul(x!.square()).mul(3); },
 * });
 * const y = cube(tensor([2], { requiresGrad: true })); // 8, gradFn 'cube'
 */
export function customOp(definition: CustomOpDefinition): (...inputs: Tensor[]) => Tensor {
  const { name } = definition;
  const op: OpDef<FunctionContext> = {
    name,
    save: {},
    forward(inputs, ctx) {
      const out = noGrad(() => definition.forward(ctx, ...inputs));
      check(out instanceof Tensor, ArgumentError, () => `[${name}] forward must return a Tensor, got ${fmt(out)}`);
      // a fresh tensor object even when forward returns an input, so that recording never touches the input
      return inputs.includes(out) || out._node !== null ? out._view(out.shape, out.strides, out.offset) : out;
    },
    vjp(g, { attrs: ctx, inputShapes }) {
      const result = definition.backward(ctx, g);
      const grads = Array.isArray(result) ? [...(result as readonly (Tensor | null)[])] : [result as Tensor | null];
      check(grads.length === inputShapes.length, AutogradError,
        () => `[${name}] backward returned ${grads.length} gradients for ${inputShapes.length} inputs`);
      grads.forEach((gi, i) => check(gi === null || (gi instanceof Tensor && sameShape(gi.shape, inputShapes[i]!)), ShapeError,
        () => `[${name}] backward returned ${gi instanceof Tensor ? showShape(gi.shape) : fmt(gi)} for input ${i}, expected ${showShape(inputShapes[i]!)}`));
      return grads;
    },
    release: (ctx) => ctx.release(),
    userCode: true,
  };
  return (...inputs: Tensor[]) => {
    inputs.forEach((t, i) => check(t instanceof Tensor, ArgumentError, () => `[${name}] input ${i} must be a Tensor, got ${fmt(t)}`));
    const ctx = new FunctionContext(name, inputs.map((t) => isGradEnabled() && t.requiresGrad));
    const out = apply(op, inputs, ctx);
    if (out._node?.attrs !== ctx) ctx.release(); // no graph recorded: backward will never read them
    return out;
  };
}
