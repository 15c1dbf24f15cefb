/**
 * nabla's benchmarks (benny). `npm run bench` runs every workload; `npm run bench -- w6` runs one.
 * Each workload's cases run in interleaved rounds in this process, so their ratios are comparable.
 */
import { cpus } from 'node:os';
import { compare, printTable, type BenchRow } from './harness.js';
import { initTfjs } from './tfjs.js';
import { OPS_PER_ITERATION, nablaW2, tfjsW2 } from './w2-small-ops.js';
import { nablaCase, plainCase } from './w6-scalar.js';

async function w2(): Promise<BenchRow[]> {
  await initTfjs();
  const cases = [nablaW2(), tfjsW2('cpu'), tfjsW2('wasm')];
  const rows = await compare('W2 small-op overhead, µs/op', cases);
  // one iteration is three ops: report µs per op
  return rows.map((r) => ({ ...r, ms: (r.ms * 1000) / OPS_PER_ITERATION, roundMs: r.roundMs.map((x) => (x * 1000) / OPS_PER_ITERATION) }));
}

async function w6(): Promise<BenchRow[]> {
  const cases = [nablaCase(), plainCase()];
  for (const c of cases) console.log(`W6 ${c.name}: ${c.nodes} nodes per step, loss ${c.step().toFixed(6)}`);
  return compare('W6 scalar graph, ms/step', cases.map((c) => ({ name: c.name, run: () => void c.step() })));
}

const workloads: Record<string, () => Promise<BenchRow[]>> = { w2, w6 };
const wanted = process.argv.slice(2).map((a) => a.toLowerCase());
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(workloads)) {
  if (wanted.length === 0 || wanted.includes(name)) rows.push(...(await run()));
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} × ${cpu}`);
printTable(rows);
