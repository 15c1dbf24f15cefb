// Sliding-window kernels for float32 [N, C, H, W] images with strided input: im2col (unfold),
// col2im (fold), max-pooling indices, and the row gathers/scatters max pooling reads with.

@inline function windowCount(size: i32, kernel: i32, dilation: i32, padding: i32, stride: i32): i32 {
  return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

/**
 * geometry = [kh, kw, dh, dw, ph, pw, sh, sw] (i32 in memory); x strides in elements. Column
 * element (b, r, p) goes to out + 4·(b·os0 + r·os1 + p): batch-first [N, C·kh·kw, L] or
 * batch-inner [C·kh·kw, N·L] (os0 = L, os1 = N·L).
 */
export function unfold(x: usize, n: i32, c: i32, h: i32, w: i32, s0: i32, s1: i32, s2: i32, s3: i32, geometry: usize, out: usize, os0: i32, os1: i32): void {
  const kh = load<i32>(geometry), kw = load<i32>(geometry, 4), dh = load<i32>(geometry, 8), dw = load<i32>(geometry, 12);
  const ph = load<i32>(geometry, 16), pw = load<i32>(geometry, 20), sh = load<i32>(geometry, 24), sw = load<i32>(geometry, 28);
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(w, kw, dw, pw, sw);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x + (<usize>(b * s0 + ch * s1) << 2);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          let o = out + (<usize>(b * os0 + (ch * kh * kw + i * kw + j) * os1) << 2);
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) {
              for (let k = 0; k < ow; k++) store<f32>(o + (<usize>k << 2), 0);
              o += <usize>ow << 2;
              continue;
            }
            const rowBase = base + (<usize>(row * s2) << 2);
            let col = j * dw - pw;
            if (sw == 1 && s3 == 1) {
              // windows lo..hi−1 read inside the row: copy them, zero the padding on either side
              const lo = insideFrom(col, ow);
              const hi = insideTo(col, w, lo, ow);
              // NOTE: inline loops, not memory.copy/fill: on shared memory those are runtime calls that
              // cost more than a row of 14–28 floats
              for (let k = 0; k < lo; k++) store<f32>(o + (<usize>k << 2), 0);
              const dst = o + (<usize>lo << 2);
              const from = rowBase + (<usize>(col + lo) << 2);
              const len = hi - lo;
              let k = 0;
              for (; k + 4 <= len; k += 4) v128.store(dst + (<usize>k << 2), v128.load(from + (<usize>k << 2)));
              for (; k < len; k++) store<f32>(dst + (<usize>k << 2), load<f32>(from + (<usize>k << 2)));
              for (let k = hi; k < ow; k++) store<f32>(o + (<usize>k << 2), 0);
              o += <usize>ow << 2;
              continue;
            }
            for (let oj = 0; oj < ow; oj++) {
              store<f32>(o, col >= 0 && col < w ? load<f32>(rowBase + (<usize>(col * s3) << 2)) : 0);
              o += 4;
              col += sw;
            }
          }
        }
      }
    }
  }
}

/** With unit stride, the first window (of ow) whose column col + oj is ≥ 0. */
@inline function insideFrom(col: i32, ow: i32): i32 {
  return min(max(-col, 0), ow);
}

/** With unit stride, one past the last window (from lo, of ow) whose column col + oj is < w. */
@inline function insideTo(col: i32, w: i32, lo: i32, ow: i32): i32 {
  return max(min(w - col, ow), lo);
}

/** The adjoint of unfold: cols (element (b, r, p) at cols + 4·(b·cs0 + r·cs1 + p·cs2)) summed into out [N, C, H, W] (contiguous). */
export function fold(cols: usize, cs0: i32, cs1: i32, cs2: i32, n: i32, c: i32, h: i32, w: i32, geometry: usize, out: usize): void {
  const kh = load<i32>(geometry), kw = load<i32>(geometry, 4), dh = load<i32>(geometry, 8), dw = load<i32>(geometry, 12);
  const ph = load<i32>(geometry, 16), pw = load<i32>(geometry, 20), sh = load<i32>(geometry, 24), sw = load<i32>(geometry, 28);
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(w, kw, dw, pw, sw);
  memory.fill(out, 0, <usize>(n * c * h * w) << 2);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = out + (<usize>((b * c + ch) * h * w) << 2);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const rowStart = cols + (<usize>(b * cs0 + (ch * kh * kw + i * kw + j) * cs1) << 2);
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) continue;
            const rowBase = base + (<usize>(row * w) << 2);
            let src = rowStart + (<usize>(oi * ow * cs2) << 2);
            let col = j * dw - pw;
            if (sw == 1 && cs2 == 1) {
              // windows lo..hi−1 land inside the row: add them with SIMD (the others fell on padding)
              const lo = insideFrom(col, ow);
              const hi = insideTo(col, w, lo, ow);
              const dst = rowBase + (<usize>(col + lo) << 2);
              const from = src + (<usize>lo << 2);
              const len = hi - lo;
              let k = 0;
              for (; k + 4 <= len; k += 4) v128.store(dst + (<usize>k << 2), f32x4.add(v128.load(dst + (<usize>k << 2)), v128.load(from + (<usize>k << 2))));
              for (; k < len; k++) store<f32>(dst + (<usize>k << 2), load<f32>(dst + (<usize>k << 2)) + load<f32>(from + (<usize>k << 2)));
              continue;
            }
            for (let oj = 0; oj < ow; oj++) {
              if (col >= 0 && col < w) {
                const at = rowBase + (<usize>col << 2);
                store<f32>(at, load<f32>(at) + load<f32>(src));
              }
              src += <usize>cs2 << 2;
              col += sw;
            }
          }
        }
      }
    }
  }
}

