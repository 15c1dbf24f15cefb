/**
 * Copying and indexing kernels: assign (into a view), pad, gather/scatterAdd, indexSelect/indexAdd, cumsum.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate, dtypeOfArray } from '../../base/dtype.js';
import { contiguousStrides } from '../../base/shape.js';
import type { StridedView } from '../backend.js';
import { unary } from './elementwise.js';
import { collapse, isContiguous, offsetsOf } from './layout.js';

/**
 * Writes `src` (broadcast to `dst.shape`) into the view `dst`, converting to `dst`'s dtype.
 * @example
 * assign(paramView, updatedView);
 */
export function assign(dst: StridedView, src: StridedView): void {
  const dtype = dtypeOfArray(dst.data);
  const converted = dtype === 'bool' && dtypeOfArray(src.data) !== 'bool' ? unary('toBool', src, 'bool') : null;
  if (converted === null && isContiguous(dst) && isContiguous(src) && dtypeOfArray(src.data) === dtype) {
    const n = dst.shape.reduce((p, s) => p * s, 1);
    dst.data.set(src.data.subarray(src.offset, src.offset + n) as never, dst.offset);
    return;
  }
  if (converted === null && dtypeOfArray(src.data) === dtype && copyRows(dst, src)) return;
  const values = converted ?? src.data;
  const srcOffsets = converted ? null : offsetsOf(src);
  const dstOffsets = offsetsOf(dst);
  const out = dst.data;
  for (let i = 0; i < dstOffsets.length; i++) out[dstOffsets[i]!] = values[srcOffsets ? srcOffsets[i]! : i]!;
}

/**
 * The copy of `assign` as whole rows (`set` of subarrays) when both views walk their innermost
 * merged dim contiguously and rows are long enough to pay; false when the layout does not allow it.
 */
function copyRows(dst: StridedView, src: StridedView): boolean {
  const c = collapse(dst.shape, [dst.strides, src.strides]);
  const nd = c.shape.length;
  if (nd === 0) return false;
  const [ds, ss] = c.strides as [number[], number[]];
  const len = c.shape[nd - 1]!;
  if (ds[nd - 1] !== 1 || ss[nd - 1] !== 1 || len < 8) return false;
  const rows = c.shape.slice(0, -1).reduce((p, s) => p * s, 1);
  const idx = new Array<number>(nd - 1).fill(0);
  let dOff = dst.offset;
  let sOff = src.offset;
  for (let r = 0; r < rows; r++) {
    dst.data.set(src.data.subarray(sOff, sOff + len) as never, dOff);
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]!++;
      dOff += ds[d]!;
      sOff += ss[d]!;
      if (idx[d]! < c.shape[d]!) break;
      dOff -= ds[d]! * c.shape[d]!;
      sOff -= ss[d]! * c.shape[d]!;
      idx[d] = 0;
    }
  }
  return true;
}

/**
 * Pads with `low`/`high` elements around each dim and `interior` between neighbours, filled with `value`.
 * @example
 * pad(view2x2, [1, 0], [0, 1], [0, 0], 0, 'float32'); // [3, 3]
 */
export function pad(
  x: StridedView,
  low: readonly number[],
  high: readonly number[],
  interior: readonly number[],
  value: number,
  dtype: DType,
): TypedArray {
  const outShape = x.shape.map((s, d) => low[d]! + high[d]! + s + Math.max(s - 1, 0) * interior[d]!);
  const outStrides = contiguousStrides(outShape);
  const out = allocate(dtype, outShape.reduce((p, s) => p * s, 1));
  if (value !== 0) out.fill(value);
  if (x.shape.length > 0 && interior.every((n) => n === 0)) {
    padRows(x, low, outStrides, out);
    return out;
  }
  // each input element (i₀, i₁, …) lands at Σ (low[d] + i_d·(interior[d] + 1))·outStride[d]
  const target = offsetsOf({
    shape: x.shape,
    strides: outStrides.map((s, d) => s * (interior[d]! + 1)),
    offset: low.reduce((acc, l, d) => acc + l * outStrides[d]!, 0),
  });
  const source = offsetsOf(x);
  for (let i = 0; i < source.length; i++) out[target[i]!] = x.data[source[i]!]!;
  return out;
}

/** pad without interior padding: the input's rows (last dim) are copied whole into place. */
function padRows(x: StridedView, low: readonly number[], outStrides: readonly number[], out: TypedArray): void {
  const nd = x.shape.length;
  const n = x.shape[nd - 1]!;
  const lead = { shape: x.shape.slice(0, -1), strides: x.strides.slice(0, -1) };
  const target = offsetsOf({ ...lead, strides: outStrides.slice(0, -1), offset: low.reduce((acc, l, d) => acc + l * outStrides[d]!, 0) });
  const source = offsetsOf({ ...lead, offset: x.offset });
  const step = x.strides[nd - 1]!;
  for (let r = 0; r < source.length; r++) {
    const [from, to] = [source[r]!, target[r]!];
    if (step === 1) out.set(x.data.subarray(from, from + n) as Float32Array, to);
    else for (let j = 0; j < n; j++) out[to + j] = x.data[from + j * step]!;
  }
}

/** Offsets, for every element of `shape` in row-major order, into a view with `shape`'s sizes on all dims but `axis`. */
function offsetsWithoutAxis(view: StridedView, shape: readonly number[], axis: number): Int32Array {
  return offsetsOf({ shape, strides: view.strides.map((s, d) => (d === axis ? 0 : s)), offset: view.offset });
}

