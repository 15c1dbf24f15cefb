/**
 * How many threads the wasm kernels use, and the pool that runs them (threads.ts). The default is
 * every core where threads on shared memory exist (Node; a cross-origin-isolated page) and 1
 * elsewhere (a plain page); asking for more than one where they cannot run is a BackendError at the
 * call. On a page the Web Workers start in the background: kernels use one thread until they are up
 * (`threadsReady()` waits for them). Workers that cannot start (a Content-Security-Policy without
 * `worker-src blob:`) are a BackendError when the count was set, and set the default count to 1.
 */
import { ArgumentError, BackendError, check, fmt } from '../../base/errors.js';
import { ensure } from './engine.js';
import { kernelModule } from './kernels.js';
import { availableCores, noThreadsReason, threadSupport } from './runtime.js';
import { ThreadPool } from './threads.js';

let threads = threadSupport() !== null ? availableCores() : 1;
/** True once the user set the count: a pool that cannot start is then an error, not a quiet fallback to 1. */
let chosen = false;
let pool: ThreadPool | null = null;
/** The matrix products the current pool's workers have run their warm-up of. */
const warmed = new Set<GemmKernel>();
/** The single matrix product of each precision. */
type GemmKernel = 'sgemm' | 'dgemm';
/**
 * Engine memory: the GEMM scratch of worker i (reserved for good, reused by later pools).
 * @example
 * pool.run(rest.map((args, i) => ({ kernel: 'sgemm', args: [...args, workerScratch[i]!] })), onMain);
 */
export const workerScratch: number[] = [];
/** Engine memory for the warm-up's three matrices (0 until the first warm-up). */
let warmUpBlock = 0;

/** The pool for the current thread count, started when there is none (or one of another size). */
function startPool(): ThreadPool {
  if (pool === null || pool.size !== threads - 1) {
    pool?.terminate();
    pool = null;
    const { heap, k } = ensure();
    pool = new ThreadPool(threads - 1, kernelModule(), heap.memory);
    while (workerScratch.length < threads - 1) workerScratch.push(heap.reserve(k.gemmScratchBytes()));
    warmed.clear();
  }
  return pool;
}

/**
 * The worker pool when more than one thread is set and its workers are ready, else null: the caller
 * then runs the kernel on this thread alone. The workers run a warm-up of `gemm` (the matrix product
 * of the caller's precision; sgemm for other kernels) the first time it is asked for.
 * @example
 * const p = workers('dgemm'); if (p !== null) p.run(tasks, onMain);
 */
export function workers(gemm: GemmKernel = 'sgemm'): ThreadPool | null {
  if (threads <= 1) return null;
  const p = startPool();
  if (!p.ready) {
    if (p.failure !== null) failed(p, 'wasm');
    return null;
  }
  if (!warmed.has(gemm)) {
    warmUp(p, gemm);
    warmed.add(gemm);
  }
  return p;
}

/**
 * A pool whose workers cannot start: a BackendError naming `op` where the user set the thread count;
 * where it was the default, one thread from now on (getNumThreads() then says 1) and no error.
 */
function failed(p: ThreadPool, op: string): void {
  if (!chosen) {
    p.terminate();
    pool = null;
    threads = 1;
    return;
  }
  // the failed pool stays: every call throws the same error until the count changes
  throw new BackendError(`[${op}] ${p.failure!.message}; setNumThreads(1) runs on one thread`, { cause: p.failure });
}

/**
 * Runs a few products on every worker so that the engine tiers their kernels up to optimised code
 * now, not halfway through the first real work (a fresh worker starts on the baseline compiler).
 */
function warmUp(p: ThreadPool, gemm: GemmKernel): void {
  const n = 160;
  warmUpBlock ||= ensure().heap.reserve(3 * n * n * 8); // engine memory (doubles), reused by every later warm-up
  const [a, b, c] = [0, 1, 2].map((i) => warmUpBlock + i * n * n * 8) as [number, number, number];
  // both code paths of the product: few rows of A (B read in place) and the packed one
  for (const rows of [16, n]) {
    for (let r = 0; r < 12; r++) {
      p.run(workerScratch.slice(0, p.size).map((scratch) => ({ kernel: gemm, args: [a, n, 1, b, n, 1, c, n, rows, n, n, scratch] })), () => {});
    }
  }
}

/**
 * Sets the number of threads the wasm kernels use (default: the cores available where threads on
 * shared memory exist — Node, a cross-origin-isolated page — else 1); 1 disables the pool. `n` must be
 * an integer from 1 to the number of cores available (an ArgumentError otherwise, as PyTorch rejects
 * n ≤ 0: a NaN from an unset environment variable must not slip through); more than 1 where threads
 * cannot run (a page that is not cross-origin isolated) is a BackendError. On a page the workers start
 * in the background (`await threadsReady()`).
 * @example
 * setNumThreads(1);
 */
export function setNumThreads(n: number): void {
  const cores = availableCores();
  const valid = Number.isInteger(n) && n >= 1;
  check(!valid || n === 1 || threadSupport() !== null, BackendError, () => noThreadsReason(n));
  check(valid && n <= cores, ArgumentError,
    () => `[setNumThreads] n must be an integer from 1 to ${cores} (the cores available), got ${fmt(n)}`);
  const previous = threads;
  threads = n;
  if (n > 1 && threadSupport() === 'web') {
    try {
      startPool(); // Web Workers start only when this thread returns to its event loop: start them now
    } catch (e) {
      threads = previous;
      throw new BackendError(`[setNumThreads] cannot start ${n - 1} Web Workers: ${(e as Error).message} (a Content-Security-Policy needs worker-src blob:)`, { cause: e });
    }
  }
  chosen = true;
}

/**
 * The number of threads the wasm kernels use.
 * @example
 * getNumThreads(); // 2 on a 2-core machine
 */
export function getNumThreads(): number {
  return threads;
}

/**
 * Resolves with the number of threads once the worker pool can take work (at once in Node, and with 1
 * when one thread is set). On a page the Web Workers start only when the page's thread returns to its
 * event loop, so until this resolves the kernels run on one thread. When a worker cannot start (e.g. a
 * Content-Security-Policy without `worker-src blob:`) it rejects with a BackendError if the count was
 * set with `setNumThreads`, and resolves with 1 (the count from then on) if it was the default.
 * @example
 * setNumThreads(4);
 * await threadsReady(); // 4
 */
export async function threadsReady(): Promise<number> {
  if (threads <= 1) return 1;
  const p = startPool();
  try {
    await p.whenReady();
  } catch {
    failed(p, 'threadsReady');
  }
  return threads;
}
