/**
 * Ops that copy: contiguous, clone, dtype conversion, pad, cat/stack, flip, repeat, tril/triu.
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { arange } from '../core/creation.js';
import { checkDType, promoteTypes, type DType } from '../base/dtype.js';
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { allocate } from '../base/dtype.js';
import { normalizeDim, sameShape, showShape, type Shape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { where } from './elementwise.js';
import { checkInt, checkTensor, dimArg, fresh, isContiguousView } from './util.js';

// d copy = g
const COPY: OpDef = {
  name: 'clone',
  save: {},
  forward: ([x]) => fresh(backend().unary('cast', x!, x!.dtype), x!.shape, x!.dtype),
  vjp: (g) => [g],
};

/**
 * A contiguous copy with its own storage (differentiable).
 * @example
 * const y = clone(x); // writing into y leaves x alone
 */
export function clone(x: Tensor): Tensor {
  checkTensor(x, 'clone', 'input');
  return apply(COPY, [x], undefined);
}

/**
 * `x` itself when already contiguous, else a contiguous copy.
 * @example
 * contiguous(x.t());
 */
export function contiguous(x: Tensor): Tensor {
  checkTensor(x, 'contiguous', 'input');
  return isContiguousView(x) ? x : apply(COPY, [x], undefined);
}

// d cast = g (the engine converts it back to the input's dtype)
const TO_DTYPE: OpDef<DType> = {
  name: 'to',
  save: {},
  forward: ([x], dtype) => fresh(backend().unary(dtype === 'bool' ? 'toBool' : 'cast', x!, dtype), x!.shape, dtype),
  vjp: (g) => [g],
};

/**
 * `x` converted to `dtype` (x itself when it already has it). Between floating dtypes the
 * gradient flows; to int32 or bool the result is cut from the graph.
 * @example
 * toDType(tensor([1.7, -1.7]), 'int32'); // [1, -1] (truncation)
 */
export function toDType(x: Tensor, dtype: DType): Tensor {
  checkTensor(x, 'to', 'input');
  checkDType(dtype, 'to');
  return x.dtype === dtype ? x : apply(TO_DTYPE, [x], dtype);
}

interface PadSpec {
  low: readonly number[];
  high: readonly number[];
  interior: readonly number[];
  value: number;
}

// d pad = g sliced back at the input's positions (start low, step interior + 1)
const PAD: OpDef<PadSpec> = {
  name: 'pad',
  save: {},
  forward([x], { low, high, interior, value }) {
    const shape = x!.shape.map((s, d) => low[d]! + high[d]! + s + Math.max(s - 1, 0) * interior[d]!);
    return fresh(backend().pad(x!, low, high, interior, value, x!.dtype), shape, x!.dtype);
  },
  vjp: (g, { inputShapes, attrs: { low, interior } }) => {
    let y = g;
    inputShapes[0]!.forEach((size, d) => {
      const step = interior[d]! + 1;
      y = y.slice(d, low[d]!, low[d]! + (size === 0 ? 0 : (size - 1) * step + 1), step);
    });
    return [y];
  },
};

/**
 * XLA-style pad: `low[d]` before, `high[d]` after and `interior[d]` between neighbours on each
 * dim, filled with 0; `expected` is the resulting shape (checked). Used by slice's vjp.
 * @example
 * padGeneral(g, [1], [0], [1], [4]); // [a, b] → [0, a, 0, b]
 */
export function padGeneral(x: Tensor, low: readonly number[], high: readonly number[], interior: readonly number[], expected: Shape): Tensor {
  const out = apply(PAD, [x], { low, high, interior, value: 0 });
  check(sameShape(out.shape, expected), ShapeError, () => `[pad] produced ${showShape(out.shape)}, expected ${showShape(expected)}`);
  return out;
}

