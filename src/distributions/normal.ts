/**
 * The normal (Gaussian) distribution, as `torch.distributions.Normal`.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import { DEFAULT_DTYPE, isFloating, promoteTypes, type DType } from '../base/dtype.js';
import { broadcastShapes, sameShape } from '../base/shape.js';
import { randn } from '../core/creation.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { Distribution, findValue, generatorArg, paramTensor, type SampleOptions, type SampleShape } from './distribution.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The normal distribution N(loc, scale²), elementwise over the broadcast shape of `loc` and `scale`
 * (numbers or floating tensors; its batch shape, with an empty event shape). `scale` must be > 0:
 * checked when it is a number or a tensor that does not require grad (a learned scale, usually
 * `exp` or `softplus` of something, is not read back). Numbers alone give float32; a number next
 * to a tensor takes the tensor's dtype. `rsample` is loc + scale·ε with ε ~ N(0, 1), so gradients
 * reach loc and scale through the draw.
 * @example
 * const loc = tensor([0, 1], { requiresGrad: true });
 * const d = new Normal(loc, 0.5);
 * const x = d.rsample([], { generator: new Generator(0) }); // shape [2], differentiable in loc
 * d.logProb(tensor([0, 1]));                                 // [-0.2258, -0.2258]
 * d.entropy();                                               // [0.7258, 0.7258]
 */
export class Normal extends Distribution {
  /** The mean, broadcast to the batch shape. */
  readonly loc: Tensor;
  /** The standard deviation, broadcast to the batch shape. */
  readonly scale: Tensor;
  override readonly hasRsample = true;

  constructor(loc: number | Tensor, scale: number | Tensor) {
    const dtype = paramDType(loc, scale);
    const l = paramTensor(loc, 'Normal', 'loc', dtype);
    const s = paramTensor(scale, 'Normal', 'scale', dtype);
    const shape = broadcastShapes(l.shape, s.shape, 'Normal');
    super(shape, []);
    this.loc = sameShape(l.shape, shape) ? l : l.expand(shape);
    this.scale = sameShape(s.shape, shape) ? s : s.expand(shape);
    if (!s.requiresGrad) checkPositive(s);
  }

  /**
   * loc + scale·ε with ε ~ N(0, 1) of shape `sampleShape ++ batchShape` from the generator; differentiable.
   * @example
   * new Normal(0, 2).rsample([3], { generator: new Generator(1) }).shape; // [3]
   */
  override rsample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return this.draw(sampleShape, options, 'rsample');
  }

  /** loc + scale·ε, with errors naming the member `op`. */
  private draw(sampleShape: SampleShape, options: SampleOptions, op: string): Tensor {
    const generator = generatorArg(options, `Normal.${op}`);
    const shape = this.drawShape(sampleShape, op);
    const eps = randn(shape, { dtype: this.loc.dtype, ...(generator ? { generator } : {}) });
    return this.loc.add(eps.mul(this.scale));
  }

  /**
   * A draw as `rsample` (the same numbers for the same generator state), without a graph.
   * @example
   * new Normal(0, 1).sample([1000]).mean().item(); // ≈ 0
   */
  override sample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return noGrad(() => this.draw(sampleShape, options, 'sample'));
  }

  /**
   * −(x − μ)²/(2σ²) − log σ − log √(2π).
   * @example
   * new Normal(0, 1).logProb(tensor([0, 1])); // [-0.9189, -1.4189]
   */
  override logProb(value: Tensor): Tensor {
    this.checkValue(value, 'logProb');
    const variance = this.scale.square();
    return value.sub(this.loc).square().div(variance.mul(2)).neg().sub(this.scale.log()).sub(LOG_SQRT_2PI);
  }

  /**
   * ½ + ½·log(2π) + log σ.
   * @example
   * new Normal(0, 1).entropy(); // 1.4189
   */
  override entropy(): Tensor {
    return this.scale.log().add(0.5 + LOG_SQRT_2PI);
  }

  /**
   * P(X ≤ value) = ½·(1 + erf((value − μ)/(σ√2))).
   * @example
   * new Normal(0, 1).cdf(tensor([0])); // [0.5]
   */
  cdf(value: Tensor): Tensor {
    this.checkValue(value, 'cdf');
    return value.sub(this.loc).div(this.scale.mul(Math.SQRT2)).erf().add(1).mul(0.5);
  }

  /**
   * `loc`.
   * @example
   * new Normal(tensor([1, 2]), 1).mean; // [1, 2]
   */
  override get mean(): Tensor {
    return this.loc;
  }

  /**
   * `loc`.
   * @example
   * new Normal(tensor([1, 2]), 1).mode; // [1, 2]
   */
  override get mode(): Tensor {
    return this.loc;
  }

  /**
   * `scale`.
   * @example
   * new Normal(0, tensor([3])).stddev; // [3]
   */
  override get stddev(): Tensor {
    return this.scale;
  }

  /**
   * `scale²`.
   * @example
   * new Normal(0, tensor([3])).variance; // [9]
   */
  override get variance(): Tensor {
    return this.scale.square();
  }
}

/** The dtype of the parameters: the tensors' (promoted), or float32 for two numbers. */
function paramDType(loc: unknown, scale: unknown): DType {
  if (loc instanceof Tensor && scale instanceof Tensor && isFloating(loc.dtype) && isFloating(scale.dtype)) {
    return promoteTypes(loc.dtype, scale.dtype);
  }
  if (loc instanceof Tensor) return loc.dtype;
  if (scale instanceof Tensor) return scale.dtype;
  return DEFAULT_DTYPE;
}

/** Checks that every scale is > 0 (NaN is not). */
function checkPositive(scale: Tensor): void {
  const bad = findValue(scale, (v) => !(v > 0));
  check(bad === null, ArgumentError,
    () => `[Normal] scale must be > 0, got ${fmt(bad!.value)}${scale.ndim === 0 ? '' : ` at index ${bad!.at}`}`);
}
