/**
 * Fused row kernels (reference): softmax and log-softmax along a dim, layer normalisation of the rows
 * of a [R, N] view, and GELU — each forward in one pass over its input and each backward in one pass
 * over its saved values and the output's gradient. Arithmetic in float64, each result rounded once
 * to the output dtype. Views may have any strides.
 */
import { allocate, type DType, type TypedArray } from '../../base/dtype.js';
import { contiguousStrides, numel } from '../../base/shape.js';
import type { LayerNormResult, StridedView } from '../backend.js';
import { offsetsOf } from './layout.js';
import { erf } from './math.js';

/** The start offset of each line along `dim` (row-major over the other dims), and the stride along it. */
function lines(v: Pick<StridedView, 'shape' | 'strides' | 'offset'>, dim: number): { starts: Int32Array; step: number } {
  const shape = v.shape.map((s, d) => (d === dim ? 1 : s));
  return { starts: offsetsOf({ shape, strides: v.strides, offset: v.offset }), step: v.strides[dim]! };
}

/** The lines of a contiguous array shaped like `v` (where the kernels write). */
function outLines(v: StridedView, dim: number): { starts: Int32Array; step: number } {
  return lines({ shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 }, dim);
}

/** The max of a line; NaN if any element is NaN (as PyTorch's max). */
function lineMax(data: TypedArray, start: number, step: number, n: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = data[start + i * step] as number;
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

/**
 * Softmax exp(x − max)/Σ exp(x − max) along `dim` or, with `log`, log-softmax (x − m) − log Σ exp(x − m)
 * where m is the max unless it is ±∞ (then 0, so that a row of −∞ gives NaN, not ∞ − ∞ first).
 * A contiguous array shaped like `x`.
 * @example
 * softmax(view, 1, false, 'float32'); // each row of a [R, C] view sums to 1
 */
export function softmax(x: StridedView, dim: number, log: boolean, dtype: DType): TypedArray {
  const out = allocate(dtype, numel(x.shape));
  const n = x.shape[dim]!;
  const src = lines(x, dim);
  const dst = outLines(x, dim);
  const data = x.data;
  const e = new Float64Array(n); // the line's exponentials, rounded once at the end
  for (let l = 0; l < src.starts.length; l++) {
    const s = src.starts[l]!;
    const o = dst.starts[l]!;
    const m = lineMax(data, s, src.step, n);
    const shift = log && Math.abs(m) === Infinity ? 0 : m;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += e[i] = Math.exp((data[s + i * src.step] as number) - shift);
    if (log) {
      const logSum = Math.log(sum);
      for (let i = 0; i < n; i++) out[o + i * dst.step] = (data[s + i * src.step] as number) - shift - logSum;
    } else {
      for (let i = 0; i < n; i++) out[o + i * dst.step] = e[i]! / sum;
    }
  }
  return out;
}

/**
 * Backward of `softmax` from its output `y` and the output's gradient `g` (same shape):
 * y·(g − Σ g·y), or for log-softmax g − exp(y)·Σ g. A contiguous array shaped like `y`.
 * @example
 * softmaxBackward(y, g, 1, false, 'float32');
 */
export function softmaxBackward(y: StridedView, g: StridedView, dim: number, log: boolean, dtype: DType): TypedArray {
  const out = allocate(dtype, numel(y.shape));
  const n = y.shape[dim]!;
  const ys = lines(y, dim);
  const gs = lines(g, dim);
  const dst = outLines(y, dim);
  const [yd, gd] = [y.data, g.data];
  for (let l = 0; l < ys.starts.length; l++) {
    const a = ys.starts[l]!;
    const b = gs.starts[l]!;
    const o = dst.starts[l]!;
    let dot = 0;
    for (let i = 0; i < n; i++) dot += (gd[b + i * gs.step] as number) * (log ? 1 : (yd[a + i * ys.step] as number));
    for (let i = 0; i < n; i++) {
      const yi = yd[a + i * ys.step] as number;
      const gi = gd[b + i * gs.step] as number;
      out[o + i * dst.step] = log ? gi - Math.exp(yi) * dot : yi * (gi - dot);
    }
  }
  return out;
}

/**
 * Layer normalisation of each row of `x` [R, N]: (x − mean)·rstd·weight + bias with the biased
 * variance and rstd = 1/√(var + eps); `weight`, `bias` ([N]) optional. Returns the output [R, N]
 * and each row's mean and rstd as [R, 2].
 * @example
 * layerNorm(x, w, b, 1e-5, 'float32'); // { out, stats }
 */
export function layerNorm(x: StridedView, weight: StridedView | null, bias: StridedView | null, eps: number, dtype: DType): LayerNormResult {
  const [rows, n] = x.shape as [number, number];
  const out = allocate(dtype, rows * n);
  const stats = allocate(dtype, 2 * rows);
  const [s0, s1] = x.strides as [number, number];
  const w = (j: number): number => (weight === null ? 1 : (weight.data[weight.offset + j * weight.strides[0]!] as number));
  const b = (j: number): number => (bias === null ? 0 : (bias.data[bias.offset + j * bias.strides[0]!] as number));
  for (let r = 0; r < rows; r++) {
    const at = (j: number): number => x.data[x.offset + r * s0 + j * s1] as number;
    let sum = 0;
    for (let j = 0; j < n; j++) sum += at(j);
    const mean = sum / n;
    let sq = 0;
    for (let j = 0; j < n; j++) sq += (at(j) - mean) ** 2;
    const rstd = 1 / Math.sqrt(sq / n + eps);
    for (let j = 0; j < n; j++) out[r * n + j] = (at(j) - mean) * rstd * w(j) + b(j);
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
  }
  return { out, stats };
}

/**
 * Backward of `layerNorm` from the input, the weight (or null), the saved [R, 2] stats and the
 * output's gradient `g` [R, N]: with x̂ = (x − mean)·rstd and ĝ = g·weight,
 * dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)), dweight = Σ_rows g·x̂, dbias = Σ_rows g; one array
 * R·N + 2N = dx | dweight | dbias.
 * @example
 * layerNormBackward(x, w, stats, g, 'float32');
 */
export function layerNormBackward(x: StridedView, weight: StridedView | null, stats: StridedView, g: StridedView, dtype: DType): TypedArray {
  const [rows, n] = x.shape as [number, number];
  const out = allocate(dtype, rows * n + 2 * n);
  const dw = new Float64Array(n);
  const db = new Float64Array(n);
  const w = (j: number): number => (weight === null ? 1 : (weight.data[weight.offset + j * weight.strides[0]!] as number));
  const xhat = new Float64Array(n);
  const gy = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const mean = stats.data[stats.offset + r * stats.strides[0]!] as number;
    const rstd = stats.data[stats.offset + r * stats.strides[0]! + stats.strides[1]!] as number;
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < n; j++) {
      const gj = g.data[g.offset + r * g.strides[0]! + j * g.strides[1]!] as number;
      xhat[j] = ((x.data[x.offset + r * x.strides[0]! + j * x.strides[1]!] as number) - mean) * rstd;
      gy[j] = gj * w(j);
      sumG += gy[j]!;
      sumGX += gy[j]! * xhat[j]!;
      dw[j] = dw[j]! + gj * xhat[j]!;
      db[j] = db[j]! + gj;
    }
    for (let j = 0; j < n; j++) out[r * n + j] = rstd * (gy[j]! - sumG / n - xhat[j]! * (sumGX / n));
  }
  out.set(dw, rows * n);
  out.set(db, rows * n + n);
  return out;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_CUBIC = 0.044715;

