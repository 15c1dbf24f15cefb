/**
 * nabla's backends as benchmark cases: "nabla wasm" (SIMD kernels, the default thread count) and
 * "nabla js" (the TypeScript reference kernels). Build each case's tensors after `useNabla`, so that
 * its storage lives where that backend puts it (the wasm heap or the JS heap).
 */
import { getNumThreads, setBackend, setNumThreads } from '../src/index.js';

export type NablaBackend = 'wasm' | 'js';

export const NABLA_BACKENDS: readonly NablaBackend[] = ['wasm', 'js'];

/** The wasm backend's thread count before any benchmark changed it (the cores available). */
export const DEFAULT_THREADS = getNumThreads();

/** Selects a nabla backend and (for wasm) the thread count, the default unless given. */
export function useNabla(backend: NablaBackend, threads = DEFAULT_THREADS): void {
  setBackend(backend);
  setNumThreads(threads);
}

/** The row name of a nabla case. */
export function nablaName(backend: NablaBackend): string {
  return `nabla ${backend}`;
}
