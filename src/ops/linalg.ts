/**
 * Matrix products. The primitive is a batched matmul of >= 2-d tensors with NumPy-broadcast batch
 * dims; `matmul` adds PyTorch's 1-d rules on top, and mm/bmm/outer are checked special cases.
 */
import { backend } from '../backend/index.js';
import type { StridedView } from '../backend/backend.js';
import { collapse } from '../backend/js/layout.js';
import { apply, type OpDef } from '../core/autograd.js';
import { free, promoteTypes, type DType } from '../base/dtype.js';
import { DTypeError, ShapeError, check } from '../base/errors.js';
import { broadcastShapes, contiguousStrides, showShape } from '../base/shape.js';
import type { Tensor } from '../core/tensor.js';
import { broadcastView, checkTensor, fresh } from './util.js';

/**
 * `v` ([...batch, R, C], batch possibly broadcast) seen as [B, R, C]; copied (as `dtype`) when its
 * batch dims don't merge. NOTE: a copy is a raw heap block no Storage owns: the caller frees it
 * (`freeCopy`) once the kernel has run, or only the garbage collector would.
 */
function as3d(v: StridedView, batch: number, dtype: DType): StridedView {
  const nd = v.shape.length;
  const rows = v.shape[nd - 2]!;
  const cols = v.shape[nd - 1]!;
  const c = collapse(v.shape.slice(0, nd - 2), [v.strides.slice(0, nd - 2)]);
  if (c.shape.length <= 1) {
    const batchStride = c.shape.length === 0 ? 0 : c.strides[0]![0]!;
    return { data: v.data, shape: [batch, rows, cols], strides: [batchStride, v.strides[nd - 2]!, v.strides[nd - 1]!], offset: v.offset };
  }
  const copy = backend().unary('cast', v, dtype);
  return { data: copy, shape: [batch, rows, cols], strides: contiguousStrides([batch, rows, cols]), offset: 0 };
}

/** Frees `v` when `as3d` made it as a copy (its data is not the tensor's own). */
function freeCopy(v: StridedView, t: Tensor): void {
  if (v.data !== t.data) free(v.data);
}

/** True when the last two dims of `t` are column-major (a transposed view, as Wᵀ in `linear`). */
function columnMajor(t: Tensor): boolean {
  const nd = t.ndim;
  const rows = t.shape[nd - 2]!;
  const cols = t.shape[nd - 1]!;
  return rows > 1 && cols > 1 && t.strides[nd - 2] === 1 && t.strides[nd - 1] === rows;
}

/**
 * x·y, computed column-major when the operand it is the gradient of was (`columnMajorLike`): then it
 * is (yᵀ·xᵀ)ᵀ, so that the gradient of a transposed view (Wᵀ) comes out as the transposed view of a
 * contiguous product and `.grad` of W needs no transposing copy (PyTorch's grads follow their
 * tensor's layout too).
 */
function productLike(x: Tensor, y: Tensor, columnMajorLike: boolean): Tensor {
  return columnMajorLike ? y.transpose(-1, -2).matmul(x.transpose(-1, -2)).transpose(-1, -2) : x.matmul(y);
}

/** The result dtype, and the operands' layouts (kept so that backward needs no unsaved operand). */
interface MatmulAttrs {
  dtype: DType;
  columnMajor: readonly [boolean, boolean];
}

