/**
 * Linear, Bilinear-free basics: Linear, Identity, Flatten.
 */
import { empty } from './util.js';
import { ArgumentError, check, fmt } from '../../base/errors.js';
import type { DType } from '../../base/dtype.js';
import type { Tensor } from '../../core/tensor.js';
import { linear } from '../functional/conv.js';
import { uniform_ } from '../init.js';
import { Module, Parameter } from '../module.js';

/** Options of layers with a bias and a dtype. */
export interface LayerOptions {
  /** Add a learnable bias (default true). */
  bias?: boolean;
  dtype?: DType;
}

/**
 * y = x·Wᵀ + b, with W [out, in] and b initialised U(−1/√in, 1/√in) as PyTorch does.
 * @example
 * const fc = new Linear(784, 10);
 * fc.forward(randn([32, 784])).shape; // [32, 10]
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LayerOptions = {},
  ) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[Linear] ${name} must be a positive integer, got ${fmt(v)}`);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = new Parameter(uniform_(empty([outFeatures, inFeatures], options.dtype), -bound, bound));
    this.bias = options.bias === false ? null : new Parameter(uniform_(empty([outFeatures], options.dtype), -bound, bound));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Returns its input.
 * @example
 * new Identity().forward(x) === x; // true
 */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Flattens dims `startDim..endDim` (default 1..-1, keeping the batch dim).
 * @example
 * new Flatten().forward(zeros([8, 16, 7, 7])).shape; // [8, 784]
 */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}
