// The explorer's end-to-end test (`npm run test:explorer`; `-- --out DIR`, default runs/explorer-e2e-<time>):
// builds the site (examples/explorer/build.mjs) into DIR/site, serves it with examples/explorer/serve.mjs
// (COOP/COEP and the strict CSP) on 127.0.0.1, opens it in headless Chromium (playwright-core; CHROMIUM_PATH,
// else Debian's chromium) and checks that
//   - the page is cross-origin isolated and its training worker comes up (the backend it reports),
//   - on two moons the Playground's held-out accuracy reaches 95% within 10 s of pressing Start,
//   - the page draws >= 30 updates/s (its own count of frames drawn in the last second; the median of
//     the samples taken from 1.2 s after Start, training for at least 3 s),
//   - the other data sets train,
//   - the Autograd graph tab (stepperView): tanh(a*b + c) stepped through backward() with d/da right at
//     every step, final gradients equal to nabla's backward() and gradcheck (and to the scalar Value
//     engine's), every preset likewise,
//   - the Model tab (MNIST) loads the site's default model (summary, histograms, filters) and classifies
//     real MNIST test digits (loadMnist, 5 of different classes) painted onto its canvas: >= 4 of 5 right,
//   - the same folder served with no headers at all (any static host) trains moons to 95% as well,
//   - no console error, uncaught exception or failed request.
// Screenshots go to DIR. Prints each check and `N passed, N failed`; exits 1 on any failure.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildExplorer, outArgument } from '../examples/explorer/build.mjs';
import { serveExplorer } from '../examples/explorer/serve.mjs';

const root = resolve(import.meta.dirname, '..');
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const outDir = outArgument(process.argv.slice(2), join(root, 'runs', `explorer-e2e-${stamp}`));
const TARGET_ACCURACY = 0.95;
const ACCURACY_DEADLINE_MS = 10_000;
const MIN_UPDATES_PER_SECOND = 30;
const MIN_RUN_MS = 3_000;

const checks = [];
function check(name, ok, detail = '') {
  checks.push({ name, ok, detail });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

function findChromium() {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  const onPath = ['chromium', 'chromium-browser'].flatMap((name) => (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)));
  return ['/usr/lib/chromium/chromium', '/usr/bin/chromium', ...onPath].find((p) => existsSync(p)) ?? null;
}

/** The page's metrics, from the data-value attributes it sets on each frame. */
async function metrics(tab) {
  return tab.evaluate(() => {
    const read = (id) => Number(document.getElementById(id)?.dataset.value ?? NaN);
    return {
      step: read('step-count'), loss: read('loss'), train: read('train-accuracy'), test: read('test-accuracy'),
      updates: read('updates'), stepsPerSecond: read('steps-per-second'), drawMs: read('draw-ms'),
    };
  });
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Starts training on moons and watches the page: the time to TARGET_ACCURACY and the updates/s samples. */
async function trainMoons(tab, prefix = '') {
  await tab.selectOption('select[name=dataset]', 'moons');
  await tab.waitForFunction(() => document.getElementById('step-count')?.dataset.value === '0');
  await tab.screenshot({ path: join(outDir, `${prefix}1-moons-before.png`) });
  await tab.click('#start');
  const start = Date.now();
  let reachedMs = null;
  let last = null;
  const samples = [];
  for (;;) {
    await sleep(100);
    const elapsed = Date.now() - start;
    last = await metrics(tab);
    if (reachedMs === null && last.test >= TARGET_ACCURACY) reachedMs = elapsed;
    if (elapsed >= 1200) samples.push(last.updates);
    if (elapsed >= ACCURACY_DEADLINE_MS || (reachedMs !== null && elapsed >= MIN_RUN_MS)) break;
  }
  await tab.screenshot({ path: join(outDir, `${prefix}2-moons-trained.png`) });
  return { reachedMs, last, samples };
}

/** A new page at `url` whose console errors, uncaught exceptions and failed requests go to `errors`. */
async function openPage(browser, url, errors) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const tab = await context.newPage();
  tab.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  tab.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  tab.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  tab.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`); });
  await tab.goto(url);
  return { context, tab };
}

/** The same static folder from a host that sends no headers at all: not isolated, and it must still train. */
async function plainHost(browser, siteDir, errors) {
  const server = await serveExplorer({ dir: siteDir, port: 0, headers: {} });
  try {
    const { context, tab } = await openPage(browser, `http://127.0.0.1:${server.address().port}/`, errors);
    const isolated = await tab.evaluate(() => globalThis.crossOriginIsolated);
    const moons = await trainMoons(tab, 'plain-host-');
    const { last } = moons;
    check('plain static host (no headers): moons reaches 95% within 10 s', isolated === false && moons.reachedMs !== null,
      `crossOriginIsolated ${isolated}; ${moons.reachedMs === null ? 'not reached' : `after ${(moons.reachedMs / 1000).toFixed(1)} s`}; `
      + `test ${(last.test * 100).toFixed(1)}%; median ${median(moons.samples)} updates/s, ${last.stepsPerSecond.toFixed(0)} steps/s`);
    await context.close();
  } finally {
    server.close();
  }
}

