/**
 * The wasm backend: tensor storage lives in a shared wasm heap, and the hot float32 kernels
 * (matrix products, elementwise arithmetic and the common reductions) and float64 matrix products
 * run as SIMD wasm in place.
 * Everything else — other dtypes, unusual layouts, small tensors — runs the TypeScript reference
 * kernels, which read heap storage through typed-array views without copying. Where the runtime has
 * no shared memory (a page that is not cross-origin isolated) storage stays on the JS heap and the
 * kernels run on copies in the spill arena, on one thread.
 */
import { DTYPE_BYTES, copyToJsHeap, dtypeOfArray, onSharedMemory, setAllocator, type DType, type TypedArray } from '../../base/dtype.js';
import { ArgumentError, BackendError, check, fmt } from '../../base/errors.js';
import { contiguousStrides, numel, type Shape } from '../../base/shape.js';
import type { Backend, BinaryOp, ReduceOp, StridedView, UnaryOp, Window2d } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { windowCount } from '../js/conv.js';
import { collapse, isContiguous } from '../js/layout.js';
import { ensure, gemmScratch, heap, layoutPtr, setHeapLimit, workPtr } from './engine.js';
import { BINARY_CODES, COMPARE_CODES, MAX_DIMS, UNARY_CODES, allowRelaxedSimd, type WasmKernels } from './kernels.js';
import { hasWasmSimd } from './runtime.js';
import { workerScratch as scratchOf, workers } from './threading.js';

export { wasmKernels } from './kernels.js';
export { getNumThreads, setNumThreads, threadsReady } from './threading.js';
import { fusedKernels } from './fused.js';
import { optimKernels } from './optim.js';
import { attentionKernels } from './attention.js';
import { matmulKernel } from './matmul.js';

/** Tensors smaller than this (in elements) stay on the JS heap and use the JS kernels. */
let MIN_ELEMENTS = 256;
/**
 * Live bytes past which a backward pass moves the activations it released off the heap (see
 * memoryPressure). NOTE: low on purpose: below it, each step of a plain loop fills fresh pages (a page
 * fault per 4 KiB), which costs more than relocating the activations (a copy): at 16 MiB rather than
 * 128, W4's and W5's steps were 10–25% faster in a fresh process and their peak RSS 100 MiB lower.
 */
const PRESSURE_BYTES = 2 ** 24;

/** Options of `configureWasm`. */
export interface WasmOptions {
  /** Size (elements) from which storage goes to the wasm heap and float32 ops to the wasm kernels (default 256). */
  minElements?: number;
  /** Multiply-adds from which a matrix product is split over the worker threads (default 2^24). */
  parallelMinMacs?: number;
  /**
   * Before the kernels first load: true asks for the relaxed-SIMD build (fused multiply-add in matrix
   * products; on Node 20 this sets V8's `--experimental-wasm-relaxed-simd` for the process), false
   * keeps the plain SIMD build. Default: relaxed SIMD only where the runtime accepts it as it is (Node 22+).
   */
  relaxedSimd?: boolean;
  /** Bytes of tensor storage the heap may hold before new storage goes to the JS heap (default 1 GiB, committed only as used; 16 MiB to 4 GiB). */
  heapLimitBytes?: number;
  /**
   * true: let the heap force garbage collections so that a synchronous loop that never frees its
   * tensors keeps them on the heap (sets V8 flags for the whole process; see README, Memory).
   * Throws where the runtime does not allow it.
   */
  forceCollections?: boolean;
}

const OPTION_NAMES = ['minElements', 'parallelMinMacs', 'relaxedSimd', 'heapLimitBytes', 'forceCollections'];

/**
 * Tunes the wasm backend; every value is checked (a bad one throws an ArgumentError and changes
 * nothing). See `WasmOptions`.
 * @example
 * configureWasm({ minElements: 1024, heapLimitBytes: 512 * 2 ** 20 });
 */
