/**
 * Sliding windows: unfold (im2col) and fold (col2im) primitives — each the other's vjp, so that
 * convolution and pooling built on them are differentiable to any order.
 */
import type { Window2d } from '../backend/backend.js';
import { backend } from '../backend/index.js';
import { windowCount } from '../backend/js/conv.js';
import { apply, type OpDef } from '../core/autograd.js';
import { ShapeError, check } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { checkInt, checkTensor, fresh } from './util.js';

/** Window options: each a number (both dims) or a pair. */
export interface WindowOptions {
  dilation?: number | readonly [number, number];
  padding?: number | readonly [number, number];
  stride?: number | readonly [number, number];
}

/**
 * A number or a pair as a pair, checked to be integers >= min.
 * @example
 * pairArg(3, 'conv2d', 'kernelSize', 1); // [3, 3]
 */
export function pairArg(x: number | readonly number[], op: string, arg: string, min: number): [number, number] {
  const pair = typeof x === 'number' ? [x, x] : [...x];
  check(pair.length === 2, ShapeError, () => `[${op}] ${arg} must be a number or a pair, got ${JSON.stringify(x)}`);
  pair.forEach((v) => checkInt(v, op, arg, min));
  return [pair[0]!, pair[1]!];
}

/**
 * Resolves window options (PyTorch defaults: dilation 1, padding 0, stride 1 or the kernel for pooling).
 * @example
 * windowOf([3, 3], { padding: 1 }, 'conv2d'); // { kernel: [3, 3], dilation: [1, 1], padding: [1, 1], stride: [1, 1] }
 */
export function windowOf(kernelSize: number | readonly number[], options: WindowOptions, op: string, defaultStride?: readonly [number, number]): Window2d {
  const kernel = pairArg(kernelSize, op, 'kernelSize', 1);
  return {
    kernel,
    dilation: pairArg(options.dilation ?? 1, op, 'dilation', 1),
    padding: pairArg(options.padding ?? 0, op, 'padding', 0),
    stride: pairArg(options.stride ?? defaultStride ?? 1, op, 'stride', 1),
  };
}

/**
 * The number of window positions (oh, ow) for an input of spatial size (h, w); throws when none fits.
 * @example
 * windowGrid(28, 28, windowOf(2, { stride: 2 }, 'maxPool2d'), 'maxPool2d'); // [14, 14]
 */
export function windowGrid(h: number, w: number, win: Window2d, op: string): [number, number] {
  const oh = windowCount(h, win.kernel[0], win.dilation[0], win.padding[0], win.stride[0]);
  const ow = windowCount(w, win.kernel[1], win.dilation[1], win.padding[1], win.stride[1]);
  check(oh > 0 && ow > 0, ShapeError,
    () => `[${op}] the ${win.kernel[0]}×${win.kernel[1]} window (dilation ${win.dilation.join('×')}, padding ${win.padding.join('×')}) does not fit an input of spatial size ${h}×${w}`);
  return [oh, ow];
}

// d unfold = fold(g): every pixel collects the gradients of the windows that read it
const UNFOLD: OpDef<Window2d> = {
  name: 'unfold',
  save: {},
  forward([x], win) {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [oh, ow] = windowGrid(h, w, win, 'unfold');
    return fresh(backend().unfold(x!, win, x!.dtype), [n, c * win.kernel[0] * win.kernel[1], oh * ow], x!.dtype);
  },
  vjp: (g, { inputShapes, attrs }) => [foldImpl(g, [inputShapes[0]![2]!, inputShapes[0]![3]!], attrs)],
};

// the same columns laid out [C·kh·kw, N·L]; d = fold of g seen as [N, C·kh·kw, L]
const UNFOLD_WIDE: OpDef<Window2d> = {
  name: 'unfold',
  save: {},
  forward([x], win) {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [oh, ow] = windowGrid(h, w, win, 'unfold');
    return fresh(backend().unfold(x!, win, x!.dtype, true), [c * win.kernel[0] * win.kernel[1], n * oh * ow], x!.dtype);
  },
  vjp: (g, { inputShapes, attrs }) => {
    const [n, , h, w] = inputShapes[0] as [number, number, number, number];
    const ckk = g.shape[0]!;
    return [foldImpl(g.reshape(ckk, n, g.shape[1]! / n).permute(1, 0, 2), [h, w], attrs)];
  },
};

/**
 * The columns of every window of a batch as one matrix [C·kh·kw, N·oh·ow] (the layout a
 * convolution multiplies in one product); x is [N, C, H, W].
 * @example
 * unfoldWide(x, windowOf(3, { padding: 1 }, 'conv2d')).shape; // [C·9, N·H·W]
 */
