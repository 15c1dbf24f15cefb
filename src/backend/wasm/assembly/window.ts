// im2col (unfold) and col2im (fold) for float32 [N, C, H, W] images with strided input; the
// column matrix is [N, C·kh·kw, oh·ow], contiguous.

@inline function windowCount(size: i32, kernel: i32, dilation: i32, padding: i32, stride: i32): i32 {
  return (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

/** geometry = [kh, kw, dh, dw, ph, pw, sh, sw] (i32 in memory); x strides in elements. */
export function unfold(x: usize, n: i32, c: i32, h: i32, w: i32, s0: i32, s1: i32, s2: i32, s3: i32, geometry: usize, out: usize): void {
  const kh = load<i32>(geometry), kw = load<i32>(geometry, 4), dh = load<i32>(geometry, 8), dw = load<i32>(geometry, 12);
  const ph = load<i32>(geometry, 16), pw = load<i32>(geometry, 20), sh = load<i32>(geometry, 24), sw = load<i32>(geometry, 28);
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(w, kw, dw, pw, sw);
  let o = out;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x + (<usize>(b * s0 + ch * s1) << 2);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) {
              memory.fill(o, 0, <usize>ow << 2);
              o += <usize>ow << 2;
              continue;
            }
            const rowBase = base + (<usize>(row * s2) << 2);
            let col = j * dw - pw;
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

/** The adjoint of unfold: cols [N, C·kh·kw, oh·ow] (contiguous) summed into out [N, C, H, W] (contiguous). */
export function fold(cols: usize, n: i32, c: i32, h: i32, w: i32, geometry: usize, out: usize): void {
  const kh = load<i32>(geometry), kw = load<i32>(geometry, 4), dh = load<i32>(geometry, 8), dw = load<i32>(geometry, 12);
  const ph = load<i32>(geometry, 16), pw = load<i32>(geometry, 20), sh = load<i32>(geometry, 24), sw = load<i32>(geometry, 28);
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(w, kw, dw, pw, sw);
  memory.fill(out, 0, <usize>(n * c * h * w) << 2);
  let src = cols;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = out + (<usize>((b * c + ch) * h * w) << 2);
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) {
              src += <usize>ow << 2;
              continue;
            }
            const rowBase = base + (<usize>(row * w) << 2);
            let col = j * dw - pw;
            for (let oj = 0; oj < ow; oj++) {
              if (col >= 0 && col < w) {
                const at = rowBase + (<usize>col << 2);
                store<f32>(at, load<f32>(at) + load<f32>(src));
              }
              src += 4;
              col += sw;
            }
          }
        }
      }
    }
  }
}
