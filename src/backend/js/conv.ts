/**
 * im2col and col2im: the window gathering behind convolution and pooling. unfold copies every
 * kh×kw window of each channel into a column; fold sums columns back into an image (its adjoint).
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate } from '../../base/dtype.js';
import type { StridedView, Window2d } from '../backend.js';

/**
 * Output size of a sliding window along one dim: ⌊(size + 2·pad − dil·(k − 1) − 1)/stride⌋ + 1.
 * @example
 * windowCount(28, 3, 1, 1, 1); // 28
 */
export function windowCount(size: number, kernel: number, dilation: number, padding: number, stride: number): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * `x` [N, C, H, W] → [N, C·kh·kw, oh·ow]; row c·kh·kw + i·kw + j holds pixel (i, j) of every window of channel c.
 * @example
 * unfold(image, { kernel: [3, 3], dilation: [1, 1], padding: [1, 1], stride: [1, 1] }, 'float32');
 */
export function unfold(x: StridedView, w: Window2d, dtype: DType, batchInner = false): TypedArray {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [kh, kw] = w.kernel;
  const [dh, dw] = w.dilation;
  const [ph, pw] = w.padding;
  const [sh, sw] = w.stride;
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(wd, kw, dw, pw, sw);
  const l = oh * ow;
  const [xs0, xs1, xs2, xs3] = x.strides as [number, number, number, number];
  const cols = allocate(dtype, n * c * kh * kw * l);
  // element (b, r, p) of the columns: batch-first [N, C·kh·kw, L] or batch-inner [C·kh·kw, N·L]
  const [os0, os1] = batchInner ? [l, n * l] : [c * kh * kw * l, l];
  const X = x.data;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * xs0 + ch * xs1;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          let o = b * os0 + (ch * kh * kw + i * kw + j) * os1;
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) {
              o += ow; // zero padding: the row of windows reads nothing
              continue;
            }
            const rowBase = base + row * xs2;
            for (let oj = 0; oj < ow; oj++, o++) {
              const col = oj * sw - pw + j * dw;
              if (col >= 0 && col < wd) cols[o] = X[rowBase + col * xs3]!;
            }
          }
        }
      }
    }
  }
  return cols;
}

/**
 * For each window of `x` [N, C, H, W], the index h·W + w of its first max (NaN wins), padding as −∞.
 * @example
 * maxPoolIndices(image, { kernel: [2, 2], dilation: [1, 1], padding: [0, 0], stride: [2, 2] });
 */
export function maxPoolIndices(x: StridedView, w: Window2d): Int32Array {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [kh, kw] = w.kernel;
  const oh = windowCount(h, kh, w.dilation[0], w.padding[0], w.stride[0]);
  const ow = windowCount(wd, kw, w.dilation[1], w.padding[1], w.stride[1]);
  const [xs0, xs1, xs2, xs3] = x.strides as [number, number, number, number];
  const out = new Int32Array(n * c * oh * ow);
  let o = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = x.offset + b * xs0 + ch * xs1;
      for (let oi = 0; oi < oh; oi++) {
        for (let oj = 0; oj < ow; oj++, o++) {
          let best = -Infinity;
          let bestIndex = -1;
          for (let i = 0; i < kh; i++) {
            const row = oi * w.stride[0] - w.padding[0] + i * w.dilation[0];
            if (row < 0 || row >= h) continue;
            for (let j = 0; j < kw; j++) {
              const col = oj * w.stride[1] - w.padding[1] + j * w.dilation[1];
              if (col < 0 || col >= wd) continue;
              const v = x.data[base + row * xs2 + col * xs3]!;
              if (bestIndex < 0 || v > best || (v !== v && best === best)) {
                best = v;
                bestIndex = row * wd + col;
              }
            }
          }
          out[o] = bestIndex;
        }
      }
    }
  }
  return out;
}

/**
 * The adjoint of `unfold`: `cols` [N, C·kh·kw, oh·ow] summed back into [N, C, H, W].
 * @example
 * fold(columns, [28, 28], window, 'float32');
 */
export function fold(cols: StridedView, outputSize: readonly [number, number], w: Window2d, dtype: DType): TypedArray {
  const [n, ckk] = cols.shape as [number, number, number];
  const [h, wd] = outputSize;
  const [kh, kw] = w.kernel;
  const [dh, dw] = w.dilation;
  const [ph, pw] = w.padding;
  const [sh, sw] = w.stride;
  const c = ckk / (kh * kw);
  const oh = windowCount(h, kh, dh, ph, sh);
  const ow = windowCount(wd, kw, dw, pw, sw);
  const [cs0, cs1, cs2] = cols.strides as [number, number, number];
  const out = allocate(dtype, n * c * h * wd);
  const C = cols.data;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const outBase = (b * c + ch) * h * wd;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const rowBase = cols.offset + b * cs0 + (ch * kh * kw + i * kw + j) * cs1;
          for (let oi = 0; oi < oh; oi++) {
            const row = oi * sh - ph + i * dh;
            if (row < 0 || row >= h) continue;
            for (let oj = 0; oj < ow; oj++) {
              const col = oj * sw - pw + j * dw;
              if (col >= 0 && col < wd) out[outBase + row * wd + col]! += C[rowBase + (oi * ow + oj) * cs2]!;
            }
          }
        }
      }
    }
  }
  return out;
}
