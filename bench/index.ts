/**
 * nabla's benchmarks (bench/README.md). `npm run bench` runs every workload; `npm run bench -- w3`
 * (or `-- w1 w5`) runs some. Each workload's cases run in interleaved rounds in this process, so that
 * their ratios are comparable; then nabla wasm and (when python3 has torch) PyTorch run the workload
 * once more, each in a fresh child process (bench/fresh.ts); the table at the end gives each workload
 * in its own unit. `npm run bench -- --cold w3` is such a child: nabla wasm alone, cold then warm.
 */
import { cpus, loadavg } from 'node:os';
import { TRAIN, compare, median, printTable, timeCalls, trainRounds, trainRows, type BenchRow } from './harness.js';
import { findTorch, freshRows, nablaFresh } from './fresh.js';
import { wasmKernels, wasmMemoryStats } from 'nabla';
import { DEFAULT_THREADS, NABLA_BACKENDS, useNabla } from './nabla.js';
import { initTfjs } from './tfjs.js';
import { W1_PROTOCOL, W1_SIZES, gflops, w1Cases } from './w1-matmul.js';
import { OPS_PER_ITERATION, nablaW2, tfjsW2 } from './w2-small-ops.js';
import { w3Cases } from './w3-mlp.js';
import { W4_TFJS_CPU_STEPS, w4Cases } from './w4-cnn.js';
import { W5_TFJS_CPU_STEPS, w5Cases } from './w5-transformer.js';
import { nablaCase, plainCase } from './w6-scalar.js';
import { W7_SLOW_STEPS, w7Cases } from './w7-lstm.js';
import { W8_MINIBATCHES_PER_UPDATE, W8_PROTOCOL, w8Cases, w8Check } from './w8-ppo.js';
import { W9_SLOW_STEPS, W9_TFJS_WASM_STEPS, w9Cases } from './w9-gpt.js';

async function w1(): Promise<BenchRow[]> {
  await initTfjs();
  const rows: BenchRow[] = [];
  for (const n of W1_SIZES) {
    const workload = `W1 matmul n=${n}`;
    const cases = w1Cases(n);
    const perCase = await timeCalls(workload, cases, W1_PROTOCOL);
    for (const c of cases) {
      const o = { ...W1_PROTOCOL, ...c.options };
      const roundMs = perCase.get(c.name)!;
      rows.push({
        workload, unit: 'GFLOP/s', higherIsBetter: true, name: c.name, value: gflops(n, median(roundMs)),
        rounds: roundMs.map((ms) => gflops(n, ms)), samples: `${o.rounds}×${o.samples} samples`,
      });
    }
  }
  useNabla('wasm');
  return rows;
}

async function w2(): Promise<BenchRow[]> {
  await initTfjs();
  const workload = 'W2 small-op overhead';
  const cases = [...NABLA_BACKENDS.map(nablaW2), tfjsW2('cpu'), tfjsW2('wasm')];
  const perCase = await compare(workload, cases);
  // one iteration is three ops: report µs per op
  return cases.map((c) => {
    const rounds = perCase.get(c.name)!.map((ms) => (ms * 1000) / OPS_PER_ITERATION);
    return { workload, unit: 'µs/op', higherIsBetter: false, name: c.name, value: median(rounds), rounds, samples: `${rounds.length} rounds (benny)` };
  });
}

async function w3(): Promise<BenchRow[]> {
  await initTfjs();
  return trainRows('W3 MLP step', await trainRounds('W3', w3Cases(), TRAIN));
}

async function w4(): Promise<BenchRow[]> {
  await initTfjs();
  console.log(`W4: tfjs-cpu runs ${W4_TFJS_CPU_STEPS.warmup} warm-up + ${W4_TFJS_CPU_STEPS.timed} timed steps (seconds per step), the others ${TRAIN.warmup} + ${TRAIN.timed}`);
  return trainRows('W4 CNN step', await trainRounds('W4', w4Cases(), TRAIN));
}

async function w5(): Promise<BenchRow[]> {
  await initTfjs();
  console.log(`W5: tfjs-cpu runs ${W5_TFJS_CPU_STEPS.warmup} warm-up + ${W5_TFJS_CPU_STEPS.timed} timed steps, the others ${TRAIN.warmup} + ${TRAIN.timed}`);
  return trainRows('W5 Transformer step', await trainRounds('W5', w5Cases(), TRAIN));
}

