/**
 * Normalisation layers: BatchNorm1d/2d (running statistics, momentum, train/eval), LayerNorm, GroupNorm.
 */
import { ones, zeros } from '../../core/creation.js';
import type { DType } from '../../base/dtype.js';
import { ArgumentError, ShapeError, check, fmt } from '../../base/errors.js';
import { noGrad } from '../../core/grad-mode.js';
import { showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { batchNorm, groupNorm, layerNorm } from '../functional/norm.js';
import { Module, Parameter } from '../module.js';

/** Options of the batch-norm layers. */
export interface BatchNormOptions {
  eps?: number;
  /** Weight of each new batch in the running statistics (default 0.1; null for a cumulative average). */
  momentum?: number | null;
  /** Learnable per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true). */
  trackRunningStats?: boolean;
  dtype?: DType;
}

abstract class BatchNormBase extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions,
    private readonly _inputDims: readonly number[],
  ) {
    super();
    check(Number.isSafeInteger(numFeatures) && numFeatures > 0, ArgumentError,
      () => `[${this.constructor.name}] numFeatures must be a positive integer, got ${fmt(numFeatures)}`);
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, dtype = 'float32' } = options;
    this.eps = eps;
    this.momentum = momentum;
    this.weight = affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.registerBuffer('runningMean', trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('runningVar', trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('numBatchesTracked', trackRunningStats ? zeros([], { dtype: 'int32' }) : null);
  }

  forward(x: Tensor): Tensor {
    check(this._inputDims.includes(x.ndim), ShapeError,
      () => `[${this.constructor.name}] expected a ${this._inputDims.join('-d or ')}-d input, got shape ${showShape(x.shape)}`);
    let momentum = this.momentum ?? 0;
    if (this.training && this.numBatchesTracked !== null) {
      noGrad(() => this.numBatchesTracked!.add_(1));
      if (this.momentum === null) momentum = 1 / this.numBatchesTracked.item(); // cumulative moving average
    }
    const useBatchStats = this.training || this.runningMean === null;
    return batchNorm(x, useBatchStats && !this.training ? null : this.runningMean, useBatchStats && !this.training ? null : this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: useBatchStats,
      momentum,
      eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.weight !== null}, trackRunningStats=${this.runningMean !== null}`;
  }
}

/**
 * Batch norm over [N, C] or [N, C, L] inputs.
 * @example
 * new BatchNorm1d(64).forward(randn([32, 64]));
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [2, 3]);
  }
}

/**
 * Batch norm over [N, C, H, W] inputs (per channel, over batch and positions).
 * @example
 * new BatchNorm2d(16).forward(randn([8, 16, 14, 14]));
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super(numFeatures, options, [4]);
  }
}

/**
 * Layer norm over the last dims (`normalizedShape`), with a learnable gain and bias.
 * @example
 * new LayerNorm(64).forward(randn([8, 32, 64]));
 */
export class LayerNorm extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;
  readonly normalizedShape: number[];

  constructor(normalizedShape: number | readonly number[], readonly options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean; dtype?: DType } = {}) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    check(this.normalizedShape.every((s) => Number.isSafeInteger(s) && s > 0), ArgumentError,
      () => `[LayerNorm] normalizedShape must hold positive integers, got ${fmt(normalizedShape)}`);
    const affine = options.elementwiseAffine !== false;
    const dtype = options.dtype ?? 'float32';
    this.weight = affine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = affine && options.bias !== false ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.options.eps ?? 1e-5);
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.options.eps ?? 1e-5}, elementwiseAffine=${this.weight !== null}`;
  }
}

/**
 * Group norm: channels in `numGroups` groups, each normalised over its channels and positions.
 * @example
 * new GroupNorm(4, 16).forward(randn([2, 16, 8, 8]));
 */
export class GroupNorm extends Module {
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(readonly numGroups: number, readonly numChannels: number, readonly options: { eps?: number; affine?: boolean; dtype?: DType } = {}) {
    super();
    check(Number.isSafeInteger(numGroups) && numGroups > 0 && numChannels % numGroups === 0, ArgumentError,
      () => `[GroupNorm] numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    const dtype = options.dtype ?? 'float32';
    this.weight = options.affine === false ? null : new Parameter(ones([numChannels], { dtype }));
    this.bias = options.affine === false ? null : new Parameter(zeros([numChannels], { dtype }));
  }

  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.weight, this.bias, this.options.eps ?? 1e-5);
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.options.eps ?? 1e-5}, affine=${this.weight !== null}`;
  }
}
