/**
 * Batched matrix product, the reference kernel: for each row of A, accumulate aᵢₖ·(row k of B)
 * into a float64 row buffer (the i-k-j order walks B's rows contiguously).
 */
import type { DType, TypedArray } from '../../core/dtype.js';
import { allocate } from '../../core/dtype.js';
import type { StridedView } from '../backend.js';

/**
 * `a` [B,M,K] times `b` [B,K,N] → [B,M,N], contiguous.
 * @example
 * matmul(a, b, 'float32');
 */
export function matmul(a: StridedView, b: StridedView, dtype: DType): TypedArray {
  const [batch, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const [as0, as1, as2] = a.strides as [number, number, number];
  const [bs0, bs1, bs2] = b.strides as [number, number, number];
  const out = allocate(dtype, batch * m * n);
  const row = new Float64Array(n);
  const A = a.data;
  const B = b.data;
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      row.fill(0);
      const aRow = a.offset + t * as0 + i * as1;
      for (let p = 0; p < k; p++) {
        const aip = A[aRow + p * as2]!;
        const bRow = b.offset + t * bs0 + p * bs1;
        if (bs2 === 1) {
          for (let j = 0; j < n; j++) row[j] = row[j]! + aip * B[bRow + j]!;
        } else {
          for (let j = 0; j < n; j++) row[j] = row[j]! + aip * B[bRow + j * bs2]!;
        }
      }
      out.set(row, (t * m + i) * n);
    }
  }
  return out;
}
