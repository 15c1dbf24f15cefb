// The browser tests (`npm run test:browser`): serves dist/browser.js (the exports map's "browser" build) and
// the test page test/browser/page.ts (bundled here with esbuild; its op-table rows come from
// test/helpers/op-table.ts, its `import … from '../../src/index.js'` stays an import of /nabla.js, i.e.
// dist/browser.js itself) from a small node:http server on 127.0.0.1, opens each page in headless Chromium
// (playwright-core), and prints every check with a closing line `N passed, N failed` (exit 1 on any failure).
// Pages, each with its own headers:
//   /plain/         no headers: wasm SIMD on one thread, the op table subset on wasm and js, an MLP trains
//   /isolated/      COOP/COEP (cross-origin isolated): Web Workers on the shared memory, 512×512 matmul
//   /csp/           a CSP without 'unsafe-eval' (script-src 'self' 'wasm-unsafe-eval')
//   /csp-isolated/  the same CSP with worker-src blob:, cross-origin isolated: threads under the CSP
//   /no-wasm/       WebAssembly deleted before the library loads: the js backend, typed errors
//   /csp-no-blob/   isolated with the CSP but no worker-src blob:: threadsReady() rejects with a BackendError
//   /readme/        README's minimal page (its ```ts block after "## Browser"), bundled by esbuild from 'nabla'
//                   in a folder where node_modules/nabla links here: the exports map's browser condition must
//                   pick dist/browser.js, and the page must train
// Every page must also log no console error (but the refused worker that /csp-no-blob/ provokes). Chromium: $CHROMIUM_PATH, else /usr/lib/chromium/chromium,
// /usr/bin/chromium, or chromium / chromium-browser on PATH (CI installs Debian's `chromium` with apt-get).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const PAGE_TIMEOUT_MS = 240_000;
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'";
const PAGES = [
  { path: '/plain/', headers: {} },
  { path: '/isolated/', headers: ISOLATED },
  { path: '/csp/', headers: { 'Content-Security-Policy': CSP } },
  { path: '/csp-isolated/', headers: { ...ISOLATED, 'Content-Security-Policy': `${CSP}; worker-src blob:` } },
  { path: '/no-wasm/', headers: {}, before: '/no-wasm.js' },
  // isolated, but the CSP has no worker-src blob:: a BackendError; Chromium logs the refused worker (expected)
  { path: '/csp-no-blob/', headers: { ...ISOLATED, 'Content-Security-Policy': CSP }, expectedErrors: /worker/i },
  { path: '/readme/', headers: {}, script: '/readme.js' },
];

/** The Chromium binary: $CHROMIUM_PATH or the usual places; null when there is none. */
function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  const onPath = ['chromium', 'chromium-browser'].flatMap((name) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)));
  return ['/usr/lib/chromium/chromium', '/usr/bin/chromium', ...onPath].find((p) => existsSync(p)) ?? null;
}

/** The newest modification time under a path. */
function newest(path) {
  const stat = statSync(path);
  return stat.isDirectory() ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name)))) : stat.mtimeMs;
}

/** Builds dist/ when dist/browser.js is missing or older than the sources (as scripts/test.mjs does). */
function ensureBuilt() {
  const bundle = join(root, 'dist', 'browser.js');
  const inputs = ['src', 'package.json', 'tsup.config.ts'].map((p) => join(root, p));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= Math.max(...inputs.map(newest))) return true;
  console.log('dist/browser.js is missing or older than the sources: npm run build');
  return spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status === 0;
}

