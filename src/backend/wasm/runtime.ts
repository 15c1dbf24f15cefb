/**
 * What the runtime offers the wasm backend, found by feature tests (never by a user-agent string):
 * WebAssembly SIMD (the kernels need it), shared memory (tensor storage on the heap, threads) and a
 * way to start threads on that memory — Node's `worker_threads`, or Web Workers on a
 * cross-origin-isolated page. Nothing here touches a Node API where `process.getBuiltinModule` is absent.
 */

/** The globals read here, all optional (Node, browsers and workers each lack some). */
interface Globals {
  process?: { getBuiltinModule?: (id: string) => unknown };
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  Worker?: unknown;
  Blob?: unknown;
  URL?: { createObjectURL?: unknown };
}

const g = globalThis as Globals;

/** The smallest module that uses a v128 instruction (validates only where WebAssembly SIMD exists). */
const SIMD_PROBE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];

let simd: boolean | null = null;
let shared: boolean | null = null;

/**
 * True where WebAssembly with SIMD exists (what the wasm backend needs; every admitted Node and every
 * current browser has it).
 * @example
 * hasWasmSimd(); // true on Node 20 and in Chrome, Firefox and Safari 16.4+
 */
export function hasWasmSimd(): boolean {
  if (simd === null) {
    try {
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(SIMD_PROBE));
    } catch {
      simd = false;
    }
  }
  return simd;
}

/**
 * True where a shared WebAssembly.Memory can be made and used: Node, and cross-origin-isolated pages
 * and their workers. A plain browser page has no `SharedArrayBuffer` (or may not share it).
 * @example
 * hasSharedMemory(); // false on a page served without COOP/COEP headers
 */
export function hasSharedMemory(): boolean {
  if (shared === null) {
    try {
      shared = typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false
        && new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
    } catch {
      shared = false;
    }
  }
  return shared;
}

/**
 * How threads run on the shared heap here: 'node' (`worker_threads`, reached through
 * `process.getBuiltinModule`), 'web' (Web Workers on a cross-origin-isolated page or worker), or
 * null (one thread only: a plain page, Node < 20.16, or no shared memory).
 * @example
 * threadSupport(); // 'node' in Node, 'web' on a page served with COOP/COEP, null on a plain page
 */
export function threadSupport(): 'node' | 'web' | null {
  if (!hasSharedMemory()) return null;
  if (g.process?.getBuiltinModule?.('node:worker_threads') !== undefined) return 'node';
  const web = g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.Blob === 'function'
    && typeof g.URL?.createObjectURL === 'function';
  return web ? 'web' : null;
}

/**
 * The cores this process may use (Node's `os.availableParallelism`, `navigator.hardwareConcurrency` in
 * browsers; 1 when neither says).
 * @example
 * availableCores(); // 2 on a 2-core machine
 */
export function availableCores(): number {
  const os = g.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return Math.max(1, os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1);
}

/**
 * Why `n` threads cannot run here (for the BackendError of `setNumThreads`).
 * @example
 * noThreadsReason(2); // '… this page is not cross-origin isolated …'
 */
export function noThreadsReason(n: number): string {
  const browser = g.process?.getBuiltinModule === undefined && (typeof g.Worker === 'function' || g.crossOriginIsolated !== undefined);
  if (browser) {
    return `[setNumThreads] ${n} threads need Web Workers on shared memory, which this page cannot have: it is not cross-origin isolated `
      + '(serve it with the headers Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); use 1';
  }
  return `[setNumThreads] ${n} threads need worker threads on shared memory (Node's worker_threads through process.getBuiltinModule, Node >= 20.16), which this runtime does not have; use 1`;
}
