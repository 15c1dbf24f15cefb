/**
 * The wasm heap's allocator: size classes, reuse of disposed blocks, splitting of larger free
 * blocks, and (a property) that live blocks never overlap whatever the sequence of requests.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WasmHeap } from '../src/backend/wasm/heap.js';

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
