/**
 * Linear maps, convolutions and pooling, composed from public ops: convolution is unfold (im2col)
 * followed by a matrix product, pooling is unfold followed by a reduction. Gradients, including
 * second-order ones, come from the unfold/fold and matmul primitives.
 */
import { tensor } from '../../core/creation.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import { isFloating } from '../../base/dtype.js';
import { showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { gatherTrusted } from '../../ops/indexing.js';
import { where } from '../../ops/elementwise.js';
import { checkTensor } from '../../ops/util.js';
import { scope } from '../../core/storage.js';
import { maxPoolIndices, pairArg, unfold, unfoldWide, windowGrid, windowOf } from '../../ops/window.js';

/**
 * x·Wᵀ + b, as `torch.nn.functional.linear` (x [..., in], W [out, in], b [out]).
 * @example
 * linear(randn([4, 3]), randn([2, 3]), zeros([2])).shape; // [4, 2]
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  checkTensor(x, 'linear', 'input');
  checkTensor(weight, 'linear', 'weight');
  check(weight.ndim === 2, ShapeError, () => `[linear] weight must be 2-d [out, in], got ${showShape(weight.shape)}`);
  check(x.dtype === weight.dtype, DTypeError, () => `[linear] input (${x.dtype}) and weight (${weight.dtype}) must have the same dtype`);
  check(x.ndim >= 1 && x.shape[x.ndim - 1] === weight.shape[1], ShapeError,
    () => `[linear] input of shape ${showShape(x.shape)} does not end in the weight's ${weight.shape[1]} input features (weight ${showShape(weight.shape)})`);
  // batch dims fold into rows: one product (and one for the weight's gradient) instead of a batch
  if (bias !== null) {
    checkTensor(bias, 'linear', 'bias');
    check(bias.ndim === 1 && bias.shape[0] === weight.shape[0], ShapeError,
      () => `[linear] bias of shape ${showShape(bias.shape)} does not match the ${weight.shape[0]} output features`);
  }
  return scope(() => {
    const out = x.ndim > 2
      ? x.reshape([-1, weight.shape[1]!]).matmul(weight.t()).reshape([...x.shape.slice(0, -1), weight.shape[0]!])
      : x.matmul(weight.t());
    return bias === null ? out : out.add(bias);
  });
}

/** Convolution options (PyTorch's keyword arguments). */
export interface ConvOptions {
  stride?: number | readonly [number, number];
  /** A number, a pair, 'valid' (0) or 'same' (output size = input size; stride 1 only). */
  padding?: number | readonly [number, number] | 'valid' | 'same';
  dilation?: number | readonly [number, number];
  groups?: number;
}

/** Resolves 'same' padding, which may be asymmetric (the extra row/column goes last, as in PyTorch). */
function samePadding(x: Tensor, kernel: [number, number], dilation: [number, number], stride: [number, number]): { x: Tensor; padding: [number, number] } {
  check(stride[0] === 1 && stride[1] === 1, ArgumentError, () => "[conv2d] padding 'same' is not supported for strided convolutions");
  const total = [dilation[0] * (kernel[0] - 1), dilation[1] * (kernel[1] - 1)];
  const low = total.map((t) => Math.floor(t / 2)) as [number, number];
  if (total[0]! % 2 === 0 && total[1]! % 2 === 0) return { x, padding: low };
  // pad the odd remainder at the end explicitly, the symmetric part through the window
  return { x: x.pad([0, total[1]! - 2 * low[1], 0, total[0]! - 2 * low[0]]), padding: low };
}

/**
 * 2-d convolution (cross-correlation, as PyTorch) of `input` [N, C, H, W] (or [C, H, W]) with
 * `weight` [O, C/groups, kh, kw] and an optional `bias` [O].
 * @example
 * conv2d(randn([8, 1, 28, 28]), randn([16, 1, 3, 3]), null, { padding: 1 }).shape; // [8, 16, 28, 28]
 */
export function conv2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  checkTensor(input, 'conv2d', 'input');
  checkTensor(weight, 'conv2d', 'weight');
  check(input.ndim === 3 || input.ndim === 4, ShapeError, () => `[conv2d] expects a 3-d or 4-d input, got shape ${showShape(input.shape)}`);
  if (input.ndim === 3) return conv2d(input.unsqueeze(0), weight, bias, options).squeeze(0);
  check(isFloating(input.dtype) && input.dtype === weight.dtype, DTypeError,
    () => `[conv2d] input and weight must have the same floating-point dtype, got ${input.dtype} and ${weight.dtype}`);
  check(weight.ndim === 4, ShapeError, () => `[conv2d] weight must be 4-d [out, in/groups, kh, kw], got ${showShape(weight.shape)}`);
  const groups = options.groups ?? 1;
  check(Number.isSafeInteger(groups) && groups >= 1, ArgumentError, () => `[conv2d] groups must be a positive integer, got ${fmt(groups)}`);
  const [n, c] = input.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  check(c % groups === 0 && o % groups === 0, ShapeError, () => `[conv2d] ${c} input channels and ${o} output channels must both be divisible by groups=${groups}`);
  check(cg * groups === c, ShapeError,
    () => `[conv2d] weight of shape ${showShape(weight.shape)} expects ${cg * groups} input channels (groups=${groups}), but the input of shape ${showShape(input.shape)} has ${c}`);
  if (bias !== null) {
    checkTensor(bias, 'conv2d', 'bias');
    check(bias.ndim === 1 && bias.shape[0] === o, ShapeError, () => `[conv2d] bias of shape ${showShape(bias.shape)} does not match the ${o} output channels`);
  }
  const stride = pairArg(options.stride ?? 1, 'conv2d', 'stride', 1);
  const dilation = pairArg(options.dilation ?? 1, 'conv2d', 'dilation', 1);
  // the padded input, the im2col matrix and the product before the bias are freed once unneeded
  return scope(() => convolve(input, weight, bias, options, stride, dilation, groups));
}

