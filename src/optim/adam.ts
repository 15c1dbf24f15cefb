/**
 * Adam (Kingma & Ba) with L2 weight decay and the AMSGrad variant: PyTorch's `torch.optim.Adam`.
 * The moment update is shared with AdamW.
 */
import { backend } from '../backend/index.js';
import { zerosLike } from '../core/creation.js';
import { markWritten } from '../ops/inplace.js';
import type { Tensor } from '../core/tensor.js';
import { checkBetas, checkNonNegative, withDefaults } from './options.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** The hyper-parameters of Adam and AdamW (per group). */
export interface AdamOptions extends OptimizerOptions {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

/** The per-parameter state of Adam and AdamW. */
export interface AdamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** The running maximum of `expAvgSq` (AMSGrad only). */
  maxExpAvgSq?: Tensor;
}

/**
 * Checks the hyper-parameters of Adam or AdamW (PyTorch's checks and messages).
 * @example
 * validateAdam('Adam', { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
 */
export function validateAdam(name: string, o: AdamOptions): void {
  checkNonNegative(name, 'learning rate', o.lr);
  checkNonNegative(name, 'epsilon value', o.eps);
  checkBetas(name, o.betas);
  checkNonNegative(name, 'weightDecay value', o.weightDecay);
}

/**
 * A fresh Adam state for `p`: zero moments (and a zero running maximum with AMSGrad).
 * @example
 * const state = initAdamState(w, true);
 */
export function initAdamState(p: Tensor, amsgrad: boolean): AdamState {
  const state: AdamState = { step: 0, expAvg: zerosLike(p), expAvgSq: zerosLike(p) };
  if (amsgrad) state.maxExpAvgSq = zerosLike(p);
  return state;
}

/** True when the fused kernel applies: one float dtype, one size, every tensor contiguous. */
function fusable(...tensors: Tensor[]): boolean {
  const [p] = tensors as [Tensor];
  return (p.dtype === 'float32' || p.dtype === 'float64')
    && tensors.every((t) => t.dtype === p.dtype && t.numel() === p.numel() && t.isContiguous());
}

/**
 * The Adam update of `p` from a prepared gradient `g` (weight decay already applied), in place:
 * m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − (lr/(1−β₁ᵗ))·m / (√v̂/√(1−β₂ᵗ) + ε),
 * with v̂ = v, or its running maximum with AMSGrad. Call under `noGrad`.
 * @example
 * noGrad(() => adamMoments(w, w.grad!, state, group));
 */
export function adamMoments(p: Tensor, g: Tensor, state: AdamState, group: AdamOptions): void {
  const [beta1, beta2] = group.betas;
  state.step += 1;
  const biasCorrection1 = 1 - beta1 ** state.step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
  if (!group.amsgrad && fusable(p, g, state.expAvg, state.expAvgSq)) {
    // one kernel for the whole update, bit-identical to the composed ops below
    backend().adamUpdate(p, g, state.expAvg, state.expAvgSq, {
      beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2,
      bias2Sqrt: biasCorrection2Sqrt, eps: group.eps, stepSize: -group.lr / biasCorrection1,
    });
    markWritten(p, state.expAvg, state.expAvgSq);
    return;
  }
  state.expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
  state.expAvgSq.mul_(beta2).add_(g.mul(g), { alpha: 1 - beta2 });
  let second = state.expAvgSq;
  if (group.amsgrad) {
    state.maxExpAvgSq ??= zerosLike(p);
    second = state.maxExpAvgSq.copy_(state.maxExpAvgSq.maximum(state.expAvgSq));
  }
  const denom = second.sqrt().div(biasCorrection2Sqrt).add(group.eps);
  p.add_(state.expAvg.div(denom), { alpha: -group.lr / biasCorrection1 });
}

/**
 * Adam: adaptive moment estimation. `weightDecay` adds λ·p to the gradient (L2); for decoupled
 * weight decay use `AdamW`.
 * @example
 * const opt = new Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999] });
 * loss.backward();
 * opt.step();
 */
export class Adam extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false };
    super('Adam', params, withDefaults(defaults, options));
  }

  protected validate(o: AdamOptions): void {
    validateAdam('Adam', o);
  }

  protected initState(p: Tensor, group: ParamGroup & AdamOptions): AdamState {
    return initAdamState(p, group.amsgrad);
  }

  protected update(p: Tensor, grad: Tensor, state: AdamState, group: ParamGroup & AdamOptions): void {
    // g = ∇ + λp;  then the Adam step: p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p, { alpha: group.weightDecay });
    adamMoments(p, g, state, group);
  }
}
