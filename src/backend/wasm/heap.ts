/**
 * The wasm heap: tensor storage that lives in one shared WebAssembly.Memory, so that wasm kernels
 * read and write it in place (no copies in and out) and JS kernels see it through typed-array
 * views. Blocks come from power-of-two size classes; a block returns to its class's free list when
 * its view is garbage-collected (FinalizationRegistry) or disposed explicitly, and a request whose
 * class has no free block splits a larger free block before the memory grows.
 *
 * NOTE: V8 cannot see this memory, so it does not collect garbage on its account, and finalizers
 * only run between tasks — never inside a long synchronous training loop. So when a request finds
 * no free block and `collectEvery` bytes have been allocated since the last collection (less what was
 * disposed explicitly, as backward does with its temporaries: only what may be garbage counts), the
 * heap forces a full collection and runs the finalizers synchronously (`gc` and
 * `FinalizationRegistry.prototype.cleanupSome`, enabled at run time in a fresh context). Where that is
 * not possible, and in any case past `capBytes`, new storage falls back to the JS heap, so memory
 * stays bounded either way.
 */
import { createRequire } from './node-require.js';
import type { DType, TypedArray } from '../../core/dtype.js';

const PAGE = 65536;
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

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * Allocates typed arrays inside a shared wasm memory.
 * @example
 * const heap = new WasmHeap(1 << 30);
 * const x = heap.allocate('float32', 1024); // a Float32Array view on heap.memory
 */
export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  private top = RESERVED;
  private readonly freeLists = new Map<number, number[]>();
  private readonly collector = syncCollector();
  private readonly registry: FinalizationRegistry<Block> & { cleanupSome?: () => void } = new this.collector.Registry((block: Block) => this.release(block));
  /** memory.buffer, cached: the getter is slow on a shared memory (refreshed when the memory grows). */
  private current: ArrayBuffer | SharedArrayBuffer;
  private allocatedSinceCollect = 0;
  /** The largest size class allocated so far (where `split` stops looking). */
  private largestClass = MIN_CLASS;
  /** Bytes in live blocks (by size class). */
  bytesInUse = 0;
  /** The most bytes in live blocks at any time. */
  peakBytes = 0;

  constructor(readonly capBytes: number, readonly collectEvery = 2 ** 28) {
    // collectEvery: bytes allocated and not disposed (possible garbage) between two forced collections
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
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
    const bytes = Math.max(n * BYTES[dtype], 1);
    const sizeClass = Math.max(MIN_CLASS, Math.ceil(Math.log2(bytes)));
    if (sizeClass > this.largestClass) this.largestClass = sizeClass;
    const size = 2 ** sizeClass;
    this.allocatedSinceCollect += size;
    let offset = this.freeLists.get(sizeClass)?.pop();
    // no free block: collect garbage once enough has been allocated since the last collection
    if (offset === undefined && (this.allocatedSinceCollect > this.collectEvery || this.top + size > this.capBytes)) {
      this.collect();
      offset = this.freeLists.get(sizeClass)?.pop();
    }
    if (offset === undefined) offset = this.split(sizeClass);
    const reused = offset !== undefined;
    if (offset === undefined) {
      if (this.top + size > this.capBytes) return null;
      offset = this.top;
      this.top += size;
      const current = this.current.byteLength;
      // grow by at least a quarter (and 16 MiB): memory.grow is slow, and waiting for it per block adds up
      if (this.top > current) {
        this.memory.grow(Math.ceil(Math.max(this.top - current, current / 4, 2 ** 24) / PAGE));
        this.current = this.memory.buffer;
      }
    }
    const view: HeapView = this.view(dtype, offset, n);
    if (reused && zeroed) view.fill(0);
    const block: Block = { offset, sizeClass, live: true };
    view[BLOCK] = block;
    this.registry.register(view, block);
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
   * Frees the block behind `view` now (the view must not be used afterwards); false if it is not a heap block.
   * @example
   * heap.dispose(tensor.data);
   */
  dispose(view: TypedArray): boolean {
    const block = (view as HeapView)[BLOCK];
    if (block === undefined || !block.live) return false;
    this.release(block);
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

  /** True when `data` is a view on this heap's memory. */
  owns(data: TypedArray): boolean {
    return data.buffer instanceof SharedArrayBuffer;
  }

  /**
   * A block of `sizeClass` cut from the smallest larger free block (its other halves go to the free
   * lists below it), or undefined when there is none. Memory that other shapes used before (and
   * the process already touched) is then reused instead of growing into fresh pages, which cost a
   * page fault each on first touch.
   */
  private split(sizeClass: number): number | undefined {
    for (let larger = sizeClass + 1; larger <= this.largestClass; larger++) {
      const offset = this.freeLists.get(larger)?.pop();
      if (offset === undefined) continue;
      for (let c = larger - 1; c >= sizeClass; c--) this.freeList(c).push(offset + 2 ** c);
      return offset;
    }
    return undefined;
  }

  private freeList(sizeClass: number): number[] {
    let list = this.freeLists.get(sizeClass);
    if (list === undefined) this.freeLists.set(sizeClass, (list = []));
    return list;
  }

  private release(block: Block): void {
    // the finalizer of a disposed block's view finds it released already
    if (!block.live) return;
    block.live = false;
    this.freeList(block.sizeClass).push(block.offset);
    this.bytesInUse -= 2 ** block.sizeClass;
  }
}

/** A FinalizationRegistry constructor and a `gc` function that can run finalizers synchronously, if the runtime lets us. */
function syncCollector(): { Registry: typeof FinalizationRegistry; gc: (() => void) | null } {
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
