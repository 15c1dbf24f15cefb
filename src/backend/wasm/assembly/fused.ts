// Fused row kernels (see src/backend/js/fused.ts, the reference): softmax / log-softmax of rows,
// layer norm of rows, GELU, cross-entropy of logit rows; forward and backward. Rows have a stride
// (in elements) and contiguous elements; outputs are contiguous. SIMD over a row, 4 lanes, the tail
// one by one; sums are accumulated in the 4 lanes, then added up.
import { exp4, sigmoid4 } from './elementwise';
import { ERFC_P0, HALF, INV_SQRT_2PI, MINUS_HALF, ONE, SQRT1_2, ZERO, k32 } from './consts';
import { ld, ld1, row, st, st1 } from './access';

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** max(m, v), NaN once either is NaN (PyTorch's max). */
@inline function maxNaN(m: f32, v: f32): f32 {
  return v > m || v != v ? v : m;
}

/** e^x rounded once from the double (as the reference). */
@inline function exp1(x: f32): f32 {
  return <f32>Math.exp(<f64>x);
}

/** The max of a row of n floats (NaN if any is NaN). */
function rowMax(p: usize, n: i32): f32 {
  let mv = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= n; j += 4) mv = f32x4.max(mv, ld(p, j)); // wasm's max propagates NaN
  let m = maxNaN(maxNaN(maxNaN(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)), f32x4.extract_lane(mv, 2)), f32x4.extract_lane(mv, 3));
  for (; j < n; j++) m = maxNaN(m, ld1(p, j));
  return m;
}

/** Σ exp(x − shift) over a row; with `out` non-zero the exponentials are stored there too. */
function rowExpSum(p: usize, n: i32, shift: f32, out: usize): f32 {
  const s = f32x4.splat(shift);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const e = exp4(f32x4.sub(ld(p, j), s));
    acc = f32x4.add(acc, e);
    if (out != 0) st(out, j, e);
  }
  let sum = hsum(acc);
  for (; j < n; j++) {
    const e = exp1(ld1(p, j) - shift);
    sum += e;
    if (out != 0) st1(out, j, e);
  }
  return sum;
}

/** out = (x − shift) − logSum over a row. */
function rowLogSoftmax(p: usize, n: i32, shift: f32, logSum: f32, out: usize): void {
  const s = f32x4.splat(shift);
  const l = f32x4.splat(logSum);
  let j = 0;
  for (; j + 4 <= n; j += 4) st(out, j, f32x4.sub(f32x4.sub(ld(p, j), s), l));
  for (; j < n; j++) st1(out, j, ld1(p, j) - shift - logSum);
}

/** Softmax (log = 0) or log-softmax (log = 1) of each row of x ([rows, n], row stride xs) into out. */
export function softmaxRows(x: usize, xs: i32, out: usize, rows: i32, n: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const px = row(x, r, xs);
    const po = row(out, r, n);
    const m = rowMax(px, n);
    if (log != 0) {
      const shift: f32 = abs(m) == Infinity ? 0 : m;
      rowLogSoftmax(px, n, shift, <f32>Math.log(<f64>rowExpSum(px, n, shift, 0)), po);
      continue;
    }
    const sum = f32x4.splat(rowExpSum(px, n, m, po));
    let j = 0;
    for (; j + 4 <= n; j += 4) st(po, j, f32x4.div(ld(po, j), sum));
    for (; j < n; j++) st1(po, j, ld1(po, j) / f32x4.extract_lane(sum, 0));
  }
}

/** Backward of softmaxRows from its output y and g: y·(g − Σ g·y), or g − exp(y)·Σ g (log = 1). */
export function softmaxBackwardRows(y: usize, ys: i32, g: usize, gs: i32, out: usize, rows: i32, n: i32, log: i32): void {
  for (let r = 0; r < rows; r++) {
    const py = row(y, r, ys);
    const pg = row(g, r, gs);
    const po = row(out, r, n);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, log != 0 ? ld(pg, j) : f32x4.mul(ld(pg, j), ld(py, j)));
    let dot = hsum(acc);
    for (; j < n; j++) dot += log != 0 ? ld1(pg, j) : ld1(pg, j) * ld1(py, j);
    const d = f32x4.splat(dot);
    j = 0;
    if (log != 0) {
      for (; j + 4 <= n; j += 4) st(po, j, f32x4.sub(ld(pg, j), f32x4.mul(exp4(ld(py, j)), d)));
      for (; j < n; j++) st1(po, j, ld1(pg, j) - exp1(ld1(py, j)) * dot);
    } else {
      for (; j + 4 <= n; j += 4) st(po, j, f32x4.mul(ld(py, j), f32x4.sub(ld(pg, j), d)));
      for (; j < n; j++) st1(po, j, ld1(py, j) * (ld1(pg, j) - dot));
    }
  }
}