export function configureWasm(options: WasmOptions): void {
  check(options !== null && typeof options === 'object' && !Array.isArray(options), ArgumentError,
    () => `[configureWasm] options must be an object, got ${fmt(options)}`);
  for (const key of Object.keys(options)) {
    check(OPTION_NAMES.includes(key), ArgumentError, () => `[configureWasm] unknown option "${key}"; known: ${OPTION_NAMES.join(', ')}`);
  }
  const { minElements, parallelMinMacs, relaxedSimd, heapLimitBytes, forceCollections } = options;
  const integer = (name: string, v: unknown, min: number, max: number): void =>
    check(v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max), ArgumentError,
      () => `[configureWasm] ${name} must be an integer in [${min}, ${max}], got ${fmt(v)}`);
  integer('minElements', minElements, 1, 2 ** 31);
  integer('parallelMinMacs', parallelMinMacs, 0, Number.MAX_SAFE_INTEGER);
  integer('heapLimitBytes', heapLimitBytes, 2 ** 24, 2 ** 32);
  for (const [name, v] of [['relaxedSimd', relaxedSimd], ['forceCollections', forceCollections]] as const) {
    check(v === undefined || typeof v === 'boolean', ArgumentError, () => `[configureWasm] ${name} must be a boolean, got ${fmt(v)}`);
  }
  check(forceCollections !== false || heap === null || !heap.collectsSynchronously, ArgumentError,
    () => '[configureWasm] forceCollections cannot be turned off once on (the V8 flags it set are process-wide)');
  // everything is checked before anything changes; the kernels' build is chosen before forceCollections loads them
  if (relaxedSimd !== undefined) allowRelaxedSimd(relaxedSimd); // throws, changing nothing, when too late
  if (forceCollections === true) {
    check(ensure().heap.forceCollections(), BackendError,
      () => '[configureWasm] forceCollections: this runtime cannot force garbage collections (needs Node\'s v8 and vm modules); memory stays bounded without it');
  }
  if (minElements !== undefined) MIN_ELEMENTS = minElements;
  if (parallelMinMacs !== undefined) PARALLEL_MIN_MACS = parallelMinMacs;
  if (heapLimitBytes !== undefined) setHeapLimit(heapLimitBytes);
}

/**
 * The spill arena: engine memory where a kernel call places the operands and the output that are
 * not on the heap (storage on the JS heap once the heap reached its limit), bump-allocated per call
 * and reset when the call is done. Sized for the whole call before its first allocation; moves to a
 * larger engine-owned block (the old one back to the heap) when a call needs more.
 */
const arena = { block: null as { offset: number; bytes: number } | null, used: 0 };

/** Makes room in the arena for a whole call of `bytes` (only between calls). */
function reserveArena(bytes: number): void {
  const size = arena.block?.bytes ?? 0;
  if (bytes <= size) return;
  const h = ensure().heap;
  if (arena.block !== null) h.releaseOwned(arena.block);
  arena.block = h.allocateOwned(Math.max(bytes, 2 ** 22));
}

function arenaAllocate(bytes: number): number {
  const size = Math.ceil(bytes / 64) * 64;
  check(arena.block !== null && arena.used + size <= arena.block.bytes, BackendError,
    () => `[wasm] spill arena overflow: ${arena.used} + ${size} bytes > ${arena.block?.bytes ?? 0}`);
  const at = arena.block!.offset + arena.used;
  arena.used += size;
  return at;
}

/** Heap placement for storage of at least MIN_ELEMENTS elements (installed while this backend is active). */
function allocator(dtype: DType, n: number): TypedArray | null {
  if (n < MIN_ELEMENTS) return null;
  return ensure().heap.allocate(dtype, n);
}

/** Byte address of element `offset` of a heap view, or -1 when the data is on the JS heap. */
function address(data: TypedArray, offset: number): number {
  return onSharedMemory(data) ? data.byteOffset + offset * data.BYTES_PER_ELEMENT : -1;
}



