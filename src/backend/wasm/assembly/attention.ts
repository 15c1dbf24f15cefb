// Fused scaled-dot-product attention (see src/backend/js/attention.ts, the reference). Forward:
// blocks of ROWS query rows against tiles of TILE keys, online softmax (a running max and sum per
// row, the accumulated output rescaled when the max grows), so only a ROWS × TILE tile of scores
// exists. Backward: one query row at a time against tiles of keys, p = exp(s − lse) recomputed from
// the saved log-sum-exp. The last dim of q, k, v, the gradient and the output is contiguous; rows
// have a stride; each batch entry has its own element offset (offs: i32 [batch, 5] = q, k, v, bias,
// grad), so broadcast batch dims cost nothing. SIMD over the head dims, 4 lanes, tails one by one.
import { exp4 } from './elementwise';

const ROWS: i32 = 4;
const TILE: i32 = 64;

@inline function f(p: usize, i: i32): f32 {
  return load<f32>(p + (<usize>i << 2));
}

@inline function put(p: usize, i: i32, x: f32): void {
  store<f32>(p + (<usize>i << 2), x);
}

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Σ a[x]·b[x] over n contiguous floats. */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let x = 0;
  for (; x + 4 <= n; x += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, x)), v128.load(at(b, x))));
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; x < n; x++) sum += f(a, x) * f(b, x);
  return sum;
}

/** y[x] += a·v[x] over n contiguous floats. */
@inline function axpy(y: usize, a: f32, v: usize, n: i32): void {
  const s = f32x4.splat(a);
  let x = 0;
  for (; x + 4 <= n; x += 4) v128.store(at(y, x), f32x4.add(v128.load(at(y, x)), f32x4.mul(s, v128.load(at(v, x)))));
  for (; x < n; x++) put(y, x, f(y, x) + a * f(v, x));
}

/** y[x] *= a over n contiguous floats. */
@inline function scaleRow(y: usize, a: f32, n: i32): void {
  const s = f32x4.splat(a);
  let x = 0;
  for (; x + 4 <= n; x += 4) v128.store(at(y, x), f32x4.mul(v128.load(at(y, x)), s));
  for (; x < n; x++) put(y, x, f(y, x) * a);
}

/** t[j] = e^(t[j] − m) for n floats; returns their sum. */
@inline function expShift(t: usize, m: f32, n: i32): f32 {
  const ms = f32x4.splat(m);
  let acc = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const p = exp4(f32x4.sub(v128.load(at(t, j)), ms));
    v128.store(at(t, j), p);
    acc = f32x4.add(acc, p);
  }
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; j < n; j++) {
    const p = <f32>Math.exp(<f64>(f(t, j) - m));
    put(t, j, p);
    sum += p;
  }
  return sum;
}

/** Scores of query row qi (pointer qp) against keys j0 … j0 + n − 1, scaled, biased, causally masked, into t. */
@inline function scores(t: usize, qp: usize, kb: usize, kr: i32, bp: usize, bc: i32, hasBias: bool, causal: bool, qi: i32, j0: i32, n: i32, e: i32, scale: f32): void {
  for (let j = 0; j < n; j++) {
    const key = j0 + j;
    let s: f32 = causal && key > qi ? -Infinity : dot(qp, at(kb, key * kr), e) * scale;
    if (hasBias) s += f(bp, j * bc); // bp points at the bias of key j0
    put(t, j, s);
  }
}

/**
 * Forward for batch entries [b0, b1): out [batch, L, Ev] and lse [batch, L], contiguous. `scratch`
 * holds ROWS·(TILE + Ev + 2) floats.
 */
