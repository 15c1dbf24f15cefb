// Matrix product C = A·B for strided A [m×k] and B [k×n] (element strides, so transposed views need
// no copy) into a row-major C with row stride ldc, in single (sgemm) and double (dgemm) precision:
// one generic code, T = f32 or f64, whose vectors hold 4 or 2 lanes. Blocked as GotoBLAS: B is packed
// in KC×NC blocks of NR-wide panels, A in MR-tall panels, and an MR×NR micro-kernel keeps its
// accumulators in SIMD registers (4 rows × 2 vectors: 4×8 floats, 4×4 doubles); A·Bᵀ of row-major
// operands takes dot products instead (gemm-dot.ts). Pointers are byte offsets into the shared memory.

import { bytes, gemmDot, madd } from './gemm-dot';

const MR: i32 = 4;
const KC: i32 = 256;

/** Columns of a micro-tile (two vectors): 8 floats, 4 doubles. */
@inline function nr<T>(): i32 {
  return 32 / <i32>sizeof<T>();
}

/** Columns of a packed block of B: 512 floats, 256 doubles (KC×NC is 512 KiB either way). */
@inline function nc<T>(): i32 {
  return 2048 / <i32>sizeof<T>();
}

/** Bytes of scratch one call needs: a packed B block and a packed A panel (plus an MR×NR edge tile). */
@inline function scratchBytes<T>(): i32 {
  return (KC * nc<T>() + MR * KC + MR * nr<T>()) * <i32>sizeof<T>();
}

/**
 * Bytes of scratch one sgemm or dgemm call needs (the larger of the two).
 * @example
 * const scratch = heap.reserve(k.gemmScratchBytes());
 */
export function gemmScratchBytes(): i32 {
  return max(scratchBytes<f32>(), scratchBytes<f64>());
}

/** Writes one row of a tile (C = acc, or C += acc when `add`). */
@inline function storeRow<T>(row: usize, add: bool, lo: v128, hi: v128): void {
  if (add) {
    lo = v128.add<T>(v128.load(row), lo);
    hi = v128.add<T>(v128.load(row, 16), hi);
  }
  v128.store(row, lo);
  v128.store(row, hi, 16);
}

/** Writes a tile of accumulators to C (C = acc, or C += acc when `add`). */
@inline function storeTile<T>(c: usize, ldcBytes: usize, add: bool, c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128): void {
  storeRow<T>(c, add, c00, c01);
  storeRow<T>(c + ldcBytes, add, c10, c11);
  storeRow<T>(c + 2 * ldcBytes, add, c20, c21);
  storeRow<T>(c + 3 * ldcBytes, add, c30, c31);
}