/** Whether `v` replaces `best` in a running max: larger, or NaN over a number (NaN then stays), as torch's max does. */
@inline function wins4(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

@inline function wins1(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

/** 2×2 windows with stride 2 and no padding over rows of unit stride: four windows per SIMD step. */
function maxPool2x2(x: usize, n: i32, c: i32, h: i32, w: i32, s0: i32, s1: i32, s2: i32, out: usize): void {
  const oh = h >> 1;
  const ow = w >> 1;
  const lanes = i32x4(0, 2, 4, 6);
  let o = out;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x + (<usize>(b * s0 + ch * s1) << 2);
      for (let oi = 0; oi < oh; oi++) {
        const r0 = base + (<usize>(2 * oi * s2) << 2);
        const r1 = r0 + (<usize>s2 << 2);
        const rowIndex = 2 * oi * w;
        let oj = 0;
        for (; oj + 4 <= ow; oj += 4) {
          const p0 = r0 + (<usize>(2 * oj) << 2);
          const p1 = r1 + (<usize>(2 * oj) << 2);
          const a0 = v128.load(p0), a1 = v128.load(p0, 16);
          const b0 = v128.load(p1), b1 = v128.load(p1, 16);
          // de-interleave: even and odd columns of both rows
          const e0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
          const o0 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          const e1 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
          const o1 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          const i00 = i32x4.add(i32x4.splat(rowIndex + 2 * oj), lanes);
          // the first max wins on ties: candidates in row-major order, replacing only when strictly better
          let best = e0;
          let index = i00;
          let m = wins4(o0, best);
          best = v128.bitselect(o0, best, m);
          index = v128.bitselect(i32x4.add(i00, i32x4.splat(1)), index, m);
          m = wins4(e1, best);
          best = v128.bitselect(e1, best, m);
          index = v128.bitselect(i32x4.add(i00, i32x4.splat(w)), index, m);
          m = wins4(o1, best);
          index = v128.bitselect(i32x4.add(i00, i32x4.splat(w + 1)), index, m);
          v128.store(o, index);
          o += 16;
        }
        for (; oj < ow; oj++) {
          let best = load<f32>(r0 + (<usize>(2 * oj) << 2));
          let index = rowIndex + 2 * oj;
          const v1 = load<f32>(r0 + (<usize>(2 * oj + 1) << 2));
          if (wins1(v1, best)) {
            best = v1;
            index = rowIndex + 2 * oj + 1;
          }
          const v2 = load<f32>(r1 + (<usize>(2 * oj) << 2));
          if (wins1(v2, best)) {
            best = v2;
            index = rowIndex + w + 2 * oj;
          }
          const v3 = load<f32>(r1 + (<usize>(2 * oj + 1) << 2));
          if (wins1(v3, best)) index = rowIndex + w + 2 * oj + 1;
          store<i32>(o, index);
          o += 4;
        }
      }
    }
  }
}

/**
 * Index of the max of every window of x [N, C, H, W] (strided), as h·W + w within its channel's plane,
 * the first max on ties (PyTorch's choice); padding counts as −∞. out: i32 [N, C, oh·ow].
 */
export function maxPoolIndices(x: usize, n: i32, c: i32, h: i32, w: i32, s0: i32, s1: i32, s2: i32, s3: i32, geometry: usize, out: usize): void {
  const kh = load<i32>(geometry), kw = load<i32>(geometry, 4), dh = load<i32>(geometry, 8), dw = load<i32>(geometry, 12);
  const ph = load<i32>(geometry, 16), pw = load<i32>(geometry, 20), sh = load<i32>(geometry, 24), sw = load<i32>(geometry, 28);
  if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1 && ph == 0 && pw == 0 && s3 == 1) {
    maxPool2x2(x, n, c, h, w, s0, s1, s2, out);
    return;
  }
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(w, kw, dw, pw, sw);
  let o = out;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x + (<usize>(b * s0 + ch * s1) << 2);
      for (let oi = 0; oi < oh; oi++) {
        for (let oj = 0; oj < ow; oj++) {
          let best: f32 = -Infinity;
          let bestIndex = -1;
          for (let i = 0; i < kh; i++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) continue;
            for (let j = 0; j < kw; j++) {
              const col = oj * sw - pw + j * dw;
              if (col < 0 || col >= w) continue;
              const v = load<f32>(base + (<usize>(row * s2 + col * s3) << 2));
              if (bestIndex < 0 || wins1(v, best)) {
                best = v;
                bestIndex = row * w + col;
              }
            }
          }
          store<i32>(o, bestIndex);
          o += 4;
        }
      }
    }
  }
}

/** out[r, j] = x[r, idx[r, j]] for `rows` rows (x rows of xcols, idx and out rows of cols; all contiguous). */
export function gatherRows(x: usize, xcols: i32, idx: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const src = x + (<usize>(r * xcols) << 2);
    const ir = idx + (<usize>(r * cols) << 2);
    const dst = out + (<usize>(r * cols) << 2);
    for (let j = 0; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>load<i32>(ir + (<usize>j << 2)) << 2)));
  }
}

/** out[r, idx[r, j]] += src[r, j]: the adjoint of gatherRows (out holds the base values already). */
export function scatterAddRows(out: usize, ocols: i32, idx: usize, src: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const dst = out + (<usize>(r * ocols) << 2);
    const ir = idx + (<usize>(r * cols) << 2);
    const sr = src + (<usize>(r * cols) << 2);
    for (let j = 0; j < cols; j++) {
      const at = dst + (<usize>load<i32>(ir + (<usize>j << 2)) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(sr + (<usize>j << 2)));
    }
  }
}