/**
 * Constant padding as `torch.nn.functional.pad`: `pads` lists (before, after) pairs starting
 * from the last dim: `[left, right]` pads the last dim, `[left, right, top, bottom]` the last two.
 * @example
 * pad(ones([2, 2]), [1, 1], 0); // shape [2, 4]
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  checkTensor(x, 'pad', 'input');
  check(Array.isArray(pads) && pads.length % 2 === 0 && pads.length / 2 <= x.ndim, ShapeError,
    () => `[pad] pads must hold (before, after) pairs for at most ${x.ndim} dims, got ${fmt(pads)}`);
  pads.forEach((p) => checkInt(p, 'pad', 'padding', 0));
  check(typeof value === 'number', ArgumentError, () => `[pad] value must be a number, got ${fmt(value)}`);
  const low = x.shape.map(() => 0);
  const high = x.shape.map(() => 0);
  for (let k = 0; k < pads.length / 2; k++) {
    low[x.ndim - 1 - k] = pads[2 * k]!;
    high[x.ndim - 1 - k] = pads[2 * k + 1]!;
  }
  return apply(PAD, [x], { low, high, interior: x.shape.map(() => 0), value });
}

// d cat = g cut back into the inputs' pieces along dim
const CAT: OpDef<{ dim: number; dtype: DType }> = {
  name: 'cat',
  save: {},
  forward(xs, { dim, dtype }) {
    const total = xs.reduce((p, x) => p + x.shape[dim]!, 0);
    const shape = xs[0]!.shape.map((s, d) => (d === dim ? total : s));
    const out = fresh(allocate(dtype, shape.reduce((p, s) => p * s, 1)), shape, dtype);
    let start = 0;
    for (const x of xs) {
      const size = x.shape[dim]!;
      const target = out._view(x.shape, out.strides, start * out.strides[dim]!);
      backend().assign(target, x);
      start += size;
    }
    return out;
  },
  vjp: (g, { inputShapes, attrs: { dim } }) => {
    let start = 0;
    return inputShapes.map((s) => {
      const piece = g.narrow(dim, start, s[dim]!);
      start += s[dim]!;
      return piece;
    });
  },
};

/**
 * Joins tensors along an existing dim; the other dims must match (dtypes promote).
 * @example
 * cat([ones([2, 3]), zeros([1, 3])], 0); // shape [3, 3]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  check(Array.isArray(tensors) && tensors.length > 0, ArgumentError, () => '[cat] expected a non-empty list of tensors');
  tensors.forEach((x, i) => checkTensor(x, 'cat', `tensors[${i}]`));
  const first = tensors[0]!;
  check(first.ndim > 0, ShapeError, () => '[cat] zero-dimensional tensors cannot be concatenated; use stack');
  const d = dimArg(dim, first.ndim, 'cat');
  tensors.forEach((x, i) => {
    check(x.ndim === first.ndim && x.shape.every((s: number, k: number) => k === d || s === first.shape[k]), ShapeError,
      () => `[cat] tensors[${i}] has shape ${showShape(x.shape)}, which does not match ${showShape(first.shape)} outside dim ${d}`);
  });
  const dtype = tensors.reduce<DType>((acc, x) => promoteTypes(acc, x.dtype), first.dtype);
  return apply(CAT, tensors, { dim: d, dtype });
}

/**
 * Joins tensors of equal shape along a new dim.
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])], 1); // [[1, 3], [2, 4]]
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  check(Array.isArray(tensors) && tensors.length > 0, ArgumentError, () => '[stack] expected a non-empty list of tensors');
  tensors.forEach((x, i) => {
    checkTensor(x, 'stack', `tensors[${i}]`);
    check(sameShape(x.shape, tensors[0]!.shape), ShapeError,
      () => `[stack] tensors[${i}] has shape ${showShape(x.shape)}, expected ${showShape(tensors[0]!.shape)} like tensors[0]`);
  });
  const d = normalizeDim(dim, tensors[0]!.ndim + 1, 'stack', 'dim', `stacking ${tensors[0]!.ndim}-d tensors`);
  return cat(tensors.map((x) => x.unsqueeze(d)), d);
}

// d flip = g flipped back
const FLIP: OpDef<{ dims: readonly number[] }> = {
  name: 'flip',
  save: {},
  forward([x], { dims }) {
    let offset = x!.offset;
    const strides = x!.strides.map((s, d) => {
      if (!dims.includes(d) || x!.shape[d] === 0) return s;
      offset += (x!.shape[d]! - 1) * s;
      return -s;
    });
    const reversed = { data: x!.data, shape: x!.shape, strides, offset };
    return fresh(backend().unary('cast', reversed, x!.dtype), x!.shape, x!.dtype);
  },
  vjp: (g, { attrs: { dims } }) => [g.flip(dims)],
};

/**
 * Reverses the order of elements along `dims` (a copy, as in PyTorch).
 * @example
 * flip(tensor([1, 2, 3]), 0); // [3, 2, 1]
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor(x, 'flip', 'input');
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => dimArg(d, x.ndim, 'flip'));
  check(new Set(list).size === list.length, ArgumentError, () => `[flip] dims ${fmt(dims)} repeat a dim`);
  return apply(FLIP, [x], { dims: list });
}

/**
 * Tiles `x` `sizes[d]` times along each dim (extra leading sizes add dims), as `torch.Tensor.repeat`.
 * Composed: unsqueeze, expand, reshape.
 * @example
 * repeat(tensor([1, 2]), [2, 2]); // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  checkTensor(x, 'repeat', 'input');
  check(sizes.length >= x.ndim, ShapeError,
    () => `[repeat] the number of repeats ${fmt(sizes)} must be at least the number of dims of the input (shape ${showShape(x.shape)})`);
  sizes.forEach((s) => checkInt(s, 'repeat', 'repeat count', 0));
  const shape = [...new Array<number>(sizes.length - x.ndim).fill(1), ...x.shape];
  const interleaved = shape.flatMap((s) => [1, s]);
  const expanded = sizes.flatMap((r, d) => [r, shape[d]!]);
  return x.reshape(interleaved).expand(expanded).reshape(sizes.map((r, d) => r * shape[d]!));
}

function triangle(x: Tensor, diagonal: number, op: 'tril' | 'triu'): Tensor {
  checkTensor(x, op, 'input');
  check(x.ndim >= 2, ShapeError, () => `[${op}] expects a tensor of at least 2 dims, got shape ${showShape(x.shape)}`);
  checkInt(diagonal, op, 'diagonal');
  const rows = arange(x.shape[x.ndim - 2]!, undefined, 1, { dtype: 'int32' }).unsqueeze(1);
  const cols = arange(x.shape[x.ndim - 1]!, undefined, 1, { dtype: 'int32' }).unsqueeze(0);
  const offset = cols.sub(rows); // j − i
  const keep = op === 'tril' ? offset.le(diagonal) : offset.ge(diagonal);
  return where(keep, x, 0).to(x.dtype);
}

/**
 * The lower triangle of the last two dims (j − i <= diagonal), zeros elsewhere.
 * @example
 * tril(ones([3, 3])); // ones on and below the diagonal
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, 'tril');
}

/**
 * The upper triangle of the last two dims (j − i >= diagonal), zeros elsewhere.
 * @example
 * triu(ones([3, 3]), 1); // ones strictly above the diagonal
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  return triangle(x, diagonal, 'triu');
}

