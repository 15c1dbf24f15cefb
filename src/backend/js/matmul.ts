/**
 * Batched matrix product, the reference kernel: rows of the output are accumulated in float64,
 * four at a time (each row of B is read once per four rows of A), walking B's rows contiguously.
 */
import type { DType, TypedArray } from '../../base/dtype.js';
import { allocate } from '../../base/dtype.js';
import type { StridedView } from '../backend.js';
import { isContiguous } from './layout.js';

/** B as [K, N] rows with unit stride: the view itself when it already is, else a packed copy. */
function packRows(b: StridedView, t: number, k: number, n: number): { data: TypedArray | Float64Array; offset: number; rowStride: number } {
  const [bs0, bs1, bs2] = b.strides as [number, number, number];
  if (bs2 === 1) return { data: b.data, offset: b.offset + t * bs0, rowStride: bs1 };
  const packed = new Float64Array(k * n);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) packed[p * n + j] = b.data[b.offset + t * bs0 + p * bs1 + j * bs2]!;
  return { data: packed, offset: 0, rowStride: n };
}

/**
 * `a` [B,M,K] times `b` [B,K,N] → [B,M,N], contiguous.
 * @example
 * matmul(a, b, 'float32');
 */
export function matmul(a: StridedView, b: StridedView, dtype: DType): TypedArray {
  const [batch, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const [as0, as1, as2] = a.strides as [number, number, number];
  const out = allocate(dtype, batch * m * n);
  const acc = new Float64Array(4 * n);
  const A = a.data;
  const sameB = b.strides[0] === 0 && isContiguous({ shape: b.shape.slice(1), strides: b.strides.slice(1) });
  let shared = sameB ? packRows(b, 0, k, n) : null;
  for (let t = 0; t < batch; t++) {
    const { data: B, offset: bOff, rowStride } = shared ?? packRows(b, t, k, n);
    if (sameB) shared = { data: B, offset: bOff, rowStride };
    for (let i0 = 0; i0 < m; i0 += 4) {
      const rows = Math.min(4, m - i0);
      acc.fill(0);
      const a0 = a.offset + t * as0 + i0 * as1;
      for (let p = 0; p < k; p++) {
        const bRow = bOff + p * rowStride;
        const x0 = A[a0 + p * as2]!;
        const x1 = rows > 1 ? A[a0 + as1 + p * as2]! : 0;
        const x2 = rows > 2 ? A[a0 + 2 * as1 + p * as2]! : 0;
        const x3 = rows > 3 ? A[a0 + 3 * as1 + p * as2]! : 0;
        for (let j = 0; j < n; j++) {
          const y = B[bRow + j]!;
          acc[j] = acc[j]! + x0 * y;
          acc[n + j] = acc[n + j]! + x1 * y;
          acc[2 * n + j] = acc[2 * n + j]! + x2 * y;
          acc[3 * n + j] = acc[3 * n + j]! + x3 * y;
        }
      }
      for (let r = 0; r < rows; r++) out.set(acc.subarray(r * n, (r + 1) * n), (t * m + i0 + r) * n);
    }
  }
  return out;
}
