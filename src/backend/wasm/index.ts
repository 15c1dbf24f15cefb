/**
 * The wasm backend: float32 storage lives in a shared wasm heap, and the hot float32 kernels
 * (matrix products, elementwise arithmetic and the common reductions) run as SIMD wasm in place.
 * Everything else — other dtypes, unusual layouts, small tensors — runs the TypeScript reference
 * kernels, which read heap storage through typed-array views without copying.
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { setAllocator } from '../../core/dtype.js';
import { numel, type Shape } from '../../core/shape.js';
import type { Backend, BinaryOp, ReduceOp, StridedView, UnaryOp } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { collapse } from '../js/layout.js';
import { WasmHeap } from './heap.js';
import { BINARY_CODES, UNARY_CODES, instantiateKernels, kernelModule, type WasmKernels } from './kernels.js';
import { ThreadPool, type Task } from './threads.js';

/** Tensors smaller than this (in elements) stay on the JS heap and use the JS kernels. */
let MIN_ELEMENTS = 256;

/**
 * Tunes the wasm backend: `minElements` is the size from which float32 storage goes to the wasm
 * heap and float32 ops to the wasm kernels (default 256; 1 routes everything there, as the tests do).
 * @example
 * configureWasm({ minElements: 1024 });
 */
export function configureWasm(options: { minElements?: number; parallelMinMacs?: number }): void {
  if (options.minElements !== undefined) MIN_ELEMENTS = Math.max(1, options.minElements);
  if (options.parallelMinMacs !== undefined) PARALLEL_MIN_MACS = Math.max(0, options.parallelMinMacs);
}
/** The wasm heap's size limit; beyond it storage falls back to the JS heap. */
const HEAP_CAP = 2 ** 31;

let heap: WasmHeap | null = null;
let kernels: WasmKernels | null = null;
let gemmScratch = 0;

function ensure(): { heap: WasmHeap; k: WasmKernels } {
  if (heap === null || kernels === null) {
    heap = new WasmHeap(HEAP_CAP);
    kernels = instantiateKernels(heap.memory);
    const scratch = heap.allocate('float32', kernels.gemmScratchBytes() / 4)!;
    gemmScratch = scratch.byteOffset;
    heapScratchKeepAlive.push(scratch);
  }
  return { heap, k: kernels };
}
const heapScratchKeepAlive: TypedArray[] = [];

/** Heap placement for large float32 storage (installed while this backend is active). */
function allocator(dtype: DType, n: number): TypedArray | null {
  if (dtype !== 'float32' || n < MIN_ELEMENTS) return null;
  return ensure().heap.allocate(dtype, n);
}

/** Byte address of element `offset` of a heap view, or -1 when the data is on the JS heap. */
function address(data: TypedArray, offset: number): number {
  return data.buffer instanceof SharedArrayBuffer ? data.byteOffset + offset * 4 : -1;
}

/** A float32 view's address, copying it onto the heap first when it lives on the JS heap. */
function onHeap(v: StridedView, extent: number): { ptr: number; keep: TypedArray | null } {
  const ptr = address(v.data, v.offset);
  if (ptr >= 0) return { ptr, keep: null };
  const copy = ensure().heap.allocate('float32', Math.max(extent, 1))!;
  copy.set((v.data as Float32Array).subarray(v.offset, v.offset + extent));
  return { ptr: copy.byteOffset, keep: copy };
}

/** Elements from a view's offset to its last element (for 2-d layouts with non-negative strides). */
function extentOf(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  shape.forEach((s, d) => (last += (s - 1) * strides[d]!));
  return last + 1;
}

function isF32(...views: StridedView[]): boolean {
  return views.every((v) => v.data instanceof Float32Array);
}

function binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const code = (BINARY_CODES as Record<string, number>)[op];
  const n = numel(shape);
  if (code === undefined || dtype !== 'float32' || n < MIN_ELEMENTS || !isF32(a, b)) return jsBackend.binary(op, a, b, shape, dtype);
  const c = collapse(shape, [a.strides, b.strides]);
  if (c.shape.length > 2 || c.strides.some((s) => s.some((x) => x < 0))) return jsBackend.binary(op, a, b, shape, dtype);
  const [rows, cols] = c.shape.length === 2 ? c.shape : [1, c.shape[0] ?? 1];
  const [sa, sb] = c.strides.map((s) => (s.length === 2 ? s : [0, s[0] ?? 0])) as [number[], number[]];
  const { k } = ensure();
  const out = allocate(n);
  const pa = onHeap(a, extentOf([rows!, cols!], sa));
  const pb = onHeap(b, extentOf([rows!, cols!], sb));
  k.binary2d(code, pa.ptr, sa[0]!, sa[1]!, pb.ptr, sb[0]!, sb[1]!, out.byteOffset, rows!, cols!);
  release(pa.keep, pb.keep);
  return out;
}

