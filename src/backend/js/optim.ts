/**
 * Optimiser kernels of the reference backend: the fused Adam step, in the order and with the
 * float32 rounding of the composed update (optim/adam.ts), so that the two agree bit for bit.
 */
import type { AdamConstants, StridedView } from '../backend.js';
import { numel } from '../../base/shape.js';

/**
 * One Adam step in place (contiguous views of one dtype, one size); see `Backend.adamUpdate`.
 * @example
 * adamUpdate(p, g, m, v, { beta1: 0.9, oneMinusBeta1: 0.1, beta2: 0.999, oneMinusBeta2: 0.001, bias2Sqrt: 0.0316, eps: 1e-8, stepSize: -0.01 });
 */
export function adamUpdate(p: StridedView, g: StridedView, m: StridedView, v: StridedView, c: AdamConstants): void {
  const n = numel(p.shape);
  const [P, G, M, V] = [p.data, g.data, m.data, v.data] as [Float64Array, Float64Array, Float64Array, Float64Array];
  const [po, go, mo, vo] = [p.offset, g.offset, m.offset, v.offset];
  const { beta1: b1, oneMinusBeta1: a1, beta2: b2, oneMinusBeta2: a2, bias2Sqrt: bc, eps, stepSize: step } = c;
  if (p.data instanceof Float32Array) {
    // float32: every product, sum, quotient and root rounded once, as each composed op rounds its
    // result; the scalars are float32 too
    const f = Math.fround;
    const [fb1, fa1, fb2, fa2, fbc, feps, fstep] = [f(b1), f(a1), f(b2), f(a2), f(bc), f(eps), f(step)];
    for (let i = 0; i < n; i++) {
      const gi = G[go + i]!;
      const mi = f(f(M[mo + i]! * fb1) + f(gi * fa1)); // m ← β1·m + (1−β1)·g
      const vi = f(f(V[vo + i]! * fb2) + f(f(gi * gi) * fa2)); // v ← β2·v + (1−β2)·g²
      const denom = f(f(f(Math.sqrt(vi)) / fbc) + feps); // √v / √(1−β2ᵗ) + ε
      M[mo + i] = mi;
      V[vo + i] = vi;
      P[po + i] = f(P[po + i]! + f(f(mi / denom) * fstep)); // p ← p − lr/(1−β1ᵗ) · m / denom
    }
    return;
  }
  // float64: the same operations, unrounded
  for (let i = 0; i < n; i++) {
    const gi = G[go + i]!;
    const mi = M[mo + i]! * b1 + gi * a1;
    const vi = V[vo + i]! * b2 + gi * gi * a2;
    M[mo + i] = mi;
    V[vo + i] = vi;
    P[po + i] = P[po + i]! + (mi / (Math.sqrt(vi) / bc + eps)) * step;
  }
}
