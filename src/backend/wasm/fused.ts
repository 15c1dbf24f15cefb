/**
 * The wasm backend's fused row kernels (softmax, layer norm, GELU, cross-entropy; assembly/fused.ts)
 * behind the Backend interface: float32 views whose rows are contiguous (any row stride) run in
 * wasm; float64, small tensors and other layouts run the TypeScript reference (js/fused.ts).
 */
import { free, type DType, type TypedArray } from '../../base/dtype.js';
import { numel } from '../../base/shape.js';
import type { Backend, LayerNormResult, StridedView } from '../backend.js';
import * as ref from '../js/fused.js';
import { collapse, isContiguous } from '../js/layout.js';
import type { WasmKernels } from './kernels.js';

/** A kernel call placed in the heap (see `prepare` in wasm/index.ts). */
interface Placed {
  outPtr: number;
  ptrs: number[];
  finish(): TypedArray;
}

/** What the wrappers need from the wasm backend. */
export interface WasmCalls {
  kernels(): WasmKernels;
  /** Tensors smaller than this (elements) run the JS kernels. */
  minElements(): number;
  /** Runs an elementwise kernel over [0, n) with the arguments of each range, split across the threads when large. */
  overRange(n: number, kernel: 'geluForward' | 'geluBackward', args: (start: number, count: number) => number[]): void;
  /** Places the output (`outN` elements) and the operands (view, elements spanned); null when there is nothing to do. */
  prepare(outN: number, operands: readonly (readonly [StridedView, number])[], outDtype?: DType): Placed | null;
  /** A float32 view of the heap at a byte address. */
  heapFloats(ptr: number, n: number): Float32Array;
  /** A contiguous float32 copy of a view (in wasm: gradients that arrive broadcast, with stride 0). */
  contiguous(v: StridedView): StridedView;
}

/** A view seen as rows: `rows` of `n` contiguous floats, `stride` elements apart. */
interface Rows {
  rows: number;
  n: number;
  stride: number;
}

/** `v` as rows along `dim` (every later dim of size 1), or null when its layout is not rows of contiguous float32. */
function rowsOf(v: StridedView, dim: number): Rows | null {
  if (!(v.data instanceof Float32Array) || v.shape.slice(dim + 1).some((s) => s !== 1)) return null;
  const n = v.shape[dim] ?? 1;
  if (n !== 1 && v.strides[dim] !== 1) return null;
  const outer = collapse(v.shape.slice(0, dim), [v.strides.slice(0, dim)]);
  const stride = outer.strides[0]![0] ?? 0;
  if (outer.shape.length > 1 || stride < 0) return null;
  return { rows: outer.shape[0] ?? 1, n, stride };
}

/** The elements a rows layout spans. */
const span = (r: Rows): number => (r.rows === 0 ? 0 : (r.rows - 1) * r.stride + r.n);

/** A 1-d float32 (or int32) vector with a non-negative stride: [view, elements spanned], or null. */
function vector(v: StridedView): [StridedView, number] | null {
  const n = v.shape[0]!;
  return v.strides[0]! >= 0 || n <= 1 ? [v, n === 0 ? 0 : (n - 1) * v.strides[0]! + 1] : null;
}

const f32 = (v: StridedView | null): boolean => v === null || v.data instanceof Float32Array;

/** A float32 array on the JS heap seen as a view (an output operand the kernel writes). */
const scratchView = (data: Float32Array): StridedView => ({ data, shape: [data.length], strides: [1], offset: 0 });

/**
 * The fused kernels of the wasm backend, over the backend's placement (`calls`).
 * @example
 * const backend = { ...jsBackend, ...fusedKernels(calls) };
 */
