// The package as users install it. Packs the project (`npm pack`; `dist/` must be built), checks what the
// tarball holds, installs it into a fresh app (offline: nabla has no runtime dependencies) and proves that
// installing builds nothing, then runs an ES-module and a CommonJS script in that app which import/require
// 'nabla' and check: the wasm backend with 2 threads, a 512×512 matmul against entries computed in plain JS,
// 5,000 SGD steps of an MLP on a fixed batch (scripts/mlp-task.cjs; both scripts must reach the same
// float32 loss bit for bit) and a state dict through toSafetensors/fromSafetensors.
//   node scripts/check-tarball.mjs [--node PATH] [--steps 5000]
// --node runs the two scripts with another Node binary (CI: the oldest Node that package.json admits).
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({ options: { node: { type: 'string', default: process.execPath }, steps: { type: 'string', default: '5000' } } });
const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });

/* The checks each consumer runs; `nabla`, `require` and `entry` are defined by its first lines. */
const CONSUMER_BODY = `
const assert = require('node:assert/strict');
const { trainMlp, trainAdamMlp, trainReadmeNet, f32hex } = require('./mlp-task.cjs');
const { backend, fromSafetensors, getNumThreads, nn, noGrad, setNumThreads, tensor, toSafetensors } = nabla;
const steps = Number(process.argv[2]);

assert.equal(backend().name, 'wasm');
setNumThreads(2);
assert.equal(getNumThreads(), 2);

// 512×512 matmul (split over both threads) of multiples of 1/4 and 1/8: every product and partial sum
// is exact in float32, so each entry must equal the plain-JS dot product exactly
const n = 512;
const aAt = (i, k) => (((i * 7 + k * 3) % 11) - 5) / 4;
const bAt = (k, j) => (((k * 5 + j * 2) % 13) - 6) / 8;
const grid = (f) => Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => f(r, c)));
const c = tensor(grid(aAt)).matmul(tensor(grid(bAt))).toTypedArray();
for (const [i, j] of [[0, 0], [1, 2], [255, 256], [300, 17], [511, 511]]) {
  let dot = 0;
  for (let k = 0; k < n; k++) dot += aAt(i, k) * bAt(k, j);
  assert.equal(c[i * n + j], dot, \`matmul[\${i},\${j}]\`);
}
// by hand: row 0 of A and column 0 of B repeat with periods 11 and 13 and sum to 0 over a period, so the
// first 3·143 terms of c[0,0] cancel and the last 83 give 51/32
assert.equal(c[0], 51 / 32);
console.log(\`matmul 512×512 on \${getNumThreads()} threads: entries match, c[0,0] = \${c[0]}\`);

const started = performance.now();
const { model, x, first, last } = trainMlp(nabla, steps, (step, loss) => {
  if (step % 1000 === 0) console.log(\`step \${step} loss \${loss} (0x\${f32hex(loss)})\`);
});
assert(Number.isFinite(last) && last < first / 100, \`the loss went from \${first} to \${last}\`);
console.log(\`\${steps} steps in \${((performance.now() - started) / 1000).toFixed(1)} s: loss \${first.toFixed(4)} → \${last}\`);

const bytes = toSafetensors(model.stateDict());
const { tensors } = fromSafetensors(bytes);
assert.deepEqual(Object.keys(tensors), ['0.weight', '0.bias', '2.weight', '2.bias']);
const copy = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10));
copy.loadStateDict(tensors);
const [y0, y1] = noGrad(() => [model.forward(x), copy.forward(x)]);
assert.deepEqual(y1.toTypedArray(), y0.toTypedArray());
console.log(\`state dict: \${bytes.length} bytes of safetensors, reloaded bit for bit\`);
// the issue's other reproductions: Adam on a deeper MLP past step 1,056, the README's conv net past ~150 steps
const adam = trainAdamMlp(nabla, 2000);
assert(Number.isFinite(adam.last) && adam.last < adam.first / 100, \`Adam MLP: the loss went from \${adam.first} to \${adam.last}\`);
const conv = trainReadmeNet(nabla, 1024, 12);
assert(Number.isFinite(conv.last) && conv.last < conv.first, \`README net: the loss went from \${conv.first} to \${conv.last}\`);
console.log(\`Adam MLP 2,000 steps: loss \${adam.first.toFixed(4)} → \${adam.last}; README conv net \${conv.steps} steps: \${conv.first.toFixed(4)} → \${conv.last}\`);
console.log(JSON.stringify({ entry, loss: last, lossHex: f32hex(last), adamHex: f32hex(adam.last), convHex: f32hex(conv.last) }));
`;

