/**
 * Dropout and embedding lookup.
 */
import { rand } from '../../core/creation.js';
import { ArgumentError, DTypeError, ShapeError, check, fmt } from '../../base/errors.js';
import type { Generator } from '../../base/random.js';
import { showShape } from '../../base/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { where } from '../../ops/elementwise.js';
import { checkTensor } from '../../ops/util.js';

/**
 * Zeroes each element with probability `p` and scales the rest by 1/(1 − p) while training;
 * the identity otherwise. Seeded by the global generator unless one is given.
 * @example
 * dropout(x, 0.5, { training: true });
 */
export function dropout(x: Tensor, p = 0.5, options: { training?: boolean; generator?: Generator } = {}): Tensor {
  checkTensor(x, 'dropout', 'input');
  check(typeof p === 'number' && p >= 0 && p <= 1, ArgumentError, () => `[dropout] probability has to be between 0 and 1, but got ${fmt(p)}`);
  const { training = true, generator } = options;
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const keep = rand(x.shape, { dtype: x.dtype === 'float64' ? 'float64' : 'float32', generator }).ge(p);
  return where(keep, x.div(1 - p), 0);
}

/**
 * Rows of `weight` [V, D] for each index of `input` (int32, any shape) → [...input.shape, D].
 * With `paddingIdx`, that row receives no gradient.
 * @example
 * embedding(tensor([[1, 2]], { dtype: 'int32' }), table).shape; // [1, 2, D]
 */
export function embedding(input: Tensor, weight: Tensor, options: { paddingIdx?: number | null } = {}): Tensor {
  checkTensor(input, 'embedding', 'input');
  checkTensor(weight, 'embedding', 'weight');
  check(input.dtype === 'int32', DTypeError, () => `[embedding] input must hold int32 indices, got ${input.dtype}`);
  check(weight.ndim === 2, ShapeError, () => `[embedding] weight must be 2-d [numEmbeddings, embeddingDim], got ${showShape(weight.shape)}`);
  const rows = weight.indexSelect(0, input.reshape(-1)).reshape([...input.shape, weight.shape[1]!]);
  const v = weight.shape[0]!;
  const { paddingIdx: given = null } = options;
  if (given === null) return rows;
  check(Number.isSafeInteger(given) && given >= -v && given < v, ArgumentError,
    () => `[embedding] paddingIdx must be within the ${v} embeddings, got ${fmt(given)}`);
  const paddingIdx = given < 0 ? given + v : given;
  // the padding row is read from a detached weight: no gradient reaches it
  const isPad = input.eq(paddingIdx).unsqueeze(-1);
  return where(isPad, weight.detach().indexSelect(0, input.reshape(-1)).reshape(rows.shape), rows);
}
