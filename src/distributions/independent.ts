/**
 * Reinterpreting batch dims as event dims, as `torch.distributions.Independent`.
 */
import { ArgumentError, check, fmt } from '../base/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Distribution, sumRightmost, type SampleOptions, type SampleShape } from './distribution.js';

/**
 * The last `reinterpretedBatchNdims` batch dims of `base` become event dims: draws are the same,
 * but `logProb` and `entropy` sum over those dims (the joint of independent components). The usual
 * use: a diagonal Gaussian policy over an action vector, `new Independent(new Normal(mu, sigma), 1)`,
 * whose `logProb(action)` has one value per batch entry.
 * @example
 * const d = new Independent(new Normal(zeros([4, 3]), ones([4, 3])), 1);
 * d.batchShape;                     // [4]
 * d.eventShape;                     // [3]
 * d.logProb(zeros([4, 3])).shape;   // [4]
 */
export class Independent extends Distribution {
  /** The distribution whose batch dims are reinterpreted. */
  readonly base: Distribution;
  /** How many of its last batch dims are event dims here. */
  readonly reinterpretedBatchNdims: number;
  override readonly hasRsample: boolean;

  constructor(base: Distribution, reinterpretedBatchNdims: number) {
    check(base instanceof Distribution, ArgumentError, () => `[Independent] base must be a Distribution, got ${fmt(base)}`);
    const n = reinterpretedBatchNdims;
    check(Number.isSafeInteger(n) && n >= 0 && n <= base.batchShape.length, ArgumentError,
      () => `[Independent] reinterpretedBatchNdims must be an integer in [0, ${base.batchShape.length}] ` +
        `(the base's batch shape is [${base.batchShape.join(',')}]), got ${fmt(n)}`);
    const split = base.batchShape.length - n;
    super(base.batchShape.slice(0, split), [...base.batchShape.slice(split), ...base.eventShape]);
    this.base = base;
    this.reinterpretedBatchNdims = n;
    this.hasRsample = base.hasRsample;
  }

  /**
   * The base's draw.
   * @example
   * new Independent(new Normal(zeros([3]), 1), 1).sample([2]).shape; // [2, 3]
   */
  override sample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return this.base.sample(sampleShape, options);
  }

  /**
   * The base's reparameterised draw.
   * @example
   * new Independent(new Normal(zeros([3], { requiresGrad: true }), 1), 1).rsample().shape; // [3]
   */
  override rsample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    return this.base.rsample(sampleShape, options);
  }

  /**
   * The base's logProb summed over the reinterpreted dims.
   * @example
   * new Independent(new Normal(zeros([2]), 1), 1).logProb(zeros([2])); // -1.8379
   */
  override logProb(value: Tensor): Tensor {
    return sumRightmost(this.base.logProb(value), this.reinterpretedBatchNdims);
  }

  /**
   * The base's entropy summed over the reinterpreted dims.
   * @example
   * new Independent(new Normal(zeros([2]), 1), 1).entropy(); // 2.8379
   */
  override entropy(): Tensor {
    return sumRightmost(this.base.entropy(), this.reinterpretedBatchNdims);
  }

  /**
   * The base's mean.
   * @example
   * new Independent(new Normal(ones([2]), 1), 1).mean; // [1, 1]
   */
  override get mean(): Tensor {
    return this.base.mean;
  }

  /**
   * The base's mode.
   * @example
   * new Independent(new Normal(ones([2]), 1), 1).mode; // [1, 1]
   */
  override get mode(): Tensor {
    return this.base.mode;
  }

  /**
   * The base's variance.
   * @example
   * new Independent(new Normal(zeros([2]), 2), 1).variance; // [4, 4]
   */
  override get variance(): Tensor {
    return this.base.variance;
  }

  /**
   * The base's standard deviation.
   * @example
   * new Independent(new Normal(zeros([2]), 2), 1).stddev; // [2, 2]
   */
  override get stddev(): Tensor {
    return this.base.stddev;
  }
}
