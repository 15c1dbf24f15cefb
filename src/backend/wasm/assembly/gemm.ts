// Single-precision matrix product C = A·B for strided A [m×k] and B [k×n] (element strides, so
// transposed views need no copy) into a row-major C with row stride ldc. Blocked as GotoBLAS:
// B is packed in KC×NC blocks of NR-wide panels, A in MR-tall panels, and an MR×NR micro-kernel
// keeps its accumulators in SIMD registers. Pointers are byte offsets into the shared memory.

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const NC: i32 = 512;

/**
 * a·b + c per lane. Built twice (scripts/build-wasm.mjs): with relaxed SIMD, one fused multiply-add
 * (rounded once, or twice where the CPU has no FMA: the relaxed semantics allow either); without
 * it, a multiply then an add.
 */
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Bytes of scratch one call needs: a packed B block and a packed A panel (plus an MR×NR edge tile). */
export function gemmScratchBytes(): i32 {
  return (KC * NC + MR * KC + MR * NR) * 4;
}

/** Writes a 4×8 tile of accumulators to C (C = acc, or C += acc when `add`). */
@inline function storeTile(c: usize, ldcBytes: usize, add: bool, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  let row = c;
  if (add) {
    c00 = f32x4.add(v128.load(row), c00);
    c01 = f32x4.add(v128.load(row, 16), c01);
  }
  v128.store(row, c00);
  v128.store(row, c01, 16);
  row += ldcBytes;
  if (add) {
    c10 = f32x4.add(v128.load(row), c10);
    c11 = f32x4.add(v128.load(row, 16), c11);
  }
  v128.store(row, c10);
  v128.store(row, c11, 16);
  row += ldcBytes;
  if (add) {
    c20 = f32x4.add(v128.load(row), c20);
    c21 = f32x4.add(v128.load(row, 16), c21);
  }
  v128.store(row, c20);
  v128.store(row, c21, 16);
  row += ldcBytes;
  if (add) {
    c30 = f32x4.add(v128.load(row), c30);
    c31 = f32x4.add(v128.load(row, 16), c31);
  }
  v128.store(row, c30);
  v128.store(row, c31, 16);
}

// 4×8 micro-kernel: acc[r][0..8] = Σ_p A[r,p]·B[p,0..8] over kc packed entries, then C = acc (or C += acc).
@inline function micro(ap: usize, bp: usize, c: usize, ldcBytes: usize, kc: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  storeTile(c, ldcBytes, add, c00, c01, c10, c11, c20, c21, c30, c31);
}

// The micro-kernel reading A in place too: rows a0..a3 advance by acsBytes per step (no packing at all).
@inline function microStrided(a0: usize, a1: usize, a2: usize, a3: usize, acsBytes: usize, bp: usize, ldbBytes: usize, c: usize, ldcBytes: usize, kc: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(a0);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(a1);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(a2);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(a3);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a0 += acsBytes;
    a1 += acsBytes;
    a2 += acsBytes;
    a3 += acsBytes;
    bp += ldbBytes;
  }
  storeTile(c, ldcBytes, false, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * C = A·B for small products with B of unit column stride: nothing is packed (packing costs as much
 * as the product at these sizes); each NR-wide panel of B is read in place by every row tile while
 * it sits in cache, and A's rows are read in place too. Only a partial last panel of B is copied.
 */
function sgemmSmall(a: usize, ars: i32, acs: i32, b: usize, brs: i32, c: usize, ldcBytes: usize, m: i32, n: i32, k: i32, scratch: usize): void {
  const panel = scratch; // a zero-padded copy of the last, partial panel of B
  const edge = panel + (<usize>(k * NR) << 2);
  const ldbBytes = <usize>brs << 2;
  const arsBytes = <usize>ars << 2;
  const acsBytes = <usize>acs << 2;
  for (let j0 = 0; j0 < n; j0 += NR) {
    const width = min(NR, n - j0);
    let bp = b + (<usize>j0 << 2);
    let stride = ldbBytes;
    if (width < NR) {
      packB(b, brs, 1, 0, k, j0, width, panel);
      bp = panel;
      stride = <usize>(NR << 2);
    }
    for (let i0 = 0; i0 < m; i0 += MR) {
      const rows = min(MR, m - i0);
      const target = c + <usize>i0 * ldcBytes + (<usize>j0 << 2);
      const a0 = a + <usize>i0 * arsBytes;
      // rows past the end read row i0 again (valid memory); their results are dropped
      const a1 = rows > 1 ? a0 + arsBytes : a0;
      const a2 = rows > 2 ? a0 + 2 * arsBytes : a0;
      const a3 = rows > 3 ? a0 + 3 * arsBytes : a0;
      if (rows == MR && width == NR) {
        microStrided(a0, a1, a2, a3, acsBytes, bp, stride, target, ldcBytes, k);
      } else {
        microStrided(a0, a1, a2, a3, acsBytes, bp, stride, edge, <usize>(NR << 2), k);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < width; j++) store<f32>(target + <usize>r * ldcBytes + (<usize>j << 2), load<f32>(edge + (<usize>(r * NR + j) << 2)));
        }
      }
    }
  }
}