// The micro-kernel reading A in place: acc[r][0..NR] = Σ_p A[r,p]·B[p,0..NR] over kc steps, rows
// a0..a3 of A advancing by aStep bytes per step and B by bStep bytes; then C = acc.
@inline function microStrided<T>(a0: usize, a1: usize, a2: usize, a3: usize, aStep: usize, bp: usize, bStep: usize, c: usize, ldcBytes: usize, kc: i32): void {
  let c00 = i64x2.splat(0), c01 = i64x2.splat(0);
  let c10 = i64x2.splat(0), c11 = i64x2.splat(0);
  let c20 = i64x2.splat(0), c21 = i64x2.splat(0);
  let c30 = i64x2.splat(0), c31 = i64x2.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load_splat<T>(a0);
    c00 = madd<T>(a, b0, c00);
    c01 = madd<T>(a, b1, c01);
    a = v128.load_splat<T>(a1);
    c10 = madd<T>(a, b0, c10);
    c11 = madd<T>(a, b1, c11);
    a = v128.load_splat<T>(a2);
    c20 = madd<T>(a, b0, c20);
    c21 = madd<T>(a, b1, c21);
    a = v128.load_splat<T>(a3);
    c30 = madd<T>(a, b0, c30);
    c31 = madd<T>(a, b1, c31);
    a0 += aStep;
    a1 += aStep;
    a2 += aStep;
    a3 += aStep;
    bp += bStep;
  }
  storeTile<T>(c, ldcBytes, false, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** The micro-kernel over a packed A panel (its MR entries of step p adjacent) and a packed B panel. */
@inline function microPacked<T>(ap: usize, bp: usize, c: usize, ldcBytes: usize, kc: i32, add: bool): void {
  let c00 = i64x2.splat(0), c01 = i64x2.splat(0);
  let c10 = i64x2.splat(0), c11 = i64x2.splat(0);
  let c20 = i64x2.splat(0), c21 = i64x2.splat(0);
  let c30 = i64x2.splat(0), c31 = i64x2.splat(0);
  const end = ap + bytes<T>(MR * kc);
  while (ap < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load_splat<T>(ap);
    c00 = madd<T>(a, b0, c00);
    c01 = madd<T>(a, b1, c01);
    a = v128.load_splat<T>(ap, sizeof<T>());
    c10 = madd<T>(a, b0, c10);
    c11 = madd<T>(a, b1, c11);
    a = v128.load_splat<T>(ap, 2 * sizeof<T>());
    c20 = madd<T>(a, b0, c20);
    c21 = madd<T>(a, b1, c21);
    a = v128.load_splat<T>(ap, 3 * sizeof<T>());
    c30 = madd<T>(a, b0, c30);
    c31 = madd<T>(a, b1, c31);
    ap += bytes<T>(MR);
    bp += bytes<T>(nr<T>());
  }
  storeTile<T>(c, ldcBytes, add, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** Copies (or adds) the valid rows × width part of an MR×NR edge tile to C. */
@inline function storeEdge<T>(edge: usize, target: usize, ldcBytes: usize, rows: i32, width: i32, add: bool): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const at = target + <usize>r * ldcBytes + bytes<T>(j);
      const v = load<T>(edge + bytes<T>(r * nr<T>() + j));
      store<T>(at, add ? load<T>(at) + v : v);
    }
  }
}

/**
 * C = A·B for small products with B of unit column stride: nothing is packed (packing costs as much
 * as the product at these sizes); each NR-wide panel of B is read in place by every row tile while
 * it sits in cache, and A's rows are read in place too. Only a partial last panel of B is copied.
 */
function gemmSmall<T>(a: usize, ars: i32, acs: i32, b: usize, brs: i32, c: usize, ldcBytes: usize, m: i32, n: i32, k: i32, scratch: usize): void {
  const NR = nr<T>();
  const panel = scratch; // a zero-padded copy of the last, partial panel of B
  const edge = panel + bytes<T>(k * NR);
  const ldbBytes = bytes<T>(brs);
  const arsBytes = bytes<T>(ars);
  const acsBytes = bytes<T>(acs);
  for (let j0 = 0; j0 < n; j0 += NR) {
    const width = min(NR, n - j0);
    let bp = b + bytes<T>(j0);
    let stride = ldbBytes;
    if (width < NR) {
      packB<T>(b, brs, 1, 0, k, j0, width, panel);
      bp = panel;
      stride = bytes<T>(NR);
    }
    for (let i0 = 0; i0 < m; i0 += MR) {
      const rows = min(MR, m - i0);
      const target = c + <usize>i0 * ldcBytes + bytes<T>(j0);
      const a0 = a + <usize>i0 * arsBytes;
      // rows past the end read row i0 again (valid memory); their results are dropped
      const a1 = rows > 1 ? a0 + arsBytes : a0;
      const a2 = rows > 2 ? a0 + 2 * arsBytes : a0;
      const a3 = rows > 3 ? a0 + 3 * arsBytes : a0;
      if (rows == MR && width == NR) {
        microStrided<T>(a0, a1, a2, a3, acsBytes, bp, stride, target, ldcBytes, k);
      } else {
        microStrided<T>(a0, a1, a2, a3, acsBytes, bp, stride, edge, bytes<T>(NR), k);
        storeEdge<T>(edge, target, ldcBytes, rows, width, false);
      }
    }
  }
}

