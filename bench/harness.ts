/**
 * Runs a workload's cases with benny in interleaved rounds (the order rotates each round, so that no
 * case always runs on a colder or warmer heap) and reports each case's median over the rounds.
 */
import b from 'benny';

/** One thing to time: `run` is called once per sample, after `setup` (once per round). */
export interface BenchCase {
  name: string;
  run: () => void;
  setup?: () => void;
}

/** A case's result: the median over rounds of the mean time of one call, in milliseconds. */
export interface BenchRow {
  workload: string;
  name: string;
  ms: number;
  roundMs: number[];
}

export interface CompareOptions {
  rounds?: number;
  /** Minimum seconds benny spends on each case per round. */
  minTime?: number;
}

export async function compare(workload: string, cases: readonly BenchCase[], options: CompareOptions = {}): Promise<BenchRow[]> {
  const { rounds = 3, minTime = 1 } = options;
  const perCase = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const ordered = cases.map((_, i) => cases[(i + round) % cases.length]!);
    const summary = await b.suite(
      `${workload} round ${round + 1}/${rounds}`,
      b.configure({ cases: { minTime, maxTime: minTime * 3 } }),
      ...ordered.map((c) =>
        b.add(c.name, () => {
          c.setup?.();
          return c.run;
        }),
      ),
      b.cycle(),
    );
    // the mean over samples (not the median) so that garbage-collection pauses count, as they do in training
    for (const r of summary.results) perCase.get(r.name)!.push(r.details.mean * 1000);
  }
  return cases.map((c) => {
    const roundMs = perCase.get(c.name)!;
    return { workload, name: c.name, ms: median(roundMs), roundMs };
  });
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Prints rows as a Markdown table, with each case's time relative to the workload's first case. */
export function printTable(rows: readonly BenchRow[], unit = 'median of rounds'): void {
  console.log(`\n| workload (unit) | case | ${unit} | rounds | vs first case |`);
  console.log('|---|---|---|---|---|');
  for (const r of rows) {
    const first = rows.find((x) => x.workload === r.workload)!;
    const rounds = r.roundMs.map((x) => x.toFixed(3)).join(' / ');
    console.log(`| ${r.workload} | ${r.name} | ${r.ms.toFixed(3)} | ${rounds} | ${(r.ms / first.ms).toFixed(2)}× |`);
  }
}
