/**
 * The wasm heap: tensor storage that lives in one shared WebAssembly.Memory, so that wasm kernels
 * read and write it in place (no copies in and out) and JS kernels see it through typed-array
 * views. Two kinds of memory live here, kept apart:
 *
 * - **Engine memory** (`reserve`): kernel scratch, layouts, worker scratch, the spill arena. Cut from
 *   the top of the heap for good, addressed by offset only, never on a free list and never known to
 *   any finalizer — nothing can ever hand it out again.
 * - **Tensor blocks** (`allocate`): power-of-two size classes with free lists; a block returns to
 *   its list when its tensor's storage is disposed (scopes, backward, optimiser steps — see
 *   src/core/storage.ts) or, as a safety net, when its typed-array view has been garbage-collected
 *   (a FinalizationRegistry: the view is unreachable then, so no one can still use the block).
 *
 * NOTE: finalizers run only between tasks, never inside a long synchronous loop. So the heap does
 * not grow past `limitBytes`: past it, requests that find no free block return null and the storage
 * goes to the JS heap (where V8 collects it by itself; the wasm kernels still run on it through the
 * engine's spill arena). Memory stays bounded without any engine flag. `forceCollections()` is the
 * opt-in alternative: it sets V8 flags for the whole process (`--expose-gc`, cleanupSome) so that the
 * heap can collect synchronously and keep tensors on the heap in such loops.
 *
 * NOTE: where shared memory is missing (a browser page that is not cross-origin isolated) the memory is
 * a plain one, and growing a plain memory detaches its buffer and every view made on it. So there the
 * heap holds engine memory only: `allocate` declines every tensor block (storage stays on the JS heap)
 * and the kernels run on copies in the engine's spill arena, which no view outlives.
 */
import { createRequire } from './node-require.js';
import { DTYPE_BYTES, type DType, type TypedArray } from '../../base/dtype.js';

const PAGE = 65536;
/** The most a wasm32 memory can hold (65,536 pages). */
const MAX_BYTES = 2 ** 32;
/** Bytes at the bottom of memory left to the kernels' module (static data, stack). */
const RESERVED = PAGE;
const MIN_CLASS = 6; // 64-byte blocks at least: SIMD-aligned

interface Block {
  offset: number;
  sizeClass: number;
  /** False once the block went back to its free list (disposed or collected): never released twice. */
  live: boolean;
}

/**
 * The block behind a heap view, kept on the view itself. NOTE: a symbol property costs a fraction of a
 * WeakMap entry or an unregister token, which made allocation several times slower.
 */
const BLOCK = Symbol('nabla.block');
type HeapView = TypedArray & { [BLOCK]?: Block };


/**
 * Allocates typed arrays inside a shared wasm memory (engine memory only on a plain one).
 * @example
 * const heap = new WasmHeap(1 << 30);
 * const x = heap.allocate('float32', 1024); // a Float32Array view on heap.memory
 */