/** The operands' and the output's heap addresses for one kernel call. */
interface Prepared {
  /** Byte address of the output. */
  outPtr: number;
  /** Byte address of each operand's first element. */
  ptrs: number[];
  /** The output as a typed array (on the heap, or a JS-heap copy of the arena's) and the arena reset. */
  finish(): TypedArray;
}

/**
 * Places a kernel call: an output of `outN` elements of `outDtype` (a heap block, or in the spill
 * arena when the heap declines) and each operand with the number of elements it spans (used in
 * place when on the heap, else copied into the arena). Null when the call has nothing to do.
 */
function prepare(outN: number, operands: readonly (readonly [StridedView, number])[], outDtype: DType = 'float32'): Prepared | null {
  if (outN === 0) return null;
  const h = ensure().heap;
  arena.used = 0; // calls never nest: whatever a failed call left is free
  const out = h.allocate(outDtype, outN, false);
  let spill = out === null ? outN * DTYPE_BYTES[outDtype] + 64 : 0;
  for (const [v, extent] of operands) if (address(v.data, v.offset) < 0) spill += Math.max(extent, 1) * v.data.BYTES_PER_ELEMENT + 64;
  if (spill > 0) reserveArena(spill);
  const ptrs = operands.map(([v, extent]) => {
    const ptr = address(v.data, v.offset);
    if (ptr >= 0) return ptr;
    const at = arenaAllocate(Math.max(extent, 1) * v.data.BYTES_PER_ELEMENT);
    h.view(dtypeOfArray(v.data), at, extent).set(v.data.subarray(v.offset, v.offset + extent) as Float32Array);
    return at;
  });
  const outPtr = out !== null ? out.byteOffset : arenaAllocate(outN * DTYPE_BYTES[outDtype]);
  return {
    outPtr,
    ptrs,
    finish(): TypedArray {
      const result = out ?? copyToJsHeap(h.view(outDtype, outPtr, outN));
      arena.used = 0;
      return result;
    },
  };
}

/** Elements from a view's offset to its last element (non-negative strides). */
function extentOf(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  shape.forEach((s, d) => (last += (s - 1) * strides[d]!));
  return last + 1;
}

const f32 = (v: StridedView): boolean => v.data instanceof Float32Array;
const nonNegative = (strides: readonly (readonly number[])[]): boolean => strides.every((s) => s.every((x) => x >= 0));

/** Writes [shape, strides of each operand] as i32 into the layout scratch. */
function writeLayout(shape: readonly number[], strides: readonly (readonly number[])[]): void {
  const view = new Int32Array(heap!.buffer, layoutPtr, 128);
  const nd = shape.length;
  shape.forEach((s, d) => (view[d] = s));
  strides.forEach((list, k) => list.forEach((s, d) => (view[nd * (k + 1) + d] = s)));
}

/** Merged layout of an elementwise op with at least one dim (size-1 dims dropped). */
function layoutOf(shape: Shape, views: readonly StridedView[]): { shape: number[]; strides: number[][] } | null {
  const c = collapse(shape, views.map((v) => v.strides));
  if (c.shape.length > MAX_DIMS || !nonNegative(c.strides)) return null;
  if (c.shape.length === 0) return { shape: [1], strides: views.map(() => [0]) };
  return c;
}