export function fusedKernels(calls: WasmCalls): Pick<Backend, 'softmax' | 'softmaxBackward' | 'layerNorm' | 'layerNormBackward' | 'gelu' | 'geluBackward' | 'crossEntropy' | 'crossEntropyBackward'> {
  const small = (v: StridedView): boolean => numel(v.shape) < calls.minElements();

  function softmax(x: StridedView, dim: number, log: boolean, dtype: DType): TypedArray {
    const r = dtype === 'float32' && !small(x) ? rowsOf(x, dim) : null;
    const p = r === null ? null : calls.prepare(r.rows * r.n, [[x, span(r)]]);
    if (r === null || p === null) return ref.softmax(x, dim, log, dtype);
    calls.kernels().softmaxRows(p.ptrs[0]!, r.stride, p.outPtr, r.rows, r.n, log ? 1 : 0);
    return p.finish();
  }

  /**
   * `g` as rows along `dim`, copied contiguous first when its layout is not rows (a broadcast
   * gradient); the copy (third) is the caller's to `release` once the call is done.
   */
  function gradRows(g: StridedView, dim: number): [StridedView, Rows | null, StridedView | null] {
    const r = rowsOf(g, dim);
    if (r !== null || !f32(g)) return [g, r, null];
    const copy = calls.contiguous(g);
    return [copy, rowsOf(copy, dim), copy];
  }

  /** Frees a contiguous copy made for one call (a heap block nothing else sees). */
  function release(copy: StridedView | null): void {
    if (copy !== null) free(copy.data);
  }

  function softmaxBackward(y: StridedView, gIn: StridedView, dim: number, log: boolean, dtype: DType): TypedArray {
    const ry = dtype === 'float32' && !small(y) ? rowsOf(y, dim) : null;
    const [g, rg, copy] = ry === null ? [gIn, null, null] : gradRows(gIn, dim);
    try {
      const p = ry === null || rg === null ? null : calls.prepare(ry.rows * ry.n, [[y, span(ry)], [g, span(rg)]]);
      if (ry === null || rg === null || p === null) return ref.softmaxBackward(y, gIn, dim, log, dtype);
      calls.kernels().softmaxBackwardRows(p.ptrs[0]!, ry.stride, p.ptrs[1]!, rg.stride, p.outPtr, ry.rows, ry.n, log ? 1 : 0);
      return p.finish();
    } finally {
      release(copy);
    }
  }

  /** The optional [N] vectors (weight, bias) as operands, or null when one has an unusual layout. */
  function optional(vs: readonly (StridedView | null)[]): [StridedView, number][] | null {
    const out: [StridedView, number][] = [];
    for (const v of vs) {
      if (v === null) continue;
      const op = f32(v) && (v.strides[0] === 1 || v.shape[0] === 1) ? vector(v) : null;
      if (op === null) return null;
      out.push(op);
    }
    return out;
  }

  /** The address of each optional operand (0 for null), from the placed pointers after the `first` ones. */
  function addresses(vs: readonly (StridedView | null)[], ptrs: readonly number[], first: number): number[] {
    let k = first;
    return vs.map((v) => (v === null ? 0 : ptrs[k++]!));
  }

  function layerNorm(x: StridedView, weight: StridedView | null, bias: StridedView | null, eps: number, dtype: DType): LayerNormResult {
    const r = dtype === 'float32' && !small(x) ? rowsOf(x, 1) : null;
    const extra = r === null ? null : optional([weight, bias]);
    if (r === null || extra === null || r.rows === 0) return ref.layerNorm(x, weight, bias, eps, dtype);
    const stats = new Float32Array(2 * r.rows);
    const p = calls.prepare(r.rows * r.n, [[x, span(r)], ...extra, [scratchView(stats), stats.length]]);
    if (p === null) return ref.layerNorm(x, weight, bias, eps, dtype);
    const [w, b] = addresses([weight, bias], p.ptrs, 1);
    const statsPtr = p.ptrs[p.ptrs.length - 1]!;
    calls.kernels().layerNormRows(p.ptrs[0]!, r.stride, w!, b!, p.outPtr, statsPtr, r.rows, r.n, eps);
    stats.set(calls.heapFloats(statsPtr, stats.length));
    return { out: p.finish(), stats };
  }

  function layerNormBackward(x: StridedView, weight: StridedView | null, stats: StridedView, gIn: StridedView, dtype: DType): TypedArray {
    const r = dtype === 'float32' && !small(x) ? rowsOf(x, 1) : null;
    const [g, rg, copy] = r === null ? [gIn, null, null] : gradRows(gIn, 1);
    try {
      const extra = rg === null || !isContiguous(stats) || !f32(stats) ? null : optional([weight]);
      const p = r === null || rg === null || extra === null ? null : calls.prepare(r.rows * r.n + 2 * r.n, [[x, span(r)], [g, span(rg)], [stats, numel(stats.shape)], ...extra]);
      if (r === null || rg === null || p === null) return ref.layerNormBackward(x, weight, stats, gIn, dtype);
      const [w] = addresses([weight], p.ptrs, 3);
      calls.kernels().layerNormBackwardRows(p.ptrs[0]!, r.stride, w!, p.ptrs[2]!, p.ptrs[1]!, rg.stride, p.outPtr, r.rows, r.n);
      return p.finish();
    } finally {
      release(copy);
    }
  }

  function gelu(x: StridedView, tanh: boolean, dtype: DType): TypedArray {
    const n = numel(x.shape);
    const p = dtype === 'float32' && f32(x) && !small(x) && isContiguous(x) ? calls.prepare(n, [[x, n]]) : null;
    if (p === null) return ref.gelu(x, tanh, dtype);
    calls.overRange(n, 'geluForward', (s, c) => [p.ptrs[0]! + 4 * s, p.outPtr + 4 * s, c, tanh ? 1 : 0]);
    return p.finish();
  }

  function geluBackward(x: StridedView, gIn: StridedView, tanh: boolean, dtype: DType): TypedArray {
    const n = numel(x.shape);
    const fits = dtype === 'float32' && f32(x) && f32(gIn) && !small(x) && isContiguous(x);
    const copy = fits && !isContiguous(gIn) ? calls.contiguous(gIn) : null;
    try {
      const p = fits ? calls.prepare(n, [[x, n], [copy ?? gIn, n]]) : null;
      if (p === null) return ref.geluBackward(x, gIn, tanh, dtype);
      calls.overRange(n, 'geluBackward', (s, c) => [p.ptrs[0]! + 4 * s, p.ptrs[1]! + 4 * s, p.outPtr + 4 * s, c, tanh ? 1 : 0]);
      return p.finish();
    } finally {
      release(copy);
    }
  }

  function crossEntropy(x: StridedView, target: StridedView, weight: StridedView | null, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray {
    const r = dtype === 'float32' && !small(x) ? rowsOf(x, 1) : null;
    const t = target.data instanceof Int32Array ? vector(target) : null;
    const extra = r === null || t === null ? null : optional([weight]);
    const p = r === null || t === null || extra === null ? null : calls.prepare(r.rows + r.rows * r.n, [[x, span(r)], t, ...extra]);
    if (r === null || p === null) return ref.crossEntropy(x, target, weight, ignoreIndex, smoothing, dtype);
    const [w] = addresses([weight], p.ptrs, 2);
    calls.kernels().crossEntropyRows(p.ptrs[0]!, r.stride, p.ptrs[1]!, target.strides[0]!, w!, p.outPtr, r.rows, r.n, ignoreIndex, smoothing);
    return p.finish();
  }

  function crossEntropyBackward(logp: StridedView, target: StridedView, weight: StridedView | null, gLoss: StridedView, gLogp: StridedView, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray {
    const r = dtype === 'float32' && !small(logp) ? rowsOf(logp, 1) : null;
    const [gp, rg, copy] = r === null ? [gLogp, null, null] : gradRows(gLogp, 1);
    try {
      const [t, gl] = [target.data instanceof Int32Array ? vector(target) : null, f32(gLoss) ? vector(gLoss) : null];
      const extra = rg === null || t === null || gl === null ? null : optional([weight]);
      const p = r === null || rg === null || extra === null ? null : calls.prepare(r.rows * r.n, [[logp, span(r)], t!, gl!, [gp, span(rg)], ...extra]);
      if (r === null || rg === null || p === null) return ref.crossEntropyBackward(logp, target, weight, gLoss, gLogp, ignoreIndex, smoothing, dtype);
      const [w] = addresses([weight], p.ptrs, 4);
      calls.kernels().crossEntropyBackwardRows(p.ptrs[0]!, r.stride, p.ptrs[1]!, target.strides[0]!, w!, p.ptrs[2]!, gLoss.strides[0]!, p.ptrs[3]!, rg.stride, p.outPtr, r.rows, r.n, ignoreIndex, smoothing);
      return p.finish();
    } finally {
      release(copy);
    }
  }

  return { softmax, softmaxBackward, layerNorm, layerNormBackward, gelu, geluBackward, crossEntropy, crossEntropyBackward };
}
