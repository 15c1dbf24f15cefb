/**
 * The Model tab: loads a safetensors model of examples/mnist (the site's default model.safetensors, or a
 * file the user picks, e.g. from `npm start`'s run folder) into its worker (worker.ts), shows what the
 * worker describes (module tree with output shapes and parameter counts, weight histograms, conv1's
 * filters), and classifies the digit drawn on a 280 × 280 canvas (white ink on black) at the end of
 * each stroke: preprocess.ts turns the drawing into a 28 × 28 MNIST-like image, the worker answers the
 * 10 class probabilities, drawn here as bars.
 */
import { inkFromRgba, SIDE, toMnist } from './preprocess.js';
import type { FromModelWorker, LayerRow, ToModelWorker } from './protocol.js';

/** The browser types this view uses (see ../dom.ts for why they are declared here). */
interface Ctx {
  fillStyle: string;
  strokeStyle: string;
  lineWidth: number;
  lineCap: string;
  lineJoin: string;
  font: string;
  textAlign: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  createImageData(w: number, h: number): { data: Uint8ClampedArray };
  putImageData(image: { data: Uint8ClampedArray }, x: number, y: number): void;
}
interface PointerLike { clientX: number; clientY: number; pointerId: number; preventDefault(): void }
interface El {
  textContent: string | null;
  innerHTML: string;
  hidden: boolean;
  dataset: Record<string, string | undefined>;
  addEventListener(type: string, listener: (event: PointerLike) => void): void;
}
interface CanvasEl extends El {
  width: number;
  height: number;
  getContext(kind: '2d', options?: { willReadFrequently: boolean }): Ctx | null;
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  setPointerCapture(id: number): void;
}
interface FileInput extends El {
  files: ArrayLike<{ name: string; arrayBuffer(): Promise<ArrayBuffer> }> | null;
}
interface ModelWorker {
  postMessage(message: ToModelWorker, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: FromModelWorker }) => void): void;
  addEventListener(type: 'error', listener: (event: { message?: string }) => void): void;
}
interface Globals {
  document: { getElementById(id: string): El | null };
  Worker: new (url: URL, options: { type: 'module' }) => ModelWorker;
  fetch(url: URL): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

const { document, Worker, fetch } = globalThis as unknown as Globals;
const CANVAS = 280;
const CHART = { width: 320, height: 200 };

function byId<T extends El = El>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`index.html has no #${id}`);
  return element as T;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

let started = false;

