/**
 * Stochastic gradient descent, optionally with momentum (heavy-ball or Nesterov), dampening and
 * L2 weight decay: PyTorch's `torch.optim.SGD`.
 */
import { ArgumentError, check } from '../base/errors.js';
import type { Tensor } from '../core/tensor.js';
import { checkNonNegative, withDefaults } from './options.js';
import { Optimizer, type OptimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** SGD's hyper-parameters (per group). */
export interface SGDOptions extends OptimizerOptions {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/** SGD's per-parameter state: the momentum buffer (null without momentum). */
export interface SGDState {
  momentumBuffer: Tensor | null;
}

/**
 * SGD: `p ← p − lr·d` with `d` the gradient, plus weight decay and momentum as in PyTorch. `lr` has
 * no default: give it in the options or in every parameter group.
 * @example
 * const opt = new SGD([w, b], { lr: 0.1, momentum: 0.9, nesterov: true });
 * loss.backward();
 * opt.step();
 */
export class SGD extends Optimizer<SGDOptions, SGDState> {
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const defaults: SGDOptions = {
      lr: undefined as unknown as number, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false,
    };
    super('SGD', params, withDefaults(defaults, options));
  }

  protected validate(o: SGDOptions): void {
    if (o.lr !== undefined) checkNonNegative('SGD', 'learning rate', o.lr);
    checkNonNegative('SGD', 'momentum value', o.momentum);
    checkNonNegative('SGD', 'weightDecay value', o.weightDecay);
    check(!o.nesterov || (o.momentum > 0 && o.dampening === 0), ArgumentError,
      () => `[SGD] nesterov momentum requires a momentum and zero dampening, got momentum ${o.momentum} and dampening ${o.dampening}`);
  }

  protected initState(): SGDState {
    return { momentumBuffer: null };
  }

  protected update(p: Tensor, grad: Tensor, state: SGDState, group: ParamGroup & SGDOptions): void {
    // d = g + λp;  buf ← μ·buf + (1−τ)·d (buf = d at the first step);  d = d + μ·buf (Nesterov) or buf;  p ← p − lr·d
    let d = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) d = d.add(p, { alpha: group.weightDecay });
    if (group.momentum !== 0) {
      let buf = state.momentumBuffer;
      if (buf === null) {
        buf = d.detach().clone();
        state.momentumBuffer = buf;
      } else {
        buf.mul_(group.momentum).add_(d, { alpha: 1 - group.dampening });
      }
      d = group.nesterov ? d.add(buf, { alpha: group.momentum }) : buf;
    }
    p.add_(d, { alpha: -group.lr });
  }
}
