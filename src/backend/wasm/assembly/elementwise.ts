// float32 elementwise kernels over 2-d strided layouts (the core collapses any layout to at most
// two dims first); SIMD for the contiguous and broadcast inner loops.

// op codes shared with the TypeScript side (src/backend/wasm/kernels.ts)
const ADD: i32 = 0;
const SUB: i32 = 1;
const MUL: i32 = 2;
const DIV: i32 = 3;
const MAX: i32 = 4;
const MIN: i32 = 5;
const RELU_GRAD: i32 = 6; // b > 0 ? a : 0 (the gradient of relu: a = g, b = x)

@inline export function apply4(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  // NOTE: wasm's f32x4.max/min return NaN when either input is NaN, as torch.maximum/minimum do
  if (op == MAX) return f32x4.max(a, b);
  if (op == MIN) return f32x4.min(a, b);
  return v128.and(a, f32x4.gt(b, f32x4.splat(0)));
}

@inline export function apply1(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (op == MAX) return a != a || b != b ? NaN : max(a, b);
  if (op == MIN) return a != a || b != b ? NaN : min(a, b);
  return b > 0 ? a : 0;
}

/** One row of `op(a, b)`: n elements, strides sa/sb in elements (0 = broadcast), out contiguous. */
@inline function binaryRow(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) v128.store(out + (<usize>j << 2), apply4(op, v128.load(a + (<usize>j << 2)), v128.load(b + (<usize>j << 2))));
  } else if (sa == 1 && sb == 0) {
    const bv = v128.load32_splat(b);
    for (; j + 4 <= n; j += 4) v128.store(out + (<usize>j << 2), apply4(op, v128.load(a + (<usize>j << 2)), bv));
  } else if (sa == 0 && sb == 1) {
    const av = v128.load32_splat(a);
    for (; j + 4 <= n; j += 4) v128.store(out + (<usize>j << 2), apply4(op, av, v128.load(b + (<usize>j << 2))));
  }
  for (; j < n; j++) {
    store<f32>(out + (<usize>j << 2), apply1(op, load<f32>(a + (<usize>(j * sa) << 2)), load<f32>(b + (<usize>(j * sb) << 2))));
  }
}

/** out[i, j] = op(a[i·a0 + j·a1], b[i·b0 + j·b1]) for a rows×cols layout; out contiguous. */
export function binary2d(op: i32, a: usize, a0: i32, a1: i32, b: usize, b0: i32, b1: i32, out: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    binaryRow(op, a + (<usize>(i * a0) << 2), a1, b + (<usize>(i * b0) << 2), b1, out + (<usize>(i * cols) << 2), cols);
  }
}

// unary op codes
const NEG: i32 = 0;
const ABS: i32 = 1;
const SQRT: i32 = 2;
const RELU: i32 = 3;
const SQUARE: i32 = 4;
const RECIPROCAL: i32 = 5;
const COPY: i32 = 6;
const EXP: i32 = 7;
const SIGMOID: i32 = 8;
const TANH: i32 = 9;
const LOG: i32 = 10;
const RSQRT: i32 = 11;

// e^x for 4 lanes: x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes expf
// coefficients), 2^n built in the exponent bits; about 1 ulp on [-87, 88], 0 below, +inf above.
@inline function exp4(x: v128): v128 {
  const hi = f32x4.splat(88.7228391);
  const lo = f32x4.splat(-87.336544);
  const overflow = f32x4.gt(x, hi);
  const underflow = f32x4.lt(x, lo);
  let v = f32x4.min(f32x4.max(x, lo), hi);
  const n = f32x4.nearest(f32x4.mul(v, f32x4.splat(1.44269504088896341)));
  v = f32x4.sub(v, f32x4.mul(n, f32x4.splat(0.693359375)));
  v = f32x4.sub(v, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, v), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, v), v), v), f32x4.splat(1));
  // 2^n: n + 127 in the exponent field (n in [-126, 128]; split the scaling in two halves to reach the ends)
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  let r = f32x4.mul(f32x4.mul(p, s1), s2);
  r = v128.bitselect(f32x4.splat(Infinity), r, overflow);
  r = v128.bitselect(f32x4.splat(0), r, underflow);
  // NaN in, NaN out
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