/**
 * The Model tab: the default model loads and is described; MNIST test digits painted onto the canvas
 * (each pixel a 10 × 10 block of its grey level) are classified, at least MIN_DIGITS_RIGHT of them right;
 * a mouse stroke is classified too.
 */
async function modelView(browser, url, errors) {
  const MIN_DIGITS_RIGHT = 4;
  const { loadMnist } = await import('nabla');
  const { test } = await loadMnist();
  const labels = test.labels.toArray();
  const digits = [];
  for (let i = 0; i < labels.length && digits.length < 5; i++) {
    if (!digits.some((d) => d.label === labels[i])) digits.push({ index: i, label: labels[i], pixels: Array.from(test.images.narrow(0, i, 1).toTypedArray()) });
  }
  const { context, tab } = await openPage(browser, url, errors);
  try {
    await tab.click('nav .tab[data-view=mnist]');
    const loaded = await tab.waitForFunction(() => document.getElementById('model-name')?.dataset.loaded === '1', undefined, { timeout: 30_000 })
      .then(() => true, () => false);
    const described = await tab.evaluate(() => ({
      name: document.getElementById('model-name')?.textContent ?? '',
      rows: [...document.querySelectorAll('#model-summary tbody tr')].map((tr) => tr.textContent),
      histograms: document.querySelectorAll('#model-histograms svg').length,
      filters: document.querySelectorAll('#model-filters svg').length,
    }));
    check('model tab: the default model loads, with its module tree, weight histograms and conv1 filters',
      loaded && described.rows.some((r) => /conv1.*\[1, 16, 28, 28\]/.test(r)) && described.histograms >= 4 && described.filters === 1,
      `${described.name}; ${described.rows.length} modules; ${described.histograms} histograms; ${described.filters} filter grid`);
    const results = [];
    for (const digit of digits) {
      await tab.click('#digit-clear');
      await tab.evaluate((pixels) => {
        const ctx = document.getElementById('digit-canvas').getContext('2d');
        ctx.fillStyle = '#000';
        ctx.fillRect(0, 0, 280, 280);
        pixels.forEach((v, i) => {
          if (v <= 0) return;
          const g = Math.round(v * 255);
          ctx.fillStyle = `rgb(${g}, ${g}, ${g})`;
          ctx.fillRect((i % 28) * 10, Math.floor(i / 28) * 10, 10, 10);
        });
      }, digit.pixels);
      await tab.click('#digit-predict');
      const predicted = await tab.waitForFunction(() => document.getElementById('prediction')?.dataset.value, undefined, { timeout: 10_000 })
        .then((h) => h.jsonValue().then(Number), () => null);
      const probabilities = JSON.parse(await tab.getAttribute('#prediction', 'data-probabilities') ?? '[]');
      results.push({ ...digit, predicted, p: predicted === null ? NaN : probabilities[predicted] });
      await tab.screenshot({ path: join(outDir, `8-model-digit-${digit.label}.png`) });
    }
    const right = results.filter((r) => r.predicted === r.label).length;
    check(`model tab: MNIST test digits drawn on the canvas are classified (>= ${MIN_DIGITS_RIGHT} of ${results.length} right)`, right >= MIN_DIGITS_RIGHT,
      `${right}/${results.length}: ${results.map((r) => `#${r.index} ${r.label}→${r.predicted} (p ${r.p.toFixed(3)})`).join(', ')}`);
    // a stroke with the mouse: a vertical bar, classified when the stroke ends
    await tab.click('#digit-clear');
    const box = await tab.locator('#digit-canvas').boundingBox();
    await tab.mouse.move(box.x + 150, box.y + 40);
    await tab.mouse.down();
    await tab.mouse.move(box.x + 135, box.y + 240, { steps: 20 });
    await tab.mouse.up();
    const stroke = await tab.waitForFunction(() => document.getElementById('prediction')?.dataset.value, undefined, { timeout: 10_000 })
      .then((h) => h.jsonValue(), () => null);
    await tab.screenshot({ path: join(outDir, '9-model-stroke.png'), fullPage: true });
    check('model tab: a mouse stroke is classified when it ends', stroke !== null, `a vertical stroke → ${stroke}`);
  } finally {
    await context.close();
  }
}

/**
 * The Autograd graph tab: tanh(a·b + c) typed in, stepped through backward() node by node; d/da shown at
 * each step must be 0 until mul has passed its gradient, then (1 − tanh²(ab + c))·b; the final gradients,
 * nabla's backward() and gradcheck; then every preset runs to its end with both checks passing.
 */
async function stepperView(tab) {
  await tab.click('nav .tab[data-view=graph]');
  await tab.waitForSelector('#stepper-status[data-steps]', { timeout: 10_000 });
  const [a, b, c] = [0.5, -1, 0.25];
  await tab.fill('#stepper-expression', 'tanh(a*b + c)');
  await tab.fill('#stepper-inputs', `a = ${a}, b = ${b}, c = ${c}`);
  await tab.click('#stepper-build');
  const t = Math.tanh(a * b + c);
  const expected = { a: (1 - t * t) * b, b: (1 - t * t) * a, c: 1 - t * t };
  const read = () => tab.evaluate(() => {
    const status = document.getElementById('stepper-status');
    const grads = Object.fromEntries([...document.querySelectorAll('#stepper-grads tr[data-name]')].map((r) => [r.dataset.name, JSON.parse(r.dataset.value)[0]]));
    const current = document.querySelector('#stepper-graph .node.current')?.getAttribute('data-label') ?? null;
    const passing = [...document.querySelectorAll('#stepper-graph .pass-label text')].map((e) => e.textContent);
    return { step: Number(status.dataset.step), steps: Number(status.dataset.steps), grads, current, passing };
  });
  const first = await read();
  const order = [];
  const wrong = [];
  let reached = false;
  for (let k = 1; k <= first.steps; k++) {
    await tab.click('#stepper-step');
    const s = await read();
    order.push(s.current);
    if (s.current === 'mul') {
      reached = true;
      await tab.screenshot({ path: join(outDir, 'stepper-1-mul-step.png') });
    }
    const want = reached ? expected.a : 0;
    if (s.step !== k || Math.abs(s.grads.a - want) > 1e-12) wrong.push(`step ${s.step} (${s.current}): d/da ${s.grads.a}, expected ${want}`);
  }
  check('stepper: tanh(a*b + c) steps tanh, add, c, mul, b, a with d/da right at every step', first.step === 0 && order.join() === 'tanh,add,c,mul,b,a' && wrong.length === 0,
    `order ${order.join(' → ')}; d/da = ${expected.a.toFixed(6)} from the mul step on${wrong.length ? `; ${wrong.join('; ')}` : ''}`);
  const last = await read();
  const gradsOk = Object.entries(expected).every(([name, v]) => Math.abs(last.grads[name] - v) < 1e-12);
  const verdict = await tab.evaluate(() => {
    const el = document.getElementById('stepper-check');
    return { done: el.dataset.done, matches: el.dataset.matches, gradcheck: el.dataset.gradcheck, value: el.dataset.value, text: el.textContent };
  });
  check('stepper: final gradients analytic, equal to nabla backward(), gradcheck passed',
    gradsOk && verdict.done === 'true' && verdict.matches === 'true' && verdict.gradcheck === 'true' && /gradcheck.*passed/.test(verdict.text),
    `a ${last.grads.a.toFixed(6)}, b ${last.grads.b.toFixed(6)}, c ${last.grads.c.toFixed(6)}; ${verdict.text.replace(/\s+/g, ' ').trim()}`);
  const valueGraph = await tab.evaluate(() => document.querySelectorAll('#stepper-value-graph svg g.node.value').length);
  const valueLine = /Value engine: [^(]*\([^)]*\)/.exec(verdict.text)?.[0] ?? verdict.text.replace(/\s+/g, ' ').trim();
  check("stepper: nabla's Value engine gives the same gradients for tanh(a*b + c) and draws its graph",
    verdict.value === 'true' && /Value engine: same gradients/.test(verdict.text) && valueGraph === 6, `${valueLine}; Value graph: ${valueGraph} value nodes`);
  await tab.click('#stepper-graph .node[data-label=tanh]');
  const details = await tab.textContent('#stepper-details');
  check('stepper: clicking a node shows its inputs and local rule', /input 0/.test(details ?? '') && /1 − y²/.test(details ?? ''), (details ?? '').slice(0, 120));
  await tab.screenshot({ path: join(outDir, 'stepper-2-done.png') });

  const presets = await tab.$$eval('#stepper-preset option', (os) => os.map((o) => [o.value, o.textContent]));
  const results = [];
  for (const [value, name] of presets) {
    await tab.selectOption('#stepper-preset', value);
    const steps = Number(await tab.getAttribute('#stepper-status', 'data-steps'));
    for (let k = 0; k < steps; k++) await tab.click('#stepper-step');
    const v = await tab.evaluate(() => ({ ...document.getElementById('stepper-check').dataset, error: document.getElementById('stepper-error').hidden ? '' : document.getElementById('stepper-error').textContent }));
    results.push({ name, steps, ok: v.done === 'true' && v.matches === 'true' && v.gradcheck === 'true' && v.error === '' });
    if (name === 'one attention head') await tab.screenshot({ path: join(outDir, 'stepper-3-attention.png'), fullPage: true });
  }
  check('stepper: every preset steps to the end and matches nabla and gradcheck', results.length >= 5 && results.every((r) => r.ok),
    results.map((r) => `${r.name}: ${r.steps} steps ${r.ok ? 'ok' : 'FAILED'}`).join('; '));
  await tab.fill('#stepper-expression', 'tanh(a*b + )');
  await tab.click('#stepper-build');
  const error = await tab.textContent('#stepper-error');
  check('stepper: a syntax error is shown with its position', /at 12/.test(error ?? ''), (error ?? '').split('\n')[0]);
}

async function main() {
  mkdirSync(outDir, { recursive: true });
  const executablePath = findChromium();
  if (executablePath === null) {
    check('Chromium found', false, 'set CHROMIUM_PATH or install it (Debian: apt-get install -y chromium)');
    return;
  }
  const siteDir = join(outDir, 'site');
  await buildExplorer(siteDir);
  const server = await serveExplorer({ dir: siteDir, port: 0 });
  const url = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  console.log(`Chromium ${browser.version()}, ${url} (site: ${relative(root, siteDir)}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const errors = [];
  try {
    const { context, tab } = await openPage(browser, url, errors);
    const isolated = await tab.evaluate(() => globalThis.crossOriginIsolated);
    check('the page is cross-origin isolated (COOP/COEP) under the CSP', isolated === true);
    const backendText = await tab.waitForFunction(() => {
      const text = document.getElementById('backend')?.textContent ?? '–';
      return text !== '–' && text;
    }, undefined, { timeout: 30_000 }).then((h) => h.jsonValue(), (e) => `none (${e.message.split('\n')[0]})`);
    check('the training worker starts', /^wasm|^js/.test(backendText), `backend ${backendText}`);

    const moons = await trainMoons(tab);
    const { last } = moons;
    const reached = moons.reachedMs === null ? `not within ${ACCURACY_DEADLINE_MS / 1000} s` : `after ${(moons.reachedMs / 1000).toFixed(1)} s`;
    check(`moons: held-out accuracy >= ${TARGET_ACCURACY * 100}% within ${ACCURACY_DEADLINE_MS / 1000} s`, moons.reachedMs !== null,
      `${reached}; at ${last.step} steps: test ${(last.test * 100).toFixed(1)}%, train ${(last.train * 100).toFixed(1)}%, loss ${last.loss.toFixed(4)}`);
    const ups = median(moons.samples);
    check(`moons: >= ${MIN_UPDATES_PER_SECOND} updates/s drawn`, ups >= MIN_UPDATES_PER_SECOND,
      `median ${ups} (min ${Math.min(...moons.samples)}, max ${Math.max(...moons.samples)}, ${moons.samples.length} samples); `
      + `${last.stepsPerSecond.toFixed(0)} training steps/s; canvas frame ${last.drawMs.toFixed(1)} ms`);
    await tab.click('#start'); // pause
    // a frame already in flight may still arrive (slowly, on a loaded machine): wait until the count holds still
    let paused = await metrics(tab);
    for (let tries = 0; tries < 20; tries++) {
      await sleep(600);
      const again = await metrics(tab);
      if (again.step === paused.step) break;
      paused = again;
    }
    await tab.click('#step');
    await tab.waitForFunction((n) => Number(document.getElementById('step-count')?.dataset.value) === n + 1, paused.step, { timeout: 5000 }).catch(() => {});
    const stepped = await metrics(tab);
    check('Pause stops training and Step takes one step', stepped.step === paused.step + 1, `${paused.step} → ${stepped.step}`);

    for (const [i, dataset] of ['spirals', 'circles', 'xor'].entries()) {
      await tab.selectOption('select[name=dataset]', dataset);
      await tab.click('#start');
      await sleep(3000);
      const m = await metrics(tab);
      await tab.click('#start');
      await tab.screenshot({ path: join(outDir, `${3 + i}-${dataset}.png`) });
      check(`${dataset}: trains (3 s)`, m.step > 0 && Number.isFinite(m.loss), `${m.step} steps, test ${(m.test * 100).toFixed(1)}%, train ${(m.train * 100).toFixed(1)}%, ${m.updates} updates/s`);
    }

    await tab.selectOption('select[name=depth]', '3');
    await tab.selectOption('select[name=width]', '4');
    await tab.selectOption('select[name=activation]', 'relu');
    await tab.selectOption('select[name=l2]', '0.001');
    await tab.click('#start');
    await sleep(1500);
    const model = await metrics(tab);
    await tab.click('#start');
    const architecture = await tab.textContent('#architecture');
    check('the model controls rebuild the network (3 × 4 relu, L2 0.001) and it learns (loss < 0.5)', /2-4-4-4-1, relu/.test(architecture ?? '') && model.step > 0 && model.loss < 0.5,
      `${architecture}; ${model.step} steps, loss ${model.loss.toFixed(4)}`);

    await stepperView(tab);
    await context.close();
    await modelView(browser, url, errors);
    await plainHost(browser, siteDir, errors);
  } finally {
    await browser.close();
    server.close();
  }
  check('no console errors, uncaught exceptions or failed requests', errors.length === 0, errors.join(' | '));
}

try {
  await main();
} catch (error) {
  check('the test ran to its end', false, error instanceof Error ? error.message : String(error));
}
const failed = checks.filter((c) => !c.ok).length;
writeFileSync(join(outDir, 'results.json'), JSON.stringify(checks, null, 2));
console.log(`\nscreenshots and results in ${relative(process.cwd(), outDir)}`);
console.log(`${checks.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
