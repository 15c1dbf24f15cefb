/**
 * The wasm backend's fused attention kernels (assembly/attention.ts) behind the Backend interface:
 * float32 q, k, v (and gradient) whose last dim is contiguous run in wasm, split over the worker
 * threads by batch entry; float64 and other layouts run the TypeScript reference (js/attention.ts).
 * Each batch entry's element offsets go to the kernels as an i32 table, so broadcast batch dims
 * (stride 0) and heads split by a transpose are read in place.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { numel } from '../../base/shape.js';
import type { AttentionResult, Backend, StridedView } from '../backend.js';
import { batchOffsets } from '../js/attention.js';
import { jsBackend } from '../js/index.js';
import { isContiguous } from '../js/layout.js';
import type { WasmKernels } from './kernels.js';

/** A kernel call placed in the heap (see `prepare` in wasm/index.ts). */
interface Placed {
  outPtr: number;
  ptrs: number[];
  finish(): TypedArray;
}

/** What the wrappers need from the wasm backend. */
export interface AttentionCalls {
  kernels(): WasmKernels;
  /** Places the output (`outN` elements) and the operands (view, elements spanned); null when there is nothing to do. */
  prepare(outN: number, operands: readonly (readonly [StridedView, number])[]): Placed | null;
  /** A float32 view of the heap at a byte address. */
  heapFloats(ptr: number, n: number): Float32Array;
  /** Runs a kernel over batch entries [0, batch) (its args for a range, scratch appended), split over the threads when worth it. */
  overBatch(batch: number, macs: number, kernel: 'attentionForward' | 'attentionBackward', args: (b0: number, b1: number) => number[]): void;
}

const f32 = (v: StridedView): boolean => v.data instanceof Float32Array;
const nonNegative = (strides: readonly (readonly number[])[]): boolean => strides.every((s) => s.every((x) => x >= 0));
/** Elements from a view's offset to its last element (non-negative strides). */
function extentOf(shape: readonly number[], strides: readonly number[]): number {
  let last = 0;
  shape.forEach((s, d) => (last += (s - 1) * strides[d]!));
  return last + 1;
}

/** Attention's geometry for the wasm kernels, or null when they do not apply (then the JS kernel runs). */
function attentionLayout(calls: AttentionCalls, views: readonly (StridedView | null)[], scratchFloats: number) {
  const [q, k, v, bias] = views as [StridedView, StridedView, StridedView, StridedView | null];
  const nd = q.shape.length;
  const unitLast = (x: StridedView): boolean => x.strides[nd - 1] === 1 || x.shape[nd - 1] === 1;
  const present = views.filter((x): x is StridedView => x !== null);
  if (!present.every(f32) || !nonNegative(present.map((x) => x.strides)) || ![q, k, v, ...views.slice(4)].every((x) => x === null || unitLast(x))) return null;
  if (scratchFloats * 4 > calls.kernels().gemmScratchBytes()) return null;
  const offsets = present.map((x) => batchOffsets(x, 2).map((o) => o - x.offset));
  const batch = offsets[0]!.length;
  const table = new Int32Array(batch * 5);
  const slot = (x: StridedView | null): number => (x === null ? -1 : present.indexOf(x));
  [q, k, v, bias, views[4] ?? null].forEach((x, c) => { if (x !== null) offsets[slot(x)]!.forEach((o, b) => (table[b * 5 + c] = o)); });
  const rowStride = (x: StridedView | null): number => (x === null ? 0 : x.strides[nd - 2]!);
  return {
    batch, l: q.shape[nd - 2]!, s: k.shape[nd - 2]!, e: q.shape[nd - 1]!, ev: v.shape[nd - 1]!,
    operands: [...present.map((x) => [x, extentOf(x.shape, x.strides)] as [StridedView, number]), [{ data: table, shape: [table.length], strides: [1], offset: 0 }, table.length] as [StridedView, number]],
    strides: [rowStride(q), rowStride(k), rowStride(v), rowStride(bias), bias === null ? 0 : bias.strides[nd - 1]!],
  };
}

const scaleBits = (scale: number): number => new Int32Array(new Float32Array([scale]).buffer)[0]!;