function unary(op: UnaryOp, x: StridedView, dtype: DType): TypedArray {
  const code = (UNARY_CODES as Record<string, number>)[op];
  const n = numel(x.shape);
  if (code === undefined || dtype !== 'float32' || n < MIN_ELEMENTS || !isF32(x)) return jsBackend.unary(op, x, dtype);
  const c = collapse(x.shape, [x.strides]);
  if (c.shape.length > 2 || c.strides[0]!.some((s) => s < 0)) return jsBackend.unary(op, x, dtype);
  const [rows, cols] = c.shape.length === 2 ? c.shape : [1, c.shape[0] ?? 1];
  const s = c.strides[0]!.length === 2 ? c.strides[0]! : [0, c.strides[0]![0] ?? 0];
  const { k } = ensure();
  const out = allocate(n);
  const px = onHeap(x, extentOf([rows!, cols!], s));
  k.unary2d(code, px.ptr, s[0]!, s[1]!, out.byteOffset, rows!, cols!);
  release(px.keep);
  return out;
}

function reduce(op: ReduceOp, x: StridedView, axes: readonly number[], dtype: DType): TypedArray {
  if ((op !== 'sum' && op !== 'max') || dtype !== 'float32' || !isF32(x) || numel(x.shape) < MIN_ELEMENTS) return jsBackend.reduce(op, x, axes, dtype);
  const code = op === 'sum' ? 0 : 1;
  const nd = x.shape.length;
  const trailing = axes.every((a, i) => a === nd - axes.length + i);
  const leading = axes.every((a, i) => a === i);
  const split = (from: number, to: number): number => x.shape.slice(from, to).reduce((p, s) => p * s, 1);
  const rowsContiguous = (cut: number): boolean => collapse(x.shape.slice(cut), [x.strides.slice(cut)]).strides[0]!.every((s, i, all) => i < all.length - 1 || s === 1)
    && collapse(x.shape.slice(cut), [x.strides.slice(cut)]).shape.length <= 1;
  const { k } = ensure();
  if (trailing && rowsContiguous(nd - axes.length)) {
    // each kept index owns one contiguous row of the reduced elements
    const rows = split(0, nd - axes.length);
    const cols = split(nd - axes.length, nd);
    const keptStrides = collapse(x.shape.slice(0, nd - axes.length), [x.strides.slice(0, nd - axes.length)]);
    if (keptStrides.shape.length <= 1 && cols > 0) {
      const ld = keptStrides.strides[0]?.[0] ?? cols;
      const out = allocate(rows);
      const px = onHeap(x, rows === 0 ? 0 : (rows - 1) * ld + cols);
      k.reduceRows(code, px.ptr, ld, rows, cols, out.byteOffset);
      release(px.keep);
      return out;
    }
  }
  if (leading && rowsContiguous(axes.length)) {
    // reduce down the columns of a [rows, cols] layout
    const rows = split(0, axes.length);
    const cols = split(axes.length, nd);
    const lead = collapse(x.shape.slice(0, axes.length), [x.strides.slice(0, axes.length)]);
    if (lead.shape.length <= 1 && rows > 0) {
      const ld = lead.strides[0]?.[0] ?? cols;
      const out = allocate(cols);
      const px = onHeap(x, (rows - 1) * ld + cols);
      k.reduceCols(code, px.ptr, ld, rows, cols, out.byteOffset);
      release(px.keep);
      return out;
    }
  }
  return jsBackend.reduce(op, x, axes, dtype);
}

let threads = defaultThreads();
let pool: ThreadPool | null = null;
const scratchOf: number[] = []; // gemm scratch per worker
/** Matrix products with fewer multiply-adds than this stay on one thread. */
let PARALLEL_MIN_MACS = 1 << 18;

function defaultThreads(): number {
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => { availableParallelism?: () => number } } }).process?.getBuiltinModule?.('node:os');
  return Math.max(1, os?.availableParallelism?.() ?? 1);
}

