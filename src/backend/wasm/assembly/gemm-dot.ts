// The dot-product path of the matrix product (gemm.ts) for A·Bᵀ of row-major operands, and the
// generic helpers both files use (T = f32 or f64). Pointers are byte offsets into the shared memory.

/** Lanes of a vector: 4 floats, 2 doubles. */
@inline function lanes<T>(): i32 {
  return 16 / <i32>sizeof<T>();
}

/** Bytes of `n` elements. */
@inline export function bytes<T>(n: i32): usize {
  return <usize>n << alignof<T>();
}

/**
 * a·b + c per lane. Built twice (scripts/build-wasm.mjs): with relaxed SIMD, one fused multiply-add
 * (rounded once, or twice where the CPU has no FMA: the relaxed semantics allow either); without
 * it, a multiply then an add.
 */
@inline export function madd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(c, v128.mul<T>(a, b));
}

/** Sum of the lanes. */
@inline function hsum<T>(v: v128): T {
  if (sizeof<T>() == 8) return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  return v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1) + v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
}

/** Σ_p a[p]·b[p] over p in [0, kc) for contiguous a and b. */
@inline function dot<T>(a: usize, b: usize, kc: i32): T {
  let acc = i64x2.splat(0);
  let p = 0;
  for (; p + lanes<T>() <= kc; p += lanes<T>()) acc = madd<T>(v128.load(a + bytes<T>(p)), v128.load(b + bytes<T>(p)), acc);
  let r = hsum<T>(acc);
  for (; p < kc; p++) r += load<T>(a + bytes<T>(p)) * load<T>(b + bytes<T>(p));
  return r;
}

/** Writes (first block of k) or adds two adjacent C entries. */
@inline function storePair<T>(at: usize, first: bool, x: T, y: T): void {
  store<T>(at, first ? x : load<T>(at) + x);
  store<T>(at, first ? y : load<T>(at, sizeof<T>()) + y, sizeof<T>());
}

/** Block of the inner dim that a 4-row tile of A and 2 columns of B keep in L1 (24 KiB): 1024 floats, 512 doubles. */
@inline function kd<T>(): i32 {
  return 4096 / <i32>sizeof<T>();
}

/** C[i..i+4, j..j+2] (+)= rows a0.. of A times columns b0, b1 of B over kc entries (all contiguous along k). */
@inline function dotTile<T>(a0: usize, arsBytes: usize, b0: usize, b1: usize, kc: i32, at: usize, ldcBytes: usize, first: bool): void {
  const a1 = a0 + arsBytes;
  const a2 = a1 + arsBytes;
  const a3 = a2 + arsBytes;
  const kv = kc & ~(lanes<T>() - 1);
  let c00 = i64x2.splat(0), c01 = i64x2.splat(0), c10 = i64x2.splat(0), c11 = i64x2.splat(0);
  let c20 = i64x2.splat(0), c21 = i64x2.splat(0), c30 = i64x2.splat(0), c31 = i64x2.splat(0);
  for (let p = 0; p < kv; p += lanes<T>()) {
    const off = bytes<T>(p);
    const v0 = v128.load(b0 + off);
    const v1 = v128.load(b1 + off);
    let u = v128.load(a0 + off);
    c00 = madd<T>(u, v0, c00);
    c01 = madd<T>(u, v1, c01);
    u = v128.load(a1 + off);
    c10 = madd<T>(u, v0, c10);
    c11 = madd<T>(u, v1, c11);
    u = v128.load(a2 + off);
    c20 = madd<T>(u, v0, c20);
    c21 = madd<T>(u, v1, c21);
    u = v128.load(a3 + off);
    c30 = madd<T>(u, v0, c30);
    c31 = madd<T>(u, v1, c31);
  }
  let s00 = hsum<T>(c00), s01 = hsum<T>(c01), s10 = hsum<T>(c10), s11 = hsum<T>(c11);
  let s20 = hsum<T>(c20), s21 = hsum<T>(c21), s30 = hsum<T>(c30), s31 = hsum<T>(c31);
  for (let p = kv; p < kc; p++) {
    const off = bytes<T>(p);
    const v0 = load<T>(b0 + off);
    const v1 = load<T>(b1 + off);
    const u0 = load<T>(a0 + off), u1 = load<T>(a1 + off), u2 = load<T>(a2 + off), u3 = load<T>(a3 + off);
    s00 += u0 * v0; s01 += u0 * v1; s10 += u1 * v0; s11 += u1 * v1;
    s20 += u2 * v0; s21 += u2 * v1; s30 += u3 * v0; s31 += u3 * v1;
  }
  storePair<T>(at, first, s00, s01);
  storePair<T>(at + ldcBytes, first, s10, s11);
  storePair<T>(at + 2 * ldcBytes, first, s20, s21);
  storePair<T>(at + 3 * ldcBytes, first, s30, s31);
}

/**
 * Columns of B per block (even): about 256 KiB of them over kc, which every 4-row tile of A then reads
 * from L2. NOTE: without blocking, a B wider than L2 streamed from L3 once per row tile: W7's
 * [32, 256]·[256, 1024] (1 MiB of B, 8 row tiles) ran at 36 GFLOP/s.
 */
@inline function jBlock<T>(kc: i32): i32 {
  return max(2, (<i32>(262144 / sizeof<T>()) / kc) & ~1);
}

/**
 * C = A·B when A's rows and B's columns are both contiguous along k (A·Bᵀ of row-major operands,
 * as in linear layers and weight gradients): dot products of 4 rows by 2 columns at a time, with no
 * packing. Wins over the packed kernel when n is small or k long, where panels would be mostly padding.
 */
export function gemmDot<T>(a: usize, ars: i32, b: usize, bcs: i32, c: usize, ldcBytes: usize, m: i32, n: i32, k: i32): void {
  const arsBytes = bytes<T>(ars);
  const bcsBytes = bytes<T>(bcs);
  for (let p0 = 0; p0 < k; p0 += kd<T>()) {
    const kc = min(kd<T>(), k - p0);
    const first = p0 == 0;
    const block = jBlock<T>(kc);
    for (let j0 = 0; j0 < n; j0 += block) {
      const j1 = min(n, j0 + block);
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        const a0 = a + <usize>i * arsBytes + bytes<T>(p0);
        let j = j0;
        for (; j + 2 <= j1; j += 2) {
          const b0 = b + <usize>j * bcsBytes + bytes<T>(p0);
          dotTile<T>(a0, arsBytes, b0, b0 + bcsBytes, kc, c + <usize>i * ldcBytes + bytes<T>(j), ldcBytes, first);
        }
        for (; j < j1; j++) {
          const bj = b + <usize>j * bcsBytes + bytes<T>(p0);
          for (let r = 0; r < 4; r++) {
            const at = c + <usize>(i + r) * ldcBytes + bytes<T>(j);
            const v = dot<T>(a0 + <usize>r * arsBytes, bj, kc);
            store<T>(at, first ? v : load<T>(at) + v);
          }
        }
      }
      for (; i < m; i++) {
        const ai = a + <usize>i * arsBytes + bytes<T>(p0);
        for (let j = j0; j < j1; j++) {
          const at = c + <usize>i * ldcBytes + bytes<T>(j);
          const v = dot<T>(ai, b + <usize>j * bcsBytes + bytes<T>(p0), kc);
          store<T>(at, first ? v : load<T>(at) + v);
        }
      }
    }
  }
}
