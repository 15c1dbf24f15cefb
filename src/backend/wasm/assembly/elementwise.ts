// float32 elementwise kernels over 2-d strided layouts (the core collapses any layout to at most
// two dims first); SIMD for the contiguous and broadcast inner loops.

import {
  D_EXP_P0, D_LN2_HI, D_LN2_LO, D_LOG2E, D_ROUND_MAGIC, EXP_HI, EXP_LO, EXP_P0, EXP_ZERO_BELOW, INF, I_EXP_BIAS, I_ROUND_BITS,
  LN2_HI, LN2_LO, LOG2E, ONE, ROUND_MAGIC, ZERO, k32, k64, ki32,
} from './consts';

// op codes shared with the TypeScript side (src/backend/wasm/kernels.ts)
export const ADD: i32 = 0;
export const SUB: i32 = 1;
export const MUL: i32 = 2;
export const DIV: i32 = 3;
export const MAX: i32 = 4;
export const MIN: i32 = 5;
export const RELU_GRAD: i32 = 6; // b > 0 ? a : 0 (the gradient of relu: a = g, b = x)

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
  // NOTE: one loop per op (the inlined op is a constant there): with the op tested inside the loop,
  // binaryen evaluates the later branches speculatively (every element paid for every op)
  switch (op) {
    case ADD: binary2dOf(ADD, a, a0, a1, b, b0, b1, out, rows, cols); break;
    case SUB: binary2dOf(SUB, a, a0, a1, b, b0, b1, out, rows, cols); break;
    case MUL: binary2dOf(MUL, a, a0, a1, b, b0, b1, out, rows, cols); break;
    case DIV: binary2dOf(DIV, a, a0, a1, b, b0, b1, out, rows, cols); break;
    case MAX: binary2dOf(MAX, a, a0, a1, b, b0, b1, out, rows, cols); break;
    case MIN: binary2dOf(MIN, a, a0, a1, b, b0, b1, out, rows, cols); break;
    default: binary2dOf(RELU_GRAD, a, a0, a1, b, b0, b1, out, rows, cols);
  }
}

/** One row of any binary op (the op switched on once per row; see binary2d). */
export function binaryRowOf(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  switch (op) {
    case ADD: binaryRow(ADD, a, sa, b, sb, out, n); break;
    case SUB: binaryRow(SUB, a, sa, b, sb, out, n); break;
    case MUL: binaryRow(MUL, a, sa, b, sb, out, n); break;
    case DIV: binaryRow(DIV, a, sa, b, sb, out, n); break;
    case MAX: binaryRow(MAX, a, sa, b, sb, out, n); break;
    case MIN: binaryRow(MIN, a, sa, b, sb, out, n); break;
    default: binaryRow(RELU_GRAD, a, sa, b, sb, out, n);
  }
}

@inline function binary2dOf(op: i32, a: usize, a0: i32, a1: i32, b: usize, b0: i32, b1: i32, out: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    binaryRow(op, a + (<usize>(i * a0) << 2), a1, b + (<usize>(i * b0) << 2), b1, out + (<usize>(i * cols) << 2), cols);
  }
}

// unary op codes
export const NEG: i32 = 0;
export const ABS: i32 = 1;
export const SQRT: i32 = 2;
export const RELU: i32 = 3;
export const RECIPROCAL: i32 = 4;
export const COPY: i32 = 5;
export const EXP: i32 = 6;
export const SIGMOID: i32 = 7;
export const TANH: i32 = 8;
export const LOG: i32 = 9;
export const RSQRT: i32 = 10;

// e^x and σ(x) for 4 lanes. The float32 polynomial (expFast4) is about 1 ulp where the result is a
// normal number. Where it is a subnormal (x in [-104, -87.34)), the spacing of the results near 2^-126
// is as coarse as that error, and rounding the approximation would miss the correctly rounded value
// about once in 50: a group of 4 lanes with such an x (rare: one compare and test per group) is
// computed in double precision instead and rounded once (exactExp4, exactSigmoid4). Below -104,
// e^x < 2^-150 rounds to 0, as the float32 path gives.
// (EXP_LO in consts.ts is the float32 just above ln(2^-126), -87.336544: results below are subnormal;
// EXP_ZERO_BELOW is -104, below ln(2^-150) ≈ -103.97: e^x rounds to 0)

/** True when some lane of x is in [EXP_ZERO_BELOW, EXP_LO): its e^x is a subnormal number. */
@inline function anySubnormalExp(x: v128): bool {
  return v128.any_true(v128.and(f32x4.lt(x, k32(EXP_LO)), f32x4.ge(x, k32(EXP_ZERO_BELOW))));
}

/** e^x for 4 lanes, correctly rounded also where the result is subnormal. */
@inline export function exp4(x: v128): v128 {
  return anySubnormalExp(x) ? exactExp4(x) : expFast4(x);
}

