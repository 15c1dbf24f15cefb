/**
 * Memory over a long run: 20,000 W3 training steps (bench/README.md) on the wasm backend in one
 * synchronous loop with no dispose calls and no scope, as a plain user loop runs (no turns of the
 * event loop, so no finalizer ever runs; no engine flag is set). Prints the heap's bytes in use, its
 * committed size, the process's resident memory and how many allocations went to the JS heap every
 * 2,000 steps, and fails (exit code 1) unless the peak of the second half stays within 10% of the
 * peak of the first half. `npm run bench:memory` (`-- 2000` for fewer steps).
 */
import { wasmMemoryStats } from 'nabla';
import { w3NablaCase } from './w3-mlp.js';

const STEPS = Number(process.argv[2] ?? 20_000);
const EVERY = STEPS / 10;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0).padStart(5);

const c = w3NablaCase('wasm');
c.setup?.();
const windows: { heapPeak: number; committed: number; rss: number }[] = [];
let heapPeak = 0;
let loss = 0;
const started = performance.now();
console.log('steps   | heap in use, peak of window (MiB) | heap committed (MiB) | process RSS (MiB) | to JS heap | loss');
for (let step = 1; step <= STEPS; step++) {
  loss = c.step();
  heapPeak = Math.max(heapPeak, wasmMemoryStats().bytesInUse);
  if (step % EVERY === 0) {
    const w = { heapPeak, committed: wasmMemoryStats().memoryBytes, rss: process.memoryUsage().rss };
    windows.push(w);
    console.log(`${String(step).padStart(7)} | ${mib(w.heapPeak).padStart(33)} | ${mib(w.committed).padStart(20)} | ${mib(w.rss).padStart(17)} | ${String(wasmMemoryStats().declined).padStart(10)} | ${loss.toFixed(4)}`);
    heapPeak = 0;
  }
}
const half = windows.length / 2;
const peakOf = (ws: typeof windows, key: 'heapPeak' | 'committed' | 'rss'): number => Math.max(...ws.map((w) => w[key]));
const first = windows.slice(0, half);
const second = windows.slice(half);
const ms = (performance.now() - started) / STEPS;
const flat = (['heapPeak', 'committed', 'rss'] as const).every((key) => peakOf(second, key) <= 1.1 * peakOf(first, key));
console.log(`${STEPS} steps at ${ms.toFixed(2)} ms/step; peaks, first half → second half: heap in use ${mib(peakOf(first, 'heapPeak'))} → ${mib(peakOf(second, 'heapPeak'))} MiB, ` +
  `committed ${mib(peakOf(first, 'committed'))} → ${mib(peakOf(second, 'committed'))} MiB, RSS ${mib(peakOf(first, 'rss'))} → ${mib(peakOf(second, 'rss'))} MiB: ${flat ? 'flat' : 'GROWING'}`);
if (!flat) process.exitCode = 1;