export function attentionForward(
  q: usize, k: usize, v: usize, bias: usize, offs: usize, qr: i32, kr: i32, vr: i32, br: i32, bc: i32,
  l: i32, s: i32, e: i32, ev: i32, flags: i32, scaleBits: i32, out: usize, lse: usize, b0: i32, b1: i32, scratch: usize,
): void {
  const scale = reinterpret<f32>(scaleBits);
  const causal = (flags & 1) != 0;
  const hasBias = (flags & 2) != 0;
  const tile = scratch; // [ROWS, TILE]
  const acc = scratch + (<usize>(ROWS * TILE) << 2); // [ROWS, Ev]
  const mx = acc + (<usize>(ROWS * ev) << 2); // [ROWS]
  const sum = mx + (<usize>ROWS << 2); // [ROWS]
  for (let b = b0; b < b1; b++) {
    const o = offs + (<usize>(b * 5) << 2);
    const qb = at(q, load<i32>(o));
    const kb = at(k, load<i32>(o, 4));
    const vb = at(v, load<i32>(o, 8));
    const bb = at(bias, load<i32>(o, 12));
    for (let i0 = 0; i0 < l; i0 += ROWS) {
      const rows = min(ROWS, l - i0);
      for (let r = 0; r < rows; r++) {
        put(mx, r, -Infinity);
        put(sum, r, 0);
        memory.fill(at(acc, r * ev), 0, <usize>ev << 2);
      }
      const end = causal ? min(s, i0 + rows) : s;
      for (let j0 = 0; j0 < end; j0 += TILE) {
        const n = min(TILE, end - j0);
        for (let r = 0; r < rows; r++) {
          const t = at(tile, r * TILE);
          scores(t, at(qb, (i0 + r) * qr), kb, kr, at(bb, (i0 + r) * br + j0 * bc), bc, hasBias, causal, i0 + r, j0, n, e, scale);
          let m: f32 = -Infinity;
          for (let j = 0; j < n; j++) m = max(m, f(t, j));
          const old = f(mx, r);
          const next = max(old, m);
          if (next == -Infinity) continue; // nothing seen yet in this row
          if (next > old) {
            const alpha = old == -Infinity ? <f32>0 : <f32>Math.exp(<f64>(old - next));
            put(sum, r, f(sum, r) * alpha);
            scaleRow(at(acc, r * ev), alpha, ev);
            put(mx, r, next);
          }
          put(sum, r, f(sum, r) + expShift(t, next, n));
          const ar = at(acc, r * ev);
          for (let j = 0; j < n; j++) {
            const p = f(t, j);
            if (p != 0) axpy(ar, p, at(vb, (j0 + j) * vr), ev);
          }
        }
      }
      for (let r = 0; r < rows; r++) {
        const row = b * l + i0 + r;
        const total = f(sum, r);
        const inv: f32 = total > 0 ? 1 / total : 0;
        const dst = at(out, row * ev);
        memory.copy(dst, at(acc, r * ev), <usize>ev << 2);
        scaleRow(dst, inv, ev);
        put(lse, row, total > 0 ? f(mx, r) + <f32>Math.log(<f64>total) : -Infinity);
      }
    }
  }
}

/**
 * Backward for batch entries [b0, b1): dq [batch, L, E] | dk [batch, S, E] | dv [batch, S, Ev] at
 * dq, dk, dv (contiguous; dk and dv of these entries are zeroed here). out and lse contiguous; the
 * gradient g has row stride gr and per-entry offsets. `scratch` holds TILE + E floats.
 */
export function attentionBackward(
  q: usize, k: usize, v: usize, bias: usize, g: usize, offs: usize, qr: i32, kr: i32, vr: i32, br: i32, bc: i32, gr: i32,
  l: i32, s: i32, e: i32, ev: i32, flags: i32, scaleBits: i32, out: usize, lse: usize, dq: usize, dk: usize, dv: usize, b0: i32, b1: i32, scratch: usize,
): void {
  const scale = reinterpret<f32>(scaleBits);
  const causal = (flags & 1) != 0;
  const hasBias = (flags & 2) != 0;
  const tile = scratch;
  const dqRow = scratch + (<usize>TILE << 2);
  for (let b = b0; b < b1; b++) {
    const o = offs + (<usize>(b * 5) << 2);
    const qb = at(q, load<i32>(o));
    const kb = at(k, load<i32>(o, 4));
    const vb = at(v, load<i32>(o, 8));
    const bb = at(bias, load<i32>(o, 12));
    const gb = at(g, load<i32>(o, 16));
    const dkb = at(dk, b * s * e);
    const dvb = at(dv, b * s * ev);
    memory.fill(dkb, 0, <usize>(s * e) << 2);
    memory.fill(dvb, 0, <usize>(s * ev) << 2);
    for (let i = 0; i < l; i++) {
      const row = b * l + i;
      const rowLse = f(lse, row);
      const dqi = at(dq, row * e);
      memory.fill(dqRow, 0, <usize>e << 2);
      if (rowLse != -Infinity) {
        const qi = at(qb, i * qr);
        const gi = at(gb, i * gr);
        const d = dot(gi, at(out, row * ev), ev);
        const end = causal ? min(s, i + 1) : s;
        for (let j0 = 0; j0 < end; j0 += TILE) {
          const n = min(TILE, end - j0);
          scores(tile, qi, kb, kr, at(bb, i * br + j0 * bc), bc, hasBias, causal, i, j0, n, e, scale);
          expShift(tile, rowLse, n);
          for (let j = 0; j < n; j++) {
            const p = f(tile, j);
            if (p == 0) continue;
            const key = j0 + j;
            const vj = at(vb, key * vr);
            const ds = p * (dot(gi, vj, ev) - d) * scale;
            axpy(at(dvb, key * ev), p, gi, ev);
            axpy(dqRow, ds, at(kb, key * kr), e);
            axpy(at(dkb, key * e), ds, qi, e);
          }
        }
      }
      memory.copy(dqi, dqRow, <usize>e << 2);
    }
  }
}
