/**
 * Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
 */
import type { Tensor } from '../../core/tensor.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type PoolOptions } from '../functional/conv.js';
import { Module } from '../module.js';

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.map(String).join(', ')}]` : String(v));

/**
 * Max over kernel windows (stride defaults to the kernel size).
 * @example
 * new MaxPool2d(2).forward(randn([1, 8, 28, 28])).shape; // [1, 8, 14, 14]
 */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number, number],
    readonly options: PoolOptions = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const { stride = this.kernelSize, padding = 0, dilation = 1 } = this.options;
    return `kernelSize=${show(this.kernelSize)}, stride=${show(stride)}, padding=${show(padding)}, dilation=${show(dilation)}`;
  }
}

/**
 * Mean over kernel windows (stride defaults to the kernel size).
 * @example
 * new AvgPool2d(2).forward(randn([1, 8, 28, 28])).shape; // [1, 8, 14, 14]
 */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: number | readonly [number, number],
    readonly options: Parameters<typeof avgPool2d>[2] = {},
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    const { stride = this.kernelSize, padding = 0 } = this.options ?? {};
    return `kernelSize=${show(this.kernelSize)}, stride=${show(stride)}, padding=${show(padding)}`;
  }
}

/**
 * Average pooling to a fixed output size.
 * @example
 * new AdaptiveAvgPool2d(1).forward(randn([2, 64, 7, 7])).shape; // [2, 64, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number | null, number | null]) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${show(this.outputSize)}`;
  }
}