function binary(op: BinaryOp, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const n = numel(shape);
  if (n < MIN_ELEMENTS) return jsBackend.binary(op, a, b, shape, dtype); // small: no lookups first
  const arithmetic = (BINARY_CODES as Record<string, number>)[op];
  const comparison = (COMPARE_CODES as Record<string, number>)[op];
  const supported = (arithmetic !== undefined && dtype === 'float32') || (comparison !== undefined && dtype === 'bool');
  if (!supported || n < MIN_ELEMENTS || !f32(a) || !f32(b)) return jsBackend.binary(op, a, b, shape, dtype);
  const l = layoutOf(shape, [a, b]);
  if (l === null) return jsBackend.binary(op, a, b, shape, dtype);
  const p = prepare(n, [[a, extentOf(l.shape, l.strides[0]!)], [b, extentOf(l.shape, l.strides[1]!)]], dtype);
  if (p === null) return jsBackend.binary(op, a, b, shape, dtype);
  const { k } = ensure();
  const [pa, pb] = p.ptrs as [number, number];
  if (arithmetic !== undefined && l.shape.length <= 2) {
    const [rows, cols] = l.shape.length === 2 ? l.shape : [1, l.shape[0]!];
    const [sa, sb] = l.strides.map((s) => (s.length === 2 ? s : [0, s[0]!])) as [number[], number[]];
    k.binary2d(arithmetic, pa, sa[0]!, sa[1]!, pb, sb[0]!, sb[1]!, p.outPtr, rows!, cols!);
  } else {
    writeLayout(l.shape, l.strides);
    if (arithmetic !== undefined) k.binaryNd(arithmetic, pa, pb, p.outPtr, layoutPtr, l.shape.length, workPtr);
    else k.compareNd(comparison!, pa, pb, p.outPtr, layoutPtr, l.shape.length, workPtr);
  }
  return p.finish();
}

function where(cond: StridedView, a: StridedView, b: StridedView, shape: Shape, dtype: DType): TypedArray {
  const n = numel(shape);
  if (dtype !== 'float32' || n < MIN_ELEMENTS || !(cond.data instanceof Uint8Array) || !f32(a) || !f32(b)) return jsBackend.where(cond, a, b, shape, dtype);
  const l = layoutOf(shape, [cond, a, b]);
  if (l === null) return jsBackend.where(cond, a, b, shape, dtype);
  const p = prepare(n, [[cond, extentOf(l.shape, l.strides[0]!)], [a, extentOf(l.shape, l.strides[1]!)], [b, extentOf(l.shape, l.strides[2]!)]]);
  if (p === null) return jsBackend.where(cond, a, b, shape, dtype);
  writeLayout(l.shape, l.strides);
  ensure().k.whereNd(p.ptrs[0]!, p.ptrs[1]!, p.ptrs[2]!, p.outPtr, layoutPtr, l.shape.length, workPtr);
  return p.finish();
}

function unary(op: UnaryOp, x: StridedView, dtype: DType): TypedArray {
  const n = numel(x.shape);
  if (n < MIN_ELEMENTS) return jsBackend.unary(op, x, dtype);
  const code = (UNARY_CODES as Record<string, number>)[op];
  if (code === undefined || dtype !== 'float32' || n < MIN_ELEMENTS || !f32(x)) return jsBackend.unary(op, x, dtype);
  const l = layoutOf(x.shape, [x]);
  if (l === null) return jsBackend.unary(op, x, dtype);
  const p = prepare(n, [[x, extentOf(l.shape, l.strides[0]!)]]);
  if (p === null) return jsBackend.unary(op, x, dtype);
  const { k } = ensure();
  if (l.shape.length <= 2) {
    const [rows, cols] = l.shape.length === 2 ? l.shape : [1, l.shape[0]!];
    const s = l.strides[0]!.length === 2 ? l.strides[0]! : [0, l.strides[0]![0]!];
    k.unary2d(code, p.ptrs[0]!, s[0]!, s[1]!, p.outPtr, rows!, cols!);
  } else {
    writeLayout(l.shape, l.strides);
    k.unaryNd(code, p.ptrs[0]!, p.outPtr, layoutPtr, l.shape.length, workPtr);
  }
  return p.finish();
}

