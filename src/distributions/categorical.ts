/**
 * The categorical distribution over the indices of the last dim, as `torch.distributions.Categorical`.
 */
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { isFloating } from '../base/dtype.js';
import { numel, showShape } from '../base/shape.js';
import { zeros } from '../core/creation.js';
import { noGrad } from '../core/grad-mode.js';
import { Tensor } from '../core/tensor.js';
import { multinomial } from '../ops/sampling.js';
import { Distribution, findValue, finiteMin, generatorArg, type SampleOptions, type SampleShape } from './distribution.js';

/** The parameters of `Categorical`: exactly one of unnormalised log-probabilities or non-negative weights. */
export type CategoricalParams = { logits: Tensor; probs?: undefined } | { probs: Tensor; logits?: undefined };

/**
 * A distribution over the category indices 0..K−1 of the last dim of `logits` or `probs` (the
 * other dims are the batch shape; the event shape is empty). Give exactly one: `logits` are
 * normalised as PyTorch (`logits − logsumexp(logits)`; −Infinity is allowed and means probability
 * 0), `probs` are non-negative weights normalised to sum 1 (their `logits` are log of the
 * probabilities clamped to [eps, 1 − eps], eps the dtype's machine epsilon, as PyTorch). Samples
 * are int32 indices drawn with `multinomial` from the generator, so a seed fixes them; `logProb`
 * gathers the normalised logits at the given indices. Not reparameterisable (`rsample` throws).
 * @example
 * const logits = tensor([[1, 2, 3], [0, 0, 0]], { requiresGrad: true });
 * const d = new Categorical({ logits });
 * const a = d.sample([], { generator: new Generator(0) }); // int32, shape [2]
 * d.logProb(a);                                            // shape [2], differentiable in logits
 * d.entropy();                                             // [0.8324, 1.0986]
 */
export class Categorical extends Distribution {
  /** The normalised log-probabilities: logsumexp over the last dim is 0. */
  readonly logits: Tensor;
  /** The probabilities: they sum to 1 over the last dim. */
  readonly probs: Tensor;
  /** The number of categories K (the size of the last dim). */
  readonly numCategories: number;
  override readonly hasRsample = false;

  constructor(params: CategoricalParams) {
    const given = checkParams(params);
    super(given.shape.slice(0, -1), []);
    this.numCategories = given.shape[given.ndim - 1]!;
    if (params.logits !== undefined) {
      if (!given.requiresGrad) checkLogits(given);
      this.logits = given.sub(given.logsumexp(-1, true));
      this.probs = this.logits.exp();
    } else {
      if (!given.requiresGrad) checkProbs(given);
      this.probs = given.div(given.sum(-1, true));
      const eps = given.dtype === 'float64' ? Number.EPSILON : 2 ** -23;
      this.logits = this.probs.clamp(eps, 1 - eps).log();
    }
  }

  /**
   * Indices of shape `sampleShape ++ batchShape` (int32), drawn from the generator; no graph.
   * @example
   * new Categorical({ probs: tensor([0.1, 0.9]) }).sample([5], { generator: new Generator(0) }); // e.g. [1, 1, 0, 1, 1]
   */
  override sample(sampleShape: SampleShape = [], options: SampleOptions = {}): Tensor {
    const generator = generatorArg(options, 'Categorical.sample');
    const shape = this.drawShape(sampleShape, 'sample');
    if (numel(shape) === 0) return zeros(shape, { dtype: 'int32' });
    const draws = numel(shape) / numel(this.batchShape);
    return noGrad(() => {
      const rows = this.probs.reshape(-1, this.numCategories); // [batch, K]
      const picks = multinomial(rows, draws, { replacement: true, ...(generator ? { generator } : {}) }); // [batch, draws]
      return picks.t().reshape(shape);
    });
  }

