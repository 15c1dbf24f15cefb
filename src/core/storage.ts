/**
 * Storage: the typed array behind one or more tensor views, with the version counter that
 * in-place ops bump (shared by all views, as in PyTorch).
 */
import type { TypedArray } from './dtype.js';

/**
 * A typed array plus its version counter.
 * @example
 * const s = new Storage(new Float32Array(4)); s.version; // 0
 */
export class Storage {
  /** Bumped by every in-place write; backward compares it with the version a saved tensor had. */
  version = 0;
  constructor(readonly data: TypedArray) {}
}