function reduce(op: ReduceOp, x: StridedView, axes: readonly number[], dtype: DType): TypedArray {
  if ((op !== 'sum' && op !== 'max') || dtype !== 'float32' || !f32(x) || numel(x.shape) < MIN_ELEMENTS) return jsBackend.reduce(op, x, axes, dtype);
  const reduced = new Set(axes);
  const keptDims = x.shape.map((_, d) => d).filter((d) => !reduced.has(d));
  const redDims = axes.filter((d) => x.shape[d]! !== 1);
  const kept = collapse(keptDims.map((d) => x.shape[d]!), [keptDims.map((d) => x.strides[d]!)]);
  const red = collapse(redDims.map((d) => x.shape[d]!), [redDims.map((d) => x.strides[d]!)]);
  const outN = keptDims.reduce((p, d) => p * x.shape[d]!, 1);
  if (kept.shape.length + red.shape.length > 2 * MAX_DIMS || !nonNegative([...kept.strides, ...red.strides])) return jsBackend.reduce(op, x, axes, dtype);
  const p = prepare(outN, [[x, extentOf(x.shape, x.strides)]]);
  if (p === null) return jsBackend.reduce(op, x, axes, dtype);
  const view = new Int32Array(heap!.buffer, layoutPtr, 128);
  const kd = kept.shape.length;
  const rd = red.shape.length;
  kept.shape.forEach((s, d) => (view[d] = s));
  kept.strides[0]!.forEach((s, d) => (view[kd + d] = s));
  red.shape.forEach((s, d) => (view[2 * kd + d] = s));
  red.strides[0]!.forEach((s, d) => (view[2 * kd + rd + d] = s));
  ensure().k.reduceNd(op === 'sum' ? 0 : 1, p.ptrs[0]!, p.outPtr, layoutPtr, kd, rd, workPtr);
  return p.finish();
}

/**
 * Matrix products with fewer multiply-adds than this stay on one thread. Back to back, 256·64·64 =
 * 2^20 ran 2.3× faster on two threads; inside a training step, where the worker falls asleep between
 * products, waking it costs 0.1–0.3 ms here: W5's step (products of 2^20–2^22) ran 20–30% slower split.
 */
let PARALLEL_MIN_MACS = 1 << 24;

/** Batched matrix products in float32 and float64 (wasm/matmul.ts). */
const matmul = matmulKernel({ prepare, parallelMinMacs: () => PARALLEL_MIN_MACS });

function writeGeometry(win: Window2d): number {
  const at = workPtr + 64 * 4;
  new Int32Array(heap!.buffer, at, 8).set([...win.kernel, ...win.dilation, ...win.padding, ...win.stride]);
  return at;
}

function unfold(x: StridedView, win: Window2d, dtype: DType, batchInner = false): TypedArray {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = windowCount(h, win.kernel[0], win.dilation[0], win.padding[0], win.stride[0]);
  const ow = windowCount(w, win.kernel[1], win.dilation[1], win.padding[1], win.stride[1]);
  const outN = n * c * win.kernel[0] * win.kernel[1] * oh * ow;
  if (dtype !== 'float32' || !f32(x) || outN < MIN_ELEMENTS || !nonNegative([x.strides])) return jsBackend.unfold(x, win, dtype, batchInner);
  const p = prepare(outN, [[x, extentOf(x.shape, x.strides)]]);
  if (p === null) return jsBackend.unfold(x, win, dtype, batchInner);
  const [s0, s1, s2, s3] = x.strides as [number, number, number, number];
  const l = oh * ow;
  const ckk = c * win.kernel[0] * win.kernel[1];
  const [os0, os1] = batchInner ? [l, n * l] : [ckk * l, l];
  ensure().k.unfold(p.ptrs[0]!, n, c, h, w, s0, s1, s2, s3, writeGeometry(win), p.outPtr, os0, os1);
  return p.finish();
}

function fold(cols: StridedView, outputSize: readonly [number, number], win: Window2d, dtype: DType): TypedArray {
  const [n, ckk] = cols.shape as [number, number, number];
  const c = ckk / (win.kernel[0] * win.kernel[1]);
  const outN = n * c * outputSize[0] * outputSize[1];
  if (dtype !== 'float32' || !f32(cols) || outN < MIN_ELEMENTS || !nonNegative([cols.strides])) return jsBackend.fold(cols, outputSize, win, dtype);
  const p = prepare(outN, [[cols, extentOf(cols.shape, cols.strides)]]);
  if (p === null) return jsBackend.fold(cols, outputSize, win, dtype);
  const [cs0, cs1, cs2] = cols.strides as [number, number, number];
  ensure().k.fold(p.ptrs[0]!, cs0, cs1, cs2, n, c, outputSize[0], outputSize[1], writeGeometry(win), p.outPtr);
  return p.finish();
}

