// Builds the explorer into a static folder any static host can serve (`npm run build:explorer`, or
// `node examples/explorer/build.mjs --out DIR`; default runs/explorer-site, which git ignores):
//   index.html, style.css    copied as they are
//   main.js                  the page (main.ts, draw.ts), bundled by esbuild
//   worker.js                the training worker (worker.ts, datasets.ts) with nabla bundled in
//   model-worker.js          the Model tab's worker (model/worker.ts, examples/mnist/models.ts) with nabla
//   model.safetensors        the Model tab's default model (see defaultModel below: trained once if none)
// Both bundles are ES modules for the browser; 'nabla' resolves through the package's exports map to
// dist/browser.js (the `browser` condition), which must exist: `npm run build` makes it.
// Threads need the host to send COOP/COEP (see serve.mjs); without them the worker trains on one thread,
// which is what it does anyway (setNumThreads(1)).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = import.meta.dirname;
const root = resolve(here, '..', '..');
export const DEFAULT_OUT = join(root, 'runs', 'explorer-site');

/**
 * Writes the site into `outDir` (created if needed) and returns the files written.
 * @example
 * await buildExplorer('/tmp/site'); // ['index.html', 'style.css', 'main.js', 'worker.js']
 */
export async function buildExplorer(outDir = DEFAULT_OUT) {
  const library = join(root, 'dist', 'browser.js');
  if (!existsSync(library)) throw new Error(`${relative(root, library)} is missing: run \`npm run build\` first`);
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { main: join(here, 'main.ts'), worker: join(here, 'worker.ts'), 'model-worker': join(here, 'model', 'worker.ts') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const fromSrc = inputs.filter((f) => f.startsWith('src/'));
  if (fromSrc.length > 0 || !inputs.some((f) => f.endsWith('dist/browser.js'))) {
    throw new Error(`'nabla' did not resolve to dist/browser.js (inputs: ${inputs.join(', ')})`);
  }
  for (const file of ['index.html', 'style.css']) copyFileSync(join(here, file), join(outDir, file));
  copyFileSync(defaultModel(), join(outDir, 'model.safetensors'));
  return ['index.html', 'style.css', 'main.js', 'worker.js', 'model-worker.js', 'model.safetensors'];
}

/**
 * The Model tab's default model (copied into the site as model.safetensors): $EXPLORER_MODEL if set, else
 * the newest runs/mnist-cnn-<time>/model.safetensors (what `npm start` writes), else one trained now for one
 * epoch (~30 s, `npx tsx examples/mnist/main.ts --epochs 1`) into runs/mnist-cnn-explorer, found there next time.
 */
export function defaultModel() {
  if (process.env.EXPLORER_MODEL) {
    if (!existsSync(process.env.EXPLORER_MODEL)) throw new Error(`EXPLORER_MODEL=${process.env.EXPLORER_MODEL} does not exist`);
    return resolve(process.env.EXPLORER_MODEL);
  }
  const runs = join(root, 'runs');
  const newest = () => (existsSync(runs) ? readdirSync(runs) : [])
    .filter((name) => name.startsWith('mnist-cnn-') && existsSync(join(runs, name, 'model.safetensors')))
    .map((name) => join(runs, name, 'model.safetensors'))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const found = newest();
  if (found !== undefined) return found;
  console.log('explorer: no runs/mnist-cnn-*/model.safetensors; training the default MNIST CNN for one epoch (~30 s)');
  const scratch = join(runs, `.mnist-cnn-explorer-${process.pid}`);
  const trained = spawnSync(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'examples', 'mnist', 'main.ts'), '--epochs', '1', '--out', scratch],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (trained.status !== 0) throw new Error('training the default MNIST model failed (examples/mnist/main.ts --epochs 1)');
  try {
    renameSync(scratch, join(runs, 'mnist-cnn-explorer'));
  } catch {
    rmSync(scratch, { recursive: true, force: true }); // another build got there first
  }
  return newest();
}

/** `--out DIR` from the command line, else the default. */
export function outArgument(argv = process.argv.slice(2), fallback = DEFAULT_OUT) {
  const at = argv.indexOf('--out');
  if (at >= 0 && argv[at + 1] === undefined) throw new Error('--out needs a folder');
  return at >= 0 ? resolve(argv[at + 1]) : fallback;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = outArgument();
  try {
    const files = await buildExplorer(outDir);
    console.log(`explorer built in ${relative(process.cwd(), outDir) || '.'}: ${files.join(', ')}`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