function attention(calls: AttentionCalls, q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, causal: boolean, scale: number, dtype: DType): AttentionResult {
  const ev = v.shape[v.shape.length - 1]!;
  const g = dtype === 'float32' ? attentionLayout(calls, [q, k, v, bias], 4 * (64 + ev)) : null;
  if (g === null) return jsBackend.attention(q, k, v, bias, causal, scale, dtype);
  const rows = g.batch * g.l;
  const lse = new Float32Array(rows);
  const p = calls.prepare(rows * g.ev, [...g.operands, [{ data: lse, shape: [rows], strides: [1], offset: 0 }, rows]]);
  if (p === null) return { out: new Float32Array(0), lse };
  const ptr = p.ptrs;
  const [bp, tp, lp] = bias === null ? [0, ptr[3]!, ptr[4]!] : [ptr[3]!, ptr[4]!, ptr[5]!];
  const [qr, kr, vr, br, bc] = g.strides as [number, number, number, number, number];
  const flags = (causal ? 1 : 0) | (bias === null ? 0 : 2);
  const bits = scaleBits(scale);
  calls.overBatch(g.batch, g.batch * g.l * g.s * (g.e + g.ev), 'attentionForward', (b0, b1) =>
    [ptr[0]!, ptr[1]!, ptr[2]!, bp, tp, qr, kr, vr, br, bc, g.l, g.s, g.e, g.ev, flags, bits, p.outPtr, lp, b0, b1]);
  lse.set(calls.heapFloats(lp, rows));
  return { out: p.finish(), lse };
}

function attentionBackward(calls: AttentionCalls, q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, out: StridedView, lse: StridedView, grad: StridedView, causal: boolean, scale: number, dtype: DType): TypedArray {
  const e = q.shape[q.shape.length - 1]!;
  const contiguous = (x: StridedView): boolean => isContiguous(x);
  const g = dtype === 'float32' && contiguous(out) && contiguous(lse) && f32(out) && f32(lse) ? attentionLayout(calls, [q, k, v, bias, grad], 4 * e) : null;
  if (g === null) return jsBackend.attentionBackward(q, k, v, bias, out, lse, grad, causal, scale, dtype);
  const outN = g.batch * (g.l * g.e + g.s * g.e + g.s * g.ev);
  const p = calls.prepare(outN, [...g.operands, [out, numel(out.shape)], [lse, numel(lse.shape)]]);
  if (p === null) return new Float32Array(0);
  const ptr = p.ptrs;
  const n = ptr.length;
  const [bp, gp, tp] = bias === null ? [0, ptr[3]!, ptr[4]!] : [ptr[3]!, ptr[4]!, ptr[5]!];
  const [qr, kr, vr, br, bc] = g.strides as [number, number, number, number, number];
  const gr = grad.strides[grad.shape.length - 2]!;
  const flags = (causal ? 1 : 0) | (bias === null ? 0 : 2);
  const bits = scaleBits(scale);
  const [dq, dk, dv] = [p.outPtr, p.outPtr + g.batch * g.l * g.e * 4, p.outPtr + g.batch * (g.l + g.s) * g.e * 4];
  calls.overBatch(g.batch, g.batch * g.l * g.s * (2 * g.e + 2 * g.ev), 'attentionBackward', (b0, b1) =>
    [ptr[0]!, ptr[1]!, ptr[2]!, bp, gp, tp, qr, kr, vr, br, bc, gr, g.l, g.s, g.e, g.ev, flags, bits, ptr[n - 2]!, ptr[n - 1]!, dq, dk, dv, b0, b1]);
  return p.finish();
}

/**
 * The attention kernels of the wasm backend, given its placement helpers.
 * @example
 * const { attention, attentionBackward } = attentionKernels({ kernels, prepare, heapFloats, overBatch });
 */
export function attentionKernels(calls: AttentionCalls): Pick<Backend, 'attention' | 'attentionBackward'> {
  return {
    attention: (q, k, v, bias, causal, scale, dtype) => attention(calls, q, k, v, bias, causal, scale, dtype),
    attentionBackward: (q, k, v, bias, out, lse, grad, causal, scale, dtype) => attentionBackward(calls, q, k, v, bias, out, lse, grad, causal, scale, dtype),
  };
}
