/**
 * Data types: each dtype maps to the typed array that backs it, and binary ops promote dtypes by
 * PyTorch's rules.
 *
 * Promotion (written down once, used by every binary op):
 * - bool < int32 < float32 < float64; two tensors promote to the larger: int32 + float32 → float32,
 *   float32 + float64 → float64, bool + int32 → int32.
 * - A JS number operand does not promote within its category: float32 + 2.5 → float32, int32 + 3 → int32.
 *   It lifts the category when needed, as a Python scalar does in PyTorch: int32 + 2.5 → float32,
 *   bool + 3 → int32, bool + 2.5 → float32.
 */
import { DTypeError, check } from './errors.js';

/** The element types a tensor can have. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed array behind each dtype (bool is stored as 0/1 bytes). */
export interface DTypeMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}

/** Any typed array a tensor can be stored in. */
export type TypedArray = DTypeMap[DType];

/**
 * The dtype tensors get when none is given.
 * @example
 * tensor([1, 2]).dtype === DEFAULT_DTYPE; // true
 */
export const DEFAULT_DTYPE: DType = 'float32';

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * All dtypes, in promotion order.
 * @example
 * DTYPES.includes('float64'); // true
 */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** Places tensor storage somewhere else (the wasm backend's heap); returns null to decline. */
export type Allocator = (dtype: DType, n: number) => TypedArray | null;

/** Returns storage placed by an allocator to it now; false when `data` is not its own (left to the GC). */
export type Freer = (data: TypedArray) => boolean;

let allocator: Allocator | null = null;
let freer: Freer | null = null;

/**
 * Installs (or, with null, removes) the allocator that tensor storage comes from, and the function
 * that frees what it placed (storage it does not know is left to the garbage collector).
 * @example
 * setAllocator((dtype, n) => (dtype === 'float32' && n >= 256 ? heap.allocate(n) : null), (data) => heap.dispose(data));
 */
export function setAllocator(next: Allocator | null, free: Freer | null = null): void {
  allocator = next;
  freer = next === null ? null : free;
}

/**
 * Frees `data` now if the installed allocator placed it (it must not be used afterwards); JS-heap
 * arrays are left to the garbage collector. Returns whether anything was freed.
 * @example
 * free(tensor.data);
 */
export function free(data: TypedArray): boolean {
  return freer !== null && freer(data);
}

/**
 * Allocates a zero-filled typed array for `n` elements of `dtype` (from the installed allocator
 * when it takes the request, else on the JS heap).
 * @example
 * allocate('float64', 3); // Float64Array [0, 0, 0]
 */
export function allocate<D extends DType>(dtype: D, n: number): DTypeMap[D] {
  if (allocator !== null) {
    const placed = allocator(dtype, n);
    if (placed !== null) return placed as DTypeMap[D];
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(n) as DTypeMap[D];
    case 'float64':
      return new Float64Array(n) as DTypeMap[D];
    case 'int32':
      return new Int32Array(n) as DTypeMap[D];
    default:
      return new Uint8Array(n) as DTypeMap[D];
  }
}

/**
 * Bytes per element of each dtype.
 * @example
 * DTYPE_BYTES.float64; // 8
 */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * A copy of `data` (any view, e.g. one on the wasm heap's shared memory) as the same kind of typed
 * array on the JS heap. NOTE: copied as bytes: V8 copies a shared-memory Float32Array into a plain one
 * element by element (~4× slower than this).
 * @example
 * const copy = copyToJsHeap(heapView); // copy.buffer is a plain ArrayBuffer
 */
export function copyToJsHeap<T extends TypedArray>(data: T): T {
  const bytes = new Uint8Array(data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return new (data.constructor as new (buffer: ArrayBuffer) => T)(bytes.buffer);
}

/** `SharedArrayBuffer` where the runtime has one (on a page that is not cross-origin isolated the name is undefined). */
const SHARED: typeof SharedArrayBuffer | null = typeof SharedArrayBuffer === 'function' ? SharedArrayBuffer : null;

/**
 * True when `data` is a view on shared memory, i.e. on the wasm heap (always false where the runtime
 * has no `SharedArrayBuffer`).
 * @example
 * onSharedMemory(new Float32Array(4)); // false: a JS-heap array
 */
export function onSharedMemory(data: TypedArray): boolean {
  return SHARED !== null && data.buffer instanceof SHARED;
}

/**
 * The dtype whose typed array `data` is.
 * @example
 * dtypeOfArray(new Int32Array(2)); // 'int32'
 */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * True for float32 and float64, the dtypes that can require gradients.
 * @example
 * isFloating('int32'); // false
 */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * The dtype two tensors promote to in a binary op.
 * @example
 * promoteTypes('int32', 'float32'); // 'float32'
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype of `tensor op number`: the tensor's dtype, lifted to int32 or float32 when the number
 * needs a higher category (see the rules at the top of this file).
 * @example
 * resultTypeWithNumber('int32', 0.5); // 'float32'
 */
export function resultTypeWithNumber(dtype: DType, x: number): DType {
  if (!Number.isInteger(x)) return isFloating(dtype) ? dtype : DEFAULT_DTYPE;
  return dtype === 'bool' ? 'int32' : dtype;
}

/**
 * Throws a DTypeError unless `dtype` is one of the four dtypes.
 * @example
 * checkDType('float16', 'zeros'); // throws: [zeros] unknown dtype "float16"; expected one of bool, int32, float32, float64
 */
export function checkDType(dtype: unknown, op: string): asserts dtype is DType {
  check(typeof dtype === 'string' && dtype in RANK, DTypeError,
    () => `[${op}] unknown dtype ${JSON.stringify(dtype)}; expected one of ${DTYPES.join(', ')}`);
}

/**
 * Converts a JS number to what storing it in `dtype` gives (truncation for int32, 0/1 for bool, rounding for float32).
 * @example
 * castNumber(2.7, 'int32'); // 2
 */
export function castNumber(x: number, dtype: DType): number {
  switch (dtype) {
    case 'int32':
      return x | 0;
    case 'bool':
      return x !== 0 ? 1 : 0;
    case 'float32':
      return Math.fround(x);
    default:
      return x;
  }
}
