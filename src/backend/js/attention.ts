/**
 * Fused scaled-dot-product attention (reference kernels): softmax(q·kᵀ·scale + bias)·v one query
 * row at a time, so that no more than one row of the score matrix exists, and its backward from the
 * saved log-sum-exp of each row (FlashAttention's recomputation: p = exp(s − lse)).
 *
 * Views are [...batch, L, E] (q), [...batch, S, E] (k), [...batch, S, Ev] (v), [...batch, L, S]
 * (bias, added to the scores) with the same batch dims (stride 0 where broadcast) and any strides.
 * With `causal`, query i sees keys j ≤ i only. A row that sees no key (every score −∞) gets a zero
 * output, log-sum-exp −∞ and zero gradients.
 */
import { allocate, type DType, type TypedArray } from '../../base/dtype.js';
import type { AttentionResult, StridedView } from '../backend.js';

/**
 * The element offset of each batch entry (the leading `view.shape.length − trailing` dims, row-major).
 * @example
 * batchOffsets({ data, shape: [2, 3, 4], strides: [0, 4, 1], offset: 0 }, 2); // [0, 0]
 */
export function batchOffsets(view: StridedView, trailing: number): number[] {
  const dims = view.shape.length - trailing;
  let offsets = [view.offset];
  for (let d = 0; d < dims; d++) {
    const next: number[] = [];
    for (const base of offsets) for (let i = 0; i < view.shape[d]!; i++) next.push(base + i * view.strides[d]!);
    offsets = next;
  }
  return offsets;
}

/** One attention problem: per-batch offsets and the row/column strides of the last two dims. */
interface Geometry {
  batch: number;
  l: number;
  s: number;
  e: number;
  ev: number;
  q: { off: number[]; r: number; c: number };
  k: { off: number[]; r: number; c: number };
  v: { off: number[]; r: number; c: number };
  bias: { off: number[]; r: number; c: number } | null;
}

function axes(view: StridedView): { off: number[]; r: number; c: number } {
  const nd = view.shape.length;
  return { off: batchOffsets(view, 2), r: view.strides[nd - 2]!, c: view.strides[nd - 1]! };
}

function geometry(q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null): Geometry {
  const nd = q.shape.length;
  const qa = axes(q);
  return {
    batch: qa.off.length, l: q.shape[nd - 2]!, s: k.shape[nd - 2]!, e: q.shape[nd - 1]!, ev: v.shape[nd - 1]!,
    q: qa, k: axes(k), v: axes(v), bias: bias === null ? null : axes(bias),
  };
}

/** The scaled, biased, causally masked scores of query row i of batch entry b, into `row`. */
function scoresOf(g: Geometry, q: StridedView, k: StridedView, bias: StridedView | null, b: number, i: number, causal: boolean, scale: number, row: Float64Array): void {
  const qo = g.q.off[b]! + i * g.q.r;
  for (let j = 0; j < g.s; j++) {
    if (causal && j > i) {
      row[j] = -Infinity;
      continue;
    }
    const ko = g.k.off[b]! + j * g.k.r;
    let dot = 0;
    for (let x = 0; x < g.e; x++) dot += (q.data[qo + x * g.q.c] as number) * (k.data[ko + x * g.k.c] as number);
    row[j] = dot * scale + (bias === null ? 0 : bias.data[g.bias!.off[b]! + i * g.bias!.r + j * g.bias!.c] as number);
  }
}

/**
 * Forward: the output [...batch, L, Ev] and the log-sum-exp of every row [...batch, L], contiguous.
 * @example
 * attention(q, k, v, null, true, 0.25, 'float32'); // { out, lse }
 */
