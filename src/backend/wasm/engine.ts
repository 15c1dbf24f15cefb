/**
 * The wasm backend's engine: one heap and one instance of the kernels over it, made on first use,
 * and the engine memory reserved with them (this thread's GEMM scratch, the i32 layout and work
 * arrays the N-d kernels read). The heap's memory is shared where the runtime allows it (Node,
 * cross-origin-isolated pages) and plain elsewhere (see WasmHeap).
 */
import { WasmHeap } from './heap.js';
import { instantiateKernels, type WasmKernels } from './kernels.js';
import { hasSharedMemory } from './runtime.js';

/** Tensor blocks are not placed past this heap size (see WasmHeap); storage then goes to the JS heap. */
let heapLimit = 2 ** 30;

/** The heap, once made (null before the first kernel call). */
export let heap: WasmHeap | null = null;
let kernels: WasmKernels | null = null;

/** Engine memory (reserved for good, see WasmHeap.reserve): the GEMM scratch of this thread. */
export let gemmScratch = 0;
/** i32 scratch for shapes and strides passed to the N-d kernels. */
export let layoutPtr = 0;
/** i32 scratch for their odometers. */
export let workPtr = 0;

/**
 * The heap and the kernels, made on first use.
 * @example
 * const { heap, k } = ensure();
 */
export function ensure(): { heap: WasmHeap; k: WasmKernels } {
  if (heap === null || kernels === null) {
    heap = new WasmHeap(heapLimit, undefined, hasSharedMemory());
    kernels = instantiateKernels(heap.memory);
    gemmScratch = heap.reserve(kernels.gemmScratchBytes());
    const small = heap.reserve(256 * 4); // layout (6 arrays of 8 dims) then work (2 × 8 + …)
    layoutPtr = small;
    workPtr = small + 128 * 4;
  }
  return { heap, k: kernels };
}

/**
 * Sets the heap size past which tensor storage goes to the JS heap (now and for a heap made later).
 * @example
 * setHeapLimit(512 * 2 ** 20);
 */
export function setHeapLimit(bytes: number): void {
  heapLimit = bytes;
  if (heap !== null) heap.limitBytes = bytes;
}
