/**
 * Storage and its lifetime — the one home of memory lifetime in nabla.
 *
 * A `Storage` is the typed array behind one or more tensor views, with the version counter that
 * in-place ops bump (shared by all views, as in PyTorch). JavaScript cannot tell when a tensor
 * dies, so the engine owns lifetime with four deterministic rules and one safety net:
 *
 * 1. `scope(fn)` frees the storage created while `fn` ran that its result does not reach and that
 *    nothing `keep`s (tf.tidy's idea). Backward, `optimizer.step` and the library functions (conv2d,
 *    the losses, the norms, …) run their work in a scope; user code may too.
 * 2. Storage a graph node saved for backward (`savedBy` holds) is not freed while it is held: a
 *    scope that ends first marks it, and the last hold to go (backward releasing its nodes) frees it.
 * 3. `keep(value)` makes the storage of the tensors in `value` outlive every scope (user code: anything
 *    it hands to a long-lived owner); `pin` does the same for the engine's owners (the gradients that
 *    backward stores in `.grad`, optimiser state), which may still free what they let go of.
 * 4. Relocation: `relocate()` moves storage off the wasm heap to a JS-heap copy (its views follow, as
 *    they reach the data through the Storage); backward does it to the activations of the graph it
 *    released when the heap fills with memory nothing frees (a plain loop), so the heap's blocks come
 *    back without proving that no one holds those tensors.
 * 5. Safety net: storage nothing frees is left to the garbage collector (a wasm heap block returns
 *    to its pool when its typed-array view is collected). The collector only ever frees memory no
 *    one can reach, so it can never free memory in use; it only decides *when* unreachable
 *    memory comes back.
 *
 * Freed storage throws on use ("storage has been disposed"): a lifetime mistake is an error,
 * never a silent read of memory that another tensor now owns.
 */
import { copyToJsHeap, free, onSharedMemory, type TypedArray } from '../base/dtype.js';
import { ArgumentError, check } from '../base/errors.js';

/** The scopes open now, innermost last; each lists the storage created while it is innermost. */
interface Frame {
  created: Storage[];
  /** Set by `keepAll`: user code saw this scope's tensors, so nothing of it is freed. */
  keepAll: boolean;
}
const frames: Frame[] = [];
/** Serial number of the next Storage (tells what a backward pass created: see `GradientHolds`). */
let nextId = 0;

/**
 * A typed array plus its version counter and lifetime state.
 * @example
 * const s = new Storage(new Float32Array(4)); s.version; // 0
 */
export class Storage {
  // NOTE: fields are assigned in the constructor, not declared with initializers: class-field
  // initializers (define semantics) made this constructor, run once per op, measurably slower.
  /** Creation order (serial number). */
  declare readonly id: number;
  /** Bumped by every in-place write; backward compares it with the version a saved tensor had. */
  declare version: number;
  /** How many graph nodes (and custom-op contexts) hold this storage for their backward. */
  declare savedBy: number;
  /** True once `keep` or `pin` marked it: no scope frees it. */
  declare kept: boolean;
  /** True once user code `keep`-ed it: the engine's owners (zeroGrad) do not free it either. */
  declare keptByUser: boolean;
  /** A scope ended while graph nodes still held it: freed when the last one lets go. */
  private declare freeWhenUnsaved: boolean;
  /** An open scope lists it: that scope (or an outer one) frees it, so it is never garbage nothing can free. */
  declare scoped: boolean;
  private declare _data: TypedArray | null;

  constructor(data: TypedArray) {
    this.id = nextId++;
    this.version = 0;
    this.savedBy = 0;
    this.kept = false;
    this.keptByUser = false;
    this.freeWhenUnsaved = false;
    this._data = data;
    this.scoped = frames.length > 0;
    if (this.scoped) frames[frames.length - 1]!.created.push(this);
  }

  /** The typed array; reading it after `dispose` throws. */
  get data(): TypedArray {
    const data = this._data;
    if (data === null) {
      throw new ArgumentError('[tensor] this tensor\'s storage has been disposed (tensor.dispose(), the end of a scope or backward pass that created it ' +
        'without returning or keeping it, or zeroGrad freeing a gradient)');
    }
    return data;
  }

