// Fused recurrent cells: the elementwise part of one LSTM or GRU step (see src/backend/js/rnn.ts,
// the reference). Each view is [B, G·H] with a row stride (in elements) and unit column stride;
// 4 hidden units per SIMD lane group, the tail one by one.
import { sigmoid4 } from './elementwise';
import { ld, ld1, row, st, st1 } from './access';

// tanh x = 2σ(2x) − 1 (absolute error about 1 ulp of 1: near 0 the relative error grows)
@inline function tanh4(x: v128): v128 {
  return f32x4.sub(f32x4.mul(f32x4.splat(2), sigmoid4(f32x4.add(x, x))), f32x4.splat(1));
}

@inline function sigmoid1(x: f32): f32 {
  return <f32>(1 / (1 + Math.exp(-<f64>x)));
}

/** h' | c' ([B, 2H], contiguous) from gi, gh ([B, 4H]) and c ([B, H]). */
export function lstmCell(gi: usize, gis: i32, gh: usize, ghs: i32, c: usize, cs: i32, out: usize, batch: i32, h: i32): void {
  for (let b = 0; b < batch; b++) {
    const pi = row(gi, b, gis);
    const ph = row(gh, b, ghs);
    const pc = row(c, b, cs);
    const po = row(out, b, 2 * h);
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const ig = sigmoid4(f32x4.add(ld(pi, j), ld(ph, j)));
      const fg = sigmoid4(f32x4.add(ld(pi, h + j), ld(ph, h + j)));
      const gg = tanh4(f32x4.add(ld(pi, 2 * h + j), ld(ph, 2 * h + j)));
      const og = sigmoid4(f32x4.add(ld(pi, 3 * h + j), ld(ph, 3 * h + j)));
      const cn = f32x4.add(f32x4.mul(fg, ld(pc, j)), f32x4.mul(ig, gg));
      st(po, h + j, cn);
      st(po, j, f32x4.mul(og, tanh4(cn)));
    }
    for (; j < h; j++) {
      const ig = sigmoid1(ld1(pi, j) + ld1(ph, j));
      const fg = sigmoid1(ld1(pi, h + j) + ld1(ph, h + j));
      const gg = Mathf.tanh(ld1(pi, 2 * h + j) + ld1(ph, 2 * h + j));
      const og = sigmoid1(ld1(pi, 3 * h + j) + ld1(ph, 3 * h + j));
      const cn = fg * ld1(pc, j) + ig * gg;
      st1(po, h + j, cn);
      st1(po, j, og * Mathf.tanh(cn));
    }
  }
}

/** d gates | d c ([B, 5H], contiguous) from g = dh' | dc' ([B, 2H]) and the step's output hc = h' | c'. */
export function lstmCellBackward(gi: usize, gis: i32, gh: usize, ghs: i32, c: usize, cs: i32, hc: usize, hcs: i32, g: usize, gs: i32, out: usize, batch: i32, h: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < batch; b++) {
    const pi = row(gi, b, gis);
    const ph = row(gh, b, ghs);
    const pc = row(c, b, cs);
    const phc = row(hc, b, hcs);
    const pg = row(g, b, gs);
    const po = row(out, b, 5 * h);
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const ig = sigmoid4(f32x4.add(ld(pi, j), ld(ph, j)));
      const fg = sigmoid4(f32x4.add(ld(pi, h + j), ld(ph, h + j)));
      const gg = tanh4(f32x4.add(ld(pi, 2 * h + j), ld(ph, 2 * h + j)));
      const og = sigmoid4(f32x4.add(ld(pi, 3 * h + j), ld(ph, 3 * h + j)));
      const tc = tanh4(ld(phc, h + j));
      const dh = ld(pg, j);
      const dc = f32x4.add(ld(pg, h + j), f32x4.mul(f32x4.mul(dh, og), f32x4.sub(one, f32x4.mul(tc, tc))));
      st(po, j, f32x4.mul(f32x4.mul(dc, gg), f32x4.mul(ig, f32x4.sub(one, ig))));
      st(po, h + j, f32x4.mul(f32x4.mul(dc, ld(pc, j)), f32x4.mul(fg, f32x4.sub(one, fg))));
      st(po, 2 * h + j, f32x4.mul(f32x4.mul(dc, ig), f32x4.sub(one, f32x4.mul(gg, gg))));
      st(po, 3 * h + j, f32x4.mul(f32x4.mul(dh, tc), f32x4.mul(og, f32x4.sub(one, og))));
      st(po, 4 * h + j, f32x4.mul(dc, fg));
    }
    for (; j < h; j++) {
      const ig = sigmoid1(ld1(pi, j) + ld1(ph, j));
      const fg = sigmoid1(ld1(pi, h + j) + ld1(ph, h + j));
      const gg = Mathf.tanh(ld1(pi, 2 * h + j) + ld1(ph, 2 * h + j));
      const og = sigmoid1(ld1(pi, 3 * h + j) + ld1(ph, 3 * h + j));
      const tc = Mathf.tanh(ld1(phc, h + j));
      const dh = ld1(pg, j);
      const dc = ld1(pg, h + j) + dh * og * (1 - tc * tc);
      st1(po, j, dc * gg * ig * (1 - ig));
      st1(po, h + j, dc * ld1(pc, j) * fg * (1 - fg));
      st1(po, 2 * h + j, dc * ig * (1 - gg * gg));
      st1(po, 3 * h + j, dh * tc * og * (1 - og));
      st1(po, 4 * h + j, dc * fg);
    }
  }
}