/** Packs B[p0:p0+kc, j0:j0+nc] into NR-wide panels (zero-padded on the right). */
function packB(b: usize, brs: i32, bcs: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  if (brs == 1 && bcs != 1) {
    // a transposed B: walk each column (contiguous in p) and scatter it into the panel
    for (let jp = 0; jp < nc; jp += NR) {
      const width = min(NR, nc - jp);
      const panel = dst + (<usize>(jp * kc) << 2);
      if (width < NR) memory.fill(panel, 0, <usize>(kc * NR) << 2);
      for (let j = 0; j < width; j++) {
        const src = b + (<usize>(p0 + (j0 + jp + j) * bcs) << 2);
        for (let p = 0; p < kc; p++) store<f32>(panel + (<usize>(p * NR + j) << 2), load<f32>(src + (<usize>p << 2)));
      }
    }
    return;
  }
  for (let jp = 0; jp < nc; jp += NR) {
    const width = min(NR, nc - jp);
    for (let p = 0; p < kc; p++) {
      const src = b + (<usize>((p0 + p) * brs + (j0 + jp) * bcs) << 2);
      if (width == NR && bcs == 1) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) store<f32>(dst + (<usize>j << 2), j < width ? load<f32>(src + (<usize>(j * bcs) << 2)) : 0);
      }
      dst += <usize>(NR << 2);
    }
  }
}

/** Packs A[i0:i0+MR, p0:p0+kc] interleaved by p (zero-padded below). */
function packA(a: usize, ars: i32, acs: i32, i0: i32, rows: i32, p0: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    for (let r = 0; r < MR; r++) {
      store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(a + (<usize>((i0 + r) * ars + (p0 + p) * acs) << 2)) : 0);
    }
    dst += <usize>(MR << 2);
  }
}

/** Sum of the 4 lanes. */
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Σ_p a[p]·b[p] over p in [0, kc) for contiguous a and b. */
@inline function dot(a: usize, b: usize, kc: i32): f32 {
  let acc = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= kc; p += 4) acc = madd(v128.load(a + (<usize>p << 2)), v128.load(b + (<usize>p << 2)), acc);
  let r = hsum(acc);
  for (; p < kc; p++) r += load<f32>(a + (<usize>p << 2)) * load<f32>(b + (<usize>p << 2));
  return r;
}

/** Writes (first block of k) or adds two adjacent C entries. */
@inline function storePair(at: usize, first: bool, x: f32, y: f32): void {
  store<f32>(at, first ? x : load<f32>(at) + x);
  store<f32>(at, first ? y : load<f32>(at, 4) + y, 4);
}

/** Block of the inner dim that a 4-row tile of A and 2 columns of B keep in L1 (24 KiB). */
const KD: i32 = 1024;

/**
 * C = A·B when A's rows and B's columns are both contiguous along k (A·Bᵀ of row-major operands,
 * as in linear layers and weight gradients): dot products of 4 rows by 2 columns at a time, with no
 * packing. Wins over the packed kernel when n is small or k long, where panels would be mostly padding.
 */
