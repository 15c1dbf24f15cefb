// Fused scaled-dot-product attention (see src/backend/js/attention.ts, the reference). Forward:
// blocks of 4 query rows against tiles of TILE keys, online softmax (a running max and sum per
// row, the accumulated output rescaled when the max grows), so only a 4 × TILE tile of scores
// exists. Backward: blocks of 4 query rows, key by key, p = exp(s − lse) recomputed from the saved
// log-sum-exp. The last dim of q, k, v, the gradient and the output is contiguous; rows
// have a stride; each batch entry has its own element offset (offs: i32 [batch, 5] = q, k, v, bias,
// grad), so broadcast batch dims cost nothing. SIMD over the head dims, 4 lanes, tails one by one.
import { at, ld1 as f, st1 as put } from './access';
import { exp4 } from './elementwise';

const TILE: i32 = 64;

/** Σ a[x]·b[x] over n contiguous floats. */
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc = f32x4.splat(0);
  let x = 0;
  for (; x + 4 <= n; x += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, x)), v128.load(at(b, x))));
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (; x < n; x++) sum += f(a, x) * f(b, x);
  return sum;
}

/** y[x] *= a over n contiguous floats. */
@inline function scaleRow(y: usize, a: f32, n: i32): void {
  const s = f32x4.splat(a);
  let x = 0;
  for (; x + 4 <= n; x += 4) v128.store(at(y, x), f32x4.mul(v128.load(at(y, x)), s));
  for (; x < n; x++) put(y, x, f(y, x) * a);
}

/** [a, b, c, d] as one f32 vector. */
@inline function lanes(a: f32, b: f32, c: f32, d: f32): v128 {
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(a), 1, b), 2, c), 3, d);
}

/** [a, b, c, d] as one i32 vector. */
@inline function lanesI(a: i32, b: i32, c: i32, d: i32): v128 {
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(a), 1, b), 2, c), 3, d);
}

/** [Σa, Σb, Σc, Σd]: the lane sums of four vectors, as one vector. */
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7)); // a0+a2, b0+b2, a1+a3, b1+b3
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** The dot products of four query rows with one key row (e floats each), as one vector. */
@inline function dot4(q0: usize, q1: usize, q2: usize, q3: usize, kp: usize, e: i32): v128 {
  let a0 = f32x4.splat(0);
  let a1 = f32x4.splat(0);
  let a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0);
  let x = 0;
  for (; x + 4 <= e; x += 4) {
    const kv = v128.load(at(kp, x));
    a0 = f32x4.add(a0, f32x4.mul(v128.load(at(q0, x)), kv));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(at(q1, x)), kv));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(at(q2, x)), kv));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(at(q3, x)), kv));
  }
  let sum = hsum4(a0, a1, a2, a3);
  if (x < e) {
    let t0: f32 = 0;
    let t1: f32 = 0;
    let t2: f32 = 0;
    let t3: f32 = 0;
    for (; x < e; x++) {
      const kx = f(kp, x);
      t0 += f(q0, x) * kx;
      t1 += f(q1, x) * kx;
      t2 += f(q2, x) * kx;
      t3 += f(q3, x) * kx;
    }
    sum = f32x4.add(sum, lanes(t0, t1, t2, t3));
  }
  return sum;
}

/** acc_r[x] += p_r·v[x] for the four rows r of acc ([4, n], row stride n floats). */
@inline function axpy4(acc: usize, p: v128, v: usize, n: i32): void {
  const p0 = f32x4.splat(f32x4.extract_lane(p, 0));
  const p1 = f32x4.splat(f32x4.extract_lane(p, 1));
  const p2 = f32x4.splat(f32x4.extract_lane(p, 2));
  const p3 = f32x4.splat(f32x4.extract_lane(p, 3));
  const r1 = at(acc, n);
  const r2 = at(acc, 2 * n);
  const r3 = at(acc, 3 * n);
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    const vv = v128.load(at(v, x));
    v128.store(at(acc, x), f32x4.add(v128.load(at(acc, x)), f32x4.mul(p0, vv)));
    v128.store(at(r1, x), f32x4.add(v128.load(at(r1, x)), f32x4.mul(p1, vv)));
    v128.store(at(r2, x), f32x4.add(v128.load(at(r2, x)), f32x4.mul(p2, vv)));
    v128.store(at(r3, x), f32x4.add(v128.load(at(r3, x)), f32x4.mul(p3, vv)));
  }
  for (; x < n; x++) {
    const vx = f(v, x);
    put(acc, x, f(acc, x) + f32x4.extract_lane(p, 0) * vx);
    put(r1, x, f(r1, x) + f32x4.extract_lane(p, 1) * vx);
    put(r2, x, f(r2, x) + f32x4.extract_lane(p, 2) * vx);
    put(r3, x, f(r3, x) + f32x4.extract_lane(p, 3) * vx);
  }
}

/** The bias of the four rows (pointers to their element for key 0) at key `key`. */
@inline function bias4(b0: usize, b1: usize, b2: usize, b3: usize, off: i32): v128 {
  return lanes(f(b0, off), f(b1, off), f(b2, off), f(b3, off));
}