/**
 * Layer norm of each row of x ([rows, n], row stride xs): (x − mean)·rstd·w + b (w, b: [n], or 0
 * for none) into out [rows, n]; each row's mean and rstd into stats [rows, 2].
 */
export function layerNormRows(x: usize, xs: i32, w: usize, b: usize, out: usize, stats: usize, rows: i32, n: i32, eps: f32): void {
  const nf = <f32>n;
  for (let r = 0; r < rows; r++) {
    const px = row(x, r, xs);
    const po = row(out, r, n);
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, ld(px, j));
    let sum = hsum(acc);
    for (; j < n; j++) sum += ld1(px, j);
    const mean = sum / nf;
    const mv = f32x4.splat(mean);
    acc = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const c = f32x4.sub(ld(px, j), mv);
      acc = f32x4.add(acc, f32x4.mul(c, c));
    }
    let sq = hsum(acc);
    for (; j < n; j++) sq += (ld1(px, j) - mean) * (ld1(px, j) - mean);
    const rstd: f32 = 1 / sqrt<f32>(sq / nf + eps);
    const rv = f32x4.splat(rstd);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      let y = f32x4.mul(f32x4.sub(ld(px, j), mv), rv);
      if (w != 0) y = f32x4.mul(y, ld(w, j));
      if (b != 0) y = f32x4.add(y, ld(b, j));
      st(po, j, y);
    }
    for (; j < n; j++) {
      let y = (ld1(px, j) - mean) * rstd;
      if (w != 0) y *= ld1(w, j);
      if (b != 0) y += ld1(b, j);
      st1(po, j, y);
    }
    st1(stats, 2 * r, mean);
    st1(stats, 2 * r + 1, rstd);
  }
}

/**
 * Backward of layerNormRows from x, w (or 0), the stats and g ([rows, n], row stride gs): out holds
 * dx [rows, n], then dw [n] and db [n] (summed over the rows).
 */
export function layerNormBackwardRows(x: usize, xs: i32, w: usize, stats: usize, g: usize, gs: i32, out: usize, rows: i32, n: i32): void {
  const dw = row(out, rows, n);
  const db = row(dw, 1, n);
  memory.fill(dw, 0, <usize>(2 * n) << 2);
  const inv: f32 = 1 / <f32>n;
  for (let r = 0; r < rows; r++) {
    const px = row(x, r, xs);
    const pg = row(g, r, gs);
    const po = row(out, r, n);
    const mean = ld1(stats, 2 * r);
    const rstd = ld1(stats, 2 * r + 1);
    const mv = f32x4.splat(mean);
    const rv = f32x4.splat(rstd);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const xh = f32x4.mul(f32x4.sub(ld(px, j), mv), rv);
      const gj = ld(pg, j);
      const gy = w != 0 ? f32x4.mul(gj, ld(w, j)) : gj;
      a1 = f32x4.add(a1, gy);
      a2 = f32x4.add(a2, f32x4.mul(gy, xh));
      st(dw, j, f32x4.add(ld(dw, j), f32x4.mul(gj, xh)));
      st(db, j, f32x4.add(ld(db, j), gj));
    }
    let s1 = hsum(a1);
    let s2 = hsum(a2);
    for (; j < n; j++) {
      const xh = (ld1(px, j) - mean) * rstd;
      const gj = ld1(pg, j);
      const gy = w != 0 ? gj * ld1(w, j) : gj;
      s1 += gy;
      s2 += gy * xh;
      st1(dw, j, ld1(dw, j) + gj * xh);
      st1(db, j, ld1(db, j) + gj);
    }
    const m1 = s1 * inv;
    const m2 = s2 * inv;
    const m1v = f32x4.splat(m1);
    const m2v = f32x4.splat(m2);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const xh = f32x4.mul(f32x4.sub(ld(px, j), mv), rv);
      const gy = w != 0 ? f32x4.mul(ld(pg, j), ld(w, j)) : ld(pg, j);
      st(po, j, f32x4.mul(rv, f32x4.sub(f32x4.sub(gy, m1v), f32x4.mul(xh, m2v))));
    }
    for (; j < n; j++) {
      const xh = (ld1(px, j) - mean) * rstd;
      const gy = w != 0 ? ld1(pg, j) * ld1(w, j) : ld1(pg, j);
      st1(po, j, rstd * (gy - m1 - xh * m2));
    }
  }
}