/**
 * GELU x·Φ(x) (Φ the standard normal CDF), or with `tanh` its approximation
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). A contiguous array shaped like `x`.
 * @example
 * gelu(view, false, 'float32');
 */
export function gelu(x: StridedView, tanh: boolean, dtype: DType): TypedArray {
  const at = offsetsOf(x);
  const out = allocate(dtype, at.length);
  for (let i = 0; i < at.length; i++) {
    const v = x.data[at[i]!] as number;
    out[i] = tanh ? 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v))) : 0.5 * v * (1 + erf(v * Math.SQRT1_2));
  }
  return out;
}

/**
 * Backward of `gelu` from its input and the output's gradient: g·(Φ(x) + x·φ(x)), or for the tanh
 * form g·(0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²)) with t the tanh.
 * @example
 * geluBackward(x, g, false, 'float32');
 */
export function geluBackward(x: StridedView, g: StridedView, tanh: boolean, dtype: DType): TypedArray {
  const xs = offsetsOf(x);
  const gs = offsetsOf(g);
  const out = allocate(dtype, xs.length);
  for (let i = 0; i < xs.length; i++) {
    const v = x.data[xs[i]!] as number;
    let d: number;
    if (tanh) {
      const t = Math.tanh(SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v));
      d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v);
    } else {
      d = 0.5 * (1 + erf(v * Math.SQRT1_2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v);
    }
    out[i] = (g.data[gs[i]!] as number) * d;
  }
  return out;
}

