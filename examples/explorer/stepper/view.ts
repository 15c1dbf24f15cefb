/**
 * The Autograd graph tab: an expression and its inputs (or a preset) → the graph drawn as SVG with
 * clickable nodes, a details panel (inputs, local gradient rule, values), and Step / Back / Run / Reset
 * through backward() one node at a time in reverse topological order, highlighting the node and the
 * gradient it passes to each parent. After the last step the gradients are checked against nabla's
 * backward() and gradcheck, and for scalar expressions against nabla's `Value` engine (evaluate.ts).
 * Rendered as HTML text into `#view-graph` (no inline styles: the page's CSP has no 'unsafe-inline';
 * the SVG colours are presentation attributes).
 */
import { verify, type Verification } from './evaluate.js';
import { ParseError, parseExpression, parseInputs, type Ast } from './parser.js';
import { PRESETS } from './presets.js';
import { RULES, backwardSchedule, buildGraph, gradsAfter, type Schedule, type StepGraph, type StepNode } from './stepper.js';

/** The browser types this view uses (see ../dom.ts for why there is no DOM lib). */
interface El {
  innerHTML: string;
  textContent: string | null;
  hidden: boolean;
  value: string;
  disabled: boolean;
  dataset: Record<string, string | undefined>;
  closest(selector: string): El | null;
  addEventListener(type: 'click' | 'change' | 'submit' | 'keydown', listener: (event: { target: unknown; key?: string; preventDefault(): void }) => void): void;
}
interface Doc { getElementById(id: string): El | null }