/**
 * Forward for batch entries [b0, b1): out [batch, L, Ev] and lse [batch, L], contiguous. Query rows
 * go four at a time (one SIMD lane each for their scores, running max and sum; a tail block repeats
 * its last row and drops the extra results). `scratch` holds 4·(TILE + Ev) floats.
 */
export function attentionForward(
  q: usize, k: usize, v: usize, bias: usize, offs: usize, qr: i32, kr: i32, vr: i32, br: i32, bc: i32,
  l: i32, s: i32, e: i32, ev: i32, flags: i32, scaleBits: i32, out: usize, lse: usize, b0: i32, b1: i32, scratch: usize,
): void {
  const scale = f32x4.splat(reinterpret<f32>(scaleBits));
  const causal = (flags & 1) != 0;
  const hasBias = (flags & 2) != 0;
  const minusInf = f32x4.splat(-Infinity);
  const tile = scratch; // [TILE] vectors: the four rows' scores of one key
  const acc = scratch + (<usize>(4 * TILE) << 2); // [4, Ev]
  for (let b = b0; b < b1; b++) {
    const o = offs + (<usize>(b * 5) << 2);
    const qb = at(q, load<i32>(o));
    const kb = at(k, load<i32>(o, 4));
    const vb = at(v, load<i32>(o, 8));
    const bb = at(bias, load<i32>(o, 12));
    for (let i0 = 0; i0 < l; i0 += 4) {
      const rows = min(4, l - i0);
      const i1 = min(i0 + 1, l - 1);
      const i2 = min(i0 + 2, l - 1);
      const i3 = min(i0 + 3, l - 1);
      const q0 = at(qb, i0 * qr);
      const q1 = at(qb, i1 * qr);
      const q2 = at(qb, i2 * qr);
      const q3 = at(qb, i3 * qr);
      const rowIndex = lanesI(i0, i1, i2, i3);
      memory.fill(acc, 0, <usize>(4 * ev) << 2);
      let m = minusInf;
      let sum = f32x4.splat(0);
      const end = causal ? min(s, i0 + rows) : s;
      for (let j0 = 0; j0 < end; j0 += TILE) {
        const n = min(TILE, end - j0);
        let top = minusInf;
        for (let j = 0; j < n; j++) {
          const key = j0 + j;
          let sc = f32x4.mul(dot4(q0, q1, q2, q3, at(kb, key * kr), e), scale);
          if (hasBias) sc = f32x4.add(sc, bias4(at(bb, i0 * br), at(bb, i1 * br), at(bb, i2 * br), at(bb, i3 * br), key * bc));
          if (causal) sc = v128.bitselect(minusInf, sc, i32x4.gt_s(i32x4.splat(key), rowIndex));
          v128.store(at(tile, 4 * j), sc);
          top = f32x4.max(top, sc);
        }
        const next = f32x4.max(m, top);
        // a row that has seen only −∞ shifts by 0, so that its exponentials are 0 rather than NaN
        const shift = v128.bitselect(f32x4.splat(0), next, f32x4.eq(next, minusInf));
        const alpha = exp4(f32x4.sub(m, shift));
        sum = f32x4.mul(sum, alpha);
        if (!i32x4.all_true(f32x4.eq(alpha, f32x4.splat(1)))) {
          scaleRow(acc, f32x4.extract_lane(alpha, 0), ev);
          scaleRow(at(acc, ev), f32x4.extract_lane(alpha, 1), ev);
          scaleRow(at(acc, 2 * ev), f32x4.extract_lane(alpha, 2), ev);
          scaleRow(at(acc, 3 * ev), f32x4.extract_lane(alpha, 3), ev);
        }
        m = next;
        for (let j = 0; j < n; j++) {
          const p = exp4(f32x4.sub(v128.load(at(tile, 4 * j)), shift));
          sum = f32x4.add(sum, p);
          axpy4(acc, p, at(vb, (j0 + j) * vr), ev);
        }
      }
      v128.store(tile, sum);
      v128.store(at(tile, 4), m);
      for (let r = 0; r < rows; r++) {
        const row = b * l + i0 + r;
        const total = f(tile, r);
        const dst = at(out, row * ev);
        memory.copy(dst, at(acc, r * ev), <usize>ev << 2);
        scaleRow(dst, total > 0 ? 1 / total : 0, ev);
        put(lse, row, total > 0 ? f(tile, 4 + r) + <f32>Math.log(<f64>total) : -Infinity);
      }
    }
  }
}