// Φ(x) = erfc(−x/√2)/2, erfc by its Chebyshev fit (Numerical Recipes' erfcc: relative error below
// 1.2e-7 everywhere): erfc(z) = t·exp(−z² + P(t)), t = 1/(1 + z/2), z ≥ 0.
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const CUBIC: f32 = 0.044715;

@inline function erfcPoly4(t: v128): v128 {
  let p = k32(ERFC_P0);
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 1));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 2));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 3));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 4));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 5));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 6));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 7));
  p = f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 8));
  return f32x4.add(f32x4.mul(p, t), k32(ERFC_P0 + 9));
}

/** Φ(x), the standard normal CDF, for 4 lanes. */
@inline function cdf4(x: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), k32(SQRT1_2));
  const t = f32x4.div(k32(ONE), f32x4.add(k32(ONE), f32x4.mul(z, k32(HALF))));
  const half = f32x4.mul(f32x4.mul(t, exp4(f32x4.sub(erfcPoly4(t), f32x4.mul(z, z)))), k32(HALF)); // erfc(z)/2
  return v128.bitselect(f32x4.sub(k32(ONE), half), half, f32x4.ge(x, k32(ZERO)));
}

/** Φ(x) in double precision (the scalar tail). */
function cdf1(x: f64): f64 {
  const z = Math.abs(x) * 0.7071067811865476;
  const t = 1 / (1 + 0.5 * z);
  const p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const half = 0.5 * t * Math.exp(p - z * z);
  return x >= 0 ? 1 - half : half;
}

/** σ(2u) = (1 + tanh u)/2 with u = √(2/π)·(x + 0.044715·x³), for 4 lanes. */
@inline function tanhGate4(x: v128): v128 {
  const u = f32x4.mul(f32x4.add(x, f32x4.mul(f32x4.splat(CUBIC), f32x4.mul(x, f32x4.mul(x, x)))), f32x4.splat(2 * SQRT_2_OVER_PI));
  return sigmoid4(u);
}

@inline function tanhGate1(x: f64): f64 {
  return 1 / (1 + Math.exp(-2 * 0.7978845608028654 * (x + 0.044715 * x * x * x)));
}

/** GELU of n contiguous floats: x·Φ(x), or x·σ(2u) (tanh = 1, the tanh approximation). */
export function geluForward(x: usize, out: usize, n: i32, tanh: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = ld(x, j);
    st(out, j, f32x4.mul(v, tanh != 0 ? tanhGate4(v) : cdf4(v)));
  }
  for (; j < n; j++) {
    const v = <f64>ld1(x, j);
    st1(out, j, <f32>(v * (tanh != 0 ? tanhGate1(v) : cdf1(v))));
  }
}

/** g·gelu'(x) over n contiguous floats: Φ(x) + x·φ(x), or s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715·x²), s = σ(2u). */
export function geluBackward(x: usize, g: usize, out: usize, n: i32, tanh: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const v = ld(x, j);
    let d: v128;
    if (tanh != 0) {
      const s = tanhGate4(v);
      const slope = f32x4.mul(f32x4.splat(SQRT_2_OVER_PI), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(3 * CUBIC), f32x4.mul(v, v))));
      d = f32x4.add(s, f32x4.mul(f32x4.mul(f32x4.add(v, v), f32x4.mul(s, f32x4.sub(f32x4.splat(1), s))), slope));
    } else {
      const density = f32x4.mul(exp4(f32x4.mul(f32x4.mul(v, v), k32(MINUS_HALF))), k32(INV_SQRT_2PI));
      d = f32x4.add(cdf4(v), f32x4.mul(v, density));
    }
    st(out, j, f32x4.mul(ld(g, j), d));
  }
  for (; j < n; j++) {
    const v = <f64>ld1(x, j);
    let d: f64;
    if (tanh != 0) {
      const s = tanhGate1(v);
      d = s + 2 * v * s * (1 - s) * 0.7978845608028654 * (1 + 3 * 0.044715 * v * v);
    } else {
      d = cdf1(v) + v * 0.3989422804014327 * Math.exp(-0.5 * v * v);
    }
    st1(out, j, <f32>(<f64>ld1(g, j) * d));
  }
}

