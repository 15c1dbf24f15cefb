/**
 * Backend selection: the core calls `backend()` for every kernel; `setBackend` swaps the implementation.
 */
import { ArgumentError, BackendError, check, fmt } from '../base/errors.js';
import type { Backend } from './backend.js';
import { jsBackend } from './js/index.js';
import { wasmBackend } from './wasm/index.js';

const registry = new Map<string, Backend>([[jsBackend.name, jsBackend], [wasmBackend.name, wasmBackend]]);

// the fastest backend that runs here by default (wasm wherever WebAssembly SIMD exists, shared memory
// or not); the TypeScript reference is always there
let current: Backend = (wasmBackend.unsupported?.() ?? null) === null ? wasmBackend : jsBackend;
current.activate?.();

/**
 * The backend that runs kernels now.
 * @example
 * backend().name; // 'wasm' where WebAssembly SIMD exists (Node, every current browser), else 'js'
 */
export function backend(): Backend {
  return current;
}

/**
 * Registers a backend so that `setBackend(name)` can select it.
 * @example
 * registerBackend(myBackend);
 */
export function registerBackend(b: Backend): void {
  checkBackend(b, 'registerBackend');
  registry.set(b.name, b);
}

/**
 * Selects the backend by name (or object) for all following ops; returns the previous one. A
 * backend that cannot run on this runtime (wasm without WebAssembly SIMD) is a BackendError here.
 * @example
 * setBackend('js');
 */
export function setBackend(b: string | Backend): Backend {
  const previous = current;
  let next: Backend;
  if (typeof b === 'string') {
    const found = registry.get(b);
    check(found !== undefined, ArgumentError, () => `[setBackend] unknown backend "${b}"; registered: ${[...registry.keys()].join(', ')}`);
    next = found;
  } else {
    checkBackend(b, 'setBackend');
    next = b;
  }
  const reason = next.unsupported?.() ?? null;
  check(reason === null, BackendError, () => `[setBackend] the ${next.name} backend cannot run here: ${reason}`);
  if (next !== previous) {
    previous.deactivate?.();
    next.activate?.();
    current = next;
  }
  return previous;
}

/**
 * Names of the registered backends.
 * @example
 * listBackends(); // ['js', 'wasm']
 */
export function listBackends(): string[] {
  return [...registry.keys()];
}

export type { Backend, BinaryOp, ReduceOp, StridedView, UnaryOp, Window2d } from './backend.js';

/** The kernels every backend must have (checked when one is set or registered, not at its first use). */
const REQUIRED: readonly (keyof Backend)[] = [
  'unary', 'binary', 'where', 'reduce', 'argReduce', 'assign', 'matmul', 'pad', 'gather', 'scatterAdd', 'indexSelect',
  'indexAdd', 'cumsum', 'unfold', 'fold', 'maxPoolIndices', 'lstmCell', 'lstmCellBackward', 'gruCell', 'gruCellBackward',
];

function checkBackend(b: unknown, op: string): asserts b is Backend {
  check(b !== null && typeof b === 'object', ArgumentError,
    () => `[${op}] expected a backend name (${[...registry.keys()].join(', ')}) or a Backend object, got ${fmt(b)}`);
  const o = b as Partial<Backend>;
  check(typeof o.name === 'string' && o.name.length > 0, ArgumentError, () => `[${op}] a Backend needs a non-empty string name, got ${fmt(o.name)}`);
  const missing = REQUIRED.filter((k) => typeof o[k] !== 'function');
  check(missing.length === 0, ArgumentError, () => `[${op}] backend "${o.name}" lacks the kernels ${missing.join(', ')}`);
}
