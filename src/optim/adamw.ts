/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, PyTorch's `torch.optim.AdamW`.
 */
import type { Tensor } from '../core/tensor.js';
import { adamMoments, initAdamState, validateAdam, type AdamOptions, type AdamState } from './adam.js';
import { withDefaults } from './options.js';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';

/**
 * AdamW: the parameters decay by `lr·weightDecay` before the Adam step, instead of the decay
 * being added to the gradient. `weightDecay` defaults to 1e-2.
 * @example
 * const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.05 });
 * loss.backward();
 * opt.step();
 */
export class AdamW extends Optimizer<AdamOptions, AdamState> {
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    const defaults: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false };
    super('AdamW', params, withDefaults(defaults, options));
  }

  protected validate(o: AdamOptions): void {
    validateAdam('AdamW', o);
  }

  protected initState(p: Tensor, group: ParamGroup & AdamOptions): AdamState {
    return initAdamState(p, group.amsgrad);
  }

  protected update(p: Tensor, grad: Tensor, state: AdamState, group: ParamGroup & AdamOptions): void {
    // p ← p·(1 − lr·λ);  then the Adam step: p ← p − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε)
    const g = group.maximize ? grad.neg() : grad;
    p.mul_(1 - group.lr * group.weightDecay);
    adamMoments(p, g, state, group);
  }
}