  /** True once disposed. */
  get disposed(): boolean {
    return this._data === null;
  }

  /** A graph node (or custom-op context) saved this storage for backward. */
  save(): void {
    this.savedBy++;
  }

  /** A holder released it (backward ran without retainGraph); frees it if a scope already gave it up. */
  unsave(): void {
    this.savedBy--;
    if (this.savedBy === 0 && this.freeWhenUnsaved) this.dispose();
  }

  /** Frees now when nothing saved it, else when the last holder lets go (what a scope does at its end). */
  release(): void {
    if (this.kept) return;
    if (this.savedBy === 0) this.dispose();
    else this.freeWhenUnsaved = true;
  }

  /**
   * Moves the data off the wasm heap to a JS-heap copy and frees the heap block (every view keeps
   * working: they reach the data through this Storage). For storage that may be garbage nothing can
   * free (a plain loop's activations): the block comes back at once, and the copy is left to V8,
   * which collects JS-heap arrays by itself. Does nothing to kept, disposed or JS-heap storage, nor
   * to storage that an open scope will free.
   */
  relocate(): void {
    const data = this._data;
    // NOTE: storage an open scope lists is freed by it: copying it off the heap would only cost time
    if (data === null || this.kept || this.scoped || !onSharedMemory(data)) return;
    this._data = copyToJsHeap(data);
    free(data);
  }

  /** Frees the typed array now (back to the wasm heap's pool) and makes every view of it unusable. */
  dispose(): void {
    if (this._data === null) return;
    free(this._data);
    this._data = null;
  }
}

/** `T`, unless it is a promise: `scope(async () => …)` is a type error (and a run-time one). */
export type Synchronous<T> = T extends PromiseLike<unknown> ? never : T;

/**
 * Runs `fn` and frees, as soon as nothing needs them, the tensors created while it ran that its
 * result does not reach (tensors in arrays, Maps, Sets and objects are found) and that were not
 * `keep`-ed: at once, or when backward releases the graph nodes that saved them. Scopes nest; what
 * an inner scope returns belongs to the outer one. `fn` must be synchronous. If it throws, nothing
 * is freed (the garbage collector reclaims it).
 * @example
 * const loss = scope(() => {
 *   const logits = model.forward(x);     // intermediates of forward …
 *   return F.crossEntropy(logits, y);    // … freed after backward; the loss is returned, so kept
 * });
 */
export function scope<T>(fn: () => Synchronous<T>): T {
  const frame: Frame = { created: [], keepAll: false };
  frames.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    frames.pop();
    handToParent(frame.created);
    throw error;
  }
  frames.pop();
  check(!isThenable(result), ArgumentError, () => '[scope] fn must be synchronous: it returned a Promise (run the awaited steps in their own scopes)');
  if (frame.keepAll) {
    handToParent(frame.created);
    return result;
  }
  const reached = reachableStorage(result);
  for (const s of frame.created) if (!reached.has(s)) s.release();
  // the outer scope sees everything (releasing twice does nothing): what this one returned is its
  // to free, and a recording (recordStorage) lists all that was allocated
  handToParent(frame.created);
  return result;
}

/**
 * Keeps the tensors in `value` (a tensor, or arrays/objects/Maps holding tensors, walked deeply)
 * alive past every enclosing scope; returns `value`. They are then freed only by `dispose()` or the
 * garbage collector (`zeroGrad` does not free a gradient you kept: it only drops it).
 * @example
 * let best: Tensor | null = null;
 * scope(() => { const w = model.fc.weight.clone(); best = keep(w); });
 */
export function keep<T>(value: T): T {
  for (const s of reachableStorage(value)) {
    s.kept = true;
    s.keptByUser = true;
  }
  return value;
}

/**
 * What the engine's long-lived owners do with what they hold (`.grad`, optimiser state): no scope
 * frees it, but the owner may still free it when it lets go (as `zeroGrad` frees the gradients
 * backward allocated), unless user code `keep`s it. Returns `value`.
 * @example
 * t.grad = pin(grad);
 */
