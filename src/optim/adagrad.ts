/**
 * Adagrad (Duchi et al.): per-coordinate learning rates from the sum of squared gradients,
 * PyTorch's `torch.optim.Adagrad`.
 */
import { fullLike } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { checkNonNegative, withDefaults } from './options.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** Adagrad's hyper-parameters (per group). */
export interface AdagradOptions extends OptimizerOptions {
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/** Adagrad's per-parameter state: the step count and the sum of squared gradients. */
export interface AdagradState {
  step: number;
  sum: Tensor;
}

/**
 * Adagrad. As in PyTorch, the state of every parameter is created by the constructor (the sums
 * start at `initialAccumulatorValue`).
 * @example
 * const opt = new Adagrad(model.parameters(), { lr: 0.1, lrDecay: 1e-4 });
 * loss.backward();
 * opt.step();
 */
export class Adagrad extends Optimizer<AdagradOptions, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    const defaults: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false };
    super('Adagrad', params, withDefaults(defaults, options));
    for (const group of this.paramGroups) {
      for (const p of group.params) this.state.set(p, this.initState(p, group));
    }
  }

  protected validate(o: AdagradOptions): void {
    checkNonNegative('Adagrad', 'learning rate', o.lr);
    checkNonNegative('Adagrad', 'lrDecay value', o.lrDecay);
    checkNonNegative('Adagrad', 'weightDecay value', o.weightDecay);
    checkNonNegative('Adagrad', 'initialAccumulatorValue value', o.initialAccumulatorValue);
    checkNonNegative('Adagrad', 'epsilon value', o.eps);
  }

  protected initState(p: Tensor, group: ParamGroup & AdagradOptions): AdagradState {
    return { step: 0, sum: fullLike(p, group.initialAccumulatorValue) };
  }

  protected update(p: Tensor, grad: Tensor, state: AdagradState, group: ParamGroup & AdagradOptions): void {
    // g = ∇ + λp;  s ← s + g²;  p ← p − clr·g/(√s + ε),  clr = lr / (1 + (t−1)·lrDecay)
    state.step += 1;
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p, { alpha: group.weightDecay });
    const clr = group.lr / (1 + (state.step - 1) * group.lrDecay);
    state.sum.add_(g.mul(g));
    p.add_(g.div(state.sum.sqrt().add(group.eps)), { alpha: -clr });
  }
}