export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = RESERVED;
  private readonly freeLists = new Map<number, number[]>();
  /** Bytes in blocks on the free lists. */
  private freeBytes = 0;
  /** The highest the top has been: memory above it is fresh (zero). */
  private highWater = RESERVED;
  /** Free bytes needed before merging again (see `fromCoalesced`). */
  private mergeAfter = 0;
  private collector: Collector = { Registry: FinalizationRegistry, gc: null };
  private registry: FinalizationRegistry<Block> & { cleanupSome?: () => void } = new FinalizationRegistry((block: Block) => this.release(block));
  /** memory.buffer, cached: the getter is slow on a shared memory (refreshed when the memory grows). */
  private current: ArrayBuffer | SharedArrayBuffer;
  private allocatedSinceCollect = 0;
  /** The largest size class allocated so far (where `split` stops looking). */
  private largestClass = MIN_CLASS;
  /** Bytes in live tensor blocks. */
  bytesInUse = 0;
  /** The most bytes in live tensor blocks at any time. */
  peakBytes = 0;
  /** Bytes reserved for the engine (never freed). */
  reservedBytes = 0;
  /** Requests declined because the heap reached `limitBytes` (their storage went to the JS heap). */
  declined = 0;

  /**
   * @param limitBytes tensor blocks are not placed past this size of the heap (engine memory may go
   *   beyond it, up to 4 GiB)
   * @param collectEvery with forced collections: bytes allocated and not disposed (possible garbage)
   *   between two collections
   * @param shared a shared memory (tensor blocks on the heap, threads) or, where the runtime has none,
   *   a plain one that holds engine memory only (see the NOTE above)
   */
  constructor(public limitBytes: number, readonly collectEvery = 2 ** 28, readonly shared = true) {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared });
    this.current = this.memory.buffer;
  }

  /** The memory's buffer (cached; views made on it stay valid, as the memory only grows). */
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.current;
  }

  /**
   * An array of `n` elements of `dtype` on the heap (zero-filled unless `zeroed` is false, for
   * outputs a kernel overwrites), or null when it would pass the cap.
   * @example
   * heap.allocate('float32', 256);
   */
  allocate(dtype: DType, n: number, zeroed = true): TypedArray | null {
    if (!this.shared) return null; // views on a plain memory die when it grows
    const bytes = Math.max(n * DTYPE_BYTES[dtype], 1);
    const sizeClass = Math.max(MIN_CLASS, Math.ceil(Math.log2(bytes)));
    if (sizeClass > this.largestClass) this.largestClass = sizeClass;
    const size = 2 ** sizeClass;
    this.allocatedSinceCollect += size;
    let offset = this.takeFree(sizeClass);
    // no free block: with forced collections, collect once enough has been allocated since the last one
    if (offset === undefined && this.collector.gc !== null && (this.allocatedSinceCollect > this.collectEvery || this.top + size > this.limitBytes)) {
      this.collect();
      offset = this.takeFree(sizeClass);
    }
    offset ??= this.split(sizeClass) ?? this.fromCoalesced(sizeClass);
    // memory below the high-water mark has been used before (the top moves down after a merge)
    let reused = offset !== undefined;
    if (offset === undefined) {
      reused = this.top < this.highWater;
      if (this.top + size > this.limitBytes) {
        this.declined++;
        return null;
      }
      offset = this.bump(size);
    }
    const view: HeapView = this.view(dtype, offset, n);
    if (reused && zeroed) view.fill(0);
    const block: Block = { offset, sizeClass, live: true };
    view[BLOCK] = block;
    // the view is its own unregister token: a block freed by its owner leaves no finalizer behind
    // (NOTE: in a synchronous loop no cleanup task runs, so registrations of blocks freed this way
    // would otherwise pile up in the registry, ~100 bytes each)
    this.registry.register(view, block, view);
    this.bytesInUse += size;
    this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
    return view;
  }

  /** A view of `n` elements of `dtype` at byte `offset` (the memory's current buffer). */
  view(dtype: DType, offset: number, n: number): TypedArray {
    const buffer = this.current;
    switch (dtype) {
      case 'float32':
        return new Float32Array(buffer, offset, n);
      case 'float64':
        return new Float64Array(buffer, offset, n);
      case 'int32':
        return new Int32Array(buffer, offset, n);
      default:
        return new Uint8Array(buffer, offset, n);
    }
  }

  /**
   * Engine memory: `bytes` (rounded up to 64) cut from the top of the heap for good and returned as
   * a byte offset. Never freed, never on a free list, never registered with a finalizer, not
   * limited by `limitBytes`: kernel scratch and the like, addressed by offset only.
   * @example
   * const scratch = heap.reserve(kernels.gemmScratchBytes());
   */
  reserve(bytes: number): number {
    const size = Math.ceil(Math.max(bytes, 1) / 64) * 64;
    if (this.top + size > MAX_BYTES) throw new RangeError(`[wasm] cannot reserve ${size} bytes of engine memory: the 4 GiB wasm memory is full`);
    this.reservedBytes += size;
    return this.bump(size);
  }

  /**
   * Engine memory with a lifetime the engine controls: a block of at least `bytes` from the free
   * lists (or fresh), returned as an offset and never registered with a finalizer; only
   * `releaseOwned` gives it back. For the spill arena, which moves to a larger block as it grows.
   * @example
   * const block = heap.allocateOwned(2 ** 24); heap.releaseOwned(block);
   */
  allocateOwned(bytes: number): { offset: number; bytes: number } {
    const sizeClass = Math.max(MIN_CLASS, Math.ceil(Math.log2(Math.max(bytes, 1))));
    if (sizeClass > this.largestClass) this.largestClass = sizeClass;
    const size = 2 ** sizeClass;
    const offset = this.takeFree(sizeClass) ?? this.split(sizeClass) ?? this.fromCoalesced(sizeClass) ?? this.bump(size);
    this.reservedBytes += size;
    return { offset, bytes: size };
  }

  /**
   * Gives a block from `allocateOwned` back to the free lists.
   * @example
   * heap.releaseOwned(block);
   */
  releaseOwned(block: { offset: number; bytes: number }): void {
    this.reservedBytes -= block.bytes;
    this.putFree(Math.log2(block.bytes), block.offset);
  }

  /** The offset of `size` fresh bytes at the top (growing the memory when needed). */
  private bump(size: number): number {
    const offset = this.top;
    this.top += size;
    this.highWater = Math.max(this.highWater, this.top);
    const current = this.current.byteLength;
    // grow by at least a quarter (and 16 MiB): memory.grow is slow, and waiting for it per block adds up
    if (this.top > current) {
      const wanted = Math.ceil(Math.max(this.top - current, current / 4, 2 ** 24) / PAGE);
      const needed = Math.ceil((this.top - current) / PAGE);
      this.memory.grow(Math.max(needed, Math.min(wanted, 65536 - current / PAGE)));
      this.current = this.memory.buffer;
    }
    return offset;
  }

  /**
   * Opt-in: lets the heap force garbage collections and run finalizers synchronously, so that
   * tensors of a synchronous loop that never frees them come back to the heap instead of spilling
   * to the JS heap. NOTE: sets V8 flags for the whole process (`--expose-gc`,
   * `--harmony-weak-refs-with-cleanup-some`; every later vm context gets a global `gc`). Returns false
   * where the runtime does not allow it (not Node, or the flags are gone), and nothing changes.
   * @example
   * heap.forceCollections();
   */
  forceCollections(): boolean {
    if (this.collector.gc !== null) return true;
    const collector = syncCollector();
    if (collector.gc === null) return false;
    this.collector = collector;
    // blocks placed from now on are finalized through the new registry (older ones through the old, between tasks)
    this.registry = new collector.Registry((block: Block) => this.release(block));
    return true;
  }

  /** True once `forceCollections` succeeded. */
  get collectsSynchronously(): boolean {
    return this.collector.gc !== null;
  }

  /**
   * Frees the block behind `view` now (the view must not be used afterwards); false if it is not a heap block.
   * @example
   * heap.dispose(tensor.data);
   */
  dispose(view: TypedArray): boolean {
    const block = (view as HeapView)[BLOCK];
    if (block === undefined || !block.live) return false;
    this.release(block);
    this.registry.unregister(view);
    // freed by its owner, so not garbage that a collection would find
    this.allocatedSinceCollect = Math.max(0, this.allocatedSinceCollect - 2 ** block.sizeClass);
    return true;
  }

  /**
   * Collects garbage now and returns the blocks of dead views to the free lists (synchronously where
   * the runtime allows it; otherwise their finalizers run after the current task).
   * @example
   * heap.collect();
   */
  collect(): void {
    this.allocatedSinceCollect = 0;
    if (this.collector.gc === null || typeof this.registry.cleanupSome !== 'function') return;
    this.collector.gc();
    this.registry.cleanupSome();
  }

  /**
   * A block of `sizeClass` cut from the smallest larger free block (its other halves go to the free
   * lists below it), or undefined when there is none. Memory that other shapes used before (and
   * the process already touched) is then reused instead of growing into fresh pages, which cost a
   * page fault each on first touch.
   */
  private split(sizeClass: number): number | undefined {
    for (let larger = sizeClass + 1; larger <= this.largestClass; larger++) {
      const offset = this.takeFree(larger);
      if (offset === undefined) continue;
      for (let c = larger - 1; c >= sizeClass; c--) this.putFree(c, offset + 2 ** c);
      return offset;
    }
    return undefined;
  }

  private putFree(sizeClass: number, offset: number): void {
    let list = this.freeLists.get(sizeClass);
    if (list === undefined) this.freeLists.set(sizeClass, (list = []));
    list.push(offset);
    this.freeBytes += 2 ** sizeClass;
  }

  private takeFree(sizeClass: number): number | undefined {
    const offset = this.freeLists.get(sizeClass)?.pop();
    if (offset !== undefined) this.freeBytes -= 2 ** sizeClass;
    return offset;
  }

  /**
   * A block of `sizeClass` after merging adjacent free blocks (undefined when even that finds none).
   * Power-of-two classes without merging fragment: blocks freed by small shapes cannot serve a large
   * one, and the heap would grow although enough memory is free. So, before the heap grows and when
   * the free lists hold enough bytes, every free block is sorted by offset, adjacent ones are merged,
   * a run that ends at the top goes back to the top, and the other runs are cut again into the
   * largest power-of-two blocks that fit.
   */
  private fromCoalesced(sizeClass: number): number | undefined {
    // NOTE: after a merge that found nothing, wait until a block's worth more is free (no merge per miss)
    if (this.freeBytes < Math.max(2 ** sizeClass, this.mergeAfter)) return undefined;
    const blocks: [number, number][] = [];
    for (const [c, list] of this.freeLists) for (const offset of list) blocks.push([offset, offset + 2 ** c]);
    this.freeLists.clear();
    this.freeBytes = 0;
    blocks.sort((a, b) => a[0] - b[0]);
    const runs: [number, number][] = [];
    for (const [start, end] of blocks) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === start) last[1] = end;
      else runs.push([start, end]);
    }
    const top = runs[runs.length - 1];
    if (top !== undefined && top[1] === this.top) {
      this.top = top[0];
      runs.pop();
    }
    for (let [start, end] of runs) {
      while (end - start >= 2 ** MIN_CLASS) {
        const c = Math.min(Math.floor(Math.log2(end - start)), this.largestClass);
        this.putFree(c, start);
        start += 2 ** c;
      }
    }
    const offset = this.takeFree(sizeClass) ?? this.split(sizeClass);
    this.mergeAfter = offset === undefined ? this.freeBytes + 2 ** sizeClass : 0;
    return offset;
  }


  private release(block: Block): void {
    // the finalizer of a disposed block's view finds it released already
    if (!block.live) return;
    block.live = false;
    this.putFree(block.sizeClass, block.offset);
    this.bytesInUse -= 2 ** block.sizeClass;
  }
}

/** A FinalizationRegistry constructor and, when collections can be forced, a `gc` function. */
interface Collector {
  Registry: typeof FinalizationRegistry;
  gc: (() => void) | null;
}

/** A FinalizationRegistry constructor and a `gc` function that can run finalizers synchronously, if the runtime lets us. */
function syncCollector(): Collector {
  try {
    const v8 = createRequire('node:v8') as { setFlagsFromString(flags: string): void };
    const vm = createRequire('node:vm') as { createContext(): object; runInContext(code: string, context: object): unknown };
    v8.setFlagsFromString('--expose-gc');
    v8.setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const context = vm.createContext();
    const Registry = vm.runInContext('FinalizationRegistry', context) as typeof FinalizationRegistry;
    const gc = vm.runInContext('gc', context) as () => void;
    if (typeof (Registry.prototype as { cleanupSome?: unknown }).cleanupSome === 'function' && typeof gc === 'function') return { Registry, gc };
  } catch {
    // not Node, or the flags are gone: finalizers then run between tasks only
  }
  return { Registry: FinalizationRegistry, gc: null };
}