export function unfoldWide(x: Tensor, win: Window2d): Tensor {
  checkTensor(x, 'unfold', 'input');
  check(x.ndim === 4, ShapeError, () => `[unfold] expects a 4-d input, got shape ${showShape(x.shape)}`);
  return apply(UNFOLD_WIDE, [x], win);
}

// d fold = unfold(g): each column entry reads the gradient of the pixel it was added to
const FOLD: OpDef<{ window: Window2d; outputSize: readonly [number, number] }> = {
  name: 'fold',
  save: {},
  forward([cols], { window, outputSize }) {
    const [n, ckk] = cols!.shape as [number, number, number];
    const c = ckk / (window.kernel[0] * window.kernel[1]);
    return fresh(backend().fold(cols!, outputSize, window, cols!.dtype), [n, c, outputSize[0], outputSize[1]], cols!.dtype);
  },
  vjp: (g, { attrs }) => [apply(UNFOLD, [g], attrs.window)],
};

function foldImpl(cols: Tensor, outputSize: readonly [number, number], window: Window2d): Tensor {
  return apply(FOLD, [cols], { window, outputSize });
}

// the index of each window's max: an integer result, so it has no gradient
const MAX_POOL_INDICES: OpDef<Window2d> = {
  name: 'maxPoolIndices',
  save: {},
  forward([x], win) {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const [oh, ow] = windowGrid(h, w, win, 'maxPool2d');
    return fresh(backend().maxPoolIndices(x!, win), [n, c, oh * ow], 'int32');
  },
};

/**
 * For each window of `x` [N, C, H, W], the flat index h·W + w (within its channel) of the first max;
 * padding counts as −∞. An int32 [N, C, oh·ow] tensor; max pooling gathers with it.
 * @example
 * maxPoolIndices(x, windowOf(2, { stride: 2 }, 'maxPool2d'));
 */
export function maxPoolIndices(x: Tensor, win: Window2d): Tensor {
  checkTensor(x, 'maxPool2d', 'input');
  return apply(MAX_POOL_INDICES, [x], win);
}

/**
 * Extracts sliding windows (im2col), as `torch.nn.functional.unfold`: [N, C, H, W] → [N, C·kh·kw, L]
 * where L is the number of window positions. A 3-d [C, H, W] input gives [C·kh·kw, L].
 * @example
 * unfold(randn([1, 3, 8, 8]), 3, { padding: 1 }).shape; // [1, 27, 64]
 */
export function unfold(x: Tensor, kernelSize: number | readonly [number, number], options: WindowOptions = {}): Tensor {
  checkTensor(x, 'unfold', 'input');
  check(x.ndim === 3 || x.ndim === 4, ShapeError, () => `[unfold] expects a 3-d or 4-d input, got shape ${showShape(x.shape)}`);
  const win = windowOf(kernelSize, options, 'unfold');
  if (x.ndim === 3) return unfold(x.unsqueeze(0), kernelSize, options).squeeze(0);
  windowGrid(x.shape[2]!, x.shape[3]!, win, 'unfold');
  return apply(UNFOLD, [x], win);
}

/**
 * Sums sliding-window columns back into an image (col2im), as `torch.nn.functional.fold`:
 * [N, C·kh·kw, L] → [N, C, H, W] with (H, W) = `outputSize`.
 * @example
 * fold(unfold(x, 2, { stride: 2 }), [8, 8], 2, { stride: 2 }); // equals x for non-overlapping windows
 */
export function fold(cols: Tensor, outputSize: number | readonly [number, number], kernelSize: number | readonly [number, number], options: WindowOptions = {}): Tensor {
  checkTensor(cols, 'fold', 'input');
  check(cols.ndim === 2 || cols.ndim === 3, ShapeError, () => `[fold] expects a 2-d or 3-d input, got shape ${showShape(cols.shape)}`);
  if (cols.ndim === 2) return fold(cols.unsqueeze(0), outputSize, kernelSize, options).squeeze(0);
  const win = windowOf(kernelSize, options, 'fold');
  const size = pairArg(outputSize, 'fold', 'outputSize', 1);
  const [oh, ow] = windowGrid(size[0], size[1], win, 'fold');
  const kk = win.kernel[0] * win.kernel[1];
  check(cols.shape[1]! % kk === 0 && cols.shape[2] === oh * ow, ShapeError,
    () => `[fold] input of shape ${showShape(cols.shape)} does not match a ${win.kernel.join('×')} window over ${size.join('×')} (expected [N, C·${kk}, ${oh * ow}])`);
  return foldImpl(cols, size, win);
}
