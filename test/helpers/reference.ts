/**
 * Independent float64 reference implementations of the tensor ops, for the spec table in
 * `test/ops-spec.test.ts`. They work on plain `{ shape, data }` values (row-major `data`) with
 * explicit index math, and never call nabla: an op and its reference share no code.
 * Semantics are PyTorch's (negative dims count from the end, Python slicing, half-to-even rounding).
 */

/** A float64 array with a shape; `data` is row-major. Booleans are 0/1. */
export interface Arr {
  shape: number[];
  data: number[];
}

// ── index math ──────────────────────────────────────────────────────────────────────────────

export function numel(shape: readonly number[]): number {
  return shape.reduce((p, s) => p * s, 1);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** The multi-index of flat position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return idx;
}

/** The flat position of multi-index `idx` in `shape`. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  const strides = stridesOf(shape);
  return idx.reduce((p, i, d) => p + i * strides[d]!, 0);
}

export function at(a: Arr, idx: readonly number[]): number {
  return a.data[ravel(idx, a.shape)]!;
}

/** An array of `shape` whose element at each multi-index is `f(idx)`. */
export function build(shape: readonly number[], f: (idx: number[]) => number): Arr {
  const data: number[] = [];
  for (let flat = 0; flat < numel(shape); flat++) data.push(f(unravel(flat, shape)));
  return { shape: [...shape], data };
}

/** A dim in [0, ndim) from one in [-ndim, ndim). */
export function normDim(d: number, ndim: number): number {
  return d < 0 ? d + ndim : d;
}

function withAt(idx: readonly number[], d: number, i: number): number[] {
  const out = [...idx];
  out[d] = i;
  return out;
}

// ── elementwise ─────────────────────────────────────────────────────────────────────────────

export function map(a: Arr, f: (x: number) => number): Arr {
  return { shape: [...a.shape], data: a.data.map((x) => f(x)) };
}

/** NumPy broadcasting: dims aligned from the right, size 1 stretches. */
export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return range(rank).map((d) => {
    let size = 1;
    for (const s of shapes) {
      const own = s[d - (rank - s.length)] ?? 1;
      if (own !== 1) {
        if (size !== 1 && size !== own) throw new Error(`reference: shapes ${JSON.stringify(shapes)} do not broadcast`);
        size = own;
      }
    }
    return size;
  });
}

/** The element of `a` that broadcasting maps to output index `idx`. */
export function atBroadcast(a: Arr, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  return at(a, a.shape.map((s, d) => (s === 1 ? 0 : idx[d + lead]!)));
}

export function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  return build(broadcastShape(a.shape, b.shape), (idx) => f(atBroadcast(a, idx), atBroadcast(b, idx)));
}

export function zip3(a: Arr, b: Arr, c: Arr, f: (x: number, y: number, z: number) => number): Arr {
  return build(broadcastShape(a.shape, b.shape, c.shape), (idx) => f(atBroadcast(a, idx), atBroadcast(b, idx), atBroadcast(c, idx)));
}

export function scalar(x: number): Arr {
  return { shape: [], data: [x] };
}

// ── scalar functions ────────────────────────────────────────────────────────────────────────

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const relu = (x: number): number => (x > 0 ? x : 0);
export const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/** Rounds half to even (PyTorch's round). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const frac = x - f;
  if (frac < 0.5) return f;
  if (frac > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * erf by its Maclaurin series 2/√π · Σ (−1)ⁿ x^(2n+1) / (n!(2n+1)), summed until the terms vanish
 * (for |x| <= 3 the largest term is below 200, so fewer than 3 digits are lost to cancellation).
 */
