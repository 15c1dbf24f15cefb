/**
 * In-place updates: write a computed value into a tensor's storage and bump its version, so that
 * backward can detect a saved tensor that changed (PyTorch's error is the one users know).
 */
import { backend } from '../backend/index.js';
import { scalarTensor } from '../core/creation.js';
import { isFloating } from '../core/dtype.js';
import { AutogradError, DTypeError, ShapeError, check } from '../core/errors.js';
import { isGradEnabled } from '../core/grad-mode.js';
import { broadcastsTo, showShape } from '../core/shape.js';
import { Tensor, type TensorLike } from '../core/tensor.js';
import { broadcastView } from './util.js';

/**
 * Writes `value` (broadcast to `target`'s shape, converted to its dtype) into `target`, bumps the
 * version and returns `target`. Refused while grad mode is on if either side requires grad:
 * nabla does not rewrite graphs in place (use the out-of-place op, or `noGrad` for updates).
 * @example
 * noGrad(() => inPlace(w, 'sub_', w.sub(w.grad!.mul(0.1))));
 */
export function inPlace<T extends Tensor>(target: T, op: string, value: TensorLike): T {
  const src = value instanceof Tensor ? value : scalarTensor(value, target.dtype);
  if (isGradEnabled()) {
    check(!target.requiresGrad, AutogradError,
      () => `[${op}] a tensor that requires grad (${target.isLeaf ? 'a leaf' : `produced by '${target.gradFn}'`}) cannot be modified in place while grad mode is on; wrap the update in noGrad()`);
    check(!src.requiresGrad, AutogradError,
      () => `[${op}] in-place ops with an operand that requires grad are not supported; use the out-of-place op`);
  }
  check(broadcastsTo(src.shape, target.shape), ShapeError,
    () => `[${op}] the result has shape ${showShape(src.shape)}, which cannot be written into a tensor of shape ${showShape(target.shape)}`);
  check(isFloating(target.dtype) || !isFloating(src.dtype), DTypeError,
    () => `[${op}] a ${src.dtype} result cannot be written into a ${target.dtype} tensor in place`);
  backend().assign(target, broadcastView(src, target.shape));
  target._storage.version++;
  return target;
}
