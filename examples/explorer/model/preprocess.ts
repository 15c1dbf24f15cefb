/**
 * The drawn digit → a 28 × 28 image like MNIST's, the standard MNIST preprocessing: the ink's bounding
 * box, scaled (aspect kept, area-averaged) so its longer side is 20 px, then placed in a 28 × 28 field so
 * that its centre of mass is at the field's centre. Pixels in [0, 1] (0 background, 1 ink); the model's
 * normalisation (loadMnist's `normalize: true`, MNIST_STATS) is applied by the worker.
 * No DOM here: it takes the canvas's grey levels, so it runs (and can be checked) anywhere.
 */

export const SIDE = 28;
export const BOX = 20;
/** Grey levels at or below this are background when finding the bounding box. */
const INK = 0.05;

/**
 * `ink` holds `width × height` grey levels in [0, 1], row-major; returns 784 values, or null when
 * nothing is drawn.
 * @example
 * const image = toMnist(inkFromRgba(ctx.getImageData(0, 0, 280, 280).data, 280, 280), 280, 280);
 */
export function toMnist(ink: Float32Array, width: number, height: number): Float32Array | null {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > INK) {
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const scale = BOX / Math.max(w, h);
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const scaled = resample(ink, width, x0, y0, w, h, sw, sh);
  // centre of mass of the scaled digit (pixel centres at i + 0.5)
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const v = scaled[y * sw + x]!;
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const offX = Math.round(SIDE / 2 - (mass > 0 ? cx / mass : sw / 2));
  const offY = Math.round(SIDE / 2 - (mass > 0 ? cy / mass : sh / 2));
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      const tx = x + offX;
      const ty = y + offY;
      if (tx >= 0 && tx < SIDE && ty >= 0 && ty < SIDE) out[ty * SIDE + tx] = Math.min(1, scaled[y * sw + x]!);
    }
  }
  return out;
}

/** The grey level of each RGBA pixel (its mean of R, G, B over 255: white ink on black). */
export function inkFromRgba(rgba: ArrayLike<number>, width: number, height: number): Float32Array {
  const ink = new Float32Array(width * height);
  for (let i = 0; i < ink.length; i++) ink[i] = (rgba[4 * i]! + rgba[4 * i + 1]! + rgba[4 * i + 2]!) / (3 * 255);
  return ink;
}

/** Area-averages the box (x0, y0, w, h) of a `stride`-wide image onto sw × sh pixels (separable weights). */
function resample(src: Float32Array, stride: number, x0: number, y0: number, w: number, h: number, sw: number, sh: number): Float32Array {
  const wx = weights(w, sw);
  const wy = weights(h, sh);
  // rows first: [h, sw]
  const rows = new Float32Array(h * sw);
  for (let y = 0; y < h; y++) {
    for (let o = 0; o < sw; o++) {
      let s = 0;
      for (const [i, wgt] of wx[o]!) s += wgt * src[(y0 + y) * stride + x0 + i]!;
      rows[y * sw + o] = s;
    }
  }
  const out = new Float32Array(sh * sw);
  for (let o = 0; o < sh; o++) {
    for (let x = 0; x < sw; x++) {
      let s = 0;
      for (const [i, wgt] of wy[o]!) s += wgt * rows[i * sw + x]!;
      out[o * sw + x] = s;
    }
  }
  return out;
}

/** For each of `m` output cells, the input cells of `n` it covers and their normalised overlaps. */
function weights(n: number, m: number): [number, number][][] {
  const step = n / m;
  return Array.from({ length: m }, (_, o) => {
    const a = o * step;
    const b = a + step;
    const cells: [number, number][] = [];
    for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 0) cells.push([i, overlap / step]);
    }
    return cells;
  });
}