export function erf(x: number): number {
  if (Math.abs(x) > 3) throw new Error(`reference erf: |x| = ${Math.abs(x)} > 3 is outside its accurate range`);
  let term = x; // (−1)ⁿ x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Clamp as torch.clamp: max wins when min > max. */
export function clampScalar(x: number, lo: number | null, hi: number | null): number {
  let y = x;
  if (lo !== null) y = Math.max(y, lo);
  if (hi !== null) y = Math.min(y, hi);
  return y;
}

// ── reductions ──────────────────────────────────────────────────────────────────────────────

/** The dims a reduction reduces: all for null/undefined, else normalised. */
export function reducedDims(dim: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (dim === null || dim === undefined || ndim === 0) return range(ndim);
  return (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(d, ndim));
}

/** Applies `f` to the values of each slice over `dim` (visited in row-major order); keepdim keeps them as size 1. */
export function reduce(a: Arr, dim: number | readonly number[] | null | undefined, keepdim: boolean, f: (values: number[]) => number): Arr {
  const dims = reducedDims(dim, a.shape.length);
  const kept = a.shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const groups: number[][] = range(numel(kept)).map(() => []);
  a.data.forEach((x, flat) => {
    const idx = unravel(flat, a.shape).map((i, d) => (dims.includes(d) ? 0 : i));
    groups[ravel(idx, kept)]!.push(x);
  });
  return { shape: keepdim ? kept : a.shape.filter((_, d) => !dims.includes(d)), data: groups.map(f) };
}

export const sumOf = (v: number[]): number => v.reduce((p, x) => p + x, 0);
export const meanOf = (v: number[]): number => sumOf(v) / v.length;
export const maxOf = (v: number[]): number => v.reduce((p, x) => (x > p ? x : p), -Infinity);
export const minOf = (v: number[]): number => v.reduce((p, x) => (x < p ? x : p), Infinity);
export const prodOf = (v: number[]): number => v.reduce((p, x) => p * x, 1);
export const anyOf = (v: number[]): number => (v.some((x) => x !== 0) ? 1 : 0);
export const allOf = (v: number[]): number => (v.every((x) => x !== 0) ? 1 : 0);

/** Σ(x − mean)² / (N − correction), two-pass. */
export const varOf = (correction: number) => (v: number[]): number => {
  const m = meanOf(v);
  return sumOf(v.map((x) => (x - m) * (x - m))) / (v.length - correction);
};

export const logsumexpOf = (v: number[]): number => {
  const m = maxOf(v);
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
};

/** The p-norm (p = Infinity: max |x|). */
export const normOf = (p: number) => (v: number[]): number => {
  if (p === Infinity) return maxOf(v.map(Math.abs));
  return Math.pow(sumOf(v.map((x) => Math.pow(Math.abs(x), p))), 1 / p);
};

/** Index of the first largest value (PyTorch picks the first of ties). */
export const argmaxOf = (v: number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);
export const argminOf = (v: number[]): number => v.reduce((best, x, i) => (x < v[best]! ? i : best), 0);

/** Replaces each line along `dim` by `f(line)` (a 0-d input is one line of one element). */
export function alongDim(a: Arr, dim: number, f: (line: number[]) => number[]): Arr {
  if (a.shape.length === 0) return { shape: [], data: f([...a.data]) };
  const d = normDim(dim, a.shape.length);
  const out = { shape: [...a.shape], data: new Array<number>(a.data.length) };
  const lineStarts = build(a.shape.map((s, k) => (k === d ? 1 : s)), () => 0);
  for (let flat = 0; flat < lineStarts.data.length; flat++) {
    const base = unravel(flat, lineStarts.shape);
    const positions = range(a.shape[d]!).map((i) => ravel(withAt(base, d, i), a.shape));
    const line = f(positions.map((p) => a.data[p]!));
    positions.forEach((p, i) => (out.data[p] = line[i]!));
  }
  return out;
}

export const softmaxOf = (line: number[]): number[] => {
  const m = maxOf(line);
  const e = line.map((x) => Math.exp(x - m));
  const s = sumOf(e);
  return e.map((x) => x / s);
};

export const logSoftmaxOf = (line: number[]): number[] => {
  const lse = logsumexpOf(line);
  return line.map((x) => x - lse);
};

export const cumsumOf = (line: number[]): number[] => {
  let s = 0;
  return line.map((x) => (s += x));
};

export const cumprodOf = (line: number[]): number[] => {
  let p = 1;
  return line.map((x) => (p *= x));
};

// ── linear algebra ──────────────────────────────────────────────────────────────────────────

/** torch.matmul: 1-d operands get a dim of 1 (removed afterwards), batch dims broadcast. */
export function matmul(a: Arr, b: Arr): Arr {
  const A = a.shape.length === 1 ? { shape: [1, ...a.shape], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [...b.shape, 1], data: b.data } : b;
  const m = A.shape[A.shape.length - 2]!;
  const k = A.shape[A.shape.length - 1]!;
  const n = B.shape[B.shape.length - 1]!;
  if (B.shape[B.shape.length - 2] !== k) throw new Error('reference matmul: inner dims differ');
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const entry = (x: Arr, bi: number[], r: number, c: number): number => {
    const lead = bi.length - (x.shape.length - 2);
    const xb = x.shape.slice(0, -2).map((s, d) => (s === 1 ? 0 : bi[d + lead]!));
    return at(x, [...xb, r, c]);
  };
  const out = build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const i = idx[idx.length - 2]!;
    const j = idx[idx.length - 1]!;
    let s = 0;
    for (let p = 0; p < k; p++) s += entry(A, bi, i, p) * entry(B, bi, p, j);
    return s;
  });
  let shape = out.shape;
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  if (a.shape.length === 1) shape = b.shape.length === 1 ? shape.slice(0, -1) : [...shape.slice(0, -2), shape[shape.length - 1]!];
  return { shape, data: out.data };
}

