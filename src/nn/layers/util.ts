/**
 * Helpers for layer construction.
 */
import { zeros } from '../../core/creation.js';
import type { DType } from '../../base/dtype.js';
import type { Tensor } from '../../core/tensor.js';

/**
 * A zero tensor to be filled by an initialiser (float32 unless `dtype` is given).
 * @example
 * uniform_(empty([10, 784]), -0.1, 0.1);
 */
export function empty(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return zeros(shape, { dtype });
}
