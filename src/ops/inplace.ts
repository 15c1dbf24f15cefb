/**
 * In-place updates: write a computed value into a tensor's storage and bump its version, so that
 * backward can detect a saved tensor that changed (PyTorch's error is the one users know).
 */
import { backend } from '../backend/index.js';
import { scalarTensor } from '../core/creation.js';
import type { DType } from '../base/dtype.js';
import { ArgumentError, AutogradError, DTypeError, ShapeError, check, fmt } from '../base/errors.js';
import { isGradEnabled } from '../core/grad-mode.js';
import { broadcastsTo, showShape } from '../base/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { broadcastView } from './util.js';

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

/** Checks the target and operand of an in-place op before anything is computed. */
function checkInPlace(target: Tensor, op: string, operand: unknown): void {
  if (isGradEnabled()) {
    check(!target.requiresGrad, AutogradError,
      () => `[${op}] a tensor that requires grad (${target.isLeaf ? 'a leaf' : `produced by '${target.gradFn}'`}) cannot be modified in place while grad mode is on; wrap the update in noGrad()`);
  }
  check(operand instanceof Tensor || typeof operand === 'number', ArgumentError,
    () => `[${op}] operand must be a Tensor or a number, got ${fmt(operand)}`);
  if (operand instanceof Tensor) {
    check(!(isGradEnabled() && operand.requiresGrad), AutogradError,
      () => `[${op}] in-place ops with an operand that requires grad are not supported; use the out-of-place op`);
    check(broadcastsTo(operand.shape, target.shape), ShapeError,
      () => `[${op}] operand of shape ${showShape(operand.shape)} cannot be broadcast to the tensor's shape ${showShape(target.shape)}`);
  }
  // an expanded view has several elements in one memory location: writing to it is ill-defined
  check(target.shape.every((size, d) => size <= 1 || target.strides[d] !== 0), ArgumentError,
    () => `[${op}] some elements of the written-to tensor (shape ${showShape(target.shape)}, strides [${target.strides.join(',')}]) refer to a single memory location; clone() it first`);
}

function write(target: Tensor, value: Tensor): void {
  backend().assign(target, broadcastView(value, target.shape));
  markWritten(target);
}

/**
 * Bumps the version of tensors a kernel wrote in place (every in-place write goes through here), so
 * that backward detects a saved tensor that changed.
 * @example
 * backend().adamUpdate(p, g, m, v, constants);
 * markWritten(p, m, v);
 */
export function markWritten(...targets: Tensor[]): void {
  for (const t of targets) t._storage.version++;
}

/**
 * An in-place arithmetic update: checks, computes `compute()` (out of place) and writes it into
 * `target`. The result's dtype must fit the target's (no float into int32, no int32 into bool).
 * Refused while grad mode is on if either side requires grad: nabla does not rewrite graphs in
 * place (use the out-of-place op, or `noGrad` for optimiser updates).
 * @example
 * noGrad(() => updateInPlace(w, 'sub_', g, () => w.sub(g)));
 */
export function updateInPlace<T extends Tensor>(target: T, op: string, operand: TensorLike, compute: () => Tensor): T {
  checkInPlace(target, op, operand);
  const value = compute();
  check(CATEGORY[value.dtype] <= CATEGORY[target.dtype], DTypeError,
    () => `[${op}] the result type ${value.dtype} cannot be written into a ${target.dtype} tensor in place`);
  check(broadcastsTo(value.shape, target.shape), ShapeError,
    () => `[${op}] the result has shape ${showShape(value.shape)}, which cannot be written into a tensor of shape ${showShape(target.shape)}`);
  write(target, value);
  return target;
}

/**
 * Copies `value` (a tensor broadcast to `target`'s shape, or a number) into `target`, converting
 * to its dtype as `copy_` and `fill_` do; bumps the version.
 * @example
 * noGrad(() => assignInPlace(w, 'copy_', pretrained));
 */
export function assignInPlace<T extends Tensor>(target: T, op: string, value: TensorLike): T {
  checkInPlace(target, op, value);
  write(target, value instanceof Tensor ? value : scalarTensor(value, target.dtype));
  return target;
}
