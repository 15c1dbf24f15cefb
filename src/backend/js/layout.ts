/**
 * Layout helpers for the reference kernels: merging dims that are contiguous with each other in
 * every operand, and listing a view's element offsets in row-major order.
 */
import type { Shape } from '../../base/shape.js';
import type { StridedView } from '../backend.js';

/** A shape with one stride list per operand, after merging. */
export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 dims and merges neighbouring dims that every operand walks contiguously
 * (`stride[d] = stride[d+1]·size[d+1]`), so that a contiguous tensor becomes one flat loop.
 * @example
 * collapse([2, 3], [[3, 1], [0, 1]]); // { shape: [2, 3], strides: [[3, 1], [0, 1]] } (b broadcasts rows)
 */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): Collapsed {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * size)) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(size);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * The offsets of a view's elements in row-major order of its shape.
 * @example
 * offsetsOf({ data, shape: [2, 2], strides: [1, 2], offset: 0 }); // Int32Array [0, 2, 1, 3]
 */
export function offsetsOf(view: Pick<StridedView, 'shape' | 'strides' | 'offset'>): Int32Array {
  const { shape, strides, offset } = view;
  let n = 1;
  for (const s of shape) n *= s;
  const out = new Int32Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let pos = offset;
  for (let i = 0; i < n; i++) {
    out[i] = pos;
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      pos += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      pos -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Whether a view covers `numel` consecutive elements starting at its offset, in row-major order.
 * @example
 * isContiguous({ shape: [2, 3], strides: [3, 1], offset: 0 }); // true
 */
export function isContiguous(view: Pick<StridedView, 'shape' | 'strides'>): boolean {
  let expected = 1;
  for (let d = view.shape.length - 1; d >= 0; d--) {
    const size = view.shape[d]!;
    if (size !== 1 && view.strides[d] !== expected) return false;
    expected *= size;
  }
  return true;
}
