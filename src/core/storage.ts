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