function convolve(input: Tensor, weight: Tensor, bias: Tensor | null, options: ConvOptions, stride: [number, number], dilation: [number, number], groups: number): Tensor {
  const [n] = input.shape as [number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  let x = input;
  let padding: [number, number];
  if (options.padding === 'same') ({ x, padding } = samePadding(input, [kh, kw], dilation, stride));
  else if (options.padding === 'valid' || options.padding === undefined) padding = [0, 0];
  else padding = pairArg(options.padding, 'conv2d', 'padding', 0);
  const win = windowOf([kh, kw], { stride, dilation, padding }, 'conv2d');
  const [oh, ow] = windowGrid(x.shape[2]!, x.shape[3]!, win, 'conv2d');
  const k = cg * kh * kw;
  const l = oh * ow;
  let y: Tensor;
  if (groups === 1) {
    // one product over the whole batch, [O, K]·[K, N·L], rather than N small ones: the weight
    // gradient then is a single product with a long inner dim instead of N products summed
    const wide = unfoldWide(x, win);
    y = weight.reshape(o, k).matmul(wide).reshape(o, n, oh, ow).permute(1, 0, 2, 3);
  } else {
    const cols = unfold(x, [kh, kw], win); // [N, C·kh·kw, L]
    y = weight.reshape(groups, o / groups, k).matmul(cols.reshape(n, groups, k, l)).reshape(n, o, oh, ow); // [N, G, O/G, L]
  }
  return bias === null ? y : y.add(bias.reshape(1, o, 1, 1));
}

/**
 * 1-d convolution of `input` [N, C, L] (or [C, L]) with `weight` [O, C/groups, k].
 * @example
 * conv1d(randn([2, 4, 10]), randn([8, 4, 3]), null, { padding: 1 }).shape; // [2, 8, 10]
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, options: Omit<ConvOptions, 'stride' | 'padding' | 'dilation'> & { stride?: number; padding?: number | 'valid' | 'same'; dilation?: number } = {}): Tensor {
  checkTensor(input, 'conv1d', 'input');
  checkTensor(weight, 'conv1d', 'weight');
  check(input.ndim === 2 || input.ndim === 3, ShapeError, () => `[conv1d] expects a 2-d or 3-d input, got shape ${showShape(input.shape)}`);
  check(weight.ndim === 3, ShapeError, () => `[conv1d] weight must be 3-d [out, in/groups, k], got ${showShape(weight.shape)}`);
  if (input.ndim === 2) return conv1d(input.unsqueeze(0), weight, bias, options).squeeze(0);
  const groups = options.groups ?? 1;
  check(Number.isSafeInteger(groups) && groups >= 1, ArgumentError, () => `[conv1d] groups must be a positive integer, got ${fmt(groups)}`);
  check(weight.shape[1]! * groups === input.shape[1], ShapeError,
    () => `[conv1d] weight of shape ${showShape(weight.shape)} expects ${weight.shape[1]! * groups} input channels (groups=${groups}), but the input of shape ${showShape(input.shape)} has ${input.shape[1]}`);
  check(weight.shape[0]! % groups === 0, ShapeError, () => `[conv1d] ${weight.shape[0]} output channels must be divisible by groups=${groups}`);
  if (bias !== null) {
    checkTensor(bias, 'conv1d', 'bias');
    check(bias.ndim === 1 && bias.shape[0] === weight.shape[0], ShapeError, () => `[conv1d] bias of shape ${showShape(bias.shape)} does not match the ${weight.shape[0]} output channels`);
  }
  check(options.padding !== 'same' || (options.stride ?? 1) === 1, ArgumentError, () => "[conv1d] padding 'same' is not supported for strided convolutions");
  const dilation = options.dilation ?? 1;
  const pad = typeof options.padding === 'number' ? options.padding : 0;
  const span = dilation * (weight.shape[2]! - 1) + 1;
  check(input.shape[2]! + 2 * pad >= span, ShapeError,
    () => `[conv1d] the kernel of size ${weight.shape[2]} (dilation ${dilation}) does not fit an input of length ${input.shape[2]} padded by ${pad}`);
  const padding = options.padding === undefined || typeof options.padding === 'string' ? options.padding : ([0, options.padding] as const);
  const out = conv2d(input.unsqueeze(2), weight.unsqueeze(2), bias, {
    groups: options.groups,
    stride: [1, options.stride ?? 1],
    dilation: [1, options.dilation ?? 1],
    padding,
  });
  return out.squeeze(2);
}

/** Pooling options (PyTorch's keyword arguments; the stride defaults to the kernel size). */
export interface PoolOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  dilation?: number | readonly [number, number];
}

