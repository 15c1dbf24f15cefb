/**
 * The small float formats of safetensors files, as bits: F16 (IEEE binary16), BF16 (bfloat16), and the
 * 8-bit F8_E5M2 and F8_E4M3 (torch's float8_e5m2 and float8_e4m3fn). Widening to float32 is exact;
 * narrowing from a JS number rounds once, to nearest with ties to even, as IEEE 754 does.
 */

/**
 * The float32 bits of an F16 value (exact: every F16 value is a float32 one, subnormals, ±inf, -0 and
 * NaN payloads included).
 * @example
 * f16ToF32Bits(0x3c00); // 0x3f800000 (1)
 */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // inf, NaN (payload kept)
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0; // rebias 15 → 127
  if (mantissa === 0) return sign >>> 0; // ±0
  // a subnormal (mantissa · 2^-24) is a normal float32: shift its leading 1 into the implicit bit
  let e = 113;
  let m = mantissa;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * The value of an F8_E4M3 byte (torch's float8_e4m3fn: bias 7, no infinities, 0x7f/0xff are NaN).
 * @example
 * f8e4m3Value(0x7e); // 448, the largest
 */
export function f8e4m3Value(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exponent = (b >> 3) & 0xf;
  const mantissa = b & 7;
  if (exponent === 15 && mantissa === 7) return NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -9; // subnormal (and ±0)
  return sign * (8 + mantissa) * 2 ** (exponent - 10);
}

/** Rounds a non-negative number to an integer, ties to even. */
function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const rest = v - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/**
 * The bits of `x` in a binary float format with `exponentBits` and `mantissaBits`, rounded once to
 * nearest (ties to even); too large for the format gives ±inf, NaN a quiet NaN.
 */
function roundToFormat(x: number, exponentBits: number, mantissaBits: number): number {
  const allOnes = (1 << exponentBits) - 1; // the exponent of inf and NaN
  const bias = (1 << (exponentBits - 1)) - 1;
  const sign = x < 0 || Object.is(x, -0) ? 1 << (exponentBits + mantissaBits) : 0;
  if (Number.isNaN(x)) return (allOnes << mantissaBits) | (1 << (mantissaBits - 1));
  const a = Math.abs(x);
  if (a === Infinity) return sign | (allOnes << mantissaBits);
  if (a < 2 ** (1 - bias)) {
    // subnormal: a whole number of the smallest steps (rounding up to the smallest normal carries into its exponent)
    return sign | roundHalfEven(a / 2 ** (1 - bias - mantissaBits));
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // NOTE: log2 can be off by one next to powers of two
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 2 ** mantissaBits); // exact: scaling by powers of two
  if (m === 2 ** mantissaBits) {
    m = 0;
    e++;
  }
  if (e + bias >= allOnes) return sign | (allOnes << mantissaBits); // overflow → ±inf, as IEEE rounding does
  return sign | ((e + bias) << mantissaBits) | m;
}

/**
 * The F16 bits of `x`, rounded to nearest with ties to even (65520 and above round to inf; NaN gives 0x7e00).
 * @example
 * f16Bits(1 / 3); // 0x3555
 */
export function f16Bits(x: number): number {
  return roundToFormat(x, 5, 10);
}

/**
 * The BF16 bits of `x` (float32's exponent, 7 mantissa bits), rounded to nearest with ties to even;
 * NaN gives 0x7fc0.
 * @example
 * bf16Bits(1 / 3); // 0x3eab
 */
export function bf16Bits(x: number): number {
  return roundToFormat(x, 8, 7);
}