/** Sets the view up (once: later calls do nothing); main.ts calls it when the tab first opens. */
export function initModelView(): void {
  if (started) return;
  started = true;
  const worker = new Worker(new URL('./model-worker.js', import.meta.url), { type: 'module' });
  const canvas = byId<CanvasEl>('digit-canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const preview = byId<CanvasEl>('digit-input').getContext('2d')!;
  const chart = byId<CanvasEl>('probabilities').getContext('2d')!;
  const status = byId('model-name');
  const prediction = byId('prediction');
  let loaded = 0;
  let requested = 0;

  function showError(message: string): void {
    const element = byId('model-error');
    element.hidden = false;
    element.textContent = message;
    console.error(`[explorer model] ${message}`);
  }

  function clear(): void {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, CANVAS, CANVAS);
    preview.fillStyle = '#000';
    preview.fillRect(0, 0, SIDE, SIDE);
    drawBars(null);
    prediction.textContent = 'draw a digit';
    delete prediction.dataset.value;
    delete prediction.dataset.probabilities;
  }

  /** Preprocesses the drawing and asks the worker for its class probabilities. */
  function classify(): void {
    const image = toMnist(inkFromRgba(ctx.getImageData(0, 0, CANVAS, CANVAS).data, CANVAS, CANVAS), CANVAS, CANVAS);
    if (image === null) return clear();
    const rgba = preview.createImageData(SIDE, SIDE);
    image.forEach((v, i) => rgba.data.set([v * 255, v * 255, v * 255, 255], 4 * i));
    preview.putImageData(rgba, 0, 0);
    if (loaded === 0) return;
    requested += 1;
    worker.postMessage({ type: 'predict', id: requested, pixels: image });
  }

  function drawBars(probabilities: number[] | null): void {
    const { width, height } = CHART;
    chart.fillStyle = '#fff';
    chart.fillRect(0, 0, width, height);
    const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
    const slot = width / 10;
    chart.font = '12px system-ui, sans-serif';
    chart.textAlign = 'center';
    for (let k = 0; k < 10; k++) {
      const p = probabilities?.[k] ?? 0;
      const h = p * (height - 40);
      chart.fillStyle = k === best ? '#0877bd' : '#9ab';
      chart.fillRect(k * slot + 4, height - 20 - h, slot - 8, h);
      chart.fillStyle = '#222';
      chart.fillText(String(k), k * slot + slot / 2, height - 5);
      if (probabilities) chart.fillText(p >= 0.995 ? '1' : p.toFixed(2).replace(/^0/, ''), k * slot + slot / 2, height - 24 - h);
    }
  }

  function showModel(message: Extract<FromModelWorker, { type: 'loaded' }>): void {
    loaded += 1;
    const meta = Object.entries(message.metadata).map(([k, v]) => `${k} ${v}`).join(', ');
    status.textContent = `${message.name}${meta ? ` (${meta})` : ''}, ${message.totalParams.toLocaleString('en-US')} parameters, backend ${message.backend}`;
    status.dataset.loaded = String(loaded);
    const row = (r: LayerRow): string => `<tr><td>${escape(r.name)}</td><td>${escape(r.type)}</td>`
      + `<td>${r.outputShape ? `[${r.outputShape.join(', ')}]` : '–'}</td><td class="num">${r.params.toLocaleString('en-US')}</td></tr>`;
    byId('model-summary').innerHTML = '<table><thead><tr><th>module</th><th>type</th><th>output shape</th><th>params</th></tr></thead>'
      + `<tbody>${message.rows.map(row).join('')}</tbody><tfoot><tr><td colspan="3">total (input [1, 1, 28, 28])</td>`
      + `<td class="num">${message.totalParams.toLocaleString('en-US')}</td></tr></tfoot></table>`;
    byId('model-filters').innerHTML = message.filters;
    byId('model-histograms').innerHTML = message.histograms.map((h) => h.svg).join('');
    classify();
  }

  worker.addEventListener('message', (event) => {
    const message = event.data;
    if (message.type === 'loaded') showModel(message);
    else if (message.type === 'prediction') {
      if (message.id !== requested) return; // a later stroke's answer is coming
      const p = message.probabilities;
      const best = p.indexOf(Math.max(...p));
      prediction.textContent = `prediction: ${best} (${(p[best]! * 100).toFixed(1)}%)`;
      prediction.dataset.value = String(best);
      prediction.dataset.probabilities = JSON.stringify(p);
      drawBars(p);
    } else showError(message.message);
  });
  worker.addEventListener('error', (event) => showError(`the model worker failed: ${event.message || 'could not load model-worker.js'}`));

  function load(name: string, bytes: ArrayBuffer): void {
    status.textContent = `loading ${name}…`;
    byId('model-error').hidden = true;
    worker.postMessage({ type: 'load', name, bytes }, [bytes]);
  }

  // ---- drawing: white strokes on black, classified when a stroke ends ----
  let drawing = false;
  const point = (event: PointerLike): [number, number] => {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) * CANVAS) / rect.width, ((event.clientY - rect.top) * CANVAS) / rect.height];
  };
  canvas.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    const [x, y] = point(event);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    const [x, y] = point(event);
    ctx.lineTo(x, y);
    ctx.stroke();
  });
  const end = (): void => {
    if (!drawing) return;
    drawing = false;
    classify();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  byId('digit-clear').addEventListener('click', clear);
  byId('digit-predict').addEventListener('click', classify);
  const file = byId<FileInput>('model-file');
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (chosen) chosen.arrayBuffer().then((bytes) => load(chosen.name, bytes), (e: unknown) => showError(String(e)));
  });

  clear();
  fetch(new URL('./model.safetensors', import.meta.url)).then(async (response) => {
    if (!response.ok) {
      status.textContent = `no default model in this site (HTTP ${response.status}): load one`;
      return;
    }
    load('model.safetensors (default)', await response.arrayBuffer());
  }).catch((e: unknown) => showError(`could not fetch the default model: ${String(e)}`));
}
