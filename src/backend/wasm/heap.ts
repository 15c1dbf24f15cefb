/**
 * The wasm heap: tensor storage that lives in one shared WebAssembly.Memory, so that wasm kernels
 * read and write it in place (no copies in and out) and JS kernels see it through typed-array
 * views. Blocks come from power-of-two size classes; a block returns to its class's free list when
 * its view is garbage-collected (FinalizationRegistry) or disposed explicitly. Past a cap, new
 * storage falls back to the JS heap, so memory stays bounded even when a long synchronous loop
 * gives the finalizers no chance to run.
 */
import type { DType, TypedArray } from '../../core/dtype.js';

const PAGE = 65536;
/** Bytes at the bottom of memory left to the kernels' module (static data, stack). */
const RESERVED = PAGE;
const MIN_CLASS = 6; // 64-byte blocks at least: SIMD-aligned

interface Block {
  offset: number;
  sizeClass: number;
}

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
  private readonly blocks = new WeakMap<object, Block>();
  private readonly registry = new FinalizationRegistry<Block>((block) => this.release(block));
  /** Bytes in live blocks (by size class). */
  bytesInUse = 0;
  /** The most bytes in live blocks at any time. */
  peakBytes = 0;

  constructor(readonly capBytes: number) {
    this.memory = new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true });
  }

  /**
   * A zero-filled array of `n` elements of `dtype` on the heap, or null when it would pass the cap.
   * @example
   * heap.allocate('float32', 256);
   */
  allocate(dtype: DType, n: number): TypedArray | null {
    const bytes = Math.max(n * BYTES[dtype], 1);
    const sizeClass = Math.max(MIN_CLASS, Math.ceil(Math.log2(bytes)));
    const size = 2 ** sizeClass;
    let offset = this.freeLists.get(sizeClass)?.pop();
    const reused = offset !== undefined;
    if (offset === undefined) {
      if (this.top + size > this.capBytes) return null;
      offset = this.top;
      this.top += size;
      const needed = this.top - this.memory.buffer.byteLength;
      if (needed > 0) this.memory.grow(Math.ceil(needed / PAGE));
    }
    const view = this.view(dtype, offset, n);
    if (reused) view.fill(0);
    const block: Block = { offset, sizeClass };
    this.blocks.set(view, block);
    this.registry.register(view, block, view);
    this.bytesInUse += size;
    this.peakBytes = Math.max(this.peakBytes, this.bytesInUse);
    return view;
  }

  /** A view of `n` elements of `dtype` at byte `offset` (the memory's current buffer). */
  view(dtype: DType, offset: number, n: number): TypedArray {
    const buffer = this.memory.buffer;
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
    const block = this.blocks.get(view);
    if (block === undefined) return false;
    this.blocks.delete(view);
    this.registry.unregister(view);
    this.release(block);
    return true;
  }

  /** True when `data` is a view on this heap's memory. */
  owns(data: TypedArray): boolean {
    return data.buffer instanceof SharedArrayBuffer;
  }

  private release(block: Block): void {
    let list = this.freeLists.get(block.sizeClass);
    if (list === undefined) this.freeLists.set(block.sizeClass, (list = []));
    list.push(block.offset);
    this.bytesInUse -= 2 ** block.sizeClass;
  }
}