function maxPoolIndices(x: StridedView, win: Window2d): Int32Array {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const oh = windowCount(h, win.kernel[0], win.dilation[0], win.padding[0], win.stride[0]);
  const ow = windowCount(w, win.kernel[1], win.dilation[1], win.padding[1], win.stride[1]);
  const outN = n * c * oh * ow;
  if (!f32(x) || outN < MIN_ELEMENTS || !nonNegative([x.strides])) return jsBackend.maxPoolIndices(x, win);
  const p = prepare(outN, [[x, extentOf(x.shape, x.strides)]], 'int32');
  if (p === null) return jsBackend.maxPoolIndices(x, win);
  const [s0, s1, s2, s3] = x.strides as [number, number, number, number];
  ensure().k.maxPoolIndices(p.ptrs[0]!, n, c, h, w, s0, s1, s2, s3, writeGeometry(win), p.outPtr);
  return p.finish() as Int32Array;
}

/** True when a gather/scatter along the last dim reads whole contiguous rows (the case pooling and losses use). */
function rowsLayout(x: StridedView, axis: number, index: StridedView): boolean {
  const nd = x.shape.length;
  return axis === nd - 1 && isContiguous(x) && isContiguous(index) && index.data instanceof Int32Array
    && x.shape.slice(0, -1).every((s, d) => s === index.shape[d]);
}

function gather(x: StridedView, axis: number, index: StridedView, dtype: DType): TypedArray {
  const n = numel(index.shape);
  if (dtype !== 'float32' || !f32(x) || n < MIN_ELEMENTS || !rowsLayout(x, axis, index)) return jsBackend.gather(x, axis, index, dtype);
  const p = prepare(n, [[x, numel(x.shape)], [index, n]]);
  if (p === null) return jsBackend.gather(x, axis, index, dtype);
  const cols = index.shape[axis] ?? 1;
  ensure().k.gatherRows(p.ptrs[0]!, x.shape[axis] ?? 1, p.ptrs[1]!, p.outPtr, n / Math.max(cols, 1), cols);
  return p.finish();
}

function scatterAdd(base: StridedView, axis: number, index: StridedView, src: StridedView, dtype: DType): TypedArray {
  const n = numel(index.shape);
  const contiguousSrc = isContiguous(src) && src.shape.every((s, d) => s === index.shape[d]);
  if (dtype !== 'float32' || !f32(base) || !f32(src) || n < MIN_ELEMENTS || !rowsLayout(base, axis, index) || !contiguousSrc) {
    return jsBackend.scatterAdd(base, axis, index, src, dtype);
  }
  const total = numel(base.shape);
  const p = prepare(total, [[index, n], [src, n]]);
  if (p === null) return jsBackend.scatterAdd(base, axis, index, src, dtype);
  ensure().heap.view('float32', p.outPtr, total).set((base.data as Float32Array).subarray(base.offset, base.offset + total));
  const cols = index.shape[axis] ?? 1;
  ensure().k.scatterAddRows(p.outPtr, base.shape[axis] ?? 1, p.ptrs[0]!, p.ptrs[1]!, n / Math.max(cols, 1), cols);
  return p.finish();
}

/** True when every view is float32 with unit column stride and a non-negative row stride (what the cell kernels read). */
function rowsOf(views: readonly StridedView[]): boolean {
  return views.every((v) => f32(v) && (v.strides[1] === 1 || v.shape[1] === 1) && v.strides[0]! >= 0);
}

/**
 * Runs a fused cell kernel on `views` (each [B, ·], the third the state [B, H]; each passes its pointer
 * and row stride, in order, then the output, B and H) into a new [B, outCols·H] array; null where the
 * wasm kernel does not apply.
 */