export function outer(a: Arr, b: Arr): Arr {
  return build([a.data.length, b.data.length], ([i, j]) => a.data[i!]! * b.data[j!]!);
}

// ── shapes and indexing ─────────────────────────────────────────────────────────────────────

/** Same data, another shape (one -1 is inferred). */
export function reshape(a: Arr, shape: readonly number[]): Arr {
  const known = shape.reduce((p, s) => (s === -1 ? p : p * s), 1);
  const resolved = shape.map((s) => (s === -1 ? a.data.length / known : s));
  if (numel(resolved) !== a.data.length) throw new Error(`reference reshape: ${JSON.stringify(shape)} does not fit ${a.data.length} elements`);
  return { shape: resolved, data: [...a.data] };
}

export function permute(a: Arr, dims: readonly number[]): Arr {
  const nd = a.shape.length;
  const ds = dims.map((d) => normDim(d, nd));
  return build(ds.map((d) => a.shape[d]!), (idx) => {
    const src = new Array<number>(nd);
    ds.forEach((d, i) => (src[d] = idx[i]!));
    return at(a, src);
  });
}

export function transpose(a: Arr, dim0: number, dim1: number): Arr {
  const nd = a.shape.length;
  if (nd === 0) return a;
  const d0 = normDim(dim0, nd);
  const d1 = normDim(dim1, nd);
  return permute(a, range(nd).map((d) => (d === d0 ? d1 : d === d1 ? d0 : d)));
}

/** torch.expand: -1 keeps a dim; new dims go in front. */
export function expand(a: Arr, sizes: readonly number[]): Arr {
  const lead = sizes.length - a.shape.length;
  const shape = sizes.map((s, d) => (s === -1 ? a.shape[d - lead]! : s));
  return build(shape, (idx) => atBroadcast(a, idx));
}

/** Removes size-1 dims: all, or those of `dims` that have size 1. */
export function squeeze(a: Arr, dims?: number | readonly number[]): Arr {
  const nd = a.shape.length;
  const list = dims === undefined ? range(nd) : (typeof dims === 'number' ? [dims] : dims).map((d) => normDim(d, nd));
  return { shape: a.shape.filter((s, d) => !(s === 1 && list.includes(d))), data: [...a.data] };
}

export function unsqueeze(a: Arr, dim: number): Arr {
  const d = normDim(dim, a.shape.length + 1);
  return { shape: [...a.shape.slice(0, d), 1, ...a.shape.slice(d)], data: [...a.data] };
}

export function flatten(a: Arr, startDim: number, endDim: number): Arr {
  const nd = a.shape.length;
  if (nd === 0) return { shape: [1], data: [...a.data] };
  const s = normDim(startDim, nd);
  const e = normDim(endDim, nd);
  return { shape: [...a.shape.slice(0, s), numel(a.shape.slice(s, e + 1)), ...a.shape.slice(e + 1)], data: [...a.data] };
}

export function cat(parts: readonly Arr[], dim: number): Arr {
  const d = normDim(dim, parts[0]!.shape.length);
  const shape = withAt(parts[0]!.shape, d, sumOf(parts.map((p) => p.shape[d]!)));
  return build(shape, (idx) => {
    let i = idx[d]!;
    for (const p of parts) {
      if (i < p.shape[d]!) return at(p, withAt(idx, d, i));
      i -= p.shape[d]!;
    }
    throw new Error('reference cat: index out of range');
  });
}

