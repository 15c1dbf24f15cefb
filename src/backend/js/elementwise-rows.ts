/**
 * The row loops of the elementwise kernels: for each op, one function that computes `n` elements of
 * one row, reading each operand from a start position and a step (1 when contiguous, 0 when
 * broadcast) and writing `out[o]`, `out[o + 1]`, … (src/backend/js/elementwise.ts walks the rows).
 *
 * NOTE: each op writes its own loop, in its own function literal, on purpose. A shared loop calling
 * `f(x)` from a table of scalar functions sees every op at one call site, goes megamorphic and stops
 * inlining: about 5× slower on `add` once a program has used a few ops. Closures made by one
 * factory would not help either: V8 shares type feedback and optimised code between the closures of
 * one literal. A loop per op stays monomorphic without compiling code from strings, so the library
 * runs under a Content-Security-Policy without 'unsafe-eval' (test/csp-safe.test.ts checks).
 */
import type { TypedArray } from '../../base/dtype.js';
import type { BinaryOp, UnaryOp } from '../backend.js';
import { erf } from './math.js';

/** `out[o + j] = op(x[p + j·t])` for j < n. */
export type UnaryRow = (out: TypedArray, o: number, n: number, x: TypedArray, p: number, t: number) => void;

/** `out[o + j] = op(a[p + j·s], b[q + j·t])` for j < n. */
export type BinaryRow = (
  out: TypedArray, o: number, n: number, a: TypedArray, p: number, s: number, b: TypedArray, q: number, t: number,
) => void;

/** Rounds half to even, as PyTorch's round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The row loop of each unary op. The store into `out` converts to its dtype (rounding to float32,
 * truncating to int32), so `cast` is a plain copy.
 * @example
 * const out = new Float64Array(2);
 * UNARY_ROWS.exp(out, 0, 2, new Float64Array([0, 1]), 0, 1); // out = [1, e]
 */
export const UNARY_ROWS: Readonly<Record<UnaryOp, UnaryRow>> = {
  cast: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = x[p]!;
  },
  toBool: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = x[p] !== 0 ? 1 : 0;
  },
  neg: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = -x[p]!;
  },
  exp: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.exp(x[p]!);
  },
  log: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.log(x[p]!);
  },
  log1p: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.log1p(x[p]!);
  },
  expm1: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.expm1(x[p]!);
  },
  sqrt: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.sqrt(x[p]!);
  },
  rsqrt: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = 1 / Math.sqrt(x[p]!);
  },
  abs: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.abs(x[p]!);
  },
  // NOTE: sign keeps NaN and the sign of zero (sign(-0) = -0).
  sign: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) {
      const v = x[p]!;
      out[o + j] = v > 0 ? 1 : v < 0 ? -1 : v;
    }
  },
  sin: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.sin(x[p]!);
  },
  cos: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.cos(x[p]!);
  },
  tanh: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.tanh(x[p]!);
  },
  sigmoid: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = 1 / (1 + Math.exp(-x[p]!));
  },
  // NOTE: relu propagates NaN and gives +0 for -0.
  relu: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) {
      const v = x[p]!;
      out[o + j] = v > 0 || v !== v ? v : 0;
    }
  },
  erf: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = erf(x[p]!);
  },
  reciprocal: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = 1 / x[p]!;
  },
  floor: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.floor(x[p]!);
  },
  ceil: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = Math.ceil(x[p]!);
  },
  round: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = roundHalfEven(x[p]!);
  },
  logicalNot: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) out[o + j] = x[p] === 0 ? 1 : 0;
  },
  isnan: (out, o, n, x, p, t) => {
    for (let j = 0; j < n; j++, p += t) {
      const v = x[p]!;
      out[o + j] = v !== v ? 1 : 0;
    }
  },
};

/**
 * The row loop of each binary op; comparisons and logical ops write 0/1.
 * @example
 * const out = new Float32Array(3);
 * BINARY_ROWS.add(out, 0, 3, new Float32Array([1, 2, 3]), 0, 1, new Float32Array([10]), 0, 0); // out = [11, 12, 13]
 */
export const BINARY_ROWS: Readonly<Record<BinaryOp, BinaryRow>> = {
  add: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! + b[q]!;
  },
  sub: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! - b[q]!;
  },
  mul: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! * b[q]!;
  },
  div: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! / b[q]!;
  },
  pow: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! ** b[q]!;
  },
  // NOTE: maximum and minimum propagate NaN from either side; on ties (±0 included) they give `a`.
  maximum: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) {
      const u = a[p]!;
      const v = b[q]!;
      out[o + j] = u !== u || u > v ? u : v !== v || v > u ? v : u;
    }
  },
  minimum: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) {
      const u = a[p]!;
      const v = b[q]!;
      out[o + j] = u !== u || u < v ? u : v !== v || v < u ? v : u;
    }
  },
  eq: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p] === b[q] ? 1 : 0;
  },
  ne: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p] !== b[q] ? 1 : 0;
  },
  lt: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! < b[q]! ? 1 : 0;
  },
  le: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! <= b[q]! ? 1 : 0;
  },
  gt: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! > b[q]! ? 1 : 0;
  },
  ge: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p]! >= b[q]! ? 1 : 0;
  },
  logicalAnd: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p] !== 0 && b[q] !== 0 ? 1 : 0;
  },
  logicalOr: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = a[p] !== 0 || b[q] !== 0 ? 1 : 0;
  },
  reluGrad: (out, o, n, a, p, s, b, q, t) => {
    for (let j = 0; j < n; j++, p += s, q += t) out[o + j] = b[q]! > 0 ? a[p]! : 0;
  },
};

/**
 * `out[o + j] = c[r + j·u] !== 0 ? a[p + j·s] : b[q + j·t]` for j < n.
 * @example
 * const out = new Float32Array(2);
 * whereRow(out, 0, 2, new Uint8Array([1, 0]), 0, 1, new Float32Array([1, 2]), 0, 1, new Float32Array([9]), 0, 0); // [1, 9]
 */
export function whereRow(
  out: TypedArray, o: number, n: number, c: TypedArray, r: number, u: number,
  a: TypedArray, p: number, s: number, b: TypedArray, q: number, t: number,
): void {
  for (let j = 0; j < n; j++, r += u, p += s, q += t) out[o + j] = c[r] !== 0 ? a[p]! : b[q]!;
}