async function w6(): Promise<BenchRow[]> {
  const workload = 'W6 scalar graph';
  const cases = [nablaCase(), plainCase()];
  for (const c of cases) console.log(`W6 ${c.name}: ${c.nodes} nodes per step, loss ${c.step().toFixed(6)}`);
  const perCase = await compare(workload, cases.map((c) => ({ name: c.name, run: () => void c.step() })));
  return cases.map((c) => {
    const rounds = perCase.get(c.name)!;
    return { workload, unit: 'ms/step', higherIsBetter: false, name: c.name, value: median(rounds), rounds, samples: `${rounds.length} rounds (benny)` };
  });
}

async function w7(): Promise<BenchRow[]> {
  await initTfjs();
  console.log(`W7: tfjs-cpu and nabla js run ${W7_SLOW_STEPS.warmup} warm-up + ${W7_SLOW_STEPS.timed} timed steps, the others ${TRAIN.warmup} + ${TRAIN.timed}`);
  return trainRows('W7 LSTM step', await trainRounds('W7', w7Cases(), TRAIN));
}

async function w8(): Promise<BenchRow[]> {
  await initTfjs();
  w8Check();
  console.log(`W8: one step = one PPO update (${W8_MINIBATCHES_PER_UPDATE} optimiser steps); every case runs ${W8_PROTOCOL.warmup} warm-up + ${W8_PROTOCOL.timed} timed updates`);
  const rows = trainRows('W8 PPO update', await trainRounds('W8', w8Cases(), W8_PROTOCOL));
  return rows.map((r) => ({ ...r, unit: 'ms/update', samples: r.samples.replace('steps', 'updates') }));
}

async function w9(): Promise<BenchRow[]> {
  await initTfjs();
  console.log(`W9: tfjs-cpu and nabla js run ${W9_SLOW_STEPS.warmup} warm-up + ${W9_SLOW_STEPS.timed} timed steps, tfjs-wasm ${W9_TFJS_WASM_STEPS.warmup} + ${W9_TFJS_WASM_STEPS.timed}, nabla wasm ${TRAIN.warmup} + ${TRAIN.timed}`);
  return trainRows('W9 char-GPT step', await trainRounds('W9', w9Cases(), TRAIN));
}

const workloads: Record<string, () => Promise<BenchRow[]>> = { w1, w2, w3, w4, w5, w6, w7, w8, w9 };
const args = process.argv.slice(2);
const cold = args.includes('--cold');
const jsonFile = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const wanted = args.filter((a) => !a.startsWith('--') && a !== jsonFile).map((a) => a.toLowerCase());
const unknown = wanted.filter((w) => !(w in workloads));
if (unknown.length > 0) throw new Error(`unknown workload(s) ${unknown.join(', ')}; choose from ${Object.keys(workloads).join(', ')}`);

if (cold) {
  // a child of the run below (or by hand): nabla wasm alone on one workload, cold then warm
  if (wanted.length !== 1) throw new Error('--cold takes one workload, e.g. npm run bench -- --cold w3');
  await nablaFresh(wanted[0]!, jsonFile);
} else {
  const torch = findTorch();
  const why = { 'not installed': ' (no python3 that imports torch; Debian: apt install python3-torch libopenblas0-openmp)', skipped: ' (NABLA_BENCH_NO_TORCH=1)' };
  console.log(typeof torch === 'string'
    ? `PyTorch column: ${torch}${why[torch as keyof typeof why] ?? ''}`
    : `PyTorch column: torch ${torch.version} (${torch.python}, LD_LIBRARY_PATH=${torch.env.LD_LIBRARY_PATH ?? ''}, OMP_WAIT_POLICY=${torch.env.OMP_WAIT_POLICY ?? 'unset'})`);
  const started = performance.now();
  const rows: BenchRow[] = [];
  for (const [name, run] of Object.entries(workloads)) {
    if (wanted.length === 0 || wanted.includes(name)) {
      const own = await run();
      const { bytesInUse, peakBytes } = wasmMemoryStats();
      console.log(`${name}: nabla wasm heap ${(bytesInUse / 2 ** 20).toFixed(0)} MiB in use, peak so far ${(peakBytes / 2 ** 20).toFixed(0)} MiB`);
      rows.push(...own, ...freshRows(name, [...new Set(own.map((r) => r.workload))], torch));
    }
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const minutes = (performance.now() - started) / 60000;
  const peakMiB = wasmMemoryStats().peakBytes / 2 ** 20;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
    `nabla wasm: ${wasmKernels()} build, ${DEFAULT_THREADS} threads unless stated, heap peak ${peakMiB.toFixed(0)} MiB, this process's peak RSS ${rssMiB.toFixed(0)} MiB; ${minutes.toFixed(1)} min`);
  printTable(rows, typeof torch === 'string' ? torch : '–');
}