export function stack(parts: readonly Arr[], dim: number): Arr {
  const d = normDim(dim, parts[0]!.shape.length + 1);
  const shape = [...parts[0]!.shape.slice(0, d), parts.length, ...parts[0]!.shape.slice(d)];
  return build(shape, (idx) => at(parts[idx[d]!]!, [...idx.slice(0, d), ...idx.slice(d + 1)]));
}

/** Python's `x[start:end:step]` along `dim` (negative bounds count from the end, out-of-range ones clamp). */
export function slice(a: Arr, dim: number, start: number | null, end: number | null, step: number): Arr {
  const d = normDim(dim, a.shape.length);
  const size = a.shape[d]!;
  const bound = (i: number | null, fallback: number): number => (i === null ? fallback : Math.min(Math.max(i < 0 ? i + size : i, 0), size));
  const lo = bound(start, 0);
  const hi = bound(end, size);
  const count = hi > lo ? Math.ceil((hi - lo) / step) : 0;
  return build(withAt(a.shape, d, count), (idx) => at(a, withAt(idx, d, lo + idx[d]! * step)));
}

export function narrow(a: Arr, dim: number, start: number, length: number): Arr {
  const d = normDim(dim, a.shape.length);
  const s = start < 0 ? start + a.shape[d]! : start;
  return slice(a, d, s, s + length, 1);
}

export function select(a: Arr, dim: number, index: number): Arr {
  const d = normDim(dim, a.shape.length);
  const i = index < 0 ? index + a.shape[d]! : index;
  return build([...a.shape.slice(0, d), ...a.shape.slice(d + 1)], (idx) => at(a, [...idx.slice(0, d), i, ...idx.slice(d)]));
}

/** torch.split: pieces of `size` (the last may be smaller) or the given section sizes. */
export function split(a: Arr, sizeOrSections: number | readonly number[], dim: number): Arr[] {
  const d = normDim(dim, a.shape.length);
  const n = a.shape[d]!;
  const sizes = typeof sizeOrSections === 'number'
    ? range(Math.max(1, Math.ceil(n / sizeOrSections))).map((i) => Math.min(sizeOrSections, n - i * sizeOrSections))
    : [...sizeOrSections];
  let start = 0;
  return sizes.map((s) => {
    const piece = slice(a, d, start, start + s, 1);
    start += s;
    return piece;
  });
}

/** torch.chunk: pieces of ⌈n/chunks⌉ (so possibly fewer than `chunks` pieces). */
export function chunk(a: Arr, chunks: number, dim: number): Arr[] {
  const n = a.shape[normDim(dim, a.shape.length)]!;
  return split(a, Math.max(1, Math.ceil(n / chunks)), dim);
}

export function indexSelect(a: Arr, dim: number, index: readonly number[]): Arr {
  const d = normDim(dim, a.shape.length);
  return build(withAt(a.shape, d, index.length), (idx) => at(a, withAt(idx, d, index[idx[d]!]!)));
}

/** out[i][j] = a[i][index[i][j]] for dim 1 (likewise for other dims); out has index's shape. */
export function gather(a: Arr, dim: number, index: Arr): Arr {
  const d = normDim(dim, a.shape.length);
  return build(index.shape, (idx) => at(a, withAt(idx, d, at(index, idx))));
}

/** A copy of `a` with src[i][j] added at [i][index[i][j]] for dim 1 (over index's positions). */
export function scatterAdd(a: Arr, dim: number, index: Arr, src: Arr): Arr {
  const d = normDim(dim, a.shape.length);
  const out = [...a.data];
  for (let flat = 0; flat < index.data.length; flat++) {
    const idx = unravel(flat, index.shape);
    out[ravel(withAt(idx, d, index.data[flat]!), a.shape)]! += at(src, idx);
  }
  return { shape: [...a.shape], data: out };
}

/** A copy of `a` with src's slice j added at slice index[j] along `dim`. */
export function indexAdd(a: Arr, dim: number, index: readonly number[], src: Arr): Arr {
  const d = normDim(dim, a.shape.length);
  const out = [...a.data];
  for (let flat = 0; flat < src.data.length; flat++) {
    const idx = unravel(flat, src.shape);
    out[ravel(withAt(idx, d, index[idx[d]!]!), a.shape)]! += src.data[flat]!;
  }
  return { shape: [...a.shape], data: out };
}

