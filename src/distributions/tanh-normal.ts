/**
 * The tanh-squashed diagonal Gaussian of SAC's policy: action = tanh(u), u ~ N(loc, scale²).
 */
import { ShapeError, check } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { noGrad } from '../core/grad-mode.js';
import type { Tensor } from '../core/tensor.js';
import { softplus } from '../nn/functional/activation.js';
import { Distribution, type SampleOptions, type SampleShape } from './distribution.js';
import { Normal } from './normal.js';

/**
 * action = tanh(u) with u ~ N(loc, scale²) elementwise, the last dim of the broadcast shape of
 * `loc` and `scale` being the event (the action vector: as `Independent(Normal, 1)` pushed through
 * tanh), so every action lies in (−1, 1). `logProb` uses the change of variables
 * log p(a) = Σ [log N(u) − log(1 − tanh(u)²)], with log(1 − tanh(u)²) = 2·(log 2 − u − softplus(−2u))
 * (stable for large |u|). Prefer `rsampleWithLogProb`, which takes the log-probability from the
 * pre-tanh draw u: `logProb(action)` must recover u = atanh(action), which float rounding makes
 * inexact near ±1 (actions are clamped to [−1 + eps, 1 − eps] there). There is no closed-form
 * entropy (estimate it as −logProb of draws) and no closed-form mean; `mode` is tanh(loc), the
 * deterministic action.
 * @example
 * const loc = zeros([8, 2], { requiresGrad: true });
 * const logStd = zeros([8, 2], { requiresGrad: true });
 * const pi = new TanhNormal(loc, logStd.exp());
 * const [action, logProb] = pi.rsampleWithLogProb([], { generator: new Generator(0) }); // [8, 2] and [8]
 * logProb.mean().backward(); // gradients reach loc and logStd through the draw
 */
export class TanhNormal extends Distribution {
  /** The elementwise Gaussian of the pre-tanh values u. */
  readonly base: Normal;
  override readonly hasRsample = true;

  constructor(loc: number | Tensor, scale: number | Tensor) {
    const base = new Normal(loc, scale);
    const shape = base.batchShape;
    check(shape.length >= 1, ShapeError,
      () => `[TanhNormal] loc and scale must broadcast to at least 1 dim (the last is the action), got shape ${showShape(shape)}`);
    super(shape.slice(0, -1), shape.slice(-1));
    this.base = base;
  }

  /**
   * The mean of u, broadcast to `batchShape ++ eventShape`.
   * @example
   * new TanhNormal(zeros([2]), 1).loc; // [0, 0]
   */
  get loc(): Tensor {
    return this.base.loc;
  }

  /**
   * The standard deviation of u, broadcast to `batchShape ++ eventShape`.
   * @example
   * new TanhNormal(zeros([2]), 1).scale; // [1, 1]
   */
  get scale(): Tensor {
    return this.base.scale;
  }

  /**
   * tanh(loc + scale·ε): a differentiable draw of shape `sampleShape ++ batchShape ++ eventShape`.
   * @example
   * new TanhNormal(zeros([2]), 1).rsample([5], { generator: new Generator(0) }).shape; // [5, 2]
   */
  override rsample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return this.base.rsample(sampleShape, options).tanh();
  }

  /**
   * A draw as `rsample` (the same numbers for the same generator state), without a graph.
   * @example
   * new TanhNormal(zeros([2]), 1).sample([5]); // values in (−1, 1)
   */
  override sample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return noGrad(() => this.base.sample(sampleShape, options).tanh());
  }

  /**
   * `[action, logProb]`: a reparameterised draw and its log-density, computed from the pre-tanh
   * value u (no atanh, so exact even where tanh(u) rounds to ±1). logProb has the shape
   * `sampleShape ++ batchShape`; both are differentiable in loc and scale (SAC's actor loss).
   * @example
   * const [a, logp] = new TanhNormal(zeros([3, 2]), 1).rsampleWithLogProb([], { generator: new Generator(0) });
   * a.shape;    // [3, 2]
   * logp.shape; // [3]
   */
  rsampleWithLogProb(sampleShape: SampleShape = [], options: SampleOptions = {}): [Tensor, Tensor] {
    const u = this.base.rsample(sampleShape, options);
    return [u.tanh(), this.logProbOfPreTanh(u)];
  }

  /**
   * The log-density of `action` (values in (−1, 1); shape broadcasting with `batchShape ++ eventShape`),
   * summed over the event dim. NOTE: u = atanh(action) is ±∞ at ±1, so actions are clamped to
   * [−1 + eps, 1 − eps] (eps the dtype's machine epsilon) first.
   * @example
   * new TanhNormal(zeros([2]), 1).logProb(zeros([2])); // -1.8379
   */
  override logProb(action: Tensor): Tensor {
    this.checkValue(action, 'logProb');
    const eps = action.dtype === 'float64' ? Number.EPSILON : 2 ** -23;
    const a = action.clamp(-1 + eps, 1 - eps);
    const u = a.log1p().sub(a.neg().log1p()).mul(0.5); // atanh
    return this.logProbOfPreTanh(u);
  }

  /**
   * tanh(loc): the deterministic action (the image of the Gaussian's mode, not the mode of the squashed density).
   * @example
   * new TanhNormal(tensor([0, 10]), 1).mode; // [0, 1]
   */
  override get mode(): Tensor {
    return this.base.loc.tanh();
  }

  /** No closed form: throws (as `variance`, which the base class already refuses). */
  override get stddev(): Tensor {
    throw this.undefinedMember('stddev', 'has no closed-form standard deviation');
  }

  /** No closed form: throws. */
  override entropy(): Tensor {
    throw this.undefinedMember('entropy', 'has no closed-form entropy; estimate it from draws as -rsampleWithLogProb()[1].mean(0)');
  }

  /** Σ over the event dim of log N(u) − log(1 − tanh(u)²), with log(1 − tanh(u)²) = 2·(log 2 − u − softplus(−2u)). */
  private logProbOfPreTanh(u: Tensor): Tensor {
    const logDetJacobian = softplus(u.mul(-2)).add(u).neg().add(Math.LN2).mul(2);
    return this.base.logProb(u).sub(logDetJacobian).sum(-1);
  }
}