export function pin<T>(value: T): T {
  for (const s of reachableStorage(value)) s.kept = true;
  return value;
}

/**
 * Marks the innermost scope so that nothing created in it is freed: for engine code that ran user
 * code (hooks, custom backward functions) which may have kept references the scope cannot see.
 * @example
 * if (node.hooks !== null) keepAll();
 */
export function keepAll(): void {
  const frame = frames[frames.length - 1];
  if (frame !== undefined) frame.keepAll = true;
}

/**
 * Runs `fn` in a scope that frees nothing and returns its result with the storage created while it
 * ran (for tests and debugging: what did this call allocate, and what of it is still alive?).
 * @example
 * const [y, created] = recordStorage(() => F.conv2d(x, w, b)); // created[i].disposed
 */
export function recordStorage<T>(fn: () => T): [T, Storage[]] {
  const frame: Frame = { created: [], keepAll: true };
  frames.push(frame);
  try {
    return [fn(), frame.created];
  } finally {
    frames.pop();
    handToParent(frame.created);
  }
}

function handToParent(storage: Storage[]): void {
  const parent = frames[frames.length - 1];
  if (parent !== undefined) for (const s of storage) parent.created.push(s);
  else for (const s of storage) s.scoped = false; // no scope frees it now: garbage only the collector reclaims
}

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * The storage of every tensor reachable from `value`: tensors (and their `.grad`), arrays, Maps,
 * Sets and objects' own enumerable properties, walked iteratively; functions and typed arrays
 * are not entered. A tensor is anything whose `_storage` is a Storage.
 * @example
 * reachableStorage([h, { c }]); // the storage of h and c (and of their grads)
 */
export function reachableStorage(value: unknown): Set<Storage> {
  const found = new Set<Storage>();
  const seen = new Set<object>();
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || seen.has(v) || ArrayBuffer.isView(v)) continue;
    seen.add(v);
    const storage = (v as { _storage?: unknown })._storage;
    if (storage instanceof Storage) {
      found.add(storage);
      stack.push((v as { grad?: unknown }).grad);
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v instanceof Map) {
      for (const [k, item] of v) stack.push(k, item);
    } else if (v instanceof Set) {
      for (const item of v) stack.push(item);
    } else {
      for (const key of Object.keys(v)) stack.push((v as Record<string, unknown>)[key]);
    }
  }
  return found;
}

/**
 * Backward's bookkeeping of its gradients in flight: each pending gradient (per node or leaf, and
 * the ones a vjp just returned) holds its storage; when the last hold goes and the storage was
 * created by this backward pass, it is freed at once (not at the end of the pass), so a pass needs
 * about as much memory as the gradients in flight at one time. Gradients handed out (`protect`)
 * are never freed here; `stop()` ends all freeing once user code (hooks, custom backward
 * functions) has seen the gradients.
 * @example
 * const holds = new GradientHolds(true); holds.hold(g); … holds.drop(g); // freed if backward made it
 */
export class GradientHolds {
  private readonly first = nextId;
  private readonly counts = new Map<Storage, number>();
  private readonly protectedStorage = new Set<Storage>();

  constructor(private enabled: boolean) {}

  hold(t: { _storage: Storage }): void {
    if (!this.enabled) return;
    this.counts.set(t._storage, (this.counts.get(t._storage) ?? 0) + 1);
  }

  drop(t: { _storage: Storage }): void {
    if (!this.enabled) return;
    const s = t._storage;
    const left = (this.counts.get(s) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(s, left);
      return;
    }
    this.counts.delete(s);
    if (s.id >= this.first && !this.protectedStorage.has(s)) s.release();
  }

  /**
   * True when this pass created `t`'s storage and, among the gradients in flight, only `t` holds it
   * (once): nothing else this pass made can read or write it.
   */
  soleHolder(t: { _storage: Storage }): boolean {
    const s = t._storage;
    return this.enabled && s.id >= this.first && this.counts.get(s) === 1 && !this.protectedStorage.has(s);
  }

  protect(t: { _storage: Storage }): void {
    this.protectedStorage.add(t._storage);
  }

  stop(): void {
    this.enabled = false;
  }
}
