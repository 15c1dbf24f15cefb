/**
 * Fresh-process figures (bench/README.md, "Cold and warm; the PyTorch column"). After a workload's
 * cases have run, `npm run bench` runs the workload twice more, each in a child process of its own,
 * one after the other: nabla wasm alone (`npm run bench -- --cold wN`, `nablaFresh` below) and, when a
 * python3 with torch is found, bench/pytorch/workloads.py. Both run the workload's protocol once right
 * after start ("cold": the figure a fresh process gets) and once more ("warm"), and report the
 * process's peak resident memory, as one JSON object of the same shape.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wasmKernels, wasmMemoryStats } from 'nabla';
import { TRAIN, compare, median, timeCalls, trainRounds, type BenchCase, type BenchRow, type TrainCase } from './harness.js';
import { DEFAULT_THREADS } from './nabla.js';
import { W1_PROTOCOL, W1_SIZES, gflops, w1NablaCase } from './w1-matmul.js';
import { OPS_PER_ITERATION, nablaW2 } from './w2-small-ops.js';
import { w3NablaCase } from './w3-mlp.js';
import { w4NablaCase } from './w4-cnn.js';
import { w5NablaCase } from './w5-transformer.js';
import { nablaCase as w6NablaCase } from './w6-scalar.js';
import { w7NablaCase } from './w7-lstm.js';
import { W8_PROTOCOL, w8NablaCase } from './w8-ppo.js';
import { w9NablaCase } from './w9-gpt.js';

/** One figure of a fresh process, in the workload's unit (the JSON of `--cold` and of workloads.py). */
export interface FreshRow {
  workload: string;
  unit: string;
  higherIsBetter: boolean;
  /** The protocol's figure, taken right after the process started (and its warm-up). */
  cold: number;
  rounds: number[];
  /** The same protocol once more in the same process, without warm-up. */
  warm: number;
  samples: string;
  /** First and last loss of a training workload (cold and warm steps together; null: not finite). */
  loss?: [number | null, number | null];
  note?: string;
}

export interface FreshResult {
  framework: string;
  threads: number;
  rows: FreshRow[];
  /** Peak resident memory (MiB) when the workload started (modules loaded) and at its end. */
  startRssMiB: number;
  peakRssMiB: number;
  seconds: number;
  blas?: string;
  heapPeakMiB?: number;
  /** nabla's kernel build ('simd' or 'relaxed-simd'). */
  kernels?: string;
}

/**
 * Peak resident memory of this process so far, MiB: Linux's VmHWM (reset when the process image is
 * loaded), else maxRSS. NOTE: not maxRSS on Linux: a spawned child's maxRSS starts at its parent's
 * size at fork time, so a fresh process would report the bench parent's memory.
 */
function peakRssMiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

async function trainFresh(workload: string, label: string, c: TrainCase, protocol = TRAIN, unit = 'ms/step'): Promise<FreshRow> {
  const [cold] = await trainRounds(label, [c], protocol);
  const [warm] = await trainRounds(`${label} (warm)`, [{ ...c, steps: { warmup: 0, timed: protocol.timed } }], protocol);
  const losses = [...cold!.losses, ...warm!.losses];
  const what = unit === 'ms/update' ? 'updates' : 'steps';
  return {
    workload, unit, higherIsBetter: false, cold: median(cold!.roundSteps.flat()), rounds: cold!.roundSteps.map(median),
    warm: median(warm!.roundSteps.flat()), samples: `${protocol.warmup}+${protocol.timed} ${what}; warm: ${protocol.timed} more`,
    loss: [losses[0]!, losses.at(-1)!],
  };
}

/** W2 and W6: benny, 3 rounds, twice; `scale` turns ms per call into the unit. */
async function compareFresh(workload: string, unit: string, c: BenchCase, scale: (ms: number) => number, note?: string): Promise<FreshRow> {
  const cold = (await compare(workload, [c])).get(c.name)!.map(scale);
  const warm = (await compare(`${workload} (warm)`, [c])).get(c.name)!.map(scale);
  return { workload, unit, higherIsBetter: false, cold: median(cold), rounds: cold, warm: median(warm), samples: `${cold.length} rounds (benny); warm: ${warm.length} more`, note };
}

const freshWorkloads: Record<string, () => Promise<FreshRow[]>> = {
  async w1() {
    const rows: FreshRow[] = [];
    for (const n of W1_SIZES) {
      const workload = `W1 matmul n=${n}`;
      const c = w1NablaCase(n, 'wasm', 'nabla wasm');
      const cold = (await timeCalls(workload, [c], W1_PROTOCOL)).get(c.name)!.map((ms) => gflops(n, ms));
      const warm = (await timeCalls(`${workload} (warm)`, [c], { ...W1_PROTOCOL, warmup: 1 })).get(c.name)!.map((ms) => gflops(n, ms));
      const { rounds, samples } = W1_PROTOCOL;
      rows.push({ workload, unit: 'GFLOP/s', higherIsBetter: true, cold: median(cold), rounds: cold, warm: median(warm), samples: `${rounds}×${samples} samples; warm: ${rounds}×${samples} more` });
    }
    return rows;
  },
  w2: async () => [await compareFresh('W2 small-op overhead', 'µs/op', nablaW2('wasm'), (ms) => (ms * 1000) / OPS_PER_ITERATION)],
  w3: async () => [await trainFresh('W3 MLP step', 'W3', w3NablaCase('wasm'))],
  w4: async () => [await trainFresh('W4 CNN step', 'W4', w4NablaCase('wasm'))],
  w5: async () => [await trainFresh('W5 Transformer step', 'W5', w5NablaCase('wasm'))],
  async w6() {
    const c = w6NablaCase();
    return [await compareFresh('W6 scalar graph', 'ms/step', { name: c.name, run: () => void c.step() }, (ms) => ms, `Value, ${c.nodes} nodes`)];
  },
  w7: async () => [await trainFresh('W7 LSTM step', 'W7', w7NablaCase('wasm'))],
  w8: async () => [await trainFresh('W8 PPO update', 'W8', w8NablaCase('wasm'), W8_PROTOCOL, 'ms/update')],
  w9: async () => [await trainFresh('W9 char-GPT step', 'W9', w9NablaCase('wasm'))],
};