/** σ(x) = 1 / (1 + e^-x) for 4 lanes; where σ(x) ≈ e^x is subnormal, correctly rounded as exp4. */
@inline export function sigmoid4(x: v128): v128 {
  if (anySubnormalExp(x)) return exactSigmoid4(x);
  // e^-x overflows to ∞ (σ = 0) only below -88.7, where σ is 0 anyway here (x < -104); above 87.3 it
  // flushes to 0 (σ = 1, the correctly rounded value)
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), expFast4(f32x4.neg(x))));
}

// e^x for 4 lanes: x = n·ln2 + r with |r| <= ln2/2, e^r by a degree-6 polynomial (Cephes expf
// coefficients), 2^n built in the exponent bits; about 1 ulp on [-87.3, 88.7], 0 below, +inf above.
@inline function expFast4(x: v128): v128 {
  const overflow = f32x4.gt(x, k32(EXP_HI));
  const underflow = f32x4.lt(x, k32(EXP_LO));
  // NOTE: pmin/pmax are single instructions; wasm's min/max add NaN and ±0 fix-ups (NaN is handled below)
  let v = f32x4.pmin(f32x4.pmax(x, k32(EXP_LO)), k32(EXP_HI));
  // n = round(v·log2 e): adding 1.5·2^23 rounds to an integer held in the low mantissa bits
  const t = f32x4.add(f32x4.mul(v, k32(LOG2E)), k32(ROUND_MAGIC));
  const n = f32x4.sub(t, k32(ROUND_MAGIC));
  v = f32x4.sub(v, f32x4.mul(n, k32(LN2_HI)));
  v = f32x4.sub(v, f32x4.mul(n, k32(LN2_LO)));
  let p = k32(EXP_P0);
  p = f32x4.add(f32x4.mul(p, v), k32(EXP_P0 + 1));
  p = f32x4.add(f32x4.mul(p, v), k32(EXP_P0 + 2));
  p = f32x4.add(f32x4.mul(p, v), k32(EXP_P0 + 3));
  p = f32x4.add(f32x4.mul(p, v), k32(EXP_P0 + 4));
  p = f32x4.add(f32x4.mul(p, v), k32(EXP_P0 + 5));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, v), v), v), k32(ONE));
  // 2^n: n + 127 in the exponent field (n in [-126, 128]; split the scaling in two halves to reach the ends)
  const ni = i32x4.sub(t, ki32(I_ROUND_BITS)); // the integer n, from t's bits
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, ki32(I_EXP_BIAS)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), ki32(I_EXP_BIAS)), 23);
  let r = f32x4.mul(f32x4.mul(p, s1), s2);
  r = v128.bitselect(k32(INF), r, overflow);
  r = v128.bitselect(k32(ZERO), r, underflow);
  // NaN in, NaN out
  return v128.bitselect(x, r, f32x4.ne(x, x));
}

/** e^x for 4 lanes from the double e^x, rounded once to float32 (subnormals included). */
function exactExp4(x: v128): v128 {
  // clamped to where the double computation holds; the float32 result is ∞ above and 0 below anyway
  const v = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-110)), f32x4.splat(100));
  const low = f32x4.demote_f64x2_zero(expDouble2(f64x2.promote_low_f32x4(v)));
  const high = f32x4.demote_f64x2_zero(expDouble2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))));
  return v128.shuffle<f32>(low, high, 0, 1, 4, 5); // NaN stays NaN through the clamp (pmin/pmax keep x)
}

/** σ(x) for 4 lanes from the double 1 / (1 + e^-x), rounded once to float32 (subnormals included). */
function exactSigmoid4(x: v128): v128 {
  const v = f32x4.pmin(f32x4.pmax(f32x4.neg(x), f32x4.splat(-110)), f32x4.splat(110)); // -x, where σ is 1 or 0 beyond
  const one = f64x2.splat(1);
  const low = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, expDouble2(f64x2.promote_low_f32x4(v)))));
  const high = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, expDouble2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))))));
  return v128.shuffle<f32>(low, high, 0, 1, 4, 5);
}

/**
 * tanh x for 4 lanes: the double (e^2x − 1)/(e^2x + 1) rounded once to float32, as the TypeScript
 * backend's Math.tanh (the double quotient is within a few double ulps, far below float32's). Where
 * |x| < 2^-12, tanh x = x·(1 − x²/3 + …) rounds to x itself (x²/3 is below half a float32 ulp), which
 * also keeps ±0 and subnormals exact where e^2x − 1 would cancel; |x| is clamped to 20 (tanh rounds
 * to ±1 beyond 9.01); NaN stays NaN.
 */