  /**
   * log P(value): the normalised logits gathered at the indices `value` (int32, in [0, K); its
   * shape broadcasts with the batch shape, e.g. `sampleShape ++ batchShape`).
   * @example
   * new Categorical({ probs: tensor([0.25, 0.75]) }).logProb(tensor([1, 0], { dtype: 'int32' })); // [-0.2877, -1.3863]
   */
  override logProb(value: Tensor): Tensor {
    const shape = this.checkValue(value, 'logProb');
    check(value.dtype === 'int32', DTypeError,
      () => `[Categorical.logProb] value must be an int32 tensor of category indices, got ${value.dtype}`);
    const bad = findValue(value, (v) => !(v >= 0 && v < this.numCategories));
    check(bad === null, ArgumentError,
      () => `[Categorical.logProb] value ${bad!.value} at index ${bad!.at} is out of range for ${this.numCategories} categories ` +
        `(valid indices are 0 to ${this.numCategories - 1})`);
    const index = value.expand(shape).unsqueeze(-1);
    const logits = this.logits.expand([...shape, this.numCategories]);
    return logits.gather(-1, index).squeeze(-1);
  }

  /**
   * −Σ p·log p over the categories. A category of probability 0 adds 0, also to the gradient:
   * NOTE: log p = −∞ there and 0·(−∞) is NaN, so the logits are clamped at the dtype's most
   * negative finite value first (as PyTorch).
   * @example
   * new Categorical({ logits: tensor([0, 0, -Infinity]) }).entropy(); // 0.6931
   */
  override entropy(): Tensor {
    const logits = this.logits.clamp(finiteMin(this.logits.dtype));
    return logits.mul(this.probs).sum(-1).neg();
  }

  /**
   * The most likely index (int32, shape `batchShape`; the first one on ties).
   * @example
   * new Categorical({ probs: tensor([0.2, 0.8]) }).mode; // 1
   */
  override get mode(): Tensor {
    return this.probs.argmax(-1);
  }

  /** Categories are labels: no mean. */
  override get mean(): Tensor {
    throw this.undefinedMember('mean', 'has no mean (its categories are labels, not numbers); use probs or mode');
  }

  /** Categories are labels: no variance. */
  override get variance(): Tensor {
    throw this.undefinedMember('variance', 'has no variance (its categories are labels, not numbers); use probs or entropy()');
  }
}

/** Checks that exactly one of logits and probs is a floating tensor with at least one dim and one category. */
function checkParams(params: unknown): Tensor {
  check(typeof params === 'object' && params !== null, ArgumentError,
    () => `[Categorical] expected { logits } or { probs }, got ${fmt(params)}`);
  const { logits, probs } = params as { logits?: unknown; probs?: unknown };
  check(logits === undefined || probs === undefined, ArgumentError,
    () => '[Categorical] give exactly one of logits and probs, got both');
  check(logits !== undefined || probs !== undefined, ArgumentError,
    () => '[Categorical] give exactly one of logits and probs, got neither');
  const name = logits !== undefined ? 'logits' : 'probs';
  const x = logits ?? probs;
  check(x instanceof Tensor, ArgumentError, () => `[Categorical] ${name} must be a Tensor, got ${fmt(x)}`);
  check(isFloating(x.dtype), DTypeError, () => `[Categorical] ${name} must be a floating-point tensor, got ${x.dtype}`);
  check(x.ndim >= 1 && x.shape[x.ndim - 1]! > 0, ShapeError,
    () => `[Categorical] ${name} must have at least one dim whose last size (the categories) is > 0, got shape ${showShape(x.shape)}`);
  return x;
}

/** Logits may be −Infinity (probability 0), but not NaN or +Infinity. */
function checkLogits(logits: Tensor): void {
  const bad = findValue(logits, (v) => Number.isNaN(v) || v === Infinity);
  check(bad === null, ArgumentError, () => `[Categorical] logits must not be NaN or +Infinity, got ${bad!.value} at index ${bad!.at}`);
}

/** Probabilities must be finite and >= 0 with a positive sum in every row. */
function checkProbs(probs: Tensor): void {
  const bad = findValue(probs, (v) => !(v >= 0 && v < Infinity));
  check(bad === null, ArgumentError, () => `[Categorical] probs must be finite and >= 0, got ${bad!.value} at index ${bad!.at}`);
  const zero = findValue(noGrad(() => probs.sum(-1)), (v) => v === 0);
  check(zero === null, ArgumentError,
    () => `[Categorical] probs must not all be 0 along the last dim, but they are${probs.ndim > 1 ? ` at batch index ${zero!.at}` : ''}`);
}