/**
 * `npm run bench -- --cold wN [--json FILE]`: nabla wasm alone on one workload in this process, cold
 * then warm; prints the result as one JSON line (and writes it to FILE).
 */
export async function nablaFresh(workload: string, jsonFile?: string): Promise<void> {
  const run = freshWorkloads[workload];
  if (run === undefined) throw new Error(`unknown workload ${workload}; choose from ${Object.keys(freshWorkloads).join(', ')}`);
  const startRssMiB = peakRssMiB();
  const started = performance.now();
  const rows = await run();
  const result: FreshResult = {
    framework: workload === 'w6' ? 'nabla Value' : 'nabla wasm', threads: DEFAULT_THREADS, rows, startRssMiB, peakRssMiB: peakRssMiB(),
    seconds: (performance.now() - started) / 1000, heapPeakMiB: wasmMemoryStats().peakBytes / 2 ** 20, kernels: wasmKernels() ?? undefined,
  };
  const line = JSON.stringify(result);
  if (jsonFile !== undefined) writeFileSync(jsonFile, `${line}\n`);
  console.log(line);
}

/** A python3 that imports torch, and the environment to run it in. */
export interface Torch {
  python: string;
  version: string;
  env: NodeJS.ProcessEnv;
}

/** Debian's OpenMP build of OpenBLAS (libopenblas0-openmp), the fast BLAS for python3-torch. */
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pytorch', 'workloads.py');

/**
 * Looks once for a python3 with torch: $NABLA_BENCH_PYTHON, else `python3`, else /usr/bin/python3
 * (Debian's, where python3-torch installs, when `python3` is another one). Returns the column's text
 * when there is none: "not installed", or "skipped" under NABLA_BENCH_NO_TORCH=1.
 */
export function findTorch(): Torch | string {
  if (process.env.NABLA_BENCH_NO_TORCH === '1') return 'skipped';
  const env = { ...process.env };
  if (existsSync(OPENBLAS_DIR)) env.LD_LIBRARY_PATH = [OPENBLAS_DIR, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const wanted = process.env.NABLA_BENCH_PYTHON;
  for (const python of wanted ? [wanted] : ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { env, encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim(), env };
  }
  return 'not installed';
}

/** Runs a child that writes a FreshResult to the file named after `--json`; its output goes to ours. */
function runChild(command: string, args: string[], env: NodeJS.ProcessEnv): FreshResult | string {
  const dir = mkdtempSync(join(tmpdir(), 'nabla-bench-'));
  const file = join(dir, 'result.json');
  try {
    const r = spawnSync(command, [...args, '--json', file], { stdio: 'inherit', env, timeout: 30 * 60_000 });
    if (r.status !== 0 || !existsSync(file)) return `failed (${r.error?.message ?? (r.signal !== null ? `signal ${r.signal}` : `exit code ${r.status}`)})`;
    return JSON.parse(readFileSync(file, 'utf8')) as FreshResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rowsOf(name: string, result: FreshResult | string, labels: readonly string[]): BenchRow[] {
  if (typeof result === 'string') return labels.map((workload) => ({ workload, unit: '', higherIsBetter: false, name, value: null, rounds: [], samples: '–', note: result }));
  const memory = `peak RSS ${result.peakRssMiB.toFixed(0)} MiB (${result.startRssMiB.toFixed(0)} at start)` +
    (result.heapPeakMiB === undefined || result.heapPeakMiB < 0.5 ? '' : `, wasm heap peak ${result.heapPeakMiB.toFixed(0)} MiB`);
  return result.rows.map((r) => ({
    workload: r.workload, unit: r.unit, higherIsBetter: r.higherIsBetter, name, value: r.cold, warm: r.warm, rounds: r.rounds, samples: r.samples,
    note: [r.loss && `loss ${r.loss.map((l) => (l ?? NaN).toFixed(3)).join('→')}`, r.note, memory].filter(Boolean).join('; '),
  }));
}

/**
 * A workload's fresh-process rows: "nabla wasm, fresh process" ("nabla Value" in W6) and, with
 * `torch`, "PyTorch …, fresh process", each run in a child process of its own, one after the other
 * (never beside another case).
 * `labels` name the workload's rows (e.g. "W3 MLP step"), for the rows of a child that failed.
 */
export function freshRows(workload: string, labels: readonly string[], torch: Torch | string): BenchRow[] {
  console.log(`${workload}: nabla wasm in a fresh process`);
  const nabla = runChild(process.execPath, [...process.execArgv, process.argv[1]!, '--cold', workload], process.env);
  const rows = rowsOf(`${typeof nabla === 'string' ? 'nabla wasm' : nabla.framework}, fresh process`, nabla, labels);
  if (typeof torch === 'string') return rows;
  console.log(`${workload}: PyTorch ${torch.version} in a fresh process (${torch.python} ${SCRIPT})`);
  const result = runChild(torch.python, [SCRIPT, workload, '--threads', String(DEFAULT_THREADS)], torch.env);
  return [...rows, ...rowsOf(`PyTorch ${torch.version}, fresh process`, result, labels)];
}