/** Packs B[p0:p0+kc, j0:j0+nc] into NR-wide panels (zero-padded on the right). */
function packB<T>(b: usize, brs: i32, bcs: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const NR = nr<T>();
  if (brs == 1 && bcs != 1) {
    // a transposed B: walk each column (contiguous in p) and scatter it into the panel
    for (let jp = 0; jp < nc; jp += NR) {
      const width = min(NR, nc - jp);
      const panel = dst + bytes<T>(jp * kc);
      if (width < NR) memory.fill(panel, 0, bytes<T>(kc * NR));
      for (let j = 0; j < width; j++) {
        const src = b + bytes<T>(p0 + (j0 + jp + j) * bcs);
        for (let p = 0; p < kc; p++) store<T>(panel + bytes<T>(p * NR + j), load<T>(src + bytes<T>(p)));
      }
    }
    return;
  }
  for (let jp = 0; jp < nc; jp += NR) {
    const width = min(NR, nc - jp);
    for (let p = 0; p < kc; p++) {
      const src = b + bytes<T>((p0 + p) * brs + (j0 + jp) * bcs);
      if (width == NR && bcs == 1) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) store<T>(dst + bytes<T>(j), j < width ? load<T>(src + bytes<T>(j * bcs)) : <T>0);
      }
      dst += bytes<T>(NR);
    }
  }
}

/** Packs A[i0:i0+MR, p0:p0+kc] interleaved by p (zero-padded below). */
function packA<T>(a: usize, ars: i32, acs: i32, i0: i32, rows: i32, p0: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    for (let r = 0; r < MR; r++) {
      store<T>(dst + bytes<T>(r), r < rows ? load<T>(a + bytes<T>((i0 + r) * ars + (p0 + p) * acs)) : <T>0);
    }
    dst += bytes<T>(MR);
  }
}

/** C = A·B through packed blocks of B and packed panels of A (any strides). */
function gemmPacked<T>(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldcBytes: usize, m: i32, n: i32, k: i32, scratch: usize): void {
  const NR = nr<T>();
  const NC = nc<T>();
  const bpack = scratch;
  const apack = scratch + bytes<T>(KC * NC);
  const edge = apack + bytes<T>(MR * KC);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const ncols = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const add = p0 > 0; // the first block of k writes C, later blocks add to it
      packB<T>(b, brs, bcs, p0, kc, j0, ncols, bpack);
      for (let i0 = 0; i0 < m; i0 += MR) {
        const rows = min(MR, m - i0);
        packA<T>(a, ars, acs, i0, rows, p0, kc, apack);
        for (let jp = 0; jp < ncols; jp += NR) {
          const width = min(NR, ncols - jp);
          const panel = bpack + bytes<T>(jp * kc);
          const target = c + <usize>i0 * ldcBytes + bytes<T>(j0 + jp);
          if (rows == MR && width == NR) {
            microPacked<T>(apack, panel, target, ldcBytes, kc, add);
          } else {
            // edge tile: compute a full MR×NR tile into scratch, write or add its valid part to C
            microPacked<T>(apack, panel, edge, bytes<T>(NR), kc, false);
            storeEdge<T>(edge, target, ldcBytes, rows, width, add);
          }
        }
      }
    }
  }
}

/**
 * Most rows of A for which reading B in place (gemmSmall) beats packing it, when k ≤ KC (a longer
 * panel of B no longer stays in L1 while the row tiles read it: W9's weight gradients, 128×4096·4096×512,
 * ran 26–34 GFLOP/s in place against 63–77 packed): 128 for floats; 16 for
 * doubles, whose rows of B are twice as long for the same panel width (measured on 256×256 to
 * 1024×1024 B: packing is 1.2–1.8× faster from 64 rows, reading in place 1.2–1.7× faster up to 8).
 */
