/**
 * nabla's benchmarks (benny). `npm run bench` runs every workload; `npm run bench -- w6` runs one.
 * Each workload's cases run in interleaved rounds in this process, so their ratios are comparable.
 */
import { cpus } from 'node:os';
import { compare, printTable, type BenchRow } from './harness.js';
import { nablaCase, plainCase } from './w6-scalar.js';

async function w6(): Promise<BenchRow[]> {
  const cases = [nablaCase(), plainCase()];
  for (const c of cases) console.log(`W6 ${c.name}: ${c.nodes} nodes per step, loss ${c.step().toFixed(6)}`);
  return compare('W6 scalar graph, ms/step', cases.map((c) => ({ name: c.name, run: () => void c.step() })));
}

const workloads: Record<string, () => Promise<BenchRow[]>> = { w6 };
const wanted = process.argv.slice(2).map((a) => a.toLowerCase());
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(workloads)) {
  if (wanted.length === 0 || wanted.includes(name)) rows.push(...(await run()));
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}`);
printTable(rows);
