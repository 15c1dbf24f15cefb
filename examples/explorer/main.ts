/**
 * The explorer page: the view tabs, and the Playground's controls, worker and drawing. The worker
 * (worker.ts) trains; this thread only draws the frames it posts and acknowledges each one, so the
 * worker never sends faster than the page draws. "updates/s" counts the frames drawn in the last second.
 */
import type { Canvas, FormControl, PageElement, PageForm, PageGlobals } from './dom.js';
import { BoundaryView, context2d, drawCurves } from './draw.js';
import { initModelView } from './model/view.js';
import { initStepper } from './stepper/view.js';
import type { ActivationName, DataMessage, DatasetName, FrameMessage, PlaygroundConfig, ToWorker } from './protocol.js';

const { document, Worker } = globalThis as unknown as PageGlobals;

/** The element with this id, which the page must have. */
function byId<T extends PageElement = PageElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}

// ---- tabs ----
for (const tab of document.querySelectorAll('nav .tab')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('nav .tab')) other.removeAttribute('aria-current');
    tab.setAttribute('aria-current', 'page');
    for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== `view-${tab.dataset.view}`;
    if (tab.dataset.view === 'mnist') initModelView();
    if (tab.dataset.view === 'graph') initStepper();
  });
}

// ---- playground ----
const form = byId<PageForm>('controls');
const startButton = byId('start');
const boundary = new BoundaryView(context2d(byId<Canvas>('boundary')), 420);
const lossCtx = context2d(byId<Canvas>('loss-curve'));
const accuracyCtx = context2d(byId<Canvas>('accuracy-curve'));
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

let running = false;
let data: DataMessage | null = null;
let lastGrid: Float32Array | null = null;
/** The recorded metrics; halved (every other entry dropped) when they pass MAX_HISTORY. */
const history = { steps: [] as number[], loss: [] as number[], train: [] as number[], test: [] as number[] };
const MAX_HISTORY = 1000;
/** When the last frames were drawn (ms), for updates/s; and the last frames' drawing times. */
const frameTimes: number[] = [];
const drawTimes: number[] = [];

function send(message: ToWorker): void {
  worker.postMessage(message);
}

/** The form control of this name, which the page must have. */
function control(name: string): FormControl {
  const element = form.elements.namedItem(name);
  if (element === null) throw new Error(`index.html's form has no control named ${name}`);
  return element;
}

function readConfig(): PlaygroundConfig {
  const value = (name: string): string => control(name).value;
  return {
    dataset: value('dataset') as DatasetName,
    noise: Number(value('noise')),
    depth: Number(value('depth')),
    width: Number(value('width')),
    activation: value('activation') as ActivationName,
    learningRate: Number(value('learningRate')),
    l2: Number(value('l2')),
    seed: Math.max(0, Math.floor(Number(value('seed')) || 0)),
  };
}

/** Sends the settings and clears the view; training goes on if it was running. */
function configure(): void {
  const config = readConfig();
  const sizes = [2, ...Array<number>(config.depth).fill(config.width), 1];
  byId('architecture').textContent = `network ${sizes.join('-')}, ${config.depth > 0 ? config.activation : 'no hidden layer'}; loss: binary cross-entropy`;
  for (const list of Object.values(history)) list.length = 0;
  lastGrid = null;
  send({ type: 'configure', config });
}

function setRunning(on: boolean): void {
  running = on;
  startButton.textContent = on ? 'Pause' : 'Start';
  send({ type: on ? 'start' : 'pause' });
}

function showTest(): boolean {
  return control('showTest').checked;
}

function redrawBoundary(): void {
  if (data === null) return;
  const sets = [{ points: data.train, labels: data.trainLabels, hollow: false }];
  if (showTest()) sets.push({ points: data.test, labels: data.testLabels, hollow: true });
  boundary.draw(lastGrid, sets);
}

function record(frame: FrameMessage): void {
  const last = history.steps[history.steps.length - 1];
  if (last !== undefined && frame.step <= last) return; // a frame without new steps (after Step or a pause)
  history.steps.push(frame.step);
  history.loss.push(frame.loss);
  history.train.push(frame.trainAccuracy);
  history.test.push(frame.testAccuracy);
  if (history.steps.length > MAX_HISTORY) {
    for (const [key, list] of Object.entries(history)) history[key as keyof typeof history] = list.filter((_, i) => i % 2 === 0);
  }
}

function setMetric(id: string, text: string, value?: number): void {
  const element = byId(id);
  element.textContent = text;
  if (value !== undefined) element.dataset.value = String(value);
}

function drawFrame(frame: FrameMessage): void {
  const start = performance.now();
  lastGrid = frame.grid;
  record(frame);
  redrawBoundary();
  drawCurves(lossCtx, 360, 150, history.steps, [{ label: 'loss', colour: '#b00020', values: history.loss }], 0, null);
  drawCurves(accuracyCtx, 360, 150, history.steps, [
    { label: 'train accuracy', colour: '#0877bd', values: history.train },
    { label: 'test accuracy', colour: '#f59322', values: history.test },
  ], 0.4, 1);
  const now = performance.now();
  frameTimes.push(now);
  while (frameTimes[0]! < now - 1000) frameTimes.shift();
  drawTimes.push(now - start);
  if (drawTimes.length > 60) drawTimes.shift();
  const updates = running ? frameTimes.length : 0;
  const drawMs = drawTimes.reduce((a, b) => a + b, 0) / drawTimes.length;
  setMetric('step-count', String(frame.step), frame.step);
  setMetric('loss', frame.loss >= 0.001 ? frame.loss.toFixed(4) : frame.loss.toExponential(2), frame.loss);
  setMetric('train-accuracy', `${(frame.trainAccuracy * 100).toFixed(1)}%`, frame.trainAccuracy);
  setMetric('test-accuracy', `${(frame.testAccuracy * 100).toFixed(1)}%`, frame.testAccuracy);
  setMetric('updates', running ? String(updates) : '–', updates);
  setMetric('steps-per-second', running ? frame.stepsPerSecond.toFixed(0) : '–', frame.stepsPerSecond);
  setMetric('draw-ms', `${drawMs.toFixed(1)} ms`, drawMs);
}

function showError(message: string): void {
  const element = byId('error');
  element.hidden = false;
  element.textContent = message;
  console.error(`[explorer] ${message}`);
  if (running) setRunning(false);
}

worker.addEventListener('message', (event) => {
  const message = event.data;
  if (message.type === 'data') {
    data = message;
    byId('backend').textContent = message.backend;
    redrawBoundary();
  } else if (message.type === 'frame') {
    drawFrame(message);
    send({ type: 'ack' });
  } else {
    showError(message.message);
  }
});
worker.addEventListener('error', (event) => showError(`the training worker failed: ${event.message || 'could not load worker.js'}`));

startButton.addEventListener('click', () => setRunning(!running));
byId('step').addEventListener('click', () => {
  if (running) setRunning(false);
  send({ type: 'step' });
});
byId('reset').addEventListener('click', configure);
form.addEventListener('change', (event) => {
  const name = (event.target as FormControl).name;
  if (name === 'showTest') redrawBoundary();
  else if (name === 'learningRate' || name === 'l2') send({ type: 'tune', learningRate: readConfig().learningRate, l2: readConfig().l2 });
  else configure();
});
form.addEventListener('submit', (event) => event.preventDefault());
configure();
