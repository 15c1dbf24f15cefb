/**
 * Anomaly mode, after PyTorch's `detect_anomaly`: while it is on, every op recorded by `apply`
 * keeps the stack of its creation, a forward op that turns finite inputs into NaN or Inf throws at
 * once, and a vjp that returns a NaN or Inf gradient throws naming the op, the input and where its
 * forward was created. Off (the default) it costs one boolean test per op.
 */
import type { Node, VjpContext } from './autograd.js';
import { isFloating } from '../base/dtype.js';
import { AnomalyError } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import type { Tensor } from './tensor.js';

let enabled = false;
/** > 0 while a vjp runs: the ops inside it are the backward's, checked through the vjp's result. */
let inVjp = 0;

/** Where each node's forward ran, for nodes recorded while the mode was on. */
const creationStacks = new WeakMap<Node, string>();

/**
 * True while anomaly mode is on.
 * @example
 * detectAnomaly(() => isAnomalyEnabled()); // true
 */
export function isAnomalyEnabled(): boolean {
  return enabled;
}

/**
 * Turns anomaly mode on or off for everything that follows (prefer `detectAnomaly` for a region).
 * @example
 * setDetectAnomaly(true); // debugging a NaN loss: every op is now checked
 */
export function setDetectAnomaly(on: boolean): void {
  enabled = on;
}

/**
 * Runs `fn` with anomaly mode on and returns its result; the previous mode comes back afterwards,
 * also when `fn` throws. Nests. Slow (every op's values are scanned): for debugging only.
 * @example
 * detectAnomaly(() => model.forward(x).log().sum().backward()); // throws an AnomalyError at the first NaN/Inf
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** The flat (row-major) index of the first NaN or ±Inf of a floating tensor, or -1. */
function firstNonFinite(t: Tensor): number {
  if (!isFloating(t.dtype)) return -1;
  const { data, shape, strides } = t;
  const n = t.numel();
  const index = new Array<number>(shape.length).fill(0);
  let at = t.offset;
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(data[at]!)) return k;
    // NOTE: walks the strided view itself: `contiguous()` would be an op, checked (and recorded) in turn
    for (let d = shape.length - 1; d >= 0; d--) {
      at += strides[d]!;
      if (++index[d]! < shape[d]!) break;
      at -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return -1;
}

function showTensor(t: Tensor): string {
  return `${t.dtype} ${showShape(t.shape)}`;
}

/**
 * Throws an AnomalyError when `out` has NaN/Inf that none of the floating `inputs` had (the op is
 * where the anomaly starts). Called by `apply` while the mode is on.
 * @example
 * checkForward('log', [x], y);
 */
export function checkForward(opName: string, inputs: readonly Tensor[], out: Tensor): void {
  if (inVjp > 0) return;
  const k = firstNonFinite(out);
  if (k < 0 || inputs.some((t) => firstNonFinite(t) >= 0)) return;
  const operands = inputs.map((t, i) => `input ${i} ${showTensor(t)}`).join(', ');
  throw new AnomalyError(`[${opName}] the forward produced ${valueAt(out, k)} (${showTensor(out)} output, first at flat index ${k}) ` +
    `from inputs without NaN or Inf: ${operands}`);
}

/**
 * Keeps the stack of the code that created `node` (its forward op). Called by `apply` while the mode is on.
 * @example
 * recordCreation(out._node);
 */
export function recordCreation(node: Node): void {
  // deep enough to get past the library's own frames (module → functional → op → apply) to the caller's
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Math.max(limit, 50);
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const frames = (stack ?? '(no stack)').split('\n').filter((line) => line !== 'Error' && !line.includes('recordCreation'));
  creationStacks.set(node, frames.join('\n'));
}

/**
 * Runs `node`'s vjp and throws an AnomalyError when a gradient it returned has NaN or Inf, naming
 * the op, the input, the shapes and where the forward op was created (PyTorch checks each backward
 * function's outputs the same way). The ops inside the vjp are not checked one by one: `g/(2y)` of
 * sqrt at 0 is reported as sqrt's, not as a division's. Called by the engine while the mode is on.
 * @example
 * const grads = checkedVjp(node, g, ctx);
 */
export function checkedVjp(node: Node, g: Tensor, ctx: VjpContext<unknown>): readonly (Tensor | null)[] {
  inVjp++;
  let grads: readonly (Tensor | null)[];
  try {
    grads = node.op.vjp!(g, ctx);
  } finally {
    inVjp--;
  }
  checkGradients(node, grads, g);
  return grads;
}

function checkGradients(node: Node, grads: readonly (Tensor | null | undefined)[], g: Tensor): void {
  grads.forEach((gi, i) => {
    if (gi === null || gi === undefined) return;
    const k = firstNonFinite(gi);
    if (k < 0) return;
    const stack = creationStacks.get(node);
    const where = stack === undefined
      ? 'the forward op was created while anomaly mode was off: run the forward under detectAnomaly too to see where'
      : `the forward op was created at:\n${stack}`;
    throw new AnomalyError(`[${node.op.name}] the backward produced ${valueAt(gi, k)} in the gradient for input ${i} ` +
      `(${showTensor(gi)}, first at flat index ${k}; input ${i} is ${node.inputDtypes[i]} ${showShape(node.inputShapes[i]!)}, ` +
      `the output gradient ${showTensor(g)}); ${where}`);
  });
}

/** The value at row-major flat index `k` of `t` (NaN, Infinity or -Infinity here). */
function valueAt(t: Tensor, k: number): string {
  let at = t.offset;
  let rest = k;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    const size = t.shape[d]!;
    at += (rest % size) * t.strides[d]!;
    rest = Math.floor(rest / size);
  }
  return String(t.data[at]);
}