// d(A·B) = (g·Bᵀ, Aᵀ·g), summed over broadcast batch dims: A is saved only for B's gradient and
// B only for A's (a frozen weight's input is not kept)
const MATMUL: OpDef<MatmulAttrs> = {
  name: 'matmul',
  save: { grads: [{ inputs: [1] }, { inputs: [0] }] },
  forward([a, b], { dtype }) {
    const m = a!.shape[a!.ndim - 2]!;
    const n = b!.shape[b!.ndim - 1]!;
    const k = a!.shape[a!.ndim - 1]!;
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2), 'matmul');
    const size = batch.reduce((p, s) => p * s, 1);
    const a3 = as3d(broadcastView(a!, [...batch, m, k]), size, dtype);
    const b3 = as3d(broadcastView(b!, [...batch, k, n]), size, dtype);
    const out = backend().matmul(a3, b3, dtype);
    freeCopy(a3, a!);
    freeCopy(b3, b!);
    return fresh(out, [...batch, m, n], dtype);
  },
  vjp: (g, { inputs, inputShapes, attrs: { columnMajor }, needsInputGrad: [da, db] }) => [
    da ? productLike(g, inputs[1]!.transpose(-1, -2), columnMajor[0]).sumToShape(inputShapes[0]!) : null,
    db ? productLike(inputs[0]!.transpose(-1, -2), g, columnMajor[1]).sumToShape(inputShapes[1]!) : null,
  ],
};

function checkOperands(a: Tensor, b: Tensor, op: string): DType {
  checkTensor(a, op, 'input');
  checkTensor(b, op, 'other');
  check(a.dtype !== 'bool' && b.dtype !== 'bool', DTypeError, () => `[${op}] is not supported on bool tensors`);
  check(a.ndim >= 1 && b.ndim >= 1, ShapeError,
    () => `[${op}] both arguments need at least 1 dim, got shapes ${showShape(a.shape)} and ${showShape(b.shape)}`);
  const k1 = a.shape[a.ndim - 1]!;
  const k2 = b.shape[b.ndim === 1 ? 0 : b.ndim - 2]!;
  check(k1 === k2, ShapeError,
    () => `[${op}] cannot multiply ${showShape(a.shape)} by ${showShape(b.shape)}: inner dimensions ${k1} and ${k2} differ`);
  return promoteTypes(a.dtype, b.dtype);
}

/**
 * Matrix product with PyTorch's rules: 1-d·1-d is a dot product; a 1-d first (second) argument
 * gets a leading (trailing) dim of 1 that is removed afterwards; batch dims broadcast.
 * @example
 * matmul(ones([5, 2, 3]), ones([3, 4])); // shape [5, 2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const dtype = checkOperands(a, b, 'matmul');
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(1) : b;
  broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2), 'matmul');
  let out = apply(MATMUL, [a2, b2], { dtype, columnMajor: [columnMajor(a2), columnMajor(b2)] });
  if (b.ndim === 1) out = out.squeeze(-1);
  if (a.ndim === 1) out = out.squeeze(b.ndim === 1 ? -1 : -2);
  return out;
}

/**
 * Product of two matrices (2-d only).
 * @example
 * mm(ones([2, 3]), ones([3, 4])); // shape [2, 4]
 */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'mm', 'input');
  checkTensor(b, 'mm', 'mat2');
  check(a.ndim === 2 && b.ndim === 2, ShapeError, () => `[mm] expects two 2-d tensors, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
  return matmul(a, b);
}

/**
 * Batched product of [B,n,m] and [B,m,p] tensors (no broadcasting).
 * @example
 * bmm(ones([8, 2, 3]), ones([8, 3, 4])); // shape [8, 2, 4]
 */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'bmm', 'input');
  checkTensor(b, 'bmm', 'mat2');
  check(a.ndim === 3 && b.ndim === 3 && a.shape[0] === b.shape[0], ShapeError,
    () => `[bmm] expects two 3-d tensors with the same batch size, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
  return matmul(a, b);
}

/**
 * Outer product of two 1-d tensors.
 * @example
 * outer(tensor([1, 2]), tensor([3, 4, 5])); // shape [2, 3]
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'outer', 'input');
  checkTensor(b, 'outer', 'vec2');
  check(a.ndim === 1 && b.ndim === 1, ShapeError, () => `[outer] expects two 1-d tensors, got ${showShape(a.shape)} and ${showShape(b.shape)}`);
  return matmul(a.unsqueeze(1), b.unsqueeze(0));
}

