/**
 * The wasm heap's allocator: size classes, reuse of disposed blocks, splitting of larger free
 * blocks, and (a property) that live blocks never overlap whatever the sequence of requests; and
 * both builds of the kernels (plain SIMD, relaxed SIMD) against a reference product, in float32 and float64.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmHeap } from '../src/backend/wasm/heap.js';
import { compileKernels, type WasmKernels } from '../src/backend/wasm/kernels.js';
import { configureWasm, wasmKernels } from '../src/index.js';

const MiB = 2 ** 20;

describe('WasmHeap', () => {
  it('reuses a disposed block of the same class, zero-filled', () => {
    const heap = new WasmHeap(64 * MiB);
    const a = heap.allocate('float32', 1000)!;
    a.fill(7);
    const offset = a.byteOffset;
    expect(heap.dispose(a)).toBe(true);
    const b = heap.allocate('float32', 900)!; // same 4 KiB class
    expect(b.byteOffset).toBe(offset);
    expect(Array.from(b).every((v) => v === 0)).toBe(true);
    expect(heap.bytesInUse).toBe(4096);
  });

  it('splits a larger free block instead of growing the memory', () => {
    const heap = new WasmHeap(64 * MiB);
    const big = heap.allocate('float32', MiB / 4)!; // a 1 MiB block
    const start = big.byteOffset;
    heap.dispose(big);
    const committed = heap.memory.buffer.byteLength;
    const small = heap.allocate('float32', 1000)!; // 4 KiB: cut from the 1 MiB block
    const half = heap.allocate('float32', MiB / 8)!; // 512 KiB: the other half of the first split
    for (const v of [small, half]) {
      expect(v.byteOffset).toBeGreaterThanOrEqual(start);
      expect(v.byteOffset + v.byteLength).toBeLessThanOrEqual(start + MiB);
    }
    expect(heap.memory.buffer.byteLength).toBe(committed);
    expect(heap.bytesInUse).toBe(4096 + MiB / 2);
  });

  it('merges adjacent free blocks before growing: small blocks freed serve a large request', () => {
    const heap = new WasmHeap(64 * MiB);
    const smalls = Array.from({ length: 64 }, () => heap.allocate('float32', 4096)!); // 64 blocks of 16 KiB
    const keepAlive = heap.allocate('float32', 16)!; // above them: the merged run does not end at the top
    smalls.forEach((v) => heap.dispose(v));
    const committed = heap.memory.buffer.byteLength;
    const top = keepAlive.byteOffset;
    const big = heap.allocate('float32', MiB / 4)!; // 1 MiB = the 64 freed blocks merged
    expect(big.byteOffset + big.byteLength).toBeLessThanOrEqual(top);
    expect(heap.memory.buffer.byteLength).toBe(committed);
    big.fill(3);
    expect(keepAlive.every((v) => v === 0)).toBe(true);
  });

  it('never hands out overlapping live blocks, and what is written to one stays there', () => {
    fc.assert(fc.property(
      fc.array(fc.oneof(fc.record({ alloc: fc.integer({ min: 1, max: 70_000 }) }), fc.record({ free: fc.nat() })), { maxLength: 60 }),
      (ops) => {
        const heap = new WasmHeap(256 * MiB);
        const live: { view: Float32Array; mark: number }[] = [];
        let mark = 1;
        for (const op of ops) {
          if ('alloc' in op) {
            const view = heap.allocate('float32', op.alloc) as Float32Array;
            expect(Array.from(view.subarray(0, 16)).every((v) => v === 0)).toBe(true);
            view.fill(mark);
            live.push({ view, mark: mark++ });
          } else if (live.length > 0) {
            const [gone] = live.splice(op.free % live.length, 1);
            heap.dispose(gone!.view);
          }
        }
        const spans = live.map(({ view }) => [view.byteOffset, view.byteOffset + view.byteLength] as const).sort((p, q) => p[0] - q[0]);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
        for (const { view, mark: m } of live) expect(view.every((v) => v === m)).toBe(true);
      },
    ), { numRuns: 60 });
  });
});

describe('both builds of the kernels', () => {
  it('compute the same products as a float64 reference (plain SIMD and fused multiply-add)', () => {
    configureWasm({ relaxedSimd: true }); // opts in: on Node 20 this sets the V8 flag relaxed SIMD needs
    expect(wasmKernels()).toBe('relaxed-simd');
    for (const build of ['simd', 'relaxed-simd'] as const) {
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 1024, shared: true });
      const k = new WebAssembly.Instance(compileKernels(build), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as WasmKernels;
      const scratch = 65536;
      const base = scratch + k.gemmScratchBytes();
      // shapes for every path: packed, few rows, dot products (A·Bᵀ), edges
      for (const [m, n, kk, transposedB] of [[37, 29, 300, false], [5, 70, 33, false], [9, 6, 200, true], [64, 64, 64, false], [3, 17, 5, true]] as const) {
        const f = new Float32Array(memory.buffer);
        const a = base / 4;
        const b = a + m * kk;
        const c = b + kk * n;
        for (let i = 0; i < m * kk + kk * n; i++) f[a + i] = Math.sin(i * 0.37) * 2;
        // B as [k, n] row-major, or its transpose stored [n, k] (strides 1, k)
        const [brs, bcs] = transposedB ? [1, kk] : [n, 1];
        k.sgemm(a * 4, kk, 1, b * 4, brs, bcs, c * 4, n, m, n, kk, scratch);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let ref = 0;
            for (let p = 0; p < kk; p++) ref += f[a + i * kk + p]! * f[b + p * brs + j * bcs]!;
            expect(Math.abs(f[c + i * n + j]! - ref)).toBeLessThan(1e-4 * (1 + Math.abs(ref)) * Math.sqrt(kk));
          }
        }
      }
    }
  });

  it('compute the same float64 products (dgemm) as the reference to 1e-13, transposed A and B included', () => {
    configureWasm({ relaxedSimd: true });
    for (const build of ['simd', 'relaxed-simd'] as const) {
      const memory = new WebAssembly.Memory({ initial: 64, maximum: 1024, shared: true });
      const k = new WebAssembly.Instance(compileKernels(build), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports as unknown as WasmKernels;
      const scratch = 65536;
      const base = scratch + k.gemmScratchBytes();
      // packed (two k blocks, two column blocks), few rows, dot products (A·Bᵀ), edges, transposed A
      for (const [m, n, kk, transposedA, transposedB] of [[37, 290, 300, false, false], [5, 70, 33, false, false], [9, 6, 600, false, true], [64, 64, 64, true, false], [3, 17, 5, false, true], [21, 19, 40, true, true]] as const) {
        const f = new Float64Array(memory.buffer);
        const a = base / 8;
        const b = a + m * kk;
        const c = b + kk * n;
        for (let i = 0; i < m * kk + kk * n; i++) f[a + i] = Math.sin(i * 0.37) * 2;
        const [ars, acs] = transposedA ? [1, m] : [kk, 1];
        const [brs, bcs] = transposedB ? [1, kk] : [n, 1];
        k.dgemm(a * 8, ars, acs, b * 8, brs, bcs, c * 8, n, m, n, kk, scratch);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let ref = 0;
            for (let p = 0; p < kk; p++) ref += f[a + i * ars + p * acs]! * f[b + p * brs + j * bcs]!;
            expect(Math.abs(f[c + i * n + j]! - ref)).toBeLessThan(1e-13 * (1 + Math.abs(ref)) * Math.sqrt(kk));
          }
        }
      }
    }
  });
});