/** Σ w_j·v_j over a row (Σ v_j when w is 0). */
function rowDot(v: usize, w: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, w != 0 ? f32x4.mul(ld(v, j), ld(w, j)) : ld(v, j));
  let sum = hsum(acc);
  for (; j < n; j++) sum += w != 0 ? ld1(v, j) * ld1(w, j) : ld1(v, j);
  return sum;
}

/**
 * Cross-entropy of logit rows x ([rows, c], row stride xs) against i32 targets (stride ts) with
 * class weights w ([c], or 0) and label smoothing ε: out holds the losses [rows], then the
 * log-softmax [rows, c]; a row whose target is ignoreIndex has loss 0.
 */
export function crossEntropyRows(x: usize, xs: i32, target: usize, ts: i32, w: usize, out: usize, rows: i32, c: i32, ignoreIndex: i32, smoothing: f32): void {
  for (let r = 0; r < rows; r++) {
    const px = row(x, r, xs);
    const pl = out + (<usize>(rows + r * c) << 2);
    const m = rowMax(px, c);
    const shift: f32 = abs(m) == Infinity ? 0 : m;
    rowLogSoftmax(px, c, shift, <f32>Math.log(<f64>rowExpSum(px, c, shift, 0)), pl);
    const t = load<i32>(target + (<usize>r * <usize>ts << 2));
    let loss: f32 = 0;
    if (t != ignoreIndex) {
      loss = -(w != 0 ? ld1(w, t) : 1) * ld1(pl, t);
      if (smoothing > 0) loss = (1 - smoothing) * loss + (smoothing / <f32>c) * -rowDot(pl, w, c);
    }
    st1(out, r, loss);
  }
}

/**
 * Backward of crossEntropyRows from its log-softmax lp ([rows, c], row stride ls), the targets, the
 * weights and the gradients of the losses (gl, stride gls) and of lp (glp, row stride glps):
 * dx = glp − p·Σ glp + gl·(p·a − b) into out [rows, c] (see the reference).
 */
export function crossEntropyBackwardRows(lp: usize, ls: i32, target: usize, ts: i32, w: usize, gl: usize, gls: i32, glp: usize, glps: i32, out: usize, rows: i32, c: i32, ignoreIndex: i32, smoothing: f32): void {
  const uniform = smoothing / <f32>c;
  const total: f32 = w != 0 ? rowDot(w, 0, c) : <f32>c;
  for (let r = 0; r < rows; r++) {
    const pp = row(lp, r, ls);
    const pg = row(glp, r, glps);
    const po = row(out, r, c);
    const sumGp = rowDot(pg, 0, c);
    const gLoss = ld1(gl, r * gls);
    const t = load<i32>(target + (<usize>r * <usize>ts << 2));
    const ignored = t == ignoreIndex;
    const wt: f32 = ignored ? 0 : (1 - smoothing) * (w != 0 ? ld1(w, t) : 1);
    const a: f32 = ignored ? 0 : wt + uniform * total;
    const u: f32 = ignored ? 0 : uniform;
    const sv = f32x4.splat(sumGp);
    const av = f32x4.splat(a);
    const uv = f32x4.splat(u);
    const gv = f32x4.splat(gLoss);
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const p = exp4(ld(pp, j));
      const b = w != 0 ? f32x4.mul(uv, ld(w, j)) : uv;
      st(po, j, f32x4.add(f32x4.sub(ld(pg, j), f32x4.mul(p, sv)), f32x4.mul(gv, f32x4.sub(f32x4.mul(p, av), b))));
    }
    for (; j < c; j++) {
      const p = exp1(ld1(pp, j));
      const b = w != 0 ? u * ld1(w, j) : u;
      st1(po, j, ld1(pg, j) - p * sumGp + gLoss * (p * a - b));
    }
    if (!ignored) st1(po, t, ld1(po, t) - gLoss * wt); // the target's one-hot term
  }
}
