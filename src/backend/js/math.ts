/**
 * Special functions the reference kernels need, accurate to a few ulps in float64 (gradcheck
 * differentiates them numerically with eps = 1e-6, so they must be smooth to rounding).
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.
 * For |x| < 2.5 a series of positive terms, erf(x) = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1));
 * beyond, erfc by its continued fraction erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))).
 * @example
 * erf(1); // 0.8427007929497149
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; term > 1e-17 * sum; n++) {
      term *= (2 * ax * ax) / (2 * n + 1);
      sum += term;
    }
    r = TWO_OVER_SQRT_PI * Math.exp(-ax * ax) * sum;
  } else if (ax < 6) {
    let t = ax;
    for (let n = 60; n >= 1; n--) t = ax + n / 2 / t;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t;
  } else {
    r = 1;
  }
  return x < 0 ? -r : r;
}
