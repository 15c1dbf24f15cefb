/**
 * `npm run bench:profile -- w5 [steps] [threads]`: where one workload's training step spends its time.
 * Runs nabla wasm's case of the workload (W3–W5, W7–W9) in this process: the protocol's 10 warm-up
 * steps, then `steps` steps (default 50) under V8's sampling profiler (node:inspector), and prints
 * the self time per kernel and per JS function, grouped: matrix products, other wasm kernels, JS
 * (autograd, dispatch, views; the main thread's wait for a worker is JS too: `Atomics.wait` in the
 * pool's `run`), garbage collection. Only samples from the first to the last one taken inside a step
 * count (not the profiler's own start and stop). The wasm kernels are named from a debug build of the
 * same sources (AssemblyScript with names; the same sources give the same functions in the same order).
 */
import { readFileSync, rmSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getNumThreads, setNumThreads, wasmKernels } from 'nabla';
import type { TrainCase } from './harness.js';
import { w3NablaCase } from './w3-mlp.js';
import { w4NablaCase } from './w4-cnn.js';
import { w5NablaCase } from './w5-transformer.js';
import { w7NablaCase } from './w7-lstm.js';
import { w8NablaCase } from './w8-ppo.js';
import { w9NablaCase } from './w9-gpt.js';

const CASES: Record<string, () => TrainCase> = {
  w3: () => w3NablaCase('wasm'), w4: () => w4NablaCase('wasm'), w5: () => w5NablaCase('wasm'),
  w7: () => w7NablaCase('wasm'), w8: () => w8NablaCase('wasm'), w9: () => w9NablaCase('wasm'),
};

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[]; }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; }

/** Names of the kernel module's functions, by index, from a debug build of the same sources. */
async function kernelNames(relaxed: boolean): Promise<string[]> {
  const out = join(tmpdir(), `nabla-profile-${process.pid}.wasm`);
  // NOTE: imported by a variable's name: AssemblyScript's types declare globals (console) of their own
  const compiler = 'assemblyscript/asc';
  const asc = ((await import(compiler)) as { default: { main(args: string[]): Promise<{ error: Error | null; stderr: { toString(): string } }> } }).default;
  const { error, stderr } = await asc.main([
    'src/backend/wasm/assembly/index.ts', '-O3', '--noAssert', '--runtime', 'stub', '--debug',
    '--enable', 'simd', '--enable', 'threads', ...(relaxed ? ['--enable', 'relaxed-simd'] : []),
    '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '-o', out,
  ]);
  if (error) throw new Error(stderr.toString());
  const bytes = new Uint8Array(readFileSync(out));
  rmSync(out);
  const { customSections } = WebAssembly.Module as unknown as { customSections(m: WebAssembly.Module, name: string): ArrayBuffer[] };
  const section = new Uint8Array(customSections(new WebAssembly.Module(bytes), 'name')[0]!);
  let p = 0;
  const leb = (): number => {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = section[p++]!;
      r |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return r >>> 0;
  };
  const names: string[] = [];
  while (p < section.length) {
    const id = section[p++]!;
    const end = leb() + p;
    if (id === 1) {
      for (let n = leb(); n > 0; n--) {
        const index = leb();
        const length = leb();
        names[index] = new TextDecoder().decode(section.subarray(p, p + length)).replace(/^.*\//, '');
        p += length;
      }
    }
    p = end;
  }
  return names;
}

function post<T>(session: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r as T))));
}