@inline export function unary4(op: i32, x: v128): v128 {
  if (op == NEG) return f32x4.neg(x);
  if (op == ABS) return f32x4.abs(x);
  if (op == SQRT) return f32x4.sqrt(x);
  // relu keeps NaN, as torch.relu does
  if (op == RELU) return v128.bitselect(x, f32x4.splat(0), v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x)));
  if (op == SQUARE) return f32x4.mul(x, x);
  if (op == RECIPROCAL) return f32x4.div(f32x4.splat(1), x);
  if (op == EXP) return exp4(x);
  if (op == SIGMOID) return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), exp4(f32x4.neg(x))));
  if (op == RSQRT) return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
  return x; // COPY
}

@inline export function unary1(op: i32, x: f32): f32 {
  if (op == NEG) return -x;
  if (op == ABS) return abs(x);
  if (op == SQRT) return sqrt(x);
  if (op == RELU) return x > 0 || x != x ? x : 0;
  if (op == SQUARE) return x * x;
  if (op == RECIPROCAL) return 1 / x;
  if (op == EXP) return Mathf.exp(x);
  if (op == SIGMOID) return 1 / (1 + Mathf.exp(-x));
  if (op == TANH) return Mathf.tanh(x);
  if (op == LOG) return Mathf.log(x);
  if (op == RSQRT) return 1 / sqrt(x);
  return x;
}

/** True for the unary ops with a SIMD form. */
@inline export function simdUnary(op: i32): bool {
  return op != TANH && op != LOG;
}

/** out[i, j] = op(x[i·x0 + j·x1]) for a rows×cols layout; out contiguous. */
export function unary2d(op: i32, x: usize, x0: i32, x1: i32, out: usize, rows: i32, cols: i32): void {
  const simd = op != TANH && op != LOG;
  for (let i = 0; i < rows; i++) {
    const src = x + (<usize>(i * x0) << 2);
    const dst = out + (<usize>(i * cols) << 2);
    let j = 0;
    if (simd && x1 == 1) {
      for (; j + 4 <= cols; j += 4) v128.store(dst + (<usize>j << 2), unary4(op, v128.load(src + (<usize>j << 2))));
    }
    for (; j < cols; j++) store<f32>(dst + (<usize>j << 2), unary1(op, load<f32>(src + (<usize>(j * x1) << 2))));
  }
}

/** Sums (op 0) or maxima (op 1) of each of `rows` rows of `cols` contiguous elements (row stride ld). */
export function reduceRows(op: i32, x: usize, ld: i32, rows: i32, cols: i32, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const src = x + (<usize>(i * ld) << 2);
    let j = 0;
    let r: f32;
    if (op == 0) {
      let acc = f32x4.splat(0);
      for (; j + 4 <= cols; j += 4) acc = f32x4.add(acc, v128.load(src + (<usize>j << 2)));
      r = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; j < cols; j++) r += load<f32>(src + (<usize>j << 2));
    } else {
      r = load<f32>(src);
      for (j = 1; j < cols; j++) {
        const v = load<f32>(src + (<usize>j << 2));
        if (v > r || v != v) r = v;
        if (r != r) break;
      }
    }
    store<f32>(out + (<usize>i << 2), r);
  }
}

/** Sums (op 0) or maxima (op 1) down each column of a rows×cols layout with row stride ld (contiguous columns). */
export function reduceCols(op: i32, x: usize, ld: i32, rows: i32, cols: i32, out: usize): void {
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let acc = v128.load(x + (<usize>j << 2));
    for (let i = 1; i < rows; i++) {
      const v = v128.load(x + (<usize>(i * ld + j) << 2));
      acc = op == 0 ? f32x4.add(acc, v) : f32x4.max(acc, v);
    }
    v128.store(out + (<usize>j << 2), acc);
  }
  for (; j < cols; j++) {
    let r = load<f32>(x + (<usize>j << 2));
    for (let i = 1; i < rows; i++) {
      const v = load<f32>(x + (<usize>(i * ld + j) << 2));
      r = op == 0 ? r + v : (v != v || r != r ? NaN : max(r, v));
    }
    store<f32>(out + (<usize>j << 2), r);
  }
}