/** Σ_r p_r·rows_r[x] added to y[x] over n floats (four rows, pointers r0…r3). */
@inline function addRows4(y: usize, p: v128, r0: usize, r1: usize, r2: usize, r3: usize, n: i32): void {
  const p0 = f32x4.splat(f32x4.extract_lane(p, 0));
  const p1 = f32x4.splat(f32x4.extract_lane(p, 1));
  const p2 = f32x4.splat(f32x4.extract_lane(p, 2));
  const p3 = f32x4.splat(f32x4.extract_lane(p, 3));
  let x = 0;
  for (; x + 4 <= n; x += 4) {
    let t = f32x4.add(f32x4.mul(p0, v128.load(at(r0, x))), f32x4.mul(p1, v128.load(at(r1, x))));
    t = f32x4.add(t, f32x4.add(f32x4.mul(p2, v128.load(at(r2, x))), f32x4.mul(p3, v128.load(at(r3, x)))));
    v128.store(at(y, x), f32x4.add(v128.load(at(y, x)), t));
  }
  for (; x < n; x++) {
    const t = f32x4.extract_lane(p, 0) * f(r0, x) + f32x4.extract_lane(p, 1) * f(r1, x) + f32x4.extract_lane(p, 2) * f(r2, x) + f32x4.extract_lane(p, 3) * f(r3, x);
    put(y, x, f(y, x) + t);
  }
}

/**
 * Backward for batch entries [b0, b1): dq [batch, L, E] | dk [batch, S, E] | dv [batch, S, Ev] at
 * dq, dk, dv (contiguous; dk and dv of these entries are zeroed here). out and lse contiguous; the
 * gradient g has row stride gr and per-entry offsets. Query rows go four at a time (p and ds of one
 * key for the four rows in one vector; a tail block's extra lanes get p = ds = 0). `scratch` holds
 * 4·E floats (the four rows' dq).
 */
export function attentionBackward(
  q: usize, k: usize, v: usize, bias: usize, g: usize, offs: usize, qr: i32, kr: i32, vr: i32, br: i32, bc: i32, gr: i32,
  l: i32, s: i32, e: i32, ev: i32, flags: i32, scaleBits: i32, out: usize, lse: usize, dq: usize, dk: usize, dv: usize, b0: i32, b1: i32, scratch: usize,
): void {
  const scale = f32x4.splat(reinterpret<f32>(scaleBits));
  const causal = (flags & 1) != 0;
  const hasBias = (flags & 2) != 0;
  const minusInf = f32x4.splat(-Infinity);
  const acc = scratch; // [4, E]
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
    for (let i0 = 0; i0 < l; i0 += 4) {
      const rows = min(4, l - i0);
      const i1 = min(i0 + 1, l - 1);
      const i2 = min(i0 + 2, l - 1);
      const i3 = min(i0 + 3, l - 1);
      const q0 = at(qb, i0 * qr);
      const q1 = at(qb, i1 * qr);
      const q2 = at(qb, i2 * qr);
      const q3 = at(qb, i3 * qr);
      const g0 = at(gb, i0 * gr);
      const g1 = at(gb, i1 * gr);
      const g2 = at(gb, i2 * gr);
      const g3 = at(gb, i3 * gr);
      const rowIndex = lanesI(i0, i1, i2, i3);
      // lanes past the block's rows, and rows that saw no key (lse −∞), contribute nothing
      const valid = i32x4.lt_s(lanesI(0, 1, 2, 3), i32x4.splat(rows));
      const rowLse = lanes(f(lse, b * l + i0), f(lse, b * l + i1), f(lse, b * l + i2), f(lse, b * l + i3));
      const live = v128.and(valid, f32x4.ne(rowLse, minusInf));
      const shift = v128.bitselect(rowLse, f32x4.splat(0), live);
      const ob = at(out, b * l * ev);
      const d = lanes(dot(g0, at(ob, i0 * ev), ev), dot(g1, at(ob, i1 * ev), ev), dot(g2, at(ob, i2 * ev), ev), dot(g3, at(ob, i3 * ev), ev));
      memory.fill(acc, 0, <usize>(4 * e) << 2);
      const end = causal ? min(s, i0 + rows) : s;
      for (let key = 0; key < end; key++) {
        let sc = f32x4.mul(dot4(q0, q1, q2, q3, at(kb, key * kr), e), scale);
        if (hasBias) sc = f32x4.add(sc, bias4(at(bb, i0 * br), at(bb, i1 * br), at(bb, i2 * br), at(bb, i3 * br), key * bc));
        if (causal) sc = v128.bitselect(minusInf, sc, i32x4.gt_s(i32x4.splat(key), rowIndex));
        const p = v128.and(exp4(f32x4.sub(sc, shift)), live);
        if (!v128.any_true(p)) continue;
        const vj = at(vb, key * vr);
        const kj = at(kb, key * kr);
        const ds = f32x4.mul(f32x4.mul(p, f32x4.sub(dot4(g0, g1, g2, g3, vj, ev), d)), scale);
        addRows4(at(dvb, key * ev), p, g0, g1, g2, g3, ev);
        addRows4(at(dkb, key * e), ds, q0, q1, q2, q3, e);
        axpy4(acc, ds, kj, e);
      }
      for (let r = 0; r < rows; r++) memory.copy(at(dq, (b * l + i0 + r) * e), at(acc, r * e), <usize>e << 2);
    }
  }
}
