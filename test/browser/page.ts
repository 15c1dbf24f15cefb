/**
 * The browser test page (bundled by scripts/test-browser.mjs with esbuild; `../../src/index.js` stays an
 * import of /nabla.js, which the test server answers with dist/browser.js). Which checks run depends on
 * the page's path (each path is served with its own headers); the results go to the console as one
 * line `NABLA_RESULTS {json}` (a console message works under any Content-Security-Policy).
 */
import fc from 'fast-check';
import * as nabla from '../../src/index.js';
import { opTableRows } from '../helpers/op-table.js';
import { TOL32, checkForward, tensorsOf, type Case, type OpRow } from '../helpers/spec.js';

const { BackendError, F, nn, optim } = nabla;

interface Result {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}
const results: Result[] = [];

/** Runs one named check; a throw (or a rejected promise) is its failure, a returned string its detail. */
async function check(name: string, body: () => unknown): Promise<void> {
  const start = performance.now();
  try {
    const detail = await body();
    results.push({ name, ok: true, detail: typeof detail === 'string' ? detail : '', ms: performance.now() - start });
  } catch (e) {
    results.push({ name, ok: false, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e), ms: performance.now() - start });
  }
}

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Asserts that `fn` throws a `type` whose message matches `pattern`; returns the message. */
function throwsTyped(fn: () => unknown, type: new (...a: never[]) => Error, pattern: RegExp): string {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type, `expected a ${type.name}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert(pattern.test(e.message), `message ${JSON.stringify(e.message)} does not match ${pattern}`);
    return e.message;
  }
  throw new Error(`expected a ${type.name}, nothing was thrown`);
}

// ── the op table subset ─────────────────────────────────────────────────────────────────────

/** The rows run in the page: ops with wasm kernels (elementwise, reductions, products, fused rows). */
const SUBSET = /^(neg|exp|log|sqrt|tanh|sigmoid|relu|add broadcast|sub broadcast|mul broadcast|div broadcast|maximum broadcast|where|sum|mean|max|softmax|logSoftmax|matmul|bmm|unfold|fold|gather|scatterAdd|lstmCell|gruCell|layerNorm|gelu|crossEntropy|scaledDotProductAttention)\b/;
/** A smaller one for the CSP pages. */
const SMALL_SUBSET = /^(exp|add broadcast|sum|matmul: 2-d · 2-d|softmax \(fused\)|layerNorm)/;
const RUNS = 6;
const SEED = 20261203;

/** The row's forward in float32 against its float64 reference, on the backend now set (fast-check, fixed seed). */
function forwardMatchesReference(row: OpRow): void {
  fc.assert(fc.property(row.cases, (c) => checkForward(row, c, 'float32', { ...TOL32, ...row.tol32 })), { numRuns: RUNS, seed: SEED });
}

/** Outputs and (for differentiable rows) input gradients of one case on backend `name`, as float64 arrays. */
function outputsAndGrads(row: OpRow, c: Case<unknown>, name: string): number[][] {
  nabla.setBackend(name);
  const inputs = tensorsOf(c, 'float32', row.grad !== false);
  const out = row.run(inputs, c.attrs);
  const outs = Array.isArray(out) ? out : [out];
  const arrays = outs.map((o) => Array.from(o.toTypedArray(), Number));
  const floats = outs.filter((o) => o.requiresGrad);
  if (floats.length === 0) return arrays;
  // a fixed weighting of every output element, so that each gradient entry is exercised
  const loss = floats
    .map((o) => o.mul(nabla.tensor(Float32Array.from({ length: o.numel() }, (_, i) => Math.cos(i)), { shape: o.shape })).sum())
    .reduce((a, b) => a.add(b));
  loss.backward();
  return [...arrays, ...inputs.filter((x) => x.requiresGrad).map((x) => (x.grad === null ? [] : Array.from(x.grad.toTypedArray(), Number)))];
}

/** The row's outputs and gradients on wasm equal those on js (float32 tolerance relative to the largest value). */
function wasmMatchesJs(row: OpRow): string {
  const cases = fc.sample(row.cases, { numRuns: RUNS, seed: SEED });
  let worst = 0;
  for (const c of cases) {
    const js = outputsAndGrads(row, c, 'js');
    const wasm = outputsAndGrads(row, c, 'wasm');
    assert(js.length === wasm.length, `js gave ${js.length} arrays, wasm ${wasm.length}`);
    js.forEach((a, k) => {
      const b = wasm[k]!;
      assert(a.length === b.length, `array ${k}: js has ${a.length} elements, wasm ${b.length}`);
      const scale = Math.max(1, ...a.filter(Number.isFinite).map(Math.abs));
      a.forEach((v, i) => {
        const w = b[i]!;
        if (Number.isNaN(v) || !Number.isFinite(v)) {
          assert(Object.is(v, w) || (Number.isNaN(v) && Number.isNaN(w)), `array ${k} at ${i}: js ${v}, wasm ${w}`);
          return;
        }
        worst = Math.max(worst, Math.abs(v - w) / scale);
        assert(Math.abs(v - w) <= 1e-4 * scale, `array ${k} at ${i}: js ${v}, wasm ${w}`);
      });
    });
  }
  return `${cases.length} cases, worst relative difference ${worst.toExponential(2)}`;
}

async function opTable(subset: RegExp): Promise<void> {
  const rows = opTableRows().filter((r) => subset.test(r.name));
  nabla.configureWasm({ minElements: 1 }); // every float32 op, however small, to the wasm kernels
  for (const backend of ['wasm', 'js']) {
    for (const row of rows) {
      await check(`op table on ${backend}: ${row.name}`, () => {
        nabla.setBackend(backend);
        forwardMatchesReference(row);
      });
    }
  }
  for (const row of rows) await check(`wasm = js (outputs and gradients): ${row.name}`, () => wasmMatchesJs(row));
  nabla.configureWasm({ minElements: 256 });
  nabla.setBackend('wasm');
}

// ── models and products ─────────────────────────────────────────────────────────────────────

/** 150 Adam steps of a 2-32-32-1 MLP on y = sin(3·x0)·x1; returns the first and last losses. */
function trainMlp(): [number, number] {
  nabla.manualSeed(0);
  const x = nabla.rand([128, 2]).mul(2).sub(1);
  const y = x.select(1, 0).mul(3).sin().mul(x.select(1, 1)).reshape([128, 1]);
  const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.Tanh(), new nn.Linear(32, 1));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const losses: number[] = [];
  for (let step = 0; step < 150; step++) {
    const loss = nabla.scope(() => {
      const l = F.mseLoss(model.forward(x), y);
      optimizer.zeroGrad();
      l.backward();
      optimizer.step();
      return l.item();
    });
    losses.push(loss);
  }
  return [losses[0]!, losses.at(-1)!];
}

async function training(): Promise<void> {
  const trained: Record<string, [number, number]> = {};
  for (const backend of ['wasm', 'js']) {
    await check(`an MLP trains on ${backend} (loss decreases)`, () => {
      nabla.setBackend(backend);
      const [first, last] = trainMlp();
      trained[backend] = [first, last];
      assert(last < first / 5, `loss went from ${first} to ${last}`);
      return `loss ${first.toFixed(4)} → ${last.toFixed(4)}`;
    });
  }
  await check('the MLP reaches the same loss on wasm and js', () => {
    const [w, j] = [trained.wasm?.[1], trained.js?.[1]];
    assert(w !== undefined && j !== undefined && Math.abs(w - j) <= 0.05 * j + 1e-4, `wasm ${w}, js ${j}`);
    return `wasm ${w.toFixed(5)}, js ${j.toFixed(5)}`;
  });
  nabla.setBackend('wasm');
}

/** A 512×512 product on one thread and on `threads`: the results agree. */
async function threadedProduct(threads: number): Promise<void> {
  await check(`setNumThreads(${threads}) starts Web Workers (threadsReady resolves with ${threads})`, async () => {
    nabla.setNumThreads(threads);
    const n = await nabla.threadsReady();
    assert(n === threads && nabla.getNumThreads() === threads, `threadsReady gave ${n}, getNumThreads ${nabla.getNumThreads()}`);
  });
  await check(`a 512×512 matmul on ${threads} threads matches one thread`, async () => {
    nabla.setBackend('wasm');
    nabla.manualSeed(1);
    const a = nabla.randn([512, 512]);
    const b = nabla.randn([512, 512]);
    const timed = (): [Float32Array, number] => {
      const start = performance.now();
      const c = a.matmul(b).toTypedArray() as Float32Array;
      return [c, performance.now() - start];
    };
    nabla.setNumThreads(1);
    timed(); // the kernels' first run compiles them to optimised code
    const [one, oneMs] = timed();
    nabla.setNumThreads(threads);
    await nabla.threadsReady();
    timed(); // the pool's first use warms its workers up
    const [many, manyMs] = timed();
    let identical = 0;
    let worst = 0;
    one.forEach((v, i) => {
      const w = many[i]!;
      if (v === w) identical++;
      worst = Math.max(worst, Math.abs(v - w));
    });
    assert(worst <= 1e-3, `largest difference ${worst}`);
    return `${identical} of ${one.length} entries bit-identical, largest difference ${worst}; ${oneMs.toFixed(0)} ms on 1 thread, ${manyMs.toFixed(0)} ms on ${threads}`;
  });
}

// ── the pages ───────────────────────────────────────────────────────────────────────────────

const g = globalThis as unknown as { crossOriginIsolated?: boolean; location: { pathname: string }; navigator: { hardwareConcurrency: number } };

async function plainPage(): Promise<void> {
  await check('a plain page is not cross-origin isolated and has no SharedArrayBuffer', () => {
    assert(g.crossOriginIsolated === false && typeof SharedArrayBuffer === 'undefined', `crossOriginIsolated ${g.crossOriginIsolated}, SharedArrayBuffer ${typeof SharedArrayBuffer}`);
  });
  await check("backend() is 'wasm', wasmKernels() names a SIMD build, getNumThreads() is 1", () => {
    assert(nabla.backend().name === 'wasm', `backend ${nabla.backend().name}`);
    const kernels = nabla.wasmKernels();
    assert(kernels === 'simd' || kernels === 'relaxed-simd', `wasmKernels ${kernels}`);
    assert(nabla.getNumThreads() === 1, `getNumThreads ${nabla.getNumThreads()}`);
    return `wasmKernels() = ${kernels}`;
  });
  await check('setNumThreads(2) throws a BackendError naming COOP/COEP; setNumThreads(1) is accepted', () => {
    const message = throwsTyped(() => nabla.setNumThreads(2), BackendError, /\[setNumThreads\] 2 threads need Web Workers.*not cross-origin isolated.*Cross-Origin-Embedder-Policy/);
    nabla.setNumThreads(1);
    assert(nabla.getNumThreads() === 1, 'getNumThreads changed');
    return message;
  });
  await check('threadsReady() resolves with 1', async () => assert((await nabla.threadsReady()) === 1, 'not 1'));
  await check('the wasm kernels run on copies in the spill arena of a plain memory (no tensor on the heap)', () => {
    nabla.randn([64, 64]).exp();
    const stats = nabla.wasmMemoryStats();
    assert(stats.bytesInUse === 0, `bytes in use ${stats.bytesInUse}`);
    assert(stats.reservedBytes >= 2 ** 22, `reserved ${stats.reservedBytes} bytes: the arena was not used`);
    return `memory ${stats.memoryBytes} bytes, reserved ${stats.reservedBytes}`;
  });
  await opTable(SUBSET);
  await training();
  await check('a 256×384·384×200 product on wasm equals js', () => {
    nabla.manualSeed(2);
    const [a, b] = [nabla.randn([256, 384]), nabla.randn([384, 200])];
    nabla.setBackend('js');
    const js = a.matmul(b).toTypedArray();
    nabla.setBackend('wasm');
    const wasm = a.matmul(b).toTypedArray();
    js.forEach((v, i) => assert(Math.abs(v - wasm[i]!) <= 1e-3, `at ${i}: js ${v}, wasm ${wasm[i]}`));
  });
}

async function isolatedPage(): Promise<void> {
  const cores = g.navigator.hardwareConcurrency;
  await check('the page is cross-origin isolated; backend() is wasm; getNumThreads() defaults to the cores', () => {
    assert(g.crossOriginIsolated === true, 'not cross-origin isolated');
    assert(nabla.backend().name === 'wasm', `backend ${nabla.backend().name}`);
    assert(nabla.getNumThreads() === cores, `getNumThreads ${nabla.getNumThreads()}, cores ${cores}`);
    return `${cores} cores`;
  });
  await threadedProduct(Math.min(2, cores));
  await opTable(SUBSET);
  await training();
}

async function cspPage(isolated: boolean): Promise<void> {
  await check('eval is refused here (the CSP is in force)', () => {
    let refused = false;
    try {
      (0, eval)('1');
    } catch {
      refused = true;
    }
    assert(refused, 'eval ran: the page has no strict CSP');
  });
  await check('backend() is wasm under a CSP without unsafe-eval', () => assert(nabla.backend().name === 'wasm', nabla.backend().name));
  if (isolated) await threadedProduct(Math.min(2, g.navigator.hardwareConcurrency));
  await opTable(SMALL_SUBSET);
  await training();
}

async function noWasmPage(): Promise<void> {
  await check("without WebAssembly: backend() is 'js' and wasmKernels() is null", () => {
    assert(typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'undefined', 'WebAssembly is still there');
    assert(nabla.backend().name === 'js', `backend ${nabla.backend().name}`);
    assert(nabla.wasmKernels() === null, `wasmKernels ${nabla.wasmKernels()}`);
  });
  await check("setBackend('wasm') throws a BackendError naming WebAssembly SIMD; js stays", () => {
    const message = throwsTyped(() => nabla.setBackend('wasm'), BackendError, /\[setBackend\] the wasm backend cannot run here: .*WebAssembly SIMD/);
    assert(nabla.backend().name === 'js', 'the backend changed');
    return message;
  });
  await check('setNumThreads(2) throws a BackendError', () => throwsTyped(() => nabla.setNumThreads(2), BackendError, /setNumThreads/));
  await check('an MLP trains on js', () => {
    const [first, last] = trainMlp();
    assert(last < first / 5, `loss went from ${first} to ${last}`);
    return `loss ${first.toFixed(4)} → ${last.toFixed(4)}`;
  });
}

async function cspWithoutBlobPage(): Promise<void> {
  await check('with the default thread count, workers that cannot start leave one thread and no error', async () => {
    const cores = g.navigator.hardwareConcurrency;
    assert(nabla.getNumThreads() === cores, `getNumThreads ${nabla.getNumThreads()}, cores ${cores}`);
    if (cores === 1) return 'one core: no workers to start';
    const a = nabla.ones([300, 300]);
    assert(a.matmul(a).max().item() === 300, 'the first product is wrong'); // starts the workers, runs on one thread
    await new Promise((resolve) => setTimeout(resolve, 200)); // the workers fail to start meanwhile
    assert(a.matmul(a).max().item() === 300, 'the product after the failure is wrong');
    assert(nabla.getNumThreads() === 1, `getNumThreads ${nabla.getNumThreads()} after the workers failed`);
    return `getNumThreads() ${cores} → 1`;
  });
  await check('setNumThreads(2) without worker-src blob:: threadsReady() and the next product throw a BackendError; 1 thread works', async () => {
    let message = '';
    try {
      nabla.setNumThreads(2);
      await nabla.threadsReady();
    } catch (e) {
      assert(e instanceof BackendError, `expected a BackendError, got ${String(e)}`);
      message = e.message;
    }
    assert(message !== '', 'setNumThreads(2) and threadsReady() succeeded');
    const a = nabla.ones([300, 300]);
    throwsTyped(() => a.matmul(a), BackendError, /^\[wasm\] a Web Worker could not start/); // until the count changes
    nabla.setNumThreads(1);
    const c = nabla.ones([300, 300]).matmul(nabla.ones([300, 300]));
    assert(c.max().item() === 300, 'the product is wrong');
    return message;
  });
}

const PAGES: Record<string, () => Promise<void>> = {
  '/csp-no-blob/': cspWithoutBlobPage,
  '/plain/': plainPage,
  '/isolated/': isolatedPage,
  '/csp/': () => cspPage(false),
  '/csp-isolated/': () => cspPage(true),
  '/no-wasm/': noWasmPage,
};

const mode = g.location.pathname;
const run = PAGES[mode];
if (run === undefined) results.push({ name: `unknown page ${mode}`, ok: false, detail: '', ms: 0 });
else await check('the page ran to its end', run);
console.log(`NABLA_RESULTS ${JSON.stringify({ page: mode, results })}`);