/** torch.nn.functional.pad, constant mode: (before, after) pairs from the last dim backwards. */
export function pad(a: Arr, pads: readonly number[], value: number): Arr {
  const nd = a.shape.length;
  const low = a.shape.map(() => 0);
  const high = a.shape.map(() => 0);
  for (let k = 0; k < pads.length / 2; k++) {
    low[nd - 1 - k] = pads[2 * k]!;
    high[nd - 1 - k] = pads[2 * k + 1]!;
  }
  return build(a.shape.map((s, d) => low[d]! + s + high[d]!), (idx) => {
    const src = idx.map((i, d) => i - low[d]!);
    return src.every((i, d) => i >= 0 && i < a.shape[d]!) ? at(a, src) : value;
  });
}

export function flip(a: Arr, dims: readonly number[]): Arr {
  const ds = dims.map((d) => normDim(d, a.shape.length));
  return build(a.shape, (idx) => at(a, idx.map((i, d) => (ds.includes(d) ? a.shape[d]! - 1 - i : i))));
}

/** torch.Tensor.repeat: tiles; extra leading sizes add dims. */
export function repeat(a: Arr, sizes: readonly number[]): Arr {
  const padded = { shape: [...new Array<number>(sizes.length - a.shape.length).fill(1), ...a.shape], data: a.data };
  return build(padded.shape.map((s, d) => s * sizes[d]!), (idx) => at(padded, idx.map((i, d) => i % padded.shape[d]!)));
}

/** Keeps entries of the last two dims with col − row <= diagonal (tril) or >= diagonal (triu). */
export function triangle(a: Arr, diagonal: number, lower: boolean): Arr {
  return build(a.shape, (idx) => {
    const offset = idx[idx.length - 1]! - idx[idx.length - 2]!;
    return (lower ? offset <= diagonal : offset >= diagonal) ? at(a, idx) : 0;
  });
}

/** Conversion to int32 truncates toward zero. */
export const toInt32 = (x: number): number => Math.trunc(x);
export const toBool = (x: number): number => (x !== 0 ? 1 : 0);

// ── sliding windows ─────────────────────────────────────────────────────────────────────────

/** Window geometry: kernel, stride, padding, dilation per spatial dim. */
export interface Win {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
}

const positions = (size: number, w: Win, d: 0 | 1): number => Math.floor((size + 2 * w.padding[d] - w.dilation[d] * (w.kernel[d] - 1) - 1) / w.stride[d]) + 1;

/** im2col of [N, C, H, W]: row c·kh·kw + i·kw + j, column oi·ow + oj holds x[c, oi·sh − ph + i·dh, oj·sw − pw + j·dw] (0 outside). */
export function unfold(x: Arr, w: Win): Arr {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [kh, kw] = w.kernel;
  const oh = positions(h, w, 0);
  const ow = positions(wd, w, 1);
  const data: number[] = [];
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let oi = 0; oi < oh; oi++) {
            for (let oj = 0; oj < ow; oj++) {
              const r = oi * w.stride[0] - w.padding[0] + i * w.dilation[0];
              const q = oj * w.stride[1] - w.padding[1] + j * w.dilation[1];
              data.push(r >= 0 && r < h && q >= 0 && q < wd ? x.data[((b * c + ch) * h + r) * wd + q]! : 0);
            }
          }
        }
      }
    }
  }
  return { shape: [n, c * kh * kw, oh * ow], data };
}

/** col2im: the adjoint of unfold, summing every column entry into the pixel it was read from. */
export function fold(cols: Arr, size: [number, number], w: Win): Arr {
  const [n, ckk] = cols.shape as [number, number, number];
  const [kh, kw] = w.kernel;
  const c = ckk / (kh * kw);
  const [h, wd] = size;
  const oh = positions(h, w, 0);
  const ow = positions(wd, w, 1);
  const data = new Array<number>(n * c * h * wd).fill(0);
  let k = 0;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          for (let oi = 0; oi < oh; oi++) {
            for (let oj = 0; oj < ow; oj++, k++) {
              const r = oi * w.stride[0] - w.padding[0] + i * w.dilation[0];
              const q = oj * w.stride[1] - w.padding[1] + j * w.dilation[1];
              if (r >= 0 && r < h && q >= 0 && q < wd) data[((b * c + ch) * h + r) * wd + q]! += cols.data[k]!;
            }
          }
        }
      }
    }
  }
  return { shape: [n, c, h, wd], data };
}
