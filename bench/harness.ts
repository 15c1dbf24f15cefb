/**
 * Timing helpers. Every workload runs its cases in interleaved rounds in one process (the order
 * rotates each round, so that no case always runs on a colder or warmer heap); a case's figure is
 * its median over the rounds, and every figure is also printed relative to the workload's reference
 * case (nabla on the wasm backend).
 *
 * - `compare`: benny (benchmark.js) for fast calls (W2, W6): many calls per sample.
 * - `timeCalls`: a plain sampling loop for W1, whose calls take from microseconds to seconds:
 *   benchmark.js runs every sample's function once more untimed (a "pretest"), which doubles the
 *   cost of a 3-second matmul sample and makes the slow cases unaffordable.
 * - `trainRounds`: steps of a training loop (W3–W5), timed one by one.
 */
import b from 'benny';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One thing to time: `run` is called once per call timed, after `setup` (once per round, just before its samples). */
export interface BenchCase {
  name: string;
  run: () => void;
  setup?: () => void;
}

/** A row of the final table, in the workload's own unit. */
export interface BenchRow {
  workload: string;
  unit: string;
  /** True for rates (GFLOP/s), false for times (µs/op, ms/step). */
  higherIsBetter: boolean;
  name: string;
  /** The figure (median over rounds), or null when the case cannot run. */
  value: number | null;
  /** The figure of each round. */
  rounds: number[];
  /** What was measured, e.g. "3 rounds × 10 samples" or "50 steps". */
  samples: string;
  /** Why there is no figure, or a remark. */
  note?: string;
  /** The figure of a further block of the same protocol in the same process (fresh-process rows only). */
  warm?: number | null;
}

export interface CompareOptions {
  rounds?: number;
  /** Minimum seconds per benchmark.js sample (benchmark.js's `minTime`). */
  minTime?: number;
}

/**
 * Times each case with benny; returns each case's mean time of one call in ms per round.
 * NOTE: benny prepares (and calls once) every case before the suite runs, so a setup returned by the
 * case factory would run for all cases up front: the last one's backend would win for every case.
 * The setup therefore runs in benchmark.js's per-benchmark `onStart`, and calls made during benny's
 * preparation are skipped (`armed`).
 */
export async function compare(workload: string, cases: readonly BenchCase[], options: CompareOptions = {}): Promise<Map<string, number[]>> {
  const { rounds = 3, minTime = 0.25 } = options;
  const perCase = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const ordered = rotate(cases, round);
    const summary = await b.suite(
      `${workload} round ${round + 1}/${rounds}`,
      b.configure({ cases: { minTime, maxTime: minTime * 3 } }),
      ...ordered.map((c) => {
        let armed = false;
        const onStart = (): void => {
          armed = true;
          c.setup?.();
        };
        // benchmark.js takes `on<Event>` listeners among a benchmark's options; benny's types omit them
        return b.add(c.name, () => void (armed && c.run()), { onStart } as object);
      }),
      b.cycle(),
    );
    // the mean over samples (not the median) so that garbage-collection pauses count, as they do in training
    for (const r of summary.results) perCase.get(r.name)!.push(r.details.mean * 1000);
  }
  return perCase;
}

export interface TimeCallsOptions {
  rounds: number;
  /** Samples per round (rounds × samples ≥ 10 for W1). */
  samples: number;
  /** A sample repeats the call until it has taken at least this long (ms). */
  minSampleMs?: number;
  /** Untimed calls before the first round's samples. */
  warmup?: number;
  /** Untimed calls before each later round's samples (default 1). */
  rewarm?: number;
}

/** A case for `timeCalls`, with its own protocol when it is much slower than the others. */
export interface TimedCase extends BenchCase {
  options?: Partial<TimeCallsOptions>;
}

/**
 * Times each case's `run`: per round, `setup`, untimed calls, then `samples` samples; returns each
 * case's mean time of one call in ms per round (the mean, so that GC pauses count).
 */