function cellKernel(views: readonly StridedView[], outCols: number, dtype: DType, run: (args: number[]) => void): TypedArray | null {
  const [batch, h] = views[2]!.shape as [number, number]; // the state (c or h): [B, H]
  if (dtype !== 'float32' || batch * h < MIN_ELEMENTS / 4 || !rowsOf(views)) return null;
  const p = prepare(batch * outCols * h, views.map((v) => [v, extentOf(v.shape, v.strides)] as [StridedView, number]));
  if (p === null) return null;
  run([...views.flatMap((v, i) => [p.ptrs[i]!, v.strides[0]!]), p.outPtr, batch, h]);
  return p.finish();
}

/** Runs `kernel` over batch entries [0, batch), split across the worker threads when there is enough work. */
function overBatch(batch: number, macs: number, kernel: 'attentionForward' | 'attentionBackward', args: (b0: number, b1: number) => number[]): void {
  const p = batch > 1 && macs >= PARALLEL_MIN_MACS ? workers() : null;
  const k = ensure().k as unknown as Record<string, (...a: number[]) => void>;
  if (p === null) {
    k[kernel]!(...args(0, batch), gemmScratch);
    return;
  }
  const parts = Math.min(p.size + 1, batch);
  const chunk = Math.ceil(batch / parts);
  const ranges: [number, number][] = [];
  for (let b0 = 0; b0 < batch; b0 += chunk) ranges.push([b0, Math.min(batch, b0 + chunk)]);
  const [own, ...rest] = ranges;
  p.run(rest.map(([b0, b1], i) => ({ kernel, args: [...args(b0, b1), scratchOf[i]!] })), () => k[kernel]!(...args(own![0], own![1]), gemmScratch));
}

const lstmCell = (gi: StridedView, gh: StridedView, c: StridedView, dtype: DType): TypedArray =>
  cellKernel([gi, gh, c], 2, dtype, (a) => ensure().k.lstmCell(...(a as Parameters<WasmKernels['lstmCell']>)))
  ?? jsBackend.lstmCell(gi, gh, c, dtype);

const lstmCellBackward = (gi: StridedView, gh: StridedView, c: StridedView, out: StridedView, g: StridedView, dtype: DType): TypedArray =>
  cellKernel([gi, gh, c, out, g], 5, dtype, (a) => ensure().k.lstmCellBackward(...(a as Parameters<WasmKernels['lstmCellBackward']>)))
  ?? jsBackend.lstmCellBackward(gi, gh, c, out, g, dtype);

const gruCell = (gi: StridedView, gh: StridedView, hPrev: StridedView, dtype: DType): TypedArray =>
  cellKernel([gi, gh, hPrev], 1, dtype, (a) => ensure().k.gruCell(...(a as Parameters<WasmKernels['gruCell']>)))
  ?? jsBackend.gruCell(gi, gh, hPrev, dtype);

const gruCellBackward = (gi: StridedView, gh: StridedView, hPrev: StridedView, g: StridedView, dtype: DType): TypedArray =>
  cellKernel([gi, gh, hPrev, g], 7, dtype, (a) => ensure().k.gruCellBackward(...(a as Parameters<WasmKernels['gruCellBackward']>)))
  ?? jsBackend.gruCellBackward(gi, gh, hPrev, g, dtype);

/** Scaled dot-product attention, fused (wasm/attention.ts). */
const { attention, attentionBackward } = attentionKernels({
  kernels: () => ensure().k,
  prepare,
  heapFloats: (ptr, n) => ensure().heap.view('float32', ptr, n) as Float32Array,
  overBatch,
});

/**
 * Elements from which a fused elementwise kernel (GELU) is split across the worker threads: about
 * 1.4 ms of work on one thread here, against 0.1–0.3 ms to wake a worker.
 */
const PARALLEL_MIN_ELEMENTS = 1 << 18;

