/**
 * Storage: the typed array behind one or more tensor views, with the version counter that
 * in-place ops bump (shared by all views, as in PyTorch), and its lifetime: storage can be
 * disposed before the garbage collector gets to it (wasm heap blocks go back to their pool).
 */
import { free, type TypedArray } from './dtype.js';
import { ArgumentError } from './errors.js';

/** Storage created while a recording is open (see `recordStorage`). */
let recording: Storage[] | null = null;

/**
 * A typed array plus its version counter.
 * @example
 * const s = new Storage(new Float32Array(4)); s.version; // 0
 */
export class Storage {
  /** Bumped by every in-place write; backward compares it with the version a saved tensor had. */
  version = 0;
  /** How many graph nodes hold this storage for their backward (see `releaseInternal`). */
  savedBy = 0;
  /** Set by `releaseInternal` while nodes still hold it: disposed when the last one lets go. */
  private internal = false;
  private _data: TypedArray | null;

  constructor(data: TypedArray) {
    this._data = data;
    if (recording !== null) recording.push(this);
  }

  /** The typed array; reading it after `dispose` throws. */
  get data(): TypedArray {
    const data = this._data;
    if (data === null) throw new ArgumentError('[tensor] this tensor\'s storage has been disposed (tensor.dispose(), the end of a backward pass that created it, or zeroGrad freeing a gradient)');
    return data;
  }

  /** True once disposed. */
  get disposed(): boolean {
    return this._data === null;
  }

  /**
   * For storage no user code can reach (the intermediates of a library function such as conv2d's
   * im2col matrix): disposed now when no graph node saved it, else when backward releases the last
   * node that did.
   */
  releaseInternal(): void {
    if (this.savedBy === 0) this.dispose();
    else this.internal = true;
  }

  /** A graph node that saved this storage released it (backward ran without retainGraph). */
  unsave(): void {
    this.savedBy--;
    if (this.savedBy === 0 && this.internal) this.dispose();
  }

  /** Frees the typed array now (back to the wasm heap's pool) and makes every view of it unusable. */
  dispose(): void {
    if (this._data === null) return;
    free(this._data);
    this._data = null;
  }
}

/**
 * Runs `fn` and returns what it returned with every Storage created while it ran (recordings nest).
 * @example
 * const [y, created] = recordStorage(() => x.exp().add(1)); // created: the storage of exp's and add's outputs
 */
export function recordStorage<T>(fn: () => T): [T, Storage[]] {
  const outer = recording;
  const mine: Storage[] = [];
  recording = mine;
  try {
    return [fn(), mine];
  } finally {
    recording = outer;
    if (outer !== null) for (const s of mine) outer.push(s);
  }
}

/**
 * Runs a library function and frees the storage it created that its result does not use, as soon
 * as nothing needs it: at once, or (when the graph saved it for backward) when backward is done
 * with it. Only for functions whose intermediates no user code can reach: compositions of ops that
 * keep no state (no module buffers, no caches).
 * @example
 * return freeInternals(() => weight.matmul(unfoldWide(x, win)).add(bias)); // the product is freed
 */
export function freeInternals<T extends { _storage: Storage }>(fn: () => T): T {
  const [out, created] = recordStorage(fn);
  for (const s of created) if (s !== out._storage) s.releaseInternal();
  return out;
}