const { document } = globalThis as unknown as { document: Doc };

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A number with 4 digits, exponent form when tiny or huge. */
export function fmtNumber(x: number): string {
  const a = Math.abs(x);
  if (!Number.isFinite(x)) return String(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return x.toExponential(2);
  return x.toFixed(4);
}

/** Values as nested brackets for their shape (at most 8 shown). */
export function fmtValues(values: ArrayLike<number>, shape: readonly number[]): string {
  if (shape.length === 0) return fmtNumber(values[0]!);
  if (values.length > 8) return `[${shape.join('×')} values]`;
  let k = 0;
  const dim = (d: number): string => (d === shape.length ? fmtNumber(values[k++]!) : `[${Array.from({ length: shape[d]! }, () => dim(d + 1)).join(', ')}]`);
  return dim(0);
}

const SKELETON = `
<div class="panel stepper-controls">
  <form id="stepper-form" autocomplete="off">
    <label>Preset <select id="stepper-preset">${PRESETS.map((p, i) => `<option value="${i}">${escape(p.name)}</option>`).join('')}</select></label>
    <label class="stacked">Expression <input id="stepper-expression" type="text" spellcheck="false"></label>
    <label class="stacked">Inputs <textarea id="stepper-inputs" rows="4" spellcheck="false"></textarea></label>
    <div class="buttons"><button type="submit" id="stepper-build">Build graph</button></div>
  </form>
  <p class="note">+ − × ÷ (or * /), ^ (pow), @ (matmul); exp, log, tanh, relu, sigmoid, sum, mean, transpose, pow(a, b), matmul(A, B).
  Inputs: <code>a = 2, W = [[1, 2], [3, 4]]</code>; numbers in the expression are constants. Everything is float64.</p>
  <p id="stepper-error" class="error" hidden></p>
</div>
<div class="panel stepper-graph-panel">
  <div class="buttons">
    <button type="button" id="stepper-reset">Reset</button>
    <button type="button" id="stepper-back">Back</button>
    <button type="button" id="stepper-step">Step</button>
    <button type="button" id="stepper-run">Run</button>
    <span id="stepper-status" class="note"></span>
  </div>
  <div id="stepper-graph" class="stepper-graph"></div>
  <p id="stepper-explain" class="stepper-explain"></p>
  <p class="note">Orange: the node whose backward step runs; green: the parents it passes a gradient to (the value on the arrow). Click a node for its details.</p>
</div>
<div class="panel stepper-side">
  <h2>Gradients of the inputs</h2>
  <table id="stepper-grads" class="stepper-table"></table>
  <div id="stepper-check"></div>
  <h2>Node</h2>
  <div id="stepper-details" class="stepper-details"><p class="note">Click a node.</p></div>
  <details><summary>nabla's graph of the same expression (graphToSvg, after backward())</summary><div id="stepper-nabla-graph"></div></details>
  <details><summary>nabla's Value graph (the scalar engine, graphToSvg, after backward())</summary><div id="stepper-value-graph"></div></details>
</div>`;

interface State {
  ast: Ast;
  graph: StepGraph;
  schedule: Schedule;
  verification: Verification;
  /** Steps done (0 … steps.length). */
  k: number;
  selected: number | null;
}

let state: State | null = null;
let timer: ReturnType<typeof setTimeout> | null = null;
let started = false;

function byId(id: string): El {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the stepper has no #${id}`);
  return element;
}

/** Fills `#view-graph` and loads the first preset; later calls do nothing. */
export function initStepper(): void {
  if (started) return;
  started = true;
  byId('view-graph').innerHTML = SKELETON;
  loadPreset(0);
  byId('stepper-preset').addEventListener('change', () => loadPreset(Number(byId('stepper-preset').value)));
  byId('stepper-form').addEventListener('submit', (event) => {
    event.preventDefault();
    build();
  });
  byId('stepper-step').addEventListener('click', () => { stop(); go(1); });
  byId('stepper-back').addEventListener('click', () => { stop(); go(-1); });
  byId('stepper-reset').addEventListener('click', () => { stop(); if (state) { state.k = 0; render(); } });
  byId('stepper-run').addEventListener('click', () => (timer === null ? run() : stop()));
  byId('stepper-graph').addEventListener('click', (event) => {
    const target = (event.target as El).closest('[data-node]');
    if (target === null || state === null) return;
    state.selected = Number(target.dataset.node);
    render();
  });
}

function loadPreset(i: number): void {
  const preset = PRESETS[i]!;
  byId('stepper-expression').value = preset.expression;
  byId('stepper-inputs').value = preset.inputs.replace(/, (?=[A-Za-z_]\w* =)/g, '\n');
  build();
}

function showError(message: string): void {
  const element = byId('stepper-error');
  element.hidden = message === '';
  element.textContent = message;
}

function build(): void {
  stop();
  const expression = byId('stepper-expression').value;
  try {
    const ast = parseExpression(expression);
    let inputs;
    try {
      inputs = parseInputs(byId('stepper-inputs').value);
    } catch (error) {
      if (error instanceof ParseError) throw new Error(`inputs: ${error.message}`);
      throw error;
    }
    const graph = buildGraph(ast, inputs);
    const schedule = backwardSchedule(graph);
    const verification = verify(ast, graph, schedule);
    state = { ast, graph, schedule, verification, k: 0, selected: null };
    showError('');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const caret = error instanceof ParseError && !message.startsWith('inputs') ? `\n${expression}\n${' '.repeat(error.pos)}^` : '';
    showError(`${message}${caret}`);
    return;
  }
  render();
}

function go(delta: number): void {
  if (state === null) return;
  state.k = Math.max(0, Math.min(state.schedule.steps.length, state.k + delta));
  render();
}

function run(): void {
  if (state === null) return;
  if (state.k >= state.schedule.steps.length) state.k = 0;
  byId('stepper-run').textContent = 'Pause';
  const tick = (): void => {
    go(1);
    if (state !== null && state.k < state.schedule.steps.length) timer = setTimeout(tick, 400);
    else stop();
  };
  timer = setTimeout(tick, 0);
}

function stop(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (started) byId('stepper-run').textContent = 'Run';
}

const nodeTitle = (n: StepNode): string => (n.kind === 'op' ? n.label : n.kind === 'constant' ? `const ${n.label}` : n.label);

function render(): void {
  if (state === null) return;
  const { graph, schedule, k } = state;
  const steps = schedule.steps;
  const grads = gradsAfter(graph, schedule, k);
  const current = k > 0 ? steps[k - 1]! : null;
  const status = byId('stepper-status');
  status.textContent = k === 0 ? `step 0 / ${steps.length}: forward done, root gradient seeded with 1`
    : `step ${k} / ${steps.length}: backward of ${nodeTitle(graph.nodes[current!.node]!)}`;
  status.dataset.step = String(k);
  status.dataset.steps = String(steps.length);
  byId('stepper-graph').innerHTML = drawGraph(graph, schedule, grads, k, state.selected);
  byId('stepper-explain').textContent = current === null ? 'Press Step to run backward() one node at a time.'
    : current.passes.length === 0 ? `${nodeTitle(graph.nodes[current.node]!)} is a leaf: its gradient ${fmtValues(current.grad, graph.nodes[current.node]!.shape)} is complete.`
      : `${nodeTitle(graph.nodes[current.node]!)} (g = ${fmtValues(current.grad, graph.nodes[current.node]!.shape)}) passes ${current.passes
        .map((p) => `${fmtValues(p.grad, graph.nodes[p.parent]!.shape)} to ${nodeTitle(graph.nodes[p.parent]!)} (${p.rule})`).join('; ')}`;
  // the inputs' gradients so far
  const rows = graph.nodes.map((n, i) => [n, i] as const).filter(([n, i]) => n.kind === 'input' && schedule.topo.includes(i));
  byId('stepper-grads').innerHTML = `<tr><th>input</th><th>value</th><th>∂out/∂input so far</th></tr>${rows.map(([n, i]) => {
    const g = grads[i];
    const value = g === null || g === undefined ? new Float64Array(n.data.length) : g;
    return `<tr data-name="${escape(n.label)}" data-value="${escape(JSON.stringify(Array.from(value)))}"><td>${escape(n.label)}</td><td>${escape(fmtValues(n.data, n.shape))}</td><td class="grad">${escape(fmtValues(value, n.shape))}</td></tr>`;
  }).join('')}`;
  renderCheck(k === steps.length);
  renderDetails(grads);
  byId('stepper-nabla-graph').innerHTML = state.verification.svg;
  const ve = state.verification.valueEngine;
  byId('stepper-value-graph').innerHTML = !ve.applicable ? `<p class="note">Not drawn: ${escape(ve.reason)}.</p>`
    : ve.svg !== '' ? ve.svg : `<p class="error">${escape(ve.error)}</p>`;
}

function renderCheck(done: boolean): void {
  const element = byId('stepper-check');
  const v = state!.verification;
  element.dataset.done = String(done);
  element.dataset.matches = String(v.matches);
  element.dataset.gradcheck = String(v.gradcheck === true);
  const ve = v.valueEngine;
  element.dataset.value = !ve.applicable ? 'n/a' : String(ve.matches);
  if (!done) {
    element.innerHTML = '<p class="note">After the last step the gradients are checked against nabla.</p>';
    return;
  }
  const maxDiff = Math.max(0, ...v.inputs.map((x) => x.maxDiff));
  element.innerHTML = `<p class="${v.matches ? 'ok' : 'error'}">nabla backward(): ${v.matches ? 'same gradients' : 'DIFFERENT gradients'} (max |Δ| ${maxDiff.toExponential(1)})</p>`
    + `<p class="${v.gradcheck === true ? 'ok' : 'error'}">gradcheck (central differences): ${v.gradcheck === true ? 'passed' : escape(v.gradcheck)}</p>`
    + (!ve.applicable ? `<p class="note">Value engine: not applicable (${escape(ve.reason)})</p>`
      : ve.error !== '' ? `<p class="error">Value engine: ${escape(ve.error)}</p>`
        : `<p class="${ve.matches ? 'ok' : 'error'}">Value engine: ${ve.matches ? 'same gradients' : 'DIFFERENT gradients'} (max |Δ| ${Math.max(0, ...ve.inputs.map((x) => x.maxDiff)).toExponential(1)})</p>`);
}

function renderDetails(grads: (Float64Array | null)[]): void {
  const s = state!;
  const element = byId('stepper-details');
  if (s.selected === null) {
    element.innerHTML = '<p class="note">Click a node.</p>';
    return;
  }
  const n = s.graph.nodes[s.selected]!;
  const g = grads[s.selected];
  const rows: [string, string][] = [
    ['node', `${n.id}: ${nodeTitle(n)} (${n.kind})`],
    ['shape, dtype', `[${n.shape.join(', ')}] float64`],
    ['data', fmtValues(n.data, n.shape)],
    ['grad so far', g === null || g === undefined ? (n.requiresGrad ? '0 (nothing passed yet)' : 'none (needs no gradient)') : fmtValues(g, n.shape)],
  ];
  n.inputs.forEach((p, i) => {
    const parent = s.graph.nodes[p]!;
    rows.push([`input ${i}`, `${parent.id} ${nodeTitle(parent)} = ${fmtValues(parent.data, parent.shape)}`]);
  });
  if (n.op !== null) RULES[n.op].forEach((rule, i) => rows.push([`rule ${i}`, rule]));
  const step = s.schedule.steps.findIndex((st) => st.node === s.selected);
  if (step >= 0) rows.push(['backward step', `${step + 1} of ${s.schedule.steps.length}`]);
  element.innerHTML = `<table class="stepper-table">${rows.map(([a, b]) => `<tr><th>${escape(a)}</th><td>${escape(b)}</td></tr>`).join('')}</table>`;
}

// ---- drawing ----
const CHAR = 7.2;
const LINE = 15;
const GAP_X = 56;
const GAP_Y = 18;

function drawGraph(graph: StepGraph, schedule: Schedule, grads: (Float64Array | null)[], k: number, selected: number | null): string {
  const current = k > 0 ? schedule.steps[k - 1]! : null;
  const receiving = new Map((current?.passes ?? []).map((p) => [p.parent, p]));
  const done = new Set(schedule.steps.slice(0, k).map((s) => s.node));
  const order = schedule.topo;
  const layer = new Map<number, number>();
  for (const id of order) layer.set(id, Math.max(0, ...graph.nodes[id]!.inputs.map((p) => layer.get(p)! + 1)));
  // move each source next to its first consumer
  for (const id of order) {
    const n = graph.nodes[id]!;
    if (n.inputs.length > 0) continue;
    const consumers = order.filter((c) => graph.nodes[c]!.inputs.includes(id)).map((c) => layer.get(c)!);
    if (consumers.length > 0) layer.set(id, Math.min(...consumers) - 1);
  }
  const lines = new Map<number, string[]>();
  for (const id of order) {
    const n = graph.nodes[id]!;
    const g = grads[id];
    const text = [nodeTitle(n), `float64 [${n.shape.join(', ')}]`, `data ${fmtValues(n.data, n.shape)}`];
    if (n.requiresGrad) text.push(`grad ${g === null || g === undefined ? '–' : fmtValues(g, n.shape)}`);
    lines.set(id, text);
  }
  const columns: number[][] = [];
  for (const id of order) (columns[layer.get(id)!] ??= []).push(id);
  const box = new Map<number, { x: number; y: number; w: number; h: number }>();
  let x = 12;
  let height = 0;
  const colHeights = columns.map((col) => col.reduce((s, id) => s + lines.get(id)!.length * LINE + 10 + GAP_Y, -GAP_Y));
  const maxH = Math.max(...colHeights);
  columns.forEach((col, c) => {
    const w = Math.max(...col.map((id) => Math.max(...lines.get(id)!.map((l) => l.length)) * CHAR + 16));
    let y = 12 + (maxH - colHeights[c]!) / 2;
    for (const id of col) {
      const h = lines.get(id)!.length * LINE + 10;
      box.set(id, { x, y, w, h });
      y += h + GAP_Y;
    }
    height = Math.max(height, y);
    x += w + GAP_X;
  });
  const width = x - GAP_X + 12;
  const edges: string[] = [];
  const labels: string[] = [];
  for (const id of order) {
    const n = graph.nodes[id]!;
    const to = box.get(id)!;
    n.inputs.forEach((p, i) => {
      const from = box.get(p)!;
      const pass = current !== null && current.node === id ? current.passes.find((q) => q.input === i) : undefined;
      const x1 = from.x + from.w;
      const y1 = from.y + from.h / 2;
      const x2 = to.x;
      const y2 = to.y + (to.h * (i + 1)) / (n.inputs.length + 1);
      const mx = (x1 + x2) / 2;
      edges.push(`<path class="edge${pass ? ' passing' : ''}" d="M${x1.toFixed(1)},${y1.toFixed(1)} C${mx.toFixed(1)},${y1.toFixed(1)} ${mx.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}" fill="none" stroke="${pass ? '#1b873f' : '#888'}" stroke-width="${pass ? 3 : 1.2}" marker-end="url(#stepper-arrow)"/>`);
      if (pass) {
        const text = `← ${fmtValues(pass.grad, graph.nodes[p]!.shape)}`;
        const tw = text.length * CHAR + 6;
        labels.push(`<g class="pass-label"><rect x="${(mx - tw / 2).toFixed(1)}" y="${((y1 + y2) / 2 - 11).toFixed(1)}" width="${tw.toFixed(1)}" height="16" rx="3" fill="#e7f6ec" stroke="#1b873f"/>`
          + `<text x="${mx.toFixed(1)}" y="${((y1 + y2) / 2 + 1).toFixed(1)}" text-anchor="middle" fill="#1b873f">${escape(text)}</text></g>`);
      }
    });
  }
  const nodes = order.map((id) => {
    const n = graph.nodes[id]!;
    const b = box.get(id)!;
    const isCurrent = current?.node === id;
    const fill = isCurrent ? '#fff1e0' : receiving.has(id) ? '#e7f6ec' : n.kind === 'input' ? '#eaf3fb' : n.kind === 'constant' ? '#f4f4f4' : '#ffffff';
    const stroke = isCurrent ? '#e07000' : receiving.has(id) ? '#1b873f' : n.kind === 'input' ? '#0877bd' : '#666';
    const texts = lines.get(id)!.map((l, j) => `<text x="${(b.x + 8).toFixed(1)}" y="${(b.y + 16 + j * LINE).toFixed(1)}"${j === 0 ? ' font-weight="bold"' : ''}>${escape(l)}</text>`).join('');
    const cls = ['node', n.kind, isCurrent ? 'current' : '', receiving.has(id) ? 'receiving' : '', done.has(id) ? 'done' : '', selected === id ? 'selected' : ''].filter(Boolean).join(' ');
    return `<g class="${cls}" data-node="${id}" data-label="${escape(n.label)}" cursor="pointer"><title>${escape(lines.get(id)!.join('\n'))}</title>`
      + `<rect x="${b.x.toFixed(1)}" y="${b.y.toFixed(1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="${n.kind === 'op' ? 14 : 4}" fill="${fill}" stroke="${stroke}" stroke-width="${isCurrent || receiving.has(id) || selected === id ? 3 : 1.2}"${n.kind === 'constant' ? ' stroke-dasharray="4 3"' : ''}/>${texts}</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${(height + 4).toFixed(0)}" viewBox="0 0 ${width.toFixed(0)} ${(height + 4).toFixed(0)}" font-family="monospace" font-size="12">`
    + '<defs><marker id="stepper-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>'
    + `${edges.join('')}${nodes.join('')}${labels.join('')}</svg>`;
}
