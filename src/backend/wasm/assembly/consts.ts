// The coefficients of the polynomial kernels (e^x in float32 and float64, erfc), kept in memory.
// NOTE: V8 (Node 20) builds every v128.const where it is used, about four instructions, inside loops
// too; a splat load of a constant from memory is one (vbroadcastss / vmovddup). So the hot polynomials
// read their coefficients through k32/k64/ki32: e^x over 4 lanes ran 1.3–1.5× faster in a
// micro-benchmark (2.1–2.3 → 1.4–1.9 ns per element). The values are the same, so are the results.

// float32: e^x (expFast4), then Φ(x) by erfc (erfcPoly4, cdf4)
export const EXP_HI: i32 = 0; // above: +∞
export const EXP_LO: i32 = 1; // the float32 just above ln(2^-126): results below are subnormal
export const LOG2E: i32 = 2;
export const ROUND_MAGIC: i32 = 3; // 1.5·2^23: adding it rounds to an integer in the low mantissa bits
export const LN2_HI: i32 = 4;
export const LN2_LO: i32 = 5;
export const EXP_P0: i32 = 6; // … EXP_P0 + 5: Cephes expf's degree-6 polynomial, highest first
export const ONE: i32 = 12;
export const ZERO: i32 = 13;
export const INF: i32 = 14;
export const HALF: i32 = 15;
export const SQRT1_2: i32 = 16;
export const ERFC_P0: i32 = 17; // … ERFC_P0 + 9: Numerical Recipes' erfcc, highest first
export const INV_SQRT_2PI: i32 = 27;
export const MINUS_HALF: i32 = 28;
export const EXP_ZERO_BELOW: i32 = 29; // below ln(2^-150): e^x rounds to 0
const F32 = memory.data<f32>([
  88.7228391, -87.336544, 1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4,
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1,
  1, 0, Infinity, 0.5, 0.7071067811865476,
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223,
  0.3989422804014327, -0.5, -104.0,
], 16);

// float64: e^x (expDouble2)
export const D_LOG2E: i32 = 0;
export const D_ROUND_MAGIC: i32 = 1; // 1.5·2^52
export const D_LN2_HI: i32 = 2; // ln 2 in two parts (fdlibm's)
export const D_LN2_LO: i32 = 3;
export const D_EXP_P0: i32 = 4; // … D_EXP_P0 + 12: 1/12!, 1/11!, …, 1/2!, 1, 1
const F64 = memory.data<f64>([
  1.4426950408889634, 6755399441055744.0, 6.93147180369123816490e-1, 1.90821492927058770002e-10,
  1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0,
  1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0,
], 16);

// int32 lanes
export const I_ROUND_BITS: i32 = 0; // the bits of 1.5·2^23 (0x4b400000)
export const I_EXP_BIAS: i32 = 1; // 127
const I32 = memory.data<i32>([0x4b400000, 127], 16);

/** Float32 constant `i` in all 4 lanes. */
@inline export function k32(i: i32): v128 {
  return v128.load32_splat(F32 + (<usize>i << 2));
}

/** Float64 constant `i` in both lanes. */
@inline export function k64(i: i32): v128 {
  return v128.load64_splat(F64 + (<usize>i << 3));
}

/** Int32 constant `i` in all 4 lanes. */
@inline export function ki32(i: i32): v128 {
  return v128.load32_splat(I32 + (<usize>i << 2));
}