function sgemmDot(a: usize, ars: i32, b: usize, bcs: i32, c: usize, ldcBytes: usize, m: i32, n: i32, k: i32): void {
  const arsBytes = <usize>ars << 2;
  const bcsBytes = <usize>bcs << 2;
  for (let p0 = 0; p0 < k; p0 += KD) {
    const kc = min(KD, k - p0);
    const kv = kc & ~3;
    const first = p0 == 0;
    let i = 0;
    for (; i + 4 <= m; i += 4) {
      const a0 = a + <usize>i * arsBytes + (<usize>p0 << 2);
      const a1 = a0 + arsBytes;
      const a2 = a1 + arsBytes;
      const a3 = a2 + arsBytes;
      let j = 0;
      for (; j + 2 <= n; j += 2) {
        const b0 = b + <usize>j * bcsBytes + (<usize>p0 << 2);
        const b1 = b0 + bcsBytes;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        for (let p = 0; p < kv; p += 4) {
          const off = <usize>p << 2;
          const v0 = v128.load(b0 + off);
          const v1 = v128.load(b1 + off);
          let u = v128.load(a0 + off);
          c00 = madd(u, v0, c00);
          c01 = madd(u, v1, c01);
          u = v128.load(a1 + off);
          c10 = madd(u, v0, c10);
          c11 = madd(u, v1, c11);
          u = v128.load(a2 + off);
          c20 = madd(u, v0, c20);
          c21 = madd(u, v1, c21);
          u = v128.load(a3 + off);
          c30 = madd(u, v0, c30);
          c31 = madd(u, v1, c31);
        }
        let s00 = hsum(c00), s01 = hsum(c01), s10 = hsum(c10), s11 = hsum(c11);
        let s20 = hsum(c20), s21 = hsum(c21), s30 = hsum(c30), s31 = hsum(c31);
        for (let p = kv; p < kc; p++) {
          const off = <usize>p << 2;
          const v0 = load<f32>(b0 + off);
          const v1 = load<f32>(b1 + off);
          const u0 = load<f32>(a0 + off), u1 = load<f32>(a1 + off), u2 = load<f32>(a2 + off), u3 = load<f32>(a3 + off);
          s00 += u0 * v0; s01 += u0 * v1; s10 += u1 * v0; s11 += u1 * v1;
          s20 += u2 * v0; s21 += u2 * v1; s30 += u3 * v0; s31 += u3 * v1;
        }
        const at = c + <usize>i * ldcBytes + (<usize>j << 2);
        storePair(at, first, s00, s01);
        storePair(at + ldcBytes, first, s10, s11);
        storePair(at + 2 * ldcBytes, first, s20, s21);
        storePair(at + 3 * ldcBytes, first, s30, s31);
      }
      for (; j < n; j++) {
        const bj = b + <usize>j * bcsBytes + (<usize>p0 << 2);
        for (let r = 0; r < 4; r++) {
          const at = c + <usize>(i + r) * ldcBytes + (<usize>j << 2);
          const v = dot(a0 + <usize>r * arsBytes, bj, kc);
          store<f32>(at, first ? v : load<f32>(at) + v);
        }
      }
    }
    for (; i < m; i++) {
      const ai = a + <usize>i * arsBytes + (<usize>p0 << 2);
      for (let j = 0; j < n; j++) {
        const at = c + <usize>i * ldcBytes + (<usize>j << 2);
        const v = dot(ai, b + <usize>j * bcsBytes + (<usize>p0 << 2), kc);
        store<f32>(at, first ? v : load<f32>(at) + v);
      }
    }
  }
}

/**
 * C[m×n] (row stride ldc) = A·B, overwriting C. A element (i, p) is at a + 4·(i·ars + p·acs),
 * B element (p, j) at b + 4·(p·brs + j·bcs). `scratch` holds gemmScratchBytes() bytes.
 */
export function sgemm(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, scratch: usize): void {
  const ldcBytes = <usize>ldc << 2;
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, <usize>n << 2);
    return;
  }
  if (acs == 1 && brs == 1 && (n < 16 || m < 8 || k >= 128)) {
    sgemmDot(a, ars, b, bcs, c, ldcBytes, m, n, k);
    return;
  }
  if (bcs == 1 && m <= 128 && k * NR + MR * NR <= KC * NC + MR * KC) {
    sgemmSmall(a, ars, acs, b, brs, c, ldcBytes, m, n, k, scratch);
    return;
  }
  const bpack = scratch;
  const apack = scratch + (<usize>(KC * NC) << 2);
  const edge = apack + (<usize>(MR * KC) << 2);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      packB(b, brs, bcs, p0, kc, j0, nc, bpack);
      for (let i0 = 0; i0 < m; i0 += MR) {
        const rows = min(MR, m - i0);
        packA(a, ars, acs, i0, rows, p0, kc, apack);
        for (let jp = 0; jp < nc; jp += NR) {
          const width = min(NR, nc - jp);
          const panel = bpack + (<usize>(jp * kc) << 2);
          const target = c + <usize>i0 * ldcBytes + (<usize>(j0 + jp) << 2);
          const add = p0 > 0; // the first block of k writes C, later blocks add to it
          if (rows == MR && width == NR) {
            micro(apack, panel, target, ldcBytes, kc, add);
          } else {
            // edge tile: compute a full MR×NR tile into scratch, write or add its valid part to C
            micro(apack, panel, edge, <usize>(NR << 2), kc, false);
            for (let r = 0; r < rows; r++) {
              for (let j = 0; j < width; j++) {
                const at = target + <usize>r * ldcBytes + (<usize>j << 2);
                const v = load<f32>(edge + (<usize>(r * NR + j) << 2));
                store<f32>(at, add ? load<f32>(at) + v : v);
              }
            }
          }
        }
      }
    }
  }
}

/** `count` products C_t = A_t·B_t of a batch: operand t starts `abatch`/`bbatch` elements after t−1; C is contiguous. */
export function sgemmBatch(
  a: usize, abatch: i32, ars: i32, acs: i32,
  b: usize, bbatch: i32, brs: i32, bcs: i32,
  c: usize, m: i32, n: i32, k: i32, count: i32, scratch: usize,
): void {
  for (let t = 0; t < count; t++) {
    sgemm(a + (<usize>(t * abatch) << 2), ars, acs, b + (<usize>(t * bbatch) << 2), brs, bcs, c + (<usize>(t * m * n) << 2), n, m, n, k, scratch);
  }
}