/** The test page's script: test/browser/page.ts with 'vitest' shimmed and the library left to /nabla.js. */
async function bundlePage() {
  const result = await build({
    entryPoints: [join(root, 'test/browser/page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'warning',
    define: { 'process.env.SPEC_RUNS': 'undefined' },
    plugins: [{
      name: 'nabla-browser-page',
      setup(b) {
        b.onResolve({ filter: /(^|\/)src\/index\.js$/ }, () => ({ path: '/nabla.js', external: true }));
        b.onResolve({ filter: /^vitest$/ }, () => ({ path: join(root, 'test/browser/vitest-shim.ts') }));
      },
    }],
  });
  const fromSrc = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('src/'));
  if (fromSrc.length > 0) throw new Error(`the page bundle includes library sources (it must test dist/browser.js): ${fromSrc.join(', ')}`);
  return result.outputFiles[0].text;
}

/** What the README page reports once its loop has run (its lines: `wasm × 1: loss 0.0123`). */
const README_EPILOGUE = `
const lines = document.body.textContent.trim().split('\\n');
const losses = lines.map((line) => Number(line.split('loss ')[1]));
console.log('NABLA_RESULTS ' + JSON.stringify({ results: [{
  name: "README's minimal page (bundled by esbuild from 'nabla', i.e. dist/browser.js) trains on wasm",
  ok: lines.length === 5 && lines[0].startsWith('wasm × 1: ') && losses[4] < losses[0] / 5,
  detail: lines.join(' | '),
  ms: 0,
}] }));
`;

/** README's minimal page, bundled from 'nabla' as a user's bundler does it (through the exports map). */
async function bundleReadmePage() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf('\n## Browser\n');
  const code = at < 0 ? undefined : /```ts\n([\s\S]*?)\n```/.exec(readme.slice(at))?.[1];
  if (code === undefined) throw new Error('README.md has no ```ts block after "## Browser"');
  const dir = mkdtempSync(join(tmpdir(), 'nabla-readme-page-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'nabla'), 'dir');
    writeFileSync(join(dir, 'main.ts'), code + README_EPILOGUE);
    const result = await build({
      entryPoints: [join(dir, 'main.ts')], bundle: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'warning',
    });
    const library = Object.keys(result.metafile.inputs).filter((f) => !f.endsWith('main.ts'));
    if (library.length !== 1 || !library[0].endsWith('dist/browser.js')) throw new Error(`'nabla' resolved to ${library.join(', ')}, not dist/browser.js`);
    return result.outputFiles[0].text;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function html(page) {
  const before = page.before === undefined ? '' : `<script src="${page.before}"></script>`;
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>nabla ${page.path}</title>${before}`
    + `<script type="module" src="${page.script ?? '/page.js'}"></script></head><body></body></html>`;
}

/** Serves the pages (each with its headers), /page.js, /nabla.js (dist/browser.js) and /no-wasm.js. */
function serve(pageScript, readmeScript) {
  const library = readFileSync(join(root, 'dist', 'browser.js'));
  const files = {
    '/page.js': ['text/javascript', pageScript],
    '/readme.js': ['text/javascript', readmeScript],
    '/nabla.js': ['text/javascript', library],
    '/browser.js.map': ['application/json', readFileSync(join(root, 'dist', 'browser.js.map'))],
    '/no-wasm.js': ['text/javascript', 'delete globalThis.WebAssembly;\n'],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const page = PAGES.find((p) => p.path === path);
    if (page !== undefined) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...page.headers });
      res.end(html(page));
    } else if (files[path] !== undefined) {
      res.writeHead(200, { 'Content-Type': files[path][0], 'Cache-Control': 'no-store' });
      res.end(files[path][1]);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(server)));
}

/** Opens one page; resolves with its results plus one check for console errors. */
async function runPage(browser, origin, page) {
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  const reported = new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`no results within ${PAGE_TIMEOUT_MS / 1000} s`)), PAGE_TIMEOUT_MS);
    tab.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('NABLA_RESULTS ')) {
        clearTimeout(timer);
        done(JSON.parse(text.slice('NABLA_RESULTS '.length)).results);
      } else if (msg.type() === 'error' && !(page.expectedErrors?.test(text) ?? false)) {
        errors.push(text);
      }
    });
  });
  let results;
  try {
    await tab.goto(origin + page.path);
    results = await reported;
  } catch (e) {
    results = [{ name: 'the page reported its results', ok: false, detail: e.message, ms: 0 }];
  }
  results.push({ name: 'no console errors', ok: errors.length === 0, detail: errors.join(' | '), ms: 0 });
  await context.close();
  return results;
}

const executablePath = findChromium();
if (executablePath === null) {
  const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist` : 'not in /usr/lib/chromium, /usr/bin or on PATH';
  console.error(`No Chromium found (${where}): set CHROMIUM_PATH to its binary, or install it (Debian: apt-get install -y chromium)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
if (!ensureBuilt()) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const pageScript = await bundlePage();
const server = await serve(pageScript, await bundleReadmePage());
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
console.log(`Chromium ${browser.version()} (${executablePath}), pages from ${origin}`);
let passed = 0;
let failed = 0;
try {
  for (const page of PAGES) {
    const started = Date.now();
    const results = await runPage(browser, origin, page);
    console.log(`\n${page.path} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    for (const r of results) {
      if (r.ok) passed++;
      else failed++;
      const detail = r.detail ? ` — ${r.detail}` : '';
      console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ms >= 100 ? ` (${(r.ms / 1000).toFixed(1)} s)` : ''}${detail}`);
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