export async function timeCalls(workload: string, cases: readonly TimedCase[], defaults: TimeCallsOptions): Promise<Map<string, number[]>> {
  const perCase = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const rounds = Math.max(...cases.map((c) => c.options?.rounds ?? defaults.rounds));
  for (let round = 0; round < rounds; round++) {
    for (const c of rotate(cases, round)) {
      const o = { minSampleMs: 50, warmup: 3, rewarm: 1, ...defaults, ...c.options };
      if (round >= o.rounds) continue;
      await collectGarbage();
      c.setup?.();
      const warm = round === 0 ? o.warmup : o.rewarm;
      for (let i = 0; i < warm; i++) c.run();
      let total = 0;
      let calls = 0;
      for (let s = 0; s < o.samples; s++) {
        const start = performance.now();
        let n = 0;
        let elapsed = 0;
        do {
          c.run();
          n++;
          elapsed = performance.now() - start;
        } while (elapsed < o.minSampleMs);
        total += elapsed;
        calls += n;
        await turnEventLoop();
      }
      perCase.get(c.name)!.push(total / calls);
      process.stdout.write(`  ${workload} round ${round + 1}/${rounds}: ${c.name} ${(total / calls).toFixed(3)} ms/call (${calls} calls)\n`);
    }
  }
  return perCase;
}

/** Training workloads (W3–W5, W7, W9): 3 rounds; 10 warm-up steps, then 50 timed steps split over the rounds. */
export const TRAIN = { rounds: 3, warmup: 10, timed: 50 };

/** A training loop to time: `step` does one full step and returns the loss as a JS number. */
export interface TrainCase {
  name: string;
  step: () => number;
  setup?: () => void;
  /** Steps when this case needs fewer than the workload's (slow cases): warm-up and timed. */
  steps?: { warmup: number; timed: number };
  /** Set when the case cannot train: the reason, shown instead of a figure. */
  cannot?: string;
  /** A remark for the table. */
  note?: string;
}

export interface TrainResult {
  name: string;
  /** ms of each timed step, by round. */
  roundSteps: number[][];
  losses: number[];
  warmup: number;
  cannot?: string;
  note?: string;
}

/**
 * Runs every case's training loop in interleaved rounds: the warm-up steps come first (round 1),
 * then the timed steps, split evenly over the rounds. Every step's loss is kept (first and last
 * are printed, so a broken model shows).
 */
export async function trainRounds(workload: string, cases: readonly TrainCase[], options: { rounds: number; warmup: number; timed: number }): Promise<TrainResult[]> {
  const results = cases.map((c): TrainResult => ({
    name: c.name, roundSteps: [], losses: [], warmup: c.steps?.warmup ?? options.warmup, cannot: c.cannot, note: c.note,
  }));
  for (let round = 0; round < options.rounds; round++) {
    for (const i of rotate(cases.map((_, k) => k), round)) {
      const c = cases[i]!;
      const r = results[i]!;
      if (c.cannot !== undefined) continue;
      await collectGarbage();
      c.setup?.();
      const timed = c.steps?.timed ?? options.timed;
      const share = Math.floor(timed / options.rounds) + (round < timed % options.rounds ? 1 : 0);
      if (round === 0) {
        for (let s = 0; s < r.warmup; s++) {
          r.losses.push(c.step());
          await turnEventLoop();
        }
      }
      const times: number[] = [];
      for (let s = 0; s < share; s++) {
        const start = performance.now();
        r.losses.push(c.step());
        times.push(performance.now() - start);
        await turnEventLoop();
      }
      r.roundSteps.push(times);
      process.stdout.write(`  ${workload} round ${round + 1}/${options.rounds}: ${c.name} ${share} steps, median ${median(times).toFixed(2)} ms/step, loss ${r.losses.at(-1)!.toFixed(4)}\n`);
    }
  }
  for (const r of results) {
    if (r.cannot !== undefined) console.log(`${workload} ${r.name}: ${r.cannot}`);
    else console.log(`${workload} ${r.name}: loss ${r.losses[0]!.toFixed(4)} (step 1) → ${r.losses.at(-1)!.toFixed(4)} (step ${r.losses.length})`);
  }
  return results;
}