@inline function smallRows<T>(): i32 {
  return sizeof<T>() == 4 ? 128 : 16;
}

/** C = A·B (see sgemm), choosing the dot-product, in-place or packed path. */
@inline function gemm<T>(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, scratch: usize): void {
  const ldcBytes = bytes<T>(ldc);
  if (k == 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldcBytes, 0, bytes<T>(n));
  } else if (acs == 1 && brs == 1 && (n < 16 || m < 8 || k >= 128)) {
    gemmDot<T>(a, ars, b, bcs, c, ldcBytes, m, n, k);
  } else if (bcs == 1 && m <= smallRows<T>() && k <= KC) {
    gemmSmall<T>(a, ars, acs, b, brs, c, ldcBytes, m, n, k, scratch);
  } else {
    gemmPacked<T>(a, ars, acs, b, brs, bcs, c, ldcBytes, m, n, k, scratch);
  }
}

/**
 * C[m×n] (row stride ldc) = A·B in float32, overwriting C. A element (i, p) is at a + 4·(i·ars + p·acs),
 * B element (p, j) at b + 4·(p·brs + j·bcs). `scratch` holds gemmScratchBytes() bytes.
 * @example
 * sgemm(a, k, 1, b, n, 1, c, n, m, n, k, scratch); // row-major A [m×k], B [k×n]
 */
export function sgemm(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, scratch: usize): void {
  gemm<f32>(a, ars, acs, b, brs, bcs, c, ldc, m, n, k, scratch);
}

/**
 * sgemm in float64: element (i, p) of A is at a + 8·(i·ars + p·acs), and so on.
 * @example
 * dgemm(a, 1, m, b, n, 1, c, n, m, n, k, scratch); // Aᵀ·B of a row-major A [k×m]
 */
export function dgemm(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32, scratch: usize): void {
  gemm<f64>(a, ars, acs, b, brs, bcs, c, ldc, m, n, k, scratch);
}

/** `count` products C_t = A_t·B_t of a batch: operand t starts `abatch`/`bbatch` elements after t−1; C is contiguous. */
@inline function gemmBatch<T>(a: usize, abatch: i32, ars: i32, acs: i32, b: usize, bbatch: i32, brs: i32, bcs: i32, c: usize, m: i32, n: i32, k: i32, count: i32, scratch: usize): void {
  for (let t = 0; t < count; t++) {
    gemm<T>(a + bytes<T>(t * abatch), ars, acs, b + bytes<T>(t * bbatch), brs, bcs, c + bytes<T>(t * m * n), n, m, n, k, scratch);
  }
}

/**
 * `count` float32 products C_t = A_t·B_t of a batch: operand t starts `abatch`/`bbatch` elements after
 * t−1 (0 for a broadcast operand); C is contiguous.
 * @example
 * sgemmBatch(a, m * k, k, 1, b, 0, n, 1, c, m, n, k, batch, scratch); // B shared by the batch
 */
export function sgemmBatch(
  a: usize, abatch: i32, ars: i32, acs: i32,
  b: usize, bbatch: i32, brs: i32, bcs: i32,
  c: usize, m: i32, n: i32, k: i32, count: i32, scratch: usize,
): void {
  gemmBatch<f32>(a, abatch, ars, acs, b, bbatch, brs, bcs, c, m, n, k, count, scratch);
}

/**
 * sgemmBatch in float64.
 * @example
 * dgemmBatch(a, m * k, k, 1, b, k * n, n, 1, c, m, n, k, batch, scratch);
 */
export function dgemmBatch(
  a: usize, abatch: i32, ars: i32, acs: i32,
  b: usize, bbatch: i32, brs: i32, bcs: i32,
  c: usize, m: i32, n: i32, k: i32, count: i32, scratch: usize,
): void {
  gemmBatch<f64>(a, abatch, ars, acs, b, bbatch, brs, bcs, c, m, n, k, count, scratch);
}
