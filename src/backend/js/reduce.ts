/**
 * Reduction kernels: sum, prod, max, min over a set of axes, and argmax/argmin along one axis.
 * Accumulation happens in float64 (JS numbers) whatever the dtype, so float32 sums lose nothing
 * until the final store.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate } from '../../base/dtype.js';
import type { ReduceOp, StridedView } from '../backend.js';
import { collapse, offsetsOf } from './layout.js';

/** Splits a view into the kept dims (outer loop) and the reduced dims (inner block). */
function split(x: StridedView, axes: readonly number[]): { keptShape: number[]; keptStrides: number[]; block: Int32Array } {
  const reduced = new Set(axes);
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  x.shape.forEach((size, d) => {
    (reduced.has(d) ? redShape : keptShape).push(size);
    (reduced.has(d) ? redStrides : keptStrides).push(x.strides[d]!);
  });
  const c = collapse(redShape, [redStrides]);
  // offsets of the reduced block's elements relative to the block start
  const block = offsetsOf({ shape: c.shape, strides: c.strides[0]!, offset: 0 });
  return { keptShape, keptStrides, block };
}

/**
 * Reduces `x` over `axes`; the output keeps the other dims, in order, contiguous.
 * NOTE: max and min propagate NaN, as PyTorch does; they need a non-empty block (checked by the op).
 * @example
 * reduce('sum', view, [1], 'float32'); // row sums of a [R, C] view
 */
export function reduce(op: ReduceOp, x: StridedView, axes: readonly number[], dtype: DType): TypedArray {
  const { keptShape, keptStrides, block } = split(x, axes);
  const starts = offsetsOf({ shape: keptShape, strides: keptStrides, offset: x.offset });
  const out = allocate(dtype, starts.length);
  const data = x.data;
  const m = block.length;
  for (let i = 0; i < starts.length; i++) {
    const base = starts[i]!;
    let acc: number;
    if (op === 'sum') {
      acc = 0;
      for (let j = 0; j < m; j++) acc += data[base + block[j]!]!;
    } else if (op === 'prod') {
      acc = 1;
      for (let j = 0; j < m; j++) acc *= data[base + block[j]!]!;
    } else if (op === 'max') {
      acc = data[base + block[0]!]!;
      for (let j = 1; j < m && acc === acc; j++) {
        const v = data[base + block[j]!]!;
        if (v > acc || v !== v) acc = v;
      }
    } else {
      acc = data[base + block[0]!]!;
      for (let j = 1; j < m && acc === acc; j++) {
        const v = data[base + block[j]!]!;
        if (v < acc || v !== v) acc = v;
      }
    }
    out[i] = acc;
  }
  return out;
}

/**
 * Index of the first max (argmax) or min (argmin) along `axis`; the first NaN wins, as in PyTorch.
 * @example
 * argReduce('argmax', view, 1); // per row of a [R, C] view
 */
export function argReduce(op: 'argmax' | 'argmin', x: StridedView, axis: number): Int32Array {
  const { keptShape, keptStrides } = split(x, [axis]);
  const starts = offsetsOf({ shape: keptShape, strides: keptStrides, offset: x.offset });
  const out = new Int32Array(starts.length);
  const n = x.shape[axis] ?? 1;
  const stride = x.strides[axis] ?? 0;
  const sign = op === 'argmax' ? 1 : -1;
  for (let i = 0; i < starts.length; i++) {
    const base = starts[i]!;
    let best = x.data[base]! * sign;
    let bestIndex = 0;
    for (let j = 1; j < n && best === best; j++) {
      const v = x.data[base + j * stride]! * sign;
      if (v > best || v !== v) {
        best = v;
        bestIndex = j;
      }
    }
    out[i] = bestIndex;
  }
  return out;
}
