/**
 * Typed errors. Every message starts with the op in brackets and names the argument and the
 * shapes or values involved, e.g. `[matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ`.
 */

/**
 * Base class of every error nabla throws on purpose.
 * @example
 * try { value(1).log().pow(value(-1)); } catch (e) { if (e instanceof NablaError) console.log(e.message); }
 */
export class NablaError extends Error {
  override name = 'NablaError';
}

/**
 * Shapes that do not fit the op (broadcasting, matmul inner dims, reshape sizes, dims out of range).
 * @example
 * new ShapeError('[matmul] cannot multiply [2,3] by [4,5]: inner dimensions 3 and 4 differ');
 */
export class ShapeError extends NablaError {
  override name = 'ShapeError';
}

/**
 * A dtype the op does not accept (e.g. `requiresGrad` on an int32 tensor).
 * @example
 * new DTypeError('[tensor] requiresGrad needs a floating dtype, got int32');
 */
export class DTypeError extends NablaError {
  override name = 'DTypeError';
}

/**
 * An argument of the wrong kind or out of range (not a number, a non-integer where an integer is needed, ...).
 * @example
 * new ArgumentError('[Value] data must be a number, got string "a"');
 */
export class ArgumentError extends NablaError {
  override name = 'ArgumentError';
}

/**
 * A backend cannot do what was asked on this runtime (no worker threads, no way to force
 * collections, a kernel failure), said when it is asked rather than as a later crash.
 * @example
 * new BackendError('[setNumThreads] this runtime has no worker threads');
 */
export class BackendError extends NablaError {
  override name = 'BackendError';
}

/**
 * A value outside an op's mathematical domain, caught where the result would otherwise be a silent NaN.
 * @example
 * new DomainError('[log] input must be >= 0, got -1');
 */
export class DomainError extends NablaError {
  override name = 'DomainError';
}

/**
 * Misuse of the autograd engine (backward through a freed graph, a non-scalar backward without a gradient, ...).
 * @example
 * new AutogradError('[backward] grad can be implicitly created only for scalar outputs, got shape [2,3]');
 */
export class AutogradError extends NablaError {
  override name = 'AutogradError';
}

/**
 * An analytic gradient that disagrees with the numerical one; the message names the input, index and both values.
 * @example
 * new GradcheckError("gradient mismatch for input 1 of 'div' at [0,2]: numeric=0.5 analytic=0.25");
 */
export class GradcheckError extends NablaError {
  override name = 'GradcheckError';
}

/**
 * A NaN or Inf caught by anomaly mode (`detectAnomaly`): the op that first produced it, its input
 * shapes and dtypes and, in backward, where the forward op was created.
 * @example
 * new AnomalyError("[log] the forward produced -Infinity (float32 output [2], first at index 1) from inputs without NaN or Inf: input 0 float32 [2]");
 */
export class AnomalyError extends NablaError {
  override name = 'AnomalyError';
}

/**
 * An environment used out of order: `step` before the first `reset`, or after the episode ended
 * (terminated or truncated) without a `reset` in between.
 * @example
 * new EnvError('[CartPole-v1.step] the episode has ended (terminated); call reset() before stepping again');
 */
export class EnvError extends NablaError {
  override name = 'EnvError';
}

type ErrorClass = new (message: string) => NablaError;

/**
 * Marks this copy's Tensor class (set on its prototype by core/tensor.ts), so that `fmt` can tell a
 * tensor of another copy of the library (ESM and CJS builds both loaded) from any other object.
 * @example
 * TENSOR_BRAND in tensor([1]); // true
 */
export const TENSOR_BRAND: unique symbol = Symbol('nabla.Tensor');

/**
 * Throws `new ErrorType(message())` unless `cond` holds; the message is built only on failure.
 * @example
 * check(a.length === b.length, ShapeError, () => `[dot] lengths ${a.length} and ${b.length} differ`);
 */
export function check(cond: boolean, ErrorType: ErrorClass, message: () => string): asserts cond {
  if (!cond) throw new ErrorType(message());
}

/**
 * Formats a number or value for an error message (short, finite-aware).
 * @example
 * fmt(0.1 + 0.2); // '0.30000000000000004'
 */
export function fmt(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (typeof x === 'number') return String(x);
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (Array.isArray(x)) return `[${x.map(fmt).join(',')}]`;
  if (typeof x !== 'object') return String(x);
  if (TENSOR_BRAND in x) return 'Tensor';
  // tensor-like but not branded by this copy: a Tensor of another copy of the library
  if ('_storage' in x && 'shape' in x && 'dtype' in x) {
    return 'a Tensor from another copy of nabla (e.g. both its ESM and CommonJS builds were loaded: ' +
      'import and require resolve to two files; use one of them everywhere)';
  }
  return (x.constructor?.name ?? 'object').replace(/^_(?=[A-Z])/, ''); // bundlers rename classes _Tensor
}