/** Table rows for `trainRounds`' results: ms/step = median of all timed steps. */
export function trainRows(workload: string, results: readonly TrainResult[]): BenchRow[] {
  return results.map((r) => {
    const base = { workload, unit: 'ms/step', higherIsBetter: false, name: r.name };
    if (r.cannot !== undefined) return { ...base, value: null, rounds: [], samples: '–', note: r.cannot };
    const all = r.roundSteps.flat();
    const first = r.losses[0]!;
    const last = r.losses.at(-1)!;
    return {
      ...base, value: median(all), rounds: r.roundSteps.map(median),
      samples: `${r.warmup}+${all.length} steps`, note: `loss ${first.toFixed(3)}→${last.toFixed(3)}${r.note === undefined ? '' : `; ${r.note}`}`,
    };
  });
}

/** Lets the event loop run (untimed), so that pending FinalizationRegistry callbacks can run. */
function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * A full garbage collection, then a turn of the event loop (untimed), before each case's samples in
 * each round, so that no case pays for the garbage of the case before it. NOTE: nabla's wasm heap
 * gets a block back only when a FinalizationRegistry callback runs after V8 has collected the block's
 * typed-array view, and V8 does not see the wasm memory behind those views: before the heap forced
 * collections itself (commit acc48d7), W1's matmul outputs filled its 2 GiB cap and W4 then failed.
 */
async function collectGarbage(): Promise<void> {
  gc();
  await turnEventLoop();
}

function rotate<T>(xs: readonly T[], by: number): T[] {
  return xs.map((_, i) => xs[(i + by) % xs.length]!);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function show(x: number): string {
  return x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Time ratio of `value` to `ref` (>1: `value` takes longer); for rates, the inverse ratio of the rates. */
function timeRatio(value: number, ref: number, higherIsBetter: boolean): number {
  return higherIsBetter ? ref / value : value / ref;
}

/** A ratio with two decimals, or two significant digits below 1 (0.014×). */
function times(x: number): string {
  return `${x >= 1 ? x.toFixed(2) : x.toPrecision(2)}×`;
}

/**
 * Prints rows as a Markdown table, each workload in its own unit, with each case's speed relative to
 * the workload's reference case (the first row whose name starts with "nabla wasm", else the first)
 * and its time over PyTorch's (the workload's row whose name starts with "PyTorch": cold over cold,
 * warm over warm); `noTorch` fills that column where a workload has no PyTorch row.
 */
export function printTable(rows: readonly BenchRow[], noTorch = '–'): void {
  console.log('\n| workload | case | figure | warm | unit | per round | measured | vs reference (nabla wasm) | ÷ PyTorch (time ratio, >1: slower) | note |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const same = rows.filter((x) => x.workload === r.workload);
    const ref = same.find((x) => x.name.startsWith('nabla wasm') && x.value !== null) ?? same[0]!;
    let ratio = '–';
    if (r === ref) ratio = 'reference';
    else if (r.value !== null && ref.value !== null) {
      // >1: this case takes longer than nabla wasm for the same work
      const slower = timeRatio(r.value, ref.value, r.higherIsBetter);
      ratio = slower >= 1 ? `${slower.toFixed(2)}× slower` : `${(1 / slower).toFixed(2)}× faster`;
    }
    const torch = same.find((x) => x.name.startsWith('PyTorch'));
    let vsTorch = noTorch;
    if (torch !== undefined) {
      vsTorch = '–';
      if (r === torch) vsTorch = 'reference';
      else if (r.value !== null && torch.value !== null) {
        vsTorch = times(timeRatio(r.value, torch.value, r.higherIsBetter));
        if (r.warm != null && torch.warm != null) vsTorch += ` (warm ${times(timeRatio(r.warm, torch.warm, r.higherIsBetter))})`;
      }
    }
    const figure = r.value !== null ? show(r.value) : r.note?.startsWith('failed') ? '–' : 'cannot';
    const warm = r.warm == null ? '' : show(r.warm);
    console.log(`| ${r.workload} | ${r.name} | ${figure} | ${warm} | ${r.unit} | ${r.rounds.map(show).join(' / ')} | ${r.samples} | ${ratio} | ${vsTorch} | ${r.note ?? ''} |`);
  }
}
