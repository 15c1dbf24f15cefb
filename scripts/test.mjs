// Runs the vitest suite and ends with the line `N passed, N failed` (counts from vitest's JSON reporter,
// summed over the three projects of vitest.config.ts: src, dist-esm and dist-cjs).
// The dist projects test the built package, so `npm run build` runs first when dist/ is missing or older
// than the sources (about 20 s); `npm test -- --project src` tests the sources only and never builds.
// Extra arguments go to vitest (e.g. `npm test -- test/value.test.ts`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const args = process.argv.slice(2);
const BUILT = ['dist/index.js', 'dist/index.cjs', 'dist/browser.js', 'dist/index.d.ts', 'dist/index.d.cts'];
const INPUTS = ['src', 'package.json', 'tsup.config.ts', 'tsconfig.json'];

/** The newest modification time of a file or of any file under a folder. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Whether the run needs dist/ (not when every `--project` asked for is `src`). */
function needsDist() {
  const projects = args.flatMap((a, i) => (a === '--project' ? [args[i + 1]] : a.startsWith('--project=') ? [a.slice(10)] : []));
  return projects.length === 0 || projects.some((p) => p !== 'src');
}

function distIsStale() {
  if (!BUILT.every((f) => existsSync(f))) return true;
  return Math.max(...INPUTS.map(newest)) > Math.min(...BUILT.map((f) => statSync(f).mtimeMs));
}

if (needsDist() && distIsStale()) {
  console.log('dist/ is missing or older than the sources: npm run build');
  const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.status !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const out = join(tmpdir(), `nabla-vitest-${process.pid}.json`);
const vitest = join('node_modules', 'vitest', 'vitest.mjs');
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args],
  { stdio: 'inherit' },
);
let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numFailedTestSuites ?? 0);
  rmSync(out);
} catch {
  failed = Math.max(failed, 1);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
