/**
 * Indexing by integer tensors: indexSelect/indexAdd and gather/scatterAdd (each pair is the
 * other's vjp), and cumsum.
 */
import { backend } from '../backend/index.js';
import { apply, type OpDef } from '../core/autograd.js';
import { zeros } from '../core/creation.js';
import { promoteTypes, type DType } from '../base/dtype.js';
import { DTypeError, ShapeError, check } from '../base/errors.js';
import { showShape, type Shape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { checkTensor, dimArg, fresh } from './util.js';

/** Checks an index tensor: int32, every entry in [0, size) (negative entries count from the end are not allowed). */
function checkIndex(index: Tensor, size: number, op: string, dim: number): void {
  checkTensor(index, op, 'index');
  check(index.dtype === 'int32', DTypeError, () => `[${op}] index must be an int32 tensor, got ${index.dtype}`);
  const c = index.contiguous();
  const values = c.data;
  const end = c.offset + c.numel();
  // NOTE: a plain loop (no closure per element): this runs on every gather of max-pooling
  for (let i = c.offset; i < end; i++) {
    const v = values[i]!;
    if (!(v >= 0 && v < size)) throw new ShapeError(`[${op}] index ${v} is out of bounds for dim ${dim} with size ${size}`);
  }
}

// d indexSelect = the gradient rows added back at their indices (indexAdd into zeros): saves the index only
const INDEX_SELECT: OpDef<{ dim: number }> = {
  name: 'indexSelect',
  save: { inputs: [1] },
  forward([x, index], { dim }) {
    const shape = x!.shape.map((s, d) => (d === dim ? index!.shape[0] ?? 1 : s));
    return fresh(backend().indexSelect(x!, dim, index!, x!.dtype), shape, x!.dtype);
  },
  vjp: (g, { inputs, inputShapes, attrs: { dim } }) => [
    zeros(inputShapes[0]!, { dtype: g.dtype }).indexAdd(dim, inputs[1]!, g),
    null,
  ],
};

/**
 * The entries `index[j]` along `dim` (index: a 1-d int32 tensor), as `torch.index_select`.
 * @example
 * indexSelect(embeddings, 0, tensor([3, 1, 3], { dtype: 'int32' })); // rows 3, 1, 3
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'indexSelect', 'input');
  const d = dimArg(dim, x.ndim, 'indexSelect');
  checkTensor(index, 'indexSelect', 'index');
  check(index.ndim <= 1, ShapeError, () => `[indexSelect] index must be 1-d, got shape ${showShape(index.shape)}`);
  checkIndex(index, x.ndim === 0 ? 1 : x.shape[d]!, 'indexSelect', d);
  return apply(INDEX_SELECT, [x.ndim === 0 ? x.reshape([1]) : x, index.reshape([-1])], { dim: d });
}

// d indexAdd = (g, —, g's rows at the indices): the index is saved only for the source's gradient
const INDEX_ADD: OpDef<{ dim: number; dtype: DType }> = {
  name: 'indexAdd',
  save: { grads: [null, null, { inputs: [1] }] },
  forward([base, index, src], { dim, dtype }) {
    return fresh(backend().indexAdd(base!, dim, index!, src!, dtype), base!.shape, dtype);
  },
  vjp: (g, { inputs, attrs: { dim }, needsInputGrad: [, , dsrc] }) => [g, null, dsrc ? g.indexSelect(dim, inputs[1]!) : null],
};

/**
 * A copy of `x` with `source`'s slices added at `index` along `dim` (repeated indices accumulate).
 * @example
 * indexAdd(zeros([3]), 0, tensor([0, 0, 2], { dtype: 'int32' }), tensor([1, 2, 3])); // [3, 0, 3]
 */
export function indexAdd(x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor {
  checkTensor(x, 'indexAdd', 'input');
  checkTensor(source, 'indexAdd', 'source');
  check(x.ndim > 0, ShapeError, () => '[indexAdd] the input must have at least 1 dim');
  const d = dimArg(dim, x.ndim, 'indexAdd');
  checkTensor(index, 'indexAdd', 'index');
  check(index.ndim <= 1, ShapeError, () => `[indexAdd] index must be 1-d, got shape ${showShape(index.shape)}`);
  checkIndex(index, x.shape[d]!, 'indexAdd', d);
  const expected = x.shape.map((s, k) => (k === d ? index.numel() : s));
  check(source.ndim === x.ndim && source.shape.every((s, k) => s === expected[k]), ShapeError,
    () => `[indexAdd] source has shape ${showShape(source.shape)}, expected ${showShape(expected)}`);
  check(promoteTypes(x.dtype, source.dtype) === x.dtype, DTypeError, () => `[indexAdd] cannot add ${source.dtype} source into a ${x.dtype} tensor`);
  return apply(INDEX_ADD, [x, index.reshape([-1]), source], { dim: d, dtype: x.dtype });
}

// d gather = the gradient scattered back (scatterAdd into zeros): saves the index only
const GATHER: OpDef<{ dim: number }> = {
  name: 'gather',
  save: { inputs: [1] },
  forward([x, index], { dim }) {
    return fresh(backend().gather(x!, dim, index!, x!.dtype), index!.shape, x!.dtype);
  },
  // the index was checked when the forward ran: apply the op directly
  vjp: (g, { inputs, inputShapes, attrs: { dim } }) => [
    apply(SCATTER_ADD, [zeros(inputShapes[0]!, { dtype: g.dtype }), inputs[1]!, g], { dim, dtype: g.dtype }),
    null,
  ],
};

function checkGatherShapes(x: Shape, index: Tensor, dim: number, op: string): void {
  check(index.ndim === x.length && index.shape.every((s, d) => d === dim || s <= x[d]!), ShapeError,
    () => `[${op}] index of shape ${showShape(index.shape)} must have as many dims as the input ${showShape(x)} and no larger sizes outside dim ${dim}`);
}

/**
 * `out[i][j] = x[i][index[i][j]]` for dim 1 (and likewise for other dims); out has index's shape.
 * @example
 * gather(tensor([[1, 2], [3, 4]]), 1, tensor([[1], [0]], { dtype: 'int32' })); // [[2], [3]]
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, 'gather', 'input');
  const d = dimArg(dim, x.ndim, 'gather');
  checkTensor(index, 'gather', 'index');
  checkGatherShapes(x.shape, index, d, 'gather');
  checkIndex(index, x.shape[d] ?? 1, 'gather', d);
  return apply(GATHER, [x, index], { dim: d });
}

/**
 * `gather` for indices a kernel of ours produced (max-pooling's argmax): the same op, without the
 * bounds scan of every entry. Not exported from the package: user indices always go through `gather`.
 * @example
 * gatherTrusted(x.reshape(n, c, h * w), 2, maxPoolIndices(x, win));
 */
export function gatherTrusted(x: Tensor, dim: number, index: Tensor): Tensor {
  return apply(GATHER, [x, index], { dim });
}

// d scatterAdd = (g, —, g gathered at the indices): the index is saved only for src's gradient
const SCATTER_ADD: OpDef<{ dim: number; dtype: DType }> = {
  name: 'scatterAdd',
  save: { grads: [null, null, { inputs: [1] }] },
  forward([base, index, src], { dim, dtype }) {
    return fresh(backend().scatterAdd(base!, dim, index!, src!, dtype), base!.shape, dtype);
  },
  // src may be larger than index: its extra entries were not used and get 0
  vjp: (g, { inputs, inputShapes, attrs: { dim }, needsInputGrad: [, , dsrc] }) => {
    if (!dsrc) return [g, null, null];
    const index = inputs[1]!;
    const picked = apply(GATHER, [g, index], { dim }); // the index was checked by the forward
    const srcShape = inputShapes[2]!;
    const padding = srcShape.flatMap((s, d) => [0, s - index.shape[d]!]).reverse();
    return [g, null, padding.every((p) => p === 0) ? picked : picked.pad(pairsFromLast(padding))];
  },
};

/** Reorders per-dim [after, before] pairs listed from the last dim into pad's (before, after) order. */
function pairsFromLast(reversed: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < reversed.length; i += 2) out.push(reversed[i + 1]!, reversed[i]!);
  return out;
}

/**
 * A copy of `x` with `src[i][j]` added at `[i][index[i][j]]` for dim 1 (likewise for other dims).
 * @example
 * scatterAdd(zeros([2, 2]), 1, tensor([[1, 1], [0, 1]], { dtype: 'int32' }), ones([2, 2])); // [[0, 2], [1, 1]]
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(x, 'scatterAdd', 'input');
  checkTensor(src, 'scatterAdd', 'src');
  const d = dimArg(dim, x.ndim, 'scatterAdd');
  checkTensor(index, 'scatterAdd', 'index');
  checkGatherShapes(x.shape, index, d, 'scatterAdd');
  check(src.ndim === index.ndim && index.shape.every((s, k) => s <= src.shape[k]!), ShapeError,
    () => `[scatterAdd] src of shape ${showShape(src.shape)} must be at least as large as index ${showShape(index.shape)} in every dim`);
  checkIndex(index, x.shape[d] ?? 1, 'scatterAdd', d);
  check(promoteTypes(x.dtype, src.dtype) === x.dtype, DTypeError, () => `[scatterAdd] cannot add ${src.dtype} src into a ${x.dtype} tensor`);
  return apply(SCATTER_ADD, [x, index, src], { dim: d, dtype: x.dtype });
}

// d cumsum = reversed cumsum of g: gᵢ accumulates from every later position
const CUMSUM: OpDef<{ dim: number }> = {
  name: 'cumsum',
  save: {},
  forward([x], { dim }) {
    const dtype = x!.dtype === 'bool' ? 'int32' : x!.dtype;
    return fresh(backend().cumsum(x!, dim, dtype), x!.shape, dtype);
  },
  vjp: (g, { attrs: { dim } }) => [g.flip(dim).cumsum(dim).flip(dim)],
};

/**
 * Running sum along `dim`.
 * @example
 * cumsum(tensor([1, 2, 3]), 0); // [1, 3, 6]
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  checkTensor(x, 'cumsum', 'input');
  const d = dimArg(dim, x.ndim, 'cumsum');
  return apply(CUMSUM, [x.ndim === 0 ? x.reshape([1]) : x], { dim: x.ndim === 0 ? 0 : d }).reshape(x.shape);
}