/** Runs an elementwise `kernel` over [0, n), in ranges of whole SIMD vectors across the worker threads when there is enough work. */
function overRange(n: number, kernel: 'geluForward' | 'geluBackward', args: (start: number, count: number) => number[]): void {
  const p = n >= PARALLEL_MIN_ELEMENTS ? workers() : null;
  const k = ensure().k as unknown as Record<string, (...a: number[]) => void>;
  if (p === null) {
    k[kernel]!(...args(0, n));
    return;
  }
  const chunk = Math.ceil(n / (p.size + 1) / 4) * 4;
  const ranges: [number, number][] = [];
  for (let s = 0; s < n; s += chunk) ranges.push([s, Math.min(chunk, n - s)]);
  const [own, ...rest] = ranges;
  p.run(rest.map(([s, c]) => ({ kernel, args: args(s, c) })), () => k[kernel]!(...args(own![0], own![1])));
}

/** Softmax, layer norm, GELU and cross-entropy, fused (wasm/fused.ts). */
const fused = fusedKernels({
  kernels: () => ensure().k,
  minElements: () => MIN_ELEMENTS,
  overRange,
  prepare,
  heapFloats: (ptr, n) => ensure().heap.view('float32', ptr, n) as Float32Array,
  contiguous: (v) => ({ data: unary('cast', v, 'float32'), shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 }),
});

/** The fused Adam step (wasm/optim.ts). */
const { adamUpdate } = optimKernels({ kernels: () => ensure().k, minElements: () => MIN_ELEMENTS, address });

/**
 * The wasm SIMD backend (`setBackend('wasm')`).
 * @example
 * setBackend(wasmBackend);
 */
export const wasmBackend: Backend = {
  ...jsBackend,
  name: 'wasm',
  unsupported: () => (hasWasmSimd() ? null : 'this runtime has no WebAssembly SIMD (every current browser and Node has it); the js backend runs everywhere'),
  unary,
  binary,
  where,
  reduce,
  matmul,
  unfold,
  fold,
  maxPoolIndices,
  gather,
  scatterAdd,
  lstmCell,
  lstmCellBackward,
  gruCell,
  gruCellBackward,
  attention,
  attentionBackward,
  ...fused,
  adamUpdate,
  activate: () => setAllocator(allocator, (data) => heap !== null && heap.dispose(data)),
  // 16 MiB (or half the limit) in live blocks: a plain loop's garbage (nothing frees it, no finalizer runs)
  // may be filling the heap; storage an open scope will free is never moved (Storage.relocate)
  memoryPressure: () => heap !== null && heap.bytesInUse > Math.min(heap.limitBytes / 2, PRESSURE_BYTES),
  deactivate: () => setAllocator(null),
};

/**
 * The heap's live, peak, committed and reserved bytes, and how often it declined (for memory checks).
 * @example
 * wasmMemoryStats().peakBytes;
 */
export function wasmMemoryStats(): WasmMemoryStats {
  const h = ensure().heap;
  return {
    bytesInUse: h.bytesInUse,
    peakBytes: h.peakBytes,
    memoryBytes: h.memory.buffer.byteLength,
    reservedBytes: h.reservedBytes,
    limitBytes: h.limitBytes,
    declined: h.declined,
    forcedCollections: h.collectsSynchronously,
  };
}

/** What `wasmMemoryStats` reports. */
export interface WasmMemoryStats {
  /** Bytes in live tensor blocks. */
  bytesInUse: number;
  /** The most bytes in live tensor blocks so far. */
  peakBytes: number;
  /** The wasm memory's committed size. */
  memoryBytes: number;
  /** Engine memory reserved for good (kernel scratch, the spill arena). */
  reservedBytes: number;
  /** The heap size past which new tensor storage goes to the JS heap. */
  limitBytes: number;
  /** Tensor allocations that went to the JS heap because the heap was at its limit. */
  declined: number;
  /** True once `configureWasm({ forceCollections: true })` is in effect. */
  forcedCollections: boolean;
}
