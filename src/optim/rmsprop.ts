/**
 * RMSprop (Hinton), optionally centered and with momentum: PyTorch's `torch.optim.RMSprop`.
 */
import { zerosLike } from '../core/creation.js';
import type { Tensor } from '../core/tensor.js';
import { checkNonNegative, withDefaults } from './options.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** RMSprop's hyper-parameters (per group). */
export interface RMSpropOptions extends OptimizerOptions {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/** RMSprop's per-parameter state. */
export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** Present when the group has momentum > 0. */
  momentumBuffer?: Tensor;
  /** The running mean of the gradient (centered only). */
  gradAvg?: Tensor;
}

/**
 * RMSprop: divides the gradient by a running root mean square of recent gradients (centered:
 * by an estimate of their standard deviation).
 * @example
 * const opt = new RMSprop(model.parameters(), { lr: 1e-2, momentum: 0.9, centered: true });
 * loss.backward();
 * opt.step();
 */
export class RMSprop extends Optimizer<RMSpropOptions, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    const defaults: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false };
    super('RMSprop', params, withDefaults(defaults, options));
  }

  protected validate(o: RMSpropOptions): void {
    checkNonNegative('RMSprop', 'learning rate', o.lr);
    checkNonNegative('RMSprop', 'epsilon value', o.eps);
    checkNonNegative('RMSprop', 'momentum value', o.momentum);
    checkNonNegative('RMSprop', 'weightDecay value', o.weightDecay);
    checkNonNegative('RMSprop', 'alpha value', o.alpha);
  }

  protected initState(p: Tensor, group: ParamGroup & RMSpropOptions): RMSpropState {
    const state: RMSpropState = { step: 0, squareAvg: zerosLike(p) };
    if (group.momentum > 0) state.momentumBuffer = zerosLike(p);
    if (group.centered) state.gradAvg = zerosLike(p);
    return state;
  }

  protected update(p: Tensor, grad: Tensor, state: RMSpropState, group: ParamGroup & RMSpropOptions): void {
    // g = ∇ + λp;  v ← αv + (1−α)g²;  a = √(v − ḡ²) (centered, ḡ ← αḡ + (1−α)g) or √v, plus ε;
    // p ← p − lr·g/a, or with momentum: buf ← μ·buf + g/a, p ← p − lr·buf
    const { alpha } = group;
    state.step += 1;
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p, { alpha: group.weightDecay });
    state.squareAvg.mul_(alpha).add_(g.mul(g), { alpha: 1 - alpha });
    let avg: Tensor;
    if (group.centered) {
      const gradAvg = (state.gradAvg ??= zerosLike(p));
      gradAvg.mul_(alpha).add_(g, { alpha: 1 - alpha });
      avg = state.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else {
      avg = state.squareAvg.sqrt();
    }
    avg = avg.add(group.eps);
    if (group.momentum > 0) {
      const buf = (state.momentumBuffer ??= zerosLike(p));
      buf.mul_(group.momentum).add_(g.div(avg));
      p.add_(buf, { alpha: -group.lr });
    } else {
      p.add_(g.div(avg), { alpha: -group.lr });
    }
  }
}