/**
 * `out[…, i, …] = x[…, index[…, i, …], …]` along `axis`; `out` has `index`'s shape.
 * @example
 * gather(x, 1, idx, 'float32');
 */
export function gather(x: StridedView, axis: number, index: StridedView, dtype: DType): TypedArray {
  const base = offsetsWithoutAxis(x, index.shape, axis);
  const idx = offsetsOf(index);
  const stride = x.strides[axis] ?? 0;
  const out = allocate(dtype, idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = x.data[base[i]! + index.data[idx[i]!]! * stride]!;
  return out;
}

/**
 * A contiguous copy of `base` with each `src` element added at its `index` position along `axis`.
 * @example
 * scatterAdd(zeros, 1, idx, src, 'float32');
 */
export function scatterAdd(base: StridedView, axis: number, index: StridedView, src: StridedView, dtype: DType): TypedArray {
  const out = unary('cast', base, dtype);
  const outStrides = contiguousStrides(base.shape);
  const target = offsetsOf({ shape: index.shape, strides: outStrides.map((s, d) => (d === axis ? 0 : s)), offset: 0 });
  const idx = offsetsOf(index);
  const values = offsetsOf({ shape: index.shape, strides: src.strides, offset: src.offset });
  const stride = outStrides[axis] ?? 0;
  for (let i = 0; i < idx.length; i++) out[target[i]! + index.data[idx[i]!]! * stride]! += src.data[values[i]!]!;
  return out;
}

/**
 * Selects the entries `index[j]` (a 1-d view) along `axis`.
 * @example
 * indexSelect(embeddings, 0, tokenIds, 'float32'); // one row per token
 */
export function indexSelect(x: StridedView, axis: number, index: StridedView, dtype: DType): TypedArray {
  const k = index.shape[0] ?? 1;
  const picked = Array.from({ length: k }, (_, j) => index.data[index.offset + j * (index.strides[0] ?? 0)]!);
  // view x with its `axis` replaced by the picked entries: iterate that shape, mapping position j to picked[j]
  const shape = x.shape.map((s, d) => (d === axis ? k : s));
  const outer = shape.slice(0, axis).reduce((p, s) => p * s, 1);
  const inner = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const innerOffsets = offsetsOf({ shape: shape.slice(axis + 1), strides: x.strides.slice(axis + 1), offset: 0 });
  const outerOffsets = offsetsOf({ shape: shape.slice(0, axis), strides: x.strides.slice(0, axis), offset: x.offset });
  const out = allocate(dtype, outer * k * inner);
  const stride = x.strides[axis] ?? 0;
  let o = 0;
  // rows of unit-stride inner elements (the usual embedding lookup) are copied whole
  const rows = isContiguous({ shape: shape.slice(axis + 1), strides: x.strides.slice(axis + 1) }) && dtypeOfArray(x.data) === dtype;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < k; j++) {
      const start = outerOffsets[a]! + picked[j]! * stride;
      if (rows && inner >= 16) {
        out.set(x.data.subarray(start, start + inner), o);
        o += inner;
      } else if (rows) {
        for (let b = 0; b < inner; b++) out[o++] = x.data[start + b]!; // short rows: a subarray per row costs more than the copy
      } else {
        for (let b = 0; b < inner; b++) out[o++] = x.data[start + innerOffsets[b]!]!;
      }
    }
  }
  return out;
}

/**
 * A contiguous copy of `base` with `src[…, j, …]` added at `[…, index[j], …]` along `axis`.
 * @example
 * indexAdd(zeros, 0, tokenIds, rowGrads, 'float32');
 */
export function indexAdd(base: StridedView, axis: number, index: StridedView, src: StridedView, dtype: DType): TypedArray {
  const out = unary('cast', base, dtype);
  const k = index.shape[0] ?? 1;
  const shape = base.shape;
  const outer = shape.slice(0, axis).reduce((p, s) => p * s, 1);
  const inner = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const n = shape[axis] ?? 1;
  // a contiguous src is read in order; otherwise through its element offsets
  const srcOffsets = isContiguous(src) ? null : offsetsOf(src);
  const data = src.data;
  let i = src.offset;
  for (let a = 0; a < outer; a++) {
    for (let j = 0; j < k; j++) {
      const row = (a * n + index.data[index.offset + j * (index.strides[0] ?? 0)]!) * inner;
      if (srcOffsets === null) {
        for (let b = 0; b < inner; b++) out[row + b]! += data[i++]!;
      } else {
        for (let b = 0; b < inner; b++) out[row + b]! += data[srcOffsets[i++ - src.offset]!]!;
      }
    }
  }
  return out;
}

/**
 * Running sum along `axis`.
 * @example
 * cumsum(view, 0, 'float32');
 */
export function cumsum(x: StridedView, axis: number, dtype: DType): TypedArray {
  const out = unary('cast', x, dtype);
  const shape = x.shape;
  const outer = shape.slice(0, axis).reduce((p, s) => p * s, 1);
  const inner = shape.slice(axis + 1).reduce((p, s) => p * s, 1);
  const n = shape[axis] ?? 1;
  for (let a = 0; a < outer; a++) {
    for (let b = 0; b < inner; b++) {
      let acc = 0;
      for (let j = 0; j < n; j++) {
        const at = (a * n + j) * inner + b;
        acc += out[at]!;
        out[at] = acc;
      }
    }
  }
  return out;
}