const tmp = mkdtempSync(join(tmpdir(), 'nabla-tarball-'));

try {
  // ── the tarball: what it holds (scripts are skipped: `npm publish` runs `prepare`, i.e. the build CI just ran)
  const [packed] = JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp]));
  const files = packed.files.map((f) => f.path);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.cjs', 'dist/browser.js', 'dist/index.d.ts', 'dist/index.d.cts']) {
    assert(files.includes(f), `the tarball lacks ${f}`);
  }
  const stray = files.filter((f) => /^(test|\.scratch|\.ci|bench|examples|scripts|node_modules|runs)\//.test(f));
  assert.deepEqual(stray, [], 'the tarball holds files users do not need');
  console.log(`${packed.filename}: ${files.length} files, ${(packed.size / 2 ** 20).toFixed(2)} MiB`);

  // ── a fresh app that installs the tarball
  const app = join(tmp, 'app');
  mkdirSync(app);
  sh('npm', ['init', '-y'], app);
  sh('npm', ['pkg', 'set', 'type=module'], app);
  const log = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts', join(tmp, packed.filename)], app);
  const installed = join(app, 'node_modules', 'nabla');
  assert.deepEqual(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.')), ['nabla'], 'only nabla is installed');
  // no lifecycle script ran (--foreground-scripts prints each as `> nabla@0.1.0 prepare`), none could build
  // (the build's inputs are not in the package and no build tools are installed), and dist is what was packed
  assert(!/^> nabla@/m.test(log), `installing ran a script of nabla:\n${log}`);
  assert(!files.includes('tsup.config.ts') && !files.includes('scripts/build-wasm.mjs'), 'the build inputs are packed');
  for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/browser.js']) assert.equal(sha256(join(installed, f)), sha256(f), `${f} changed at install`);
  // the published package.json: npm runs `prepare` (the build) only for git and folder installs, never for a
  // tarball or the registry; these would run for every consumer
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
  for (const hook of ['preinstall', 'install', 'postinstall']) assert.equal(manifest.scripts?.[hook], undefined, `"${hook}" would run at install`);
  assert(!files.includes('binding.gyp'), 'binding.gyp would make npm run node-gyp at install');
  assert.deepEqual(Object.keys(manifest.dependencies ?? {}), [], 'nabla has no runtime dependencies');
  console.log(`installed into ${app}: nothing built, no dependencies`);

  // ── the two consumer scripts, one body: ESM and CommonJS differ in how they load nabla
  copyFileSync('scripts/mlp-task.cjs', join(app, 'mlp-task.cjs'));
  writeFileSync(join(app, 'consumer.mjs'), [
    "import * as nabla from 'nabla';",
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    "const entry = import.meta.resolve('nabla');",
    CONSUMER_BODY,
  ].join('\n'));
  writeFileSync(join(app, 'consumer.cjs'), [
    "const nabla = require('nabla');",
    "const entry = require.resolve('nabla');",
    CONSUMER_BODY,
  ].join('\n'));
  const results = {};
  for (const [kind, script, entry] of [['import', 'consumer.mjs', 'dist/index.js'], ['require', 'consumer.cjs', 'dist/index.cjs']]) {
    console.log(`\n${kind}('nabla') with ${sh(flags.node, ['--version'], app).trim()}:`);
    const run = spawnSync(flags.node, [script, flags.steps], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(run.stdout);
    assert.equal(run.status, 0, `${kind}('nabla'): the script failed`);
    results[kind] = JSON.parse(run.stdout.trim().split('\n').at(-1));
    assert(results[kind].entry.endsWith(entry), `${kind} loaded ${results[kind].entry}, expected ${entry}`);
  }
  for (const key of ['lossHex', 'adamHex', 'convHex']) assert.equal(results.require[key], results.import[key], `ESM and CJS trained to different losses (${key})`);
  console.log(`\ntarball ok: import and require both train to loss ${results.import.loss} (float32 0x${results.import.lossHex})`);
} finally {
  if (!process.env.KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
}
