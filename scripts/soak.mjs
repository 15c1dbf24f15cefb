// Soak test: the built package and the sources compute the same thing, for long, in flat memory. Trains the
// MLP of scripts/mlp-task.cjs on its fixed batch for 20,000 steps twice, in separate processes: once from
// dist (`import 'nabla'`, plain node) and once from src (through tsx). Every 1,000 steps each prints the loss,
// the resident set size (RSS) and the time. Passes when both runs finish, their losses agree bit for bit
// at every checkpoint (float32 bits as hex), and in each run the RSS peak of the second half stays within
// 10% of the first half's peak.
//   node scripts/soak.mjs [--steps 20000] [--every 1000] [--threads 2] [--node PATH]
// --node runs both processes with another Node binary (CI: the oldest Node that package.json admits).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    steps: { type: 'string', default: '20000' },
    every: { type: 'string', default: '1000' },
    threads: { type: 'string', default: '2' },
    node: { type: 'string', default: process.execPath },
    lib: { type: 'string' }, // set in the child processes: 'dist' or 'src'
  },
});
const steps = Number(flags.steps);
const every = Number(flags.every);
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

if (flags.lib !== undefined) await child(flags.lib);
else await parent();

/** One training run; prints a JSON line per checkpoint. */
async function child(lib) {
  const nabla = lib === 'dist' ? await import('nabla') : await import('../src/index.ts');
  const entry = lib === 'dist' ? fileURLToPath(import.meta.resolve('nabla')) : fileURLToPath(new URL('../src/index.ts', import.meta.url));
  const { trainMlp, f32hex } = createRequire(import.meta.url)('./mlp-task.cjs');
  nabla.setNumThreads(Number(flags.threads));
  console.log(`${entry} on ${process.version}, ${nabla.backend().name} backend, ${nabla.getNumThreads()} threads`);
  const started = performance.now();
  let rssPeak = 0;
  trainMlp(nabla, steps, (step, loss) => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    if (step % every !== 0) return;
    console.log(JSON.stringify({ step, loss, hex: f32hex(loss), rssPeak, seconds: (performance.now() - started) / 1000 }));
    rssPeak = 0;
  });
}

/**
 * Runs scripts/soak.mjs as a child with `args` and prints its checkpoints as they come, prefixed with `name`;
 * resolves to them, also when the child fails (then `failures` says so), so that losses are compared up to a crash.
 */
function run(name, args, failures) {
  return new Promise((resolve) => {
    const proc = spawn(flags.node, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const checkpoints = [];
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return console.log(`[${name}] ${line}`);
      const c = JSON.parse(line);
      checkpoints.push(c);
      console.log(`[${name}] step ${c.step} loss ${c.loss} (0x${c.hex}) RSS peak ${mib(c.rssPeak)} ${c.seconds.toFixed(1)} s`);
    });
    proc.on('close', (code) => {
      if (code !== 0) failures.push(`the ${name} run exited with code ${code} after ${checkpoints.at(-1)?.step ?? 0} steps`);
      resolve(checkpoints);
    });
  });
}

async function parent() {
  const me = fileURLToPath(import.meta.url);
  const common = [`--steps=${steps}`, `--every=${every}`, `--threads=${flags.threads}`];
  const failures = [];
  const runs = {};
  for (const [name, args] of [['dist', [me, '--lib=dist', ...common]], ['src', ['--import', 'tsx', me, '--lib=src', ...common]]]) {
    runs[name] = await run(name, args, failures);
  }
  for (const [name, checkpoints] of Object.entries(runs)) {
    if (checkpoints.length !== steps / every) continue; // a failed run, reported above
    const half = checkpoints.length / 2;
    const peak = (cs) => Math.max(...cs.map((c) => c.rssPeak));
    const [first, second] = [peak(checkpoints.slice(0, half)), peak(checkpoints.slice(half))];
    const ms = (checkpoints.at(-1).seconds * 1000) / steps;
    console.log(`${name}: ${ms.toFixed(2)} ms/step; RSS peak first half ${mib(first)}, second half ${mib(second)}`);
    if (second > 1.1 * first) failures.push(`${name}: RSS grew from ${mib(first)} to ${mib(second)}`);
  }
  runs.dist.forEach((d, i) => {
    const s = runs.src[i];
    if (s !== undefined && d.hex !== s.hex) failures.push(`step ${d.step}: dist loss ${d.loss} (0x${d.hex}), src ${s.loss} (0x${s.hex})`);
  });
  if (failures.length > 0) {
    console.error(`soak FAILED:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`soak ok: ${steps} steps, dist and src losses bit-identical at all ${runs.dist.length} checkpoints, memory flat`);
}