export function attention(q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, causal: boolean, scale: number, dtype: DType): AttentionResult {
  const g = geometry(q, k, v, bias);
  const out = allocate(dtype, g.batch * g.l * g.ev);
  const lse = allocate(dtype, g.batch * g.l);
  const row = new Float64Array(g.s);
  const acc = new Float64Array(g.ev);
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < g.l; i++) {
      scoresOf(g, q, k, bias, b, i, causal, scale, row);
      let m = -Infinity;
      for (let j = 0; j < g.s; j++) m = Math.max(m, row[j]!);
      const o = (b * g.l + i) * g.ev;
      if (m === -Infinity) {
        lse[b * g.l + i] = -Infinity; // sees no key: zero output (allocate gave zeros)
        continue;
      }
      acc.fill(0);
      let sum = 0;
      for (let j = 0; j < g.s; j++) {
        const p = Math.exp(row[j]! - m);
        if (p === 0) continue;
        sum += p;
        const vo = g.v.off[b]! + j * g.v.r;
        for (let x = 0; x < g.ev; x++) acc[x]! += p * (v.data[vo + x * g.v.c] as number);
      }
      for (let x = 0; x < g.ev; x++) out[o + x] = acc[x]! / sum;
      lse[b * g.l + i] = m + Math.log(sum);
    }
  }
  return { out, lse };
}

/**
 * Backward from the forward's output `out` and row log-sum-exps `lse` and the output's gradient
 * `grad`: dq [...batch, L, E] | dk [...batch, S, E] | dv [...batch, S, Ev], contiguous, in one array.
 * With p = exp(s − lse), D_i = Σ grad_i·out_i: dv_j = Σ_i p_ij·grad_i, ds_ij = p_ij·(grad_i·v_j − D_i),
 * dq_i = scale·Σ_j ds_ij·k_j, dk_j = scale·Σ_i ds_ij·q_i.
 * @example
 * attentionBackward(q, k, v, null, out, lse, grad, true, 0.25, 'float32');
 */
export function attentionBackward(
  q: StridedView, k: StridedView, v: StridedView, bias: StridedView | null, out: StridedView, lse: StridedView,
  grad: StridedView, causal: boolean, scale: number, dtype: DType,
): TypedArray {
  const g = geometry(q, k, v, bias);
  const [dqAt, dkAt, dvAt] = [0, g.batch * g.l * g.e, g.batch * (g.l + g.s) * g.e];
  const result = allocate(dtype, dvAt + g.batch * g.s * g.ev);
  const acc = new Float64Array(result.length); // float64 accumulation, rounded once at the end
  const [o, gr, ls] = [axes(out), axes(grad), batchOffsets(lse, 1)];
  const row = new Float64Array(g.s);
  for (let b = 0; b < g.batch; b++) {
    for (let i = 0; i < g.l; i++) {
      const rowLse = lse.data[ls[b]! + i * lse.strides[lse.shape.length - 1]!] as number;
      if (rowLse === -Infinity) continue;
      scoresOf(g, q, k, bias, b, i, causal, scale, row);
      const [go, oo, qo] = [gr.off[b]! + i * gr.r, o.off[b]! + i * o.r, g.q.off[b]! + i * g.q.r];
      let d = 0;
      for (let x = 0; x < g.ev; x++) d += (grad.data[go + x * gr.c] as number) * (out.data[oo + x * o.c] as number);
      for (let j = 0; j < g.s; j++) {
        const p = Math.exp(row[j]! - rowLse);
        if (p === 0) continue;
        const [ko, vo] = [g.k.off[b]! + j * g.k.r, g.v.off[b]! + j * g.v.r];
        let dp = 0;
        for (let x = 0; x < g.ev; x++) {
          const gx = grad.data[go + x * gr.c] as number;
          dp += gx * (v.data[vo + x * g.v.c] as number);
          acc[dvAt + (b * g.s + j) * g.ev + x]! += p * gx;
        }
        const ds = p * (dp - d) * scale;
        for (let x = 0; x < g.e; x++) {
          acc[dqAt + (b * g.l + i) * g.e + x]! += ds * (k.data[ko + x * g.k.c] as number);
          acc[dkAt + (b * g.s + j) * g.e + x]! += ds * (q.data[qo + x * g.q.c] as number);
        }
      }
    }
  }
  result.set(acc);
  return result;
}
