/**
 * The wasm backend without shared memory (a browser page that is not cross-origin isolated), checked
 * in Node: the kernels' binary with its memory import unshared links to a plain memory, the heap on a
 * plain memory places no tensor, and a fresh copy of the library loaded with `crossOriginIsolated =
 * false` runs wasm on one thread, with the same results as the js backend. The same page runs for real
 * in Chromium in `npm run test:browser` (scripts/test-browser.mjs). Internal: src only.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackendError } from '../src/index.js';
import { WasmHeap } from '../src/backend/wasm/heap.js';
import { compileKernels, type WasmKernels } from '../src/backend/wasm/kernels.js';
import { unshareMemoryImport } from '../src/backend/wasm/unshared.js';
import { expectError } from './helpers/expect.js';

describe('unshareMemoryImport', () => {
  it('gives a binary that links to a plain memory and computes what the shared one does', () => {
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 1024 });
    const k = new WebAssembly.Instance(compileKernels('simd', false), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as WasmKernels;
    const [a, b, c] = [100_000, 110_000, 120_000];
    const f = new Float32Array(memory.buffer);
    f.set([1, 2, 3, 4], a / 4);
    f.set([5, 6, 7, 8], b / 4);
    k.sgemm(a, 2, 1, b, 2, 1, c, 2, 2, 2, 2, 200_000);
    expect(Array.from(new Float32Array(memory.buffer, c, 4))).toEqual([19, 22, 43, 50]);
    // the shared build refuses the plain memory, which is why the unshared one exists
    expect(() => new WebAssembly.Instance(compileKernels('simd', true), { env: { memory, abort: () => {} } })).toThrow(/shared/);
  });

  it('throws a BackendError for a binary with no shared memory import', () => {
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expectError(() => unshareMemoryImport(empty), BackendError, '[wasm] the kernels binary has no shared memory import to unshare');
  });
});

describe('WasmHeap on a plain memory', () => {
  it('places no tensor block (views on a plain memory die when it grows) and reserves engine memory', () => {
    const heap = new WasmHeap(2 ** 30, undefined, false);
    expect(heap.memory.buffer instanceof SharedArrayBuffer).toBe(false);
    expect(heap.allocate('float32', 1024)).toBeNull();
    const at = heap.reserve(2 ** 25); // grows the memory
    expect(at).toBeGreaterThan(0);
    expect(heap.buffer.byteLength).toBeGreaterThanOrEqual(at + 2 ** 25);
    expect(heap.bytesInUse).toBe(0);
  });
});

describe('the library where the runtime has no shared memory', () => {
  type Lib = typeof import('../src/index.js');
  let lib: Lib;
  beforeAll(async () => {
    vi.stubGlobal('crossOriginIsolated', false); // what a plain page says
    vi.resetModules();
    lib = await import('../src/index.js');
  });
  afterAll(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('picks wasm on one thread and refuses more threads with a BackendError', async () => {
    expect(lib.backend().name).toBe('wasm');
    expect(lib.getNumThreads()).toBe(1);
    expect(() => lib.setNumThreads(2)).toThrow(lib.BackendError);
    expect(await lib.threadsReady()).toBe(1);
  });

  it('runs products, elementwise ops, fused rows and their gradients as the js backend does, with no tensor on the heap', () => {
    const run = (name: string): number[][] => {
      lib.setBackend(name);
      const g = new lib.Generator(5);
      const a = lib.randn([100, 80], { generator: g, requiresGrad: true });
      const b = lib.randn([80, 60], { generator: g, requiresGrad: true });
      const y = a.matmul(b).tanh().softmax(1).mul(lib.randn([100, 60], { generator: g })).exp();
      y.sum().backward();
      return [y, a.grad!, b.grad!].map((t) => Array.from(t.toTypedArray(), Number));
    };
    const js = run('js');
    const wasm = run('wasm');
    js.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - wasm[k]![i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v)))));
    const stats = lib.wasmMemoryStats();
    expect(stats.bytesInUse).toBe(0);
    expect(stats.reservedBytes).toBeGreaterThanOrEqual(2 ** 22); // the spill arena ran the kernels
  });

  it('runs float64 products (dgemm, operands and output through the spill arena) and their gradients as the js backend does', () => {
    const run = (name: string): Float64Array[] => {
      lib.setBackend(name);
      const g = new lib.Generator(6);
      const a = lib.randn([70, 90], { generator: g, dtype: 'float64', requiresGrad: true });
      const b = lib.randn([50, 90], { generator: g, dtype: 'float64', requiresGrad: true });
      const y = a.matmul(b.t());
      y.square().sum().backward();
      return [y, a.grad!, b.grad!].map((t) => t.toTypedArray() as Float64Array);
    };
    const js = run('js');
    const wasm = run('wasm');
    js.forEach((values, k) => values.forEach((v, i) => expect(Math.abs(v - wasm[k]![i]!)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(v)))));
    expect(lib.wasmMemoryStats().bytesInUse).toBe(0);
  });
});