const [name = 'w5', stepsArg = '50', threadsArg] = process.argv.slice(2);
if (!(name in CASES)) throw new Error(`bench:profile: unknown workload ${name}; one of ${Object.keys(CASES).join(', ')}`);
const steps = Number(stepsArg);
if (!(Number.isInteger(steps) && steps > 0)) throw new Error(`bench:profile: steps must be a positive integer, got ${stepsArg}`);
const c = CASES[name]!();
c.setup?.();
if (threadsArg !== undefined) setNumThreads(Number(threadsArg));
const WARMUP = Number(process.env.NABLA_PROFILE_WARMUP ?? 10); // steps run before the profiler starts
for (let i = 0; i < WARMUP; i++) c.step();
const session = new Session();
session.connect();
await post(session, 'Profiler.enable');
await post(session, 'Profiler.setSamplingInterval', { interval: 250 }); // µs: finer sampling slows the step down
await post(session, 'Profiler.start');
const started = performance.now();
/** The step under its own name, so that the samples taken inside a step can be told apart. */
function profiledStep(): void {
  c.step();
}
for (let i = 0; i < steps; i++) profiledStep();
const ms = (performance.now() - started) / steps;
const { profile } = await post<{ profile: Profile }>(session, 'Profiler.stop');
const relaxed = wasmKernels() === 'relaxed-simd';
const names = await kernelNames(relaxed);

const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
const inStep = (id: number): boolean => {
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) if (byNode.get(at)!.callFrame.functionName === 'profiledStep') return true;
  return false;
};
// the window from the first to the last sample inside a step: garbage collection inside it counts, the
// profiler's own start and stop around it do not
const first = profile.samples.findIndex(inStep);
if (first < 0) throw new Error('bench:profile: no sample fell inside a step (too few steps?)');
const last = profile.samples.length - 1 - [...profile.samples].reverse().findIndex(inStep);
const self = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  if (i < first || i > last) return;
  const dt = profile.timeDeltas[i] ?? 0;
  const { functionName, url } = byNode.get(id)!.callFrame;
  const wasm = /^wasm-function\[(\d+)\]$/.exec(functionName) ?? /^\$?(\d+)$/.exec(functionName);
  const label = wasm ? `wasm ${names[Number(wasm[1])] ?? functionName}` : `${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}`.trim();
  self.set(label, (self.get(label) ?? 0) + dt);
  total += dt;
});
const group = (label: string): string =>
  /^wasm .*gemm|^wasm pack/i.test(label) ? 'matrix products (wasm)' : label.startsWith('wasm ') ? 'other wasm kernels'
    : /^\(garbage collector\)/.test(label) ? 'garbage collection' : /^\((idle|program)\)/.test(label) ? 'idle, (program)'
      : 'JS: autograd, dispatch, views, optimiser';
const groups = new Map<string, number>();
for (const [label, t] of self) groups.set(group(label), (groups.get(group(label)) ?? 0) + t);
const pct = (t: number): string => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`${name}: ${steps} steps profiled, ${ms.toFixed(2)} ms per step (profiler on), ${getNumThreads()} thread(s), ${relaxed ? 'relaxed' : 'plain'} SIMD`);
for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${pct(t)}  ${g}  (${((t / 1000 / steps)).toFixed(2)} ms per step)`);
const TOP = Number(process.env.NABLA_PROFILE_TOP ?? 20);
console.log(`top ${TOP} by self time:`);
for (const [label, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${pct(t)}  ${label}`);

// NABLA_PROFILE_INCLUSIVE=N: the N functions with the most time on the stack (inclusive time: a sample
// counts once for every distinct function on its stack), to see which callers the self time sits under
const INCLUSIVE = Number(process.env.NABLA_PROFILE_INCLUSIVE ?? 0);
if (INCLUSIVE > 0) {
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (i < first || i > last) return;
    const dt = profile.timeDeltas[i] ?? 0;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url } = byNode.get(at)!.callFrame;
      if (/^wasm-function|^\$?\d+$/.test(functionName)) continue;
      seen.add(`${functionName || '(anonymous)'} ${url.replace(/^.*\//, '')}:${byNode.get(at)!.callFrame.lineNumber + 1}`.trim());
    }
    for (const label of seen) inclusive.set(label, (inclusive.get(label) ?? 0) + dt);
  });
  console.log(`top ${INCLUSIVE} by inclusive time (JS functions):`);
  for (const [label, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, INCLUSIVE)) console.log(`${pct(t)}  ${label}`);
}
