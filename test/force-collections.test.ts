/**
 * The opt-in `configureWasm({ forceCollections: true })`: the heap forces collections in a
 * synchronous loop (so garbage comes back to the heap instead of spilling to the JS heap), and it
 * says what it does to the process (a global `gc` in new vm contexts). Its own file: the V8 flags it
 * sets are process-wide.
 */
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, Generator, configureWasm, randn, setBackend, wasmKernels, wasmMemoryStats, type Backend } from '../src/index.js';

let previous: Backend;
beforeAll(() => {
  previous = setBackend('wasm');
});
afterAll(() => {
  setBackend(previous);
});

describe('forceCollections', () => {
  it('keeps a synchronous loop that never frees its tensors on the heap, and cannot be turned off', () => {
    const g = new Generator(3);
    expect(runInNewContext('typeof gc')).toBe('undefined');
    // one call with options that interact (forceCollections loads the kernels): all or nothing, here all
    configureWasm({ forceCollections: true, relaxedSimd: false, heapLimitBytes: 2 ** 24 });
    expect(wasmKernels()).toBe('simd');
    expect(wasmMemoryStats().forcedCollections).toBe(true);
    expect(runInNewContext('typeof gc')).toBe('function'); // the documented process-wide effect
    const declined = wasmMemoryStats().declined;
    let checksum = 0;
    for (let i = 0; i < 400; i++) checksum += randn([256, 256], { generator: g }).exp().sum().item(); // 512 KiB of garbage per step
    expect(Number.isFinite(checksum)).toBe(true);
    expect(wasmMemoryStats().declined).toBe(declined); // 200 MiB of garbage through a 16 MiB heap, none spilled
    expect(wasmMemoryStats().memoryBytes).toBeLessThanOrEqual(2 ** 25);
    expect(() => configureWasm({ forceCollections: false })).toThrow(ArgumentError);
  });
});
