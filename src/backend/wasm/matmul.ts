/**
 * The wasm backend's batched matrix product (assembly/gemm.ts) behind the Backend interface:
 * float32 operands run sgemm and float64 operands dgemm, on strided views read in place (transposed
 * and broadcast operands need no copy), split over the worker threads by batch entry, row or column
 * when there is enough work. Mixed or integer dtypes and negative strides run the TypeScript
 * reference (js/matmul.ts).
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import type { StridedView } from '../backend.js';
import { jsBackend } from '../js/index.js';
import { ensure, gemmScratch } from './engine.js';
import type { WasmKernels } from './kernels.js';
import { workerScratch as scratchOf, workers } from './threading.js';

/** A kernel call placed in the heap (see `prepare` in wasm/index.ts). */
interface Placed {
  outPtr: number;
  ptrs: number[];
  finish(): TypedArray;
}

/** What the matrix product needs from the wasm backend. */
export interface MatmulCalls {
  /** Places the output (`outN` elements of `outDtype`) and the operands (view, elements spanned); null when there is nothing to do. */
  prepare(outN: number, operands: readonly (readonly [StridedView, number])[], outDtype: DType): Placed | null;
  /** Multiply-adds from which a product is split over the worker threads. */
  parallelMinMacs(): number;
}

/** The kernels of one precision: the element's bytes and the single and batched products. */
const PRECISIONS = {
  float32: { array: Float32Array, bytes: 4, gemm: 'sgemm', batch: 'sgemmBatch' },
  float64: { array: Float64Array, bytes: 8, gemm: 'dgemm', batch: 'dgemmBatch' },
} as const;
type Precision = (typeof PRECISIONS)[keyof typeof PRECISIONS];

type GemmArgs = [number, number, number, number, number, number, number, number, number, number, number];
type BatchArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number];

/** Elements from a view's offset to its last element (non-negative strides). */
function extentOf(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  shape.forEach((s, d) => (last += (s - 1) * strides[d]!));
  return last + 1;
}

/**
 * One C = A·B on this thread, or split by rows (or by columns when there are few rows) over the
 * pool. Pointers are byte addresses, strides in elements.
 */
function gemm(k: WasmKernels, pr: Precision, minMacs: number, a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number, m: number, n: number, kk: number): void {
  const p = m * n * kk >= minMacs ? workers(pr.gemm) : null;
  if (p === null) {
    k[pr.gemm](a, ars, acs, b, brs, bcs, c, n, m, n, kk, gemmScratch);
    return;
  }
  const parts = p.size + 1;
  // split the larger side: each thread packs only the panels of B it uses when splitting columns
  const byRows = m >= 4 * parts && (m >= n || n < 8 * parts);
  const extent = byRows ? m : n;
  const unit = byRows ? 4 : 32 / pr.bytes; // whole micro-tiles: 4 rows, or 2 vectors of columns
  const chunk = Math.ceil(extent / parts / unit) * unit;
  const pieces: GemmArgs[] = [];
  for (let start = 0; start < extent; start += chunk) {
    const len = Math.min(chunk, extent - start);
    pieces.push(byRows
      ? [a + start * ars * pr.bytes, ars, acs, b, brs, bcs, c + start * n * pr.bytes, n, len, n, kk]
      : [a, ars, acs, b + start * bcs * pr.bytes, brs, bcs, c + start * pr.bytes, n, m, len, kk]);
  }
  const [own, ...rest] = pieces;
  p.run(rest.map((args, i) => ({ kernel: pr.gemm, args: [...args, scratchOf[i]!] })), () => k[pr.gemm](...own!, gemmScratch));
}

/**
 * The batched product `a` [B,M,K] · `b` [B,K,N] → [B,M,N] for the wasm backend.
 * @example
 * const matmul = matmulKernel({ prepare, parallelMinMacs: () => 1 << 20 });
 * matmul(a, b, 'float64');
 */
export function matmulKernel(calls: MatmulCalls): (a: StridedView, b: StridedView, dtype: DType) => TypedArray {
  return (a, b, dtype) => {
    const pr = dtype === 'float32' || dtype === 'float64' ? PRECISIONS[dtype] : null;
    const inPlace = pr !== null && a.data instanceof pr.array && b.data instanceof pr.array;
    if (!inPlace || ![...a.strides, ...b.strides].every((s) => s >= 0)) return jsBackend.matmul(a, b, dtype);
    const [batch, m, kk] = a.shape as [number, number, number];
    const n = b.shape[2]!;
    if (batch * m * n === 0) return new pr.array(0);
    const p = calls.prepare(batch * m * n, [[a, extentOf(a.shape, a.strides)], [b, extentOf(b.shape, b.strides)]], dtype);
    if (p === null) return jsBackend.matmul(a, b, dtype);
    const { k } = ensure();
    const [pa, pb] = p.ptrs as [number, number];
    const [as0, as1, as2] = a.strides as [number, number, number];
    const [bs0, bs1, bs2] = b.strides as [number, number, number];
    const minMacs = calls.parallelMinMacs();
    const pl = batch > 1 && batch * m * n * kk >= minMacs ? workers(pr.gemm) : null;
    if (pl !== null && batch >= pl.size + 1) {
      // many products: each thread takes a run of the batch
      const chunk = Math.ceil(batch / (pl.size + 1));
      const runs: BatchArgs[] = [];
      for (let t0 = 0; t0 < batch; t0 += chunk) {
        const count = Math.min(chunk, batch - t0);
        runs.push([pa + t0 * as0 * pr.bytes, as0, as1, as2, pb + t0 * bs0 * pr.bytes, bs0, bs1, bs2, p.outPtr + t0 * m * n * pr.bytes, m, n, kk, count]);
      }
      const [own, ...rest] = runs;
      pl.run(rest.map((args, i) => ({ kernel: pr.batch, args: [...args, scratchOf[i]!] })), () => k[pr.batch](...own!, gemmScratch));
    } else {
      for (let t = 0; t < batch; t++) {
        gemm(k, pr, minMacs, pa + t * as0 * pr.bytes, as1, as2, pb + t * bs0 * pr.bytes, bs1, bs2, p.outPtr + t * m * n * pr.bytes, m, n, kk);
      }
    }
    return p.finish();
  };
}
