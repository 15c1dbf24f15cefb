/**
 * Convolution layers: Conv1d and Conv2d (stride, padding, dilation, groups), initialised as PyTorch.
 */
import { ArgumentError, check, fmt } from '../../base/errors.js';
import type { Tensor } from '../../core/tensor.js';
import { pairArg } from '../../ops/window.js';
import { conv1d, conv2d } from '../functional/conv.js';
import { uniform_ } from '../init.js';
import { Module, Parameter } from '../module.js';
import type { LayerOptions } from './linear.js';
import { empty } from './util.js';

/** Options of the convolution layers. */
export interface Conv2dOptions extends LayerOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number] | 'valid' | 'same';
  dilation?: number | readonly [number, number];
  groups?: number;
}

function checkChannels(op: string, inChannels: number, outChannels: number, groups: number): void {
  for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels], ['groups', groups]] as const) {
    check(Number.isSafeInteger(v) && v > 0, ArgumentError, () => `[${op}] ${name} must be a positive integer, got ${fmt(v)}`);
  }
  check(inChannels % groups === 0 && outChannels % groups === 0, ArgumentError,
    () => `[${op}] inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by groups (${groups})`);
}

/** PyTorch's default: kaiming_uniform(a=√5) on the weight, i.e. U(−1/√fanIn, 1/√fanIn), the same bound for the bias. */
function initConv(shape: number[], bias: boolean, options: LayerOptions): [Parameter, Parameter | null] {
  const fanIn = shape.slice(1).reduce((p, s) => p * s, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const weight = new Parameter(uniform_(empty(shape, options.dtype), -bound, bound));
  return [weight, bias ? new Parameter(uniform_(empty([shape[0]!], options.dtype), -bound, bound)) : null];
}

/**
 * 2-d convolution layer: weight [out, in/groups, kh, kw], bias [out].
 * @example
 * const conv = new Conv2d(1, 8, 3, { padding: 1 });
 * conv.forward(randn([32, 1, 28, 28])).shape; // [32, 8, 28, 28]
 */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly kernelSize: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | readonly [number, number],
    readonly options: Conv2dOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, groups);
    this.kernelSize = pairArg(kernelSize, 'Conv2d', 'kernelSize', 1);
    [this.weight, this.bias] = initConv([outChannels, inChannels / groups, ...this.kernelSize], options.bias !== false, options);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }

  override extraRepr(): string {
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = this.options;
    const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' ? `'${v}'` : String(v));
    const extra = [`stride=${show(stride)}`];
    if (padding !== 0) extra.push(`padding=${show(padding)}`);
    if (dilation !== 1) extra.push(`dilation=${show(dilation)}`);
    if (groups !== 1) extra.push(`groups=${groups}`);
    if (this.bias === null) extra.push('bias=false');
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize.join(', ')}], ${extra.join(', ')}`;
  }
}

/** Options of Conv1d. */
export interface Conv1dOptions extends LayerOptions {
  stride?: number;
  padding?: number | 'valid' | 'same';
  dilation?: number;
  groups?: number;
}

/**
 * 1-d convolution layer over [N, C, L]: weight [out, in/groups, k], bias [out].
 * @example
 * new Conv1d(4, 8, 3, { padding: 1 }).forward(randn([2, 4, 10])).shape; // [2, 8, 10]
 */
export class Conv1d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    readonly options: Conv1dOptions = {},
  ) {
    super();
    const groups = options.groups ?? 1;
    checkChannels('Conv1d', inChannels, outChannels, groups);
    check(Number.isSafeInteger(kernelSize) && kernelSize > 0, ArgumentError, () => `[Conv1d] kernelSize must be a positive integer, got ${fmt(kernelSize)}`);
    [this.weight, this.bias] = initConv([outChannels, inChannels / groups, kernelSize], options.bias !== false, options);
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, this.options);
  }

  override extraRepr(): string {
    const { stride = 1, padding = 0, dilation = 1, groups = 1 } = this.options;
    const extra = [`stride=${stride}`];
    if (padding !== 0) extra.push(`padding=${typeof padding === 'string' ? `'${padding}'` : padding}`);
    if (dilation !== 1) extra.push(`dilation=${dilation}`);
    if (groups !== 1) extra.push(`groups=${groups}`);
    if (this.bias === null) extra.push('bias=false');
    return `${this.inChannels}, ${this.outChannels}, kernelSize=${this.kernelSize}, ${extra.join(', ')}`;
  }
}