function workers(): ThreadPool | null {
  if (threads <= 1) return null;
  if (pool === null || pool.size !== threads - 1) {
    pool?.terminate();
    const { heap: h, k } = ensure();
    pool = new ThreadPool(threads - 1, kernelModule(), h.memory);
    while (scratchOf.length < threads - 1) {
      const s = h.allocate('float32', k.gemmScratchBytes() / 4)!;
      heapScratchKeepAlive.push(s);
      scratchOf.push(s.byteOffset);
    }
  }
  return pool;
}

/** One C = A·B on this thread, or split by rows (or by columns when there are few rows) over the pool. */
function gemm(k: WasmKernels, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, m: number, n: number, kk: number): void {
  const p = m * n * kk >= PARALLEL_MIN_MACS ? workers() : null;
  if (p === null) {
    k.sgemm(a, ars, acs, b, brs, bcs, c, n, m, n, kk, gemmScratch);
    return;
  }
  const parts = p.size + 1;
  const byRows = m >= 4 * parts;
  const extent = byRows ? m : n;
  const unit = byRows ? 4 : 8;
  const chunk = Math.ceil(extent / parts / unit) * unit;
  const pieces: number[][] = [];
  for (let start = 0; start < extent; start += chunk) {
    const len = Math.min(chunk, extent - start);
    pieces.push(byRows
      ? [a + start * ars * 4, ars, acs, b, brs, bcs, c + start * n * 4, n, len, n, kk]
      : [a, ars, acs, b + start * bcs * 4, brs, bcs, c + start * 4, n, m, len, kk]);
  }
  const [own, ...rest] = pieces;
  const tasks: Task[] = rest.map((args, i) => ({ kernel: 'sgemm', args: [...args, scratchOf[i]!] }));
  p.run(tasks, () => k.sgemm(...(own as [number, number, number, number, number, number, number, number, number, number, number]), gemmScratch));
}

/**
 * Sets the number of threads the wasm kernels use (default: the cores available); 1 disables the pool.
 * @example
 * setNumThreads(1);
 */
export function setNumThreads(n: number): void {
  threads = Math.max(1, Math.floor(n));
}

/**
 * The number of threads the wasm kernels use.
 * @example
 * getNumThreads(); // 2 on a 2-core machine
 */
export function getNumThreads(): number {
  return threads;
}

function matmul(a: StridedView, b: StridedView, dtype: DType): TypedArray {
  if (dtype !== 'float32' || !isF32(a, b) || a.strides.some((s) => s < 0) || b.strides.some((s) => s < 0)) return jsBackend.matmul(a, b, dtype);
  const [batch, m, kk] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const { k } = ensure();
  const out = allocate(batch * m * n);
  if (m === 0 || n === 0) return out;
  const pa = onHeap(a, extentOf(a.shape, a.strides));
  const pb = onHeap(b, extentOf(b.shape, b.strides));
  const [as0, as1, as2] = a.strides as [number, number, number];
  const [bs0, bs1, bs2] = b.strides as [number, number, number];
  for (let t = 0; t < batch; t++) {
    gemm(k, pa.ptr + t * as0 * 4, as1, as2, pb.ptr + t * bs0 * 4, bs1, bs2, out.byteOffset + t * m * n * 4, m, n, kk);
  }
  release(pa.keep, pb.keep);
  return out;
}

/** Output storage on the heap (it is always large enough to be placed there, or a JS array past the cap). */
function allocate(n: number): Float32Array {
  return (n > 0 ? ensure().heap.allocate('float32', n) : null) as Float32Array | null ?? new Float32Array(n);
}

function release(...copies: (TypedArray | null)[]): void {
  for (const c of copies) if (c !== null) heap!.dispose(c);
}

/**
 * The wasm SIMD backend (`setBackend('wasm')`).
 * @example
 * setBackend(wasmBackend);
 */
export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',
  unary,
  binary,
  reduce,
  matmul,
  activate: () => setAllocator(allocator),
  deactivate: () => setAllocator(null),
};

/**
 * The heap's live and peak bytes (for memory checks).
 * @example
 * wasmMemoryStats().peakBytes;
 */
export function wasmMemoryStats(): { bytesInUse: number; peakBytes: number; memoryBytes: number } {
  const h = ensure().heap;
  return { bytesInUse: h.bytesInUse, peakBytes: h.peakBytes, memoryBytes: h.memory.buffer.byteLength };
}

/**
 * Frees a tensor's heap storage now (see Tensor.dispose); false for JS-heap storage.
 * @example
 * disposeStorage(t.data);
 */
export function disposeStorage(data: TypedArray): boolean {
  return heap !== null && heap.dispose(data);
}
