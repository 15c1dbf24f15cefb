/**
 * Grad mode: whether ops record the graph. `noGrad` turns recording off for a block (inference,
 * optimiser updates); `enableGrad` turns it back on inside one.
 */

let enabled = true;

/**
 * True when ops record the graph for backward.
 * @example
 * noGrad(() => isGradEnabled()); // false
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Runs `fn` with gradient recording set to `on`, restoring the previous mode afterwards (even on throw).
 * @example
 * setGradEnabled(false, () => model.forward(x));
 */
export function setGradEnabled<T>(on: boolean, fn: () => T): T {
  const previous = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` without recording the graph: results don't require grad. `fn` must be synchronous.
 * @example
 * const y = noGrad(() => x.mul(2)); // y.requiresGrad === false
 */
export function noGrad<T>(fn: () => T): T {
  return setGradEnabled(false, fn);
}

/**
 * Runs `fn` with graph recording on, even inside `noGrad`.
 * @example
 * noGrad(() => enableGrad(() => x.mul(2).requiresGrad)); // true when x requires grad
 */
export function enableGrad<T>(fn: () => T): T {
  return setGradEnabled(true, fn);
}