/** h' ([B, H], contiguous) from gi, gh ([B, 3H], gh with b_hh) and h ([B, H]). */
export function gruCell(gi: usize, gis: i32, gh: usize, ghs: i32, hp: usize, hs: i32, out: usize, batch: i32, h: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < batch; b++) {
    const pi = row(gi, b, gis);
    const ph = row(gh, b, ghs);
    const pp = row(hp, b, hs);
    const po = row(out, b, h);
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const r = sigmoid4(f32x4.add(ld(pi, j), ld(ph, j)));
      const z = sigmoid4(f32x4.add(ld(pi, h + j), ld(ph, h + j)));
      const n = tanh4(f32x4.add(ld(pi, 2 * h + j), f32x4.mul(r, ld(ph, 2 * h + j))));
      st(po, j, f32x4.add(f32x4.mul(f32x4.sub(one, z), n), f32x4.mul(z, ld(pp, j))));
    }
    for (; j < h; j++) {
      const r = sigmoid1(ld1(pi, j) + ld1(ph, j));
      const z = sigmoid1(ld1(pi, h + j) + ld1(ph, h + j));
      const n = Mathf.tanh(ld1(pi, 2 * h + j) + r * ld1(ph, 2 * h + j));
      st1(po, j, (1 - z) * n + z * ld1(pp, j));
    }
  }
}

/** d gi | d gh | d h ([B, 7H], contiguous) from g = dh' ([B, H]). */
export function gruCellBackward(gi: usize, gis: i32, gh: usize, ghs: i32, hp: usize, hs: i32, g: usize, gs: i32, out: usize, batch: i32, h: i32): void {
  const one = f32x4.splat(1);
  for (let b = 0; b < batch; b++) {
    const pi = row(gi, b, gis);
    const ph = row(gh, b, ghs);
    const pp = row(hp, b, hs);
    const pg = row(g, b, gs);
    const po = row(out, b, 7 * h);
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const r = sigmoid4(f32x4.add(ld(pi, j), ld(ph, j)));
      const z = sigmoid4(f32x4.add(ld(pi, h + j), ld(ph, h + j)));
      const ghn = ld(ph, 2 * h + j);
      const n = tanh4(f32x4.add(ld(pi, 2 * h + j), f32x4.mul(r, ghn)));
      const dh = ld(pg, j);
      const dn = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
      const dz = f32x4.mul(f32x4.mul(dh, f32x4.sub(ld(pp, j), n)), f32x4.mul(z, f32x4.sub(one, z)));
      const dr = f32x4.mul(f32x4.mul(dn, ghn), f32x4.mul(r, f32x4.sub(one, r)));
      st(po, j, dr);
      st(po, h + j, dz);
      st(po, 2 * h + j, dn);
      st(po, 3 * h + j, dr);
      st(po, 4 * h + j, dz);
      st(po, 5 * h + j, f32x4.mul(dn, r));
      st(po, 6 * h + j, f32x4.mul(dh, z));
    }
    for (; j < h; j++) {
      const r = sigmoid1(ld1(pi, j) + ld1(ph, j));
      const z = sigmoid1(ld1(pi, h + j) + ld1(ph, h + j));
      const ghn = ld1(ph, 2 * h + j);
      const n = Mathf.tanh(ld1(pi, 2 * h + j) + r * ghn);
      const dh = ld1(pg, j);
      const dn = dh * (1 - z) * (1 - n * n);
      const dz = dh * (ld1(pp, j) - n) * z * (1 - z);
      const dr = dn * ghn * r * (1 - r);
      st1(po, j, dr);
      st1(po, h + j, dz);
      st1(po, 2 * h + j, dn);
      st1(po, 3 * h + j, dr);
      st1(po, 4 * h + j, dz);
      st1(po, 5 * h + j, dn * r);
      st1(po, 6 * h + j, dh * z);
    }
  }
}