/** Element j of a 1-d view. */
const at1 = (v: StridedView, j: number): number => v.data[v.offset + j * v.strides[0]!] as number;

/**
 * Cross-entropy of the rows of logits `x` [R, C] against class indices `target` [R] (int32): with
 * logp = log-softmax(x) (as `softmax` with `log`), w the class weights (1 without `weight`) and ε the
 * label smoothing, a row's loss is (1 − ε)·w_t·(−logp_t) + (ε/C)·Σ_c w_c·(−logp_c), and 0 where
 * t = `ignoreIndex`. One array R + R·C: the losses, then logp (what the backward reads).
 * @example
 * crossEntropy(logits, labels, null, -100, 0, 'float32'); // [R] losses | [R, C] log-probabilities
 */
export function crossEntropy(x: StridedView, target: StridedView, weight: StridedView | null, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray {
  const [rows, c] = x.shape as [number, number];
  const out = allocate(dtype, rows + rows * c);
  const logp = new Float64Array(c);
  const w = (j: number): number => (weight === null ? 1 : at1(weight, j));
  for (let r = 0; r < rows; r++) {
    const start = x.offset + r * x.strides[0]!;
    const step = x.strides[1]!;
    const m = lineMax(x.data, start, step, c);
    const shift = Math.abs(m) === Infinity ? 0 : m;
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp((x.data[start + j * step] as number) - shift);
    const logSum = Math.log(sum);
    for (let j = 0; j < c; j++) {
      logp[j] = (x.data[start + j * step] as number) - shift - logSum;
      out[rows + r * c + j] = logp[j]!;
    }
    const t = at1(target, r);
    if (t === ignoreIndex) {
      out[r] = 0;
      continue;
    }
    let loss = -w(t) * logp[t]!;
    if (smoothing > 0) {
      let smooth = 0;
      for (let j = 0; j < c; j++) smooth -= w(j) * logp[j]!;
      loss = (1 - smoothing) * loss + (smoothing / c) * smooth;
    }
    out[r] = loss;
  }
  return out;
}

/**
 * Backward of `crossEntropy` from its saved log-probabilities `logp` [R, C], the targets and weights,
 * and the gradients of both its outputs (`gLoss` [R], `gLogp` [R, C]): with p = exp(logp),
 * a = (1 − ε)·w_t + (ε/C)·Σw and b_j = (1 − ε)·w_t·[j = t] + (ε/C)·w_j (a = b = 0 at ignored rows),
 * dx = gLogp − p·Σ gLogp + gLoss·(p·a − b). A contiguous [R, C] array.
 * @example
 * crossEntropyBackward(logp, labels, null, gLoss, gLogp, -100, 0, 'float32');
 */
export function crossEntropyBackward(logp: StridedView, target: StridedView, weight: StridedView | null, gLoss: StridedView, gLogp: StridedView, ignoreIndex: number, smoothing: number, dtype: DType): TypedArray {
  const [rows, c] = logp.shape as [number, number];
  const out = allocate(dtype, rows * c);
  const w = (j: number): number => (weight === null ? 1 : at1(weight, j));
  let total = 0;
  for (let j = 0; j < c; j++) total += w(j);
  const uniform = smoothing / c;
  const [ls, gs] = [logp.strides as [number, number], gLogp.strides as [number, number]];
  for (let r = 0; r < rows; r++) {
    const lp = logp.offset + r * ls[0];
    const gp = gLogp.offset + r * gs[0];
    let sumGp = 0;
    for (let j = 0; j < c; j++) sumGp += gLogp.data[gp + j * gs[1]] as number;
    const gl = at1(gLoss, r);
    const t = at1(target, r);
    const ignored = t === ignoreIndex;
    const wt = ignored ? 0 : (1 - smoothing) * w(t);
    const a = ignored ? 0 : wt + uniform * total;
    for (let j = 0; j < c; j++) {
      const b = ignored ? 0 : (j === t ? wt : 0) + uniform * w(j);
      const pj = Math.exp(logp.data[lp + j * ls[1]] as number);
      out[r * c + j] = (gLogp.data[gp + j * gs[1]] as number) - pj * sumGp + gl * (pj * a - b);
    }
  }
  return out;
}