@inline function tanh4(x: v128): v128 {
  const v = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-20)), f32x4.splat(20));
  const low = f32x4.demote_f64x2_zero(tanhDouble2(f64x2.promote_low_f32x4(v)));
  const high = f32x4.demote_f64x2_zero(tanhDouble2(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3))));
  const r = v128.shuffle<f32>(low, high, 0, 1, 4, 5);
  const keep = v128.or(f32x4.lt(f32x4.abs(x), f32x4.splat(0.000244140625)), f32x4.ne(x, x));
  return v128.bitselect(x, r, keep);
}

/** tanh x = (e^2x − 1)/(e^2x + 1) for 2 double lanes with |x| <= 20. */
@inline function tanhDouble2(x: v128): v128 {
  const e = expDouble2(f64x2.add(x, x));
  const one = f64x2.splat(1);
  return f64x2.div(f64x2.sub(e, one), f64x2.add(e, one));
}

/**
 * e^x for 2 double lanes in [-110, 110]: x = n·ln2 + r, e^r by its Taylor series to degree 12
 * (|r| <= ln2/2: truncation below 2^-52), 2^n in the exponent bits; about 1 ulp of a double.
 */
@inline function expDouble2(x: v128): v128 {
  // n = round(x·log2 e): adding 1.5·2^52 rounds to an integer held in the low mantissa bits
  const t = f64x2.add(f64x2.mul(x, k64(D_LOG2E)), k64(D_ROUND_MAGIC));
  const n = f64x2.sub(t, k64(D_ROUND_MAGIC));
  // ln 2 in two parts (fdlibm's): n·hi is exact for |n| < 2^21
  let r = f64x2.sub(x, f64x2.mul(n, k64(D_LN2_HI)));
  r = f64x2.sub(r, f64x2.mul(n, k64(D_LN2_LO)));
  let p = k64(D_EXP_P0); // 1/12!
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 1));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 2));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 3));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 4));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 5));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 6));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 7));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 8));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 9));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 10));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 11));
  p = f64x2.add(f64x2.mul(p, r), k64(D_EXP_P0 + 12));
  // 2^n: n + 1023 in the exponent field (n in [-159, 159], a normal double)
  const ni = i64x2.sub(t, i64x2.splat(0x4338000000000000)); // the integer n, from t's bits
  return f64x2.mul(p, i64x2.shl(i64x2.add(ni, i64x2.splat(1023)), 52));
}

/** e^x for one element: the double exp rounded once to float32 (as the TypeScript backend's Math.exp). */
@inline function exp1(x: f32): f32 {
  return <f32>Math.exp(<f64>x);
}

@inline export function unary4(op: i32, x: v128): v128 {
  if (op == NEG) return f32x4.neg(x);
  if (op == ABS) return f32x4.abs(x);
  if (op == SQRT) return f32x4.sqrt(x);
  // relu keeps NaN, as torch.relu does
  if (op == RELU) return v128.bitselect(x, f32x4.splat(0), v128.or(f32x4.gt(x, f32x4.splat(0)), f32x4.ne(x, x)));
  if (op == RECIPROCAL) return f32x4.div(f32x4.splat(1), x);
  if (op == EXP) return exp4(x);
  if (op == SIGMOID) return sigmoid4(x);
  if (op == TANH) return tanh4(x);
  if (op == RSQRT) return f32x4.div(f32x4.splat(1), f32x4.sqrt(x));
  return x; // COPY
}

@inline export function unary1(op: i32, x: f32): f32 {
  if (op == NEG) return -x;
  if (op == ABS) return abs(x);
  if (op == SQRT) return sqrt(x);
  if (op == RELU) return x > 0 || x != x ? x : 0;
  if (op == RECIPROCAL) return 1 / x;
  if (op == EXP) return exp1(x);
  if (op == SIGMOID) return <f32>(1 / (1 + Math.exp(-<f64>x))); // as the TypeScript backend
  if (op == TANH) return <f32>Math.tanh(<f64>x); // the double tanh rounded once, as the TypeScript backend
  if (op == LOG) return Mathf.log(x);
  if (op == RSQRT) return 1 / sqrt(x);
  return x;
}

/** True for the unary ops with a SIMD form. */
@inline export function simdUnary(op: i32): bool {
  return op != LOG;
}

/** out[i, j] = op(x[i·x0 + j·x1]) for a rows×cols layout; out contiguous. */
export function unary2d(op: i32, x: usize, x0: i32, x1: i32, out: usize, rows: i32, cols: i32): void {
  // NOTE: one loop per op, as in binary2d
  switch (op) {
    case NEG: unary2dOf(NEG, x, x0, x1, out, rows, cols); break;
    case ABS: unary2dOf(ABS, x, x0, x1, out, rows, cols); break;
    case SQRT: unary2dOf(SQRT, x, x0, x1, out, rows, cols); break;
    case RELU: unary2dOf(RELU, x, x0, x1, out, rows, cols); break;
    case RECIPROCAL: unary2dOf(RECIPROCAL, x, x0, x1, out, rows, cols); break;
    case EXP: unary2dOf(EXP, x, x0, x1, out, rows, cols); break;
    case SIGMOID: unary2dOf(SIGMOID, x, x0, x1, out, rows, cols); break;
    case TANH: unary2dOf(TANH, x, x0, x1, out, rows, cols); break;
    case LOG: unary2dOf(LOG, x, x0, x1, out, rows, cols); break;
    case RSQRT: unary2dOf(RSQRT, x, x0, x1, out, rows, cols); break;
    default: unary2dOf(COPY, x, x0, x1, out, rows, cols);
  }
}