function poolInput(x: Tensor, op: string): Tensor {
  checkTensor(x, op, 'input');
  check(x.ndim === 3 || x.ndim === 4, ShapeError, () => `[${op}] expects a 3-d or 4-d input, got shape ${showShape(x.shape)}`);
  check(isFloating(x.dtype), DTypeError, () => `[${op}] needs a floating-point input, got ${x.dtype}`);
  return x.ndim === 3 ? x.unsqueeze(0) : x;
}

/**
 * Max over each kh×kw window (padding counts as −∞), as `torch.nn.functional.max_pool2d`: one
 * kernel finds each window's (first) max, and a gather reads it, so the gradient goes to that one
 * element (PyTorch's choice on ties) and second derivatives come from gather/scatterAdd.
 * @example
 * maxPool2d(randn([8, 16, 28, 28]), 2).shape; // [8, 16, 14, 14]
 */
export function maxPool2d(input: Tensor, kernelSize: number | readonly [number, number], options: PoolOptions = {}): Tensor {
  const x = poolInput(input, 'maxPool2d');
  const kernel = pairArg(kernelSize, 'maxPool2d', 'kernelSize', 1);
  const win = windowOf(kernel, { ...options, stride: options.stride ?? kernel }, 'maxPool2d');
  check(win.padding[0] <= kernel[0] / 2 && win.padding[1] <= kernel[1] / 2, ArgumentError,
    () => `[maxPool2d] padding ${win.padding.join('×')} must be at most half the kernel size ${kernel.join('×')}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = windowGrid(h, w, win, 'maxPool2d');
  const out = scope(() => {
    const index = maxPoolIndices(x, win); // [N, C, oh·ow]; −1 for a window that only covers padding
    const flat = x.reshape(n, c, h * w);
    // without dilation (and padding ≤ kernel/2) every window covers a pixel; with it, one may not:
    // such windows give −∞ (as PyTorch) and no gradient
    if (win.dilation[0] === 1 && win.dilation[1] === 1) return gatherTrusted(flat, 2, index).reshape(n, c, oh, ow);
    const empty = index.lt(0);
    const picked = gatherTrusted(flat, 2, where(empty, 0, index).to('int32'));
    return where(empty, Number.NEGATIVE_INFINITY, picked).reshape(n, c, oh, ow);
  });
  return input.ndim === 3 ? out.squeeze(0) : out;
}

/**
 * Mean over each kh×kw window, as `torch.nn.functional.avg_pool2d` (zero padding counted unless
 * `countIncludePad: false`; `divisorOverride` replaces the divisor).
 * @example
 * avgPool2d(ones([1, 1, 4, 4]), 2).toArray(); // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2d(
  input: Tensor,
  kernelSize: number | readonly [number, number],
  options: Omit<PoolOptions, 'dilation'> & { countIncludePad?: boolean; divisorOverride?: number } = {},
): Tensor {
  const x = poolInput(input, 'avgPool2d');
  const kernel = pairArg(kernelSize, 'avgPool2d', 'kernelSize', 1);
  const win = windowOf(kernel, { stride: options.stride ?? kernel, padding: options.padding }, 'avgPool2d');
  check(win.padding[0] <= kernel[0] / 2 && win.padding[1] <= kernel[1] / 2, ArgumentError,
    () => `[avgPool2d] padding ${win.padding.join('×')} must be at most half the kernel size ${kernel.join('×')}`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [oh, ow] = windowGrid(h, w, win, 'avgPool2d');
  const sums = unfold(x, kernel, win).reshape(n, c, kernel[0] * kernel[1], oh * ow).sum(2).reshape(n, c, oh, ow);
  let out: Tensor;
  if (options.divisorOverride !== undefined) {
    check(Number.isSafeInteger(options.divisorOverride) && options.divisorOverride > 0, ArgumentError,
      () => `[avgPool2d] divisorOverride must be a positive integer, got ${fmt(options.divisorOverride)}`);
    out = sums.div(options.divisorOverride);
  } else if (options.countIncludePad === false) {
    const counts = unfold(tensor(new Float64Array(h * w).fill(1), { shape: [1, 1, h, w] }), kernel, win).sum(1).reshape(1, 1, oh, ow);
    out = sums.div(counts.to(x.dtype));
  } else {
    out = sums.div(kernel[0] * kernel[1]);
  }
  return input.ndim === 3 ? out.squeeze(0) : out;
}

/** The averaging matrix of adaptive pooling along one dim: row i averages [⌊i·n/m⌋, ⌈(i+1)·n/m⌉). */
function adaptiveMatrix(n: number, m: number, x: Tensor): Tensor {
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const start = Math.floor((i * n) / m);
    const end = Math.ceil(((i + 1) * n) / m);
    for (let j = start; j < end; j++) data[i * n + j] = 1 / (end - start);
  }
  return tensor(data, { shape: [m, n] }).to(x.dtype);
}

/**
 * Average pooling to a fixed output size (each output cell averages its bin of the input), as
 * `torch.nn.functional.adaptive_avg_pool2d`; `null` keeps that input size.
 * @example
 * adaptiveAvgPool2d(randn([2, 8, 7, 7]), 1).shape; // [2, 8, 1, 1]
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const x = poolInput(input, 'adaptiveAvgPool2d');
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : [outputSize[0] ?? h, outputSize[1] ?? w];
  check([oh, ow].every((s) => Number.isSafeInteger(s) && s > 0), ArgumentError,
    () => `[adaptiveAvgPool2d] outputSize must be positive integers, got ${fmt(outputSize)}`);
  // out = A_h · x · A_wᵀ, with A the bin-averaging matrices
  const out = adaptiveMatrix(h, oh, x).matmul(x).matmul(adaptiveMatrix(w, ow, x).t());
  return input.ndim === 3 ? out.squeeze(0) : out;
}
