// Optimiser kernels: one Adam step in place over n contiguous float32s, 4 lanes at a time. Every
// operation is a separate IEEE float32 operation (no fused multiply-add), in the order of the composed
// update, so the result equals the TypeScript reference (js/optim.ts) bit for bit.

export function adamUpdate(p: usize, g: usize, m: usize, v: usize, n: i32, beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, bias2Sqrt: f32, eps: f32, step: f32): void {
  const b1 = f32x4.splat(beta1);
  const a1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2);
  const a2 = f32x4.splat(oneMinusBeta2);
  const bc = f32x4.splat(bias2Sqrt);
  const e = f32x4.splat(eps);
  const s = f32x4.splat(step);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gi = v128.load(g + o);
    const mi = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gi, a1));
    const vi = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gi, gi), a2));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc), e);
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    v128.store(p + o, f32x4.add(v128.load(p + o), f32x4.mul(f32x4.div(mi, denom), s)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi: f32 = load<f32>(m + o) * beta1 + gi * oneMinusBeta1;
    const vi: f32 = load<f32>(v + o) * beta2 + (gi * gi) * oneMinusBeta2;
    const denom: f32 = sqrt<f32>(vi) / bias2Sqrt + eps;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(p + o, load<f32>(p + o) + (mi / denom) * step);
  }
}