/** One row of any unary op: out[j] = op(x[j·sx]) (the op switched on once per row; see binary2d). */
export function unaryRowOf(op: i32, x: usize, sx: i32, out: usize, n: i32): void {
  switch (op) {
    case NEG: unaryRow(NEG, x, sx, out, n); break;
    case ABS: unaryRow(ABS, x, sx, out, n); break;
    case SQRT: unaryRow(SQRT, x, sx, out, n); break;
    case RELU: unaryRow(RELU, x, sx, out, n); break;
    case RECIPROCAL: unaryRow(RECIPROCAL, x, sx, out, n); break;
    case EXP: unaryRow(EXP, x, sx, out, n); break;
    case SIGMOID: unaryRow(SIGMOID, x, sx, out, n); break;
    case TANH: unaryRow(TANH, x, sx, out, n); break;
    case LOG: unaryRow(LOG, x, sx, out, n); break;
    case RSQRT: unaryRow(RSQRT, x, sx, out, n); break;
    default: unaryRow(COPY, x, sx, out, n);
  }
}

/** One row of a copy: a memcpy, a fill (sx = 0, broadcast) or a strided gather. */
function copyRow(src: usize, sx: i32, dst: usize, n: i32): void {
  if (sx == 1) {
    memory.copy(dst, src, <usize>n << 2);
  } else if (sx == 0) {
    const v = v128.load32_splat(src);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), v);
    const x = load<f32>(src);
    for (; j < n; j++) store<f32>(dst + (<usize>j << 2), x);
  } else {
    for (let j = 0; j < n; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>(j * sx) << 2)));
  }
}

/** One row: out[j] = op(x[j·sx]), SIMD when x is contiguous. */
@inline function unaryRow(op: i32, src: usize, sx: i32, dst: usize, n: i32): void {
  if (op == COPY) {
    copyRow(src, sx, dst, n);
    return;
  }
  let j = 0;
  if (simdUnary(op) && sx == 1) {
    for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), unary4(op, v128.load(src + (<usize>j << 2))));
  }
  for (; j < n; j++) store<f32>(dst + (<usize>j << 2), unary1(op, load<f32>(src + (<usize>(j * sx) << 2))));
}

@inline function unary2dOf(op: i32, x: usize, x0: i32, x1: i32, out: usize, rows: i32, cols: i32): void {
  let i = 0;
  if (simdUnary(op) && x0 == 1 && x1 != 1) {
    // a transposed input: 4×4 tiles, loaded along x's contiguous dim and transposed in registers
    for (; i + 4 <= rows; i += 4) {
      const src = x + (<usize>i << 2);
      const dst = out + (<usize>(i * cols) << 2);
      let j = 0;
      for (; j + 4 <= cols; j += 4) {
        const c0 = unary4(op, v128.load(src + (<usize>(j * x1) << 2)));
        const c1 = unary4(op, v128.load(src + (<usize>((j + 1) * x1) << 2)));
        const c2 = unary4(op, v128.load(src + (<usize>((j + 2) * x1) << 2)));
        const c3 = unary4(op, v128.load(src + (<usize>((j + 3) * x1) << 2)));
        const t0 = v128.shuffle<f32>(c0, c1, 0, 4, 1, 5);
        const t1 = v128.shuffle<f32>(c2, c3, 0, 4, 1, 5);
        const t2 = v128.shuffle<f32>(c0, c1, 2, 6, 3, 7);
        const t3 = v128.shuffle<f32>(c2, c3, 2, 6, 3, 7);
        const d = dst + (<usize>j << 2);
        v128.store(d, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
        v128.store(d + (<usize>cols << 2), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
        v128.store(d + (<usize>(2 * cols) << 2), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
        v128.store(d + (<usize>(3 * cols) << 2), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
      }
      for (; j < cols; j++) {
        for (let r = 0; r < 4; r++) store<f32>(dst + (<usize>(r * cols + j) << 2), unary1(op, load<f32>(src + (<usize>(r + j * x1) << 2))));
      }
    }
  }
  for (; i < rows; i++) unaryRow(op, x + (<usize>(i * x0) << 2), x1, out + (<usize>(i * cols) << 2), cols);
}
