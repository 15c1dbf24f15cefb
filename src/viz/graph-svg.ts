/**
 * The graph behind a Tensor (or a scalar Value) as standalone SVG text, without Graphviz: the data of
 * `graphOf`, laid out in layers from left to right.
 *
 * Layout, in three steps:
 * 1. layers: longest path from the sources (each node one layer after its latest input), then each
 *    source moved up to just before its first consumer, so that a late input has a short edge;
 * 2. order within a layer: by the barycenter (mean position) of each node's inputs, layer by layer from
 *    the left, then of its consumers from the right, then of its inputs again: this removes most
 *    crossings; a node without neighbours on the side looked at keeps its place (stable sort);
 * 3. coordinates: a column per layer as wide as its widest box, each column centred vertically.
 * Text is measured as 12px monospace (7.2px a character), so boxes fit without a font at hand.
 */
import type { Tensor } from '../core/tensor.js';
import { buildGraph, checkDigits, nodeLines, type Graph, type GraphNode, type GraphOptions, type ValueLike } from './graph.js';
import { element, escapeXml, round } from './svg.js';
import { checkId, type Box } from './svg-frame.js';

/** Options of `graphToSvg`. */
export interface GraphSvgOptions extends GraphOptions {
  /** Digits after the point for data and grad values (default 4). */
  digits?: number;
  /** Prefix of the element ids (the arrowhead marker); give each graph inlined in one HTML page its own (default 'graph'). */
  id?: string;
}

const CHAR = 7.2;
const LINE = 16;
const PAD = { x: 8, y: 6 };
const GAP = { x: 40, y: 16 };
const MARGIN = 16;
const OP_HEIGHT = 28;

/**
 * An SVG drawing of the graph that produced `root`: a box per tensor (name from `options.names`,
 * dtype and shape, small values and, after `backward()`, the gradient), an ellipse per op, and arrows
 * input → op → output. Leaves that receive a gradient are blue, constant inputs dashed. Each node is a
 * `<g class="node tensor|value|op" data-id="n3">` (the id of `graphOf`), with a `<title>` tooltip;
 * an edge into an op carries the argument position as `data-input`. The output is deterministic. A scalar `Value` works too.
 * @example
 * const a = tensor([[1, 2]], { requiresGrad: true });
 * const w = tensor([[3], [4]], { requiresGrad: true });
 * const y = a.matmul(w).sum();
 * y.backward();
 * writeFileSync('graph.svg', graphToSvg(y, { names: { a, w } }));
 */
export function graphToSvg(root: Tensor | ValueLike, options: GraphSvgOptions = {}): string {
  const graph = buildGraph(root, options, 'graphToSvg');
  const digits = checkDigits(options.digits, 'graphToSvg');
  const { id = 'graph' } = options;
  checkId(id, 'graphToSvg');
  const lines = graph.nodes.map((node) => nodeLines(node, digits));
  const index = new Map(graph.nodes.map((n, i) => [n.id, i]));
  const { boxes, width, height } = layout(graph, lines, index);
  const ports = inputPorts(graph, boxes, index);
  const edges = graph.edges.map((e, k) => {
    const [port, inputs] = ports[k]!;
    const d = edgePath(boxes[index.get(e.from)!]!, boxes[index.get(e.to)!]!, e.input !== undefined, port, inputs);
    return element('path', {
      class: 'edge', 'data-input': e.input, d, fill: 'none', stroke: '#555', 'stroke-width': 1.2, 'marker-end': `url(#${id}-arrow)`,
    });
  });
  const nodes = graph.nodes.map((node, i) => drawNode(node, lines[i]!, boxes[i]!, i === graph.nodes.length - 1));
  const size = { width: round(width), height: round(height) };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" viewBox="0 0 ${size.width} ${size.height}" font-family="monospace" font-size="12">`,
    element('rect', { x: 0, y: 0, width, height, fill: 'white' }),
    element('defs', {}, element('marker', {
      id: `${id}-arrow`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto',
    }, element('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#555' }))),
    element('g', { class: 'edges' }, edges.join('')),
    element('g', { class: 'nodes' }, nodes.join('\n')),
    '</svg>\n',
  ].join('\n');
}

/** Box sizes, layers, order within layers and coordinates (see the file comment). */
function layout(graph: Graph, lines: readonly string[][], index: ReadonlyMap<string, number>): { boxes: Box[]; width: number; height: number } {
  const n = graph.nodes.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (const e of graph.edges) {
    preds[index.get(e.to)!]!.push(index.get(e.from)!);
    succs[index.get(e.from)!]!.push(index.get(e.to)!);
  }
  const sizes = graph.nodes.map((node, i) => measure(node, lines[i]!));
  const rows = orderRows(assignLayers(preds, succs), preds, succs);
  const boxes = new Array<Box>(n);
  const heights = rows.map((row) => row.reduce((h, i) => h + sizes[i]!.height, 0) + GAP.y * (row.length - 1));
  const inner = maxOf(heights);
  let x = MARGIN;
  rows.forEach((row, l) => {
    const colWidth = maxOf(row.map((i) => sizes[i]!.width));
    let y = MARGIN + (inner - heights[l]!) / 2;
    for (const i of row) {
      const { width, height } = sizes[i]!;
      boxes[i] = { x: x + (colWidth - width) / 2, y, width, height };
      y += height + GAP.y;
    }
    x += colWidth + GAP.x;
  });
  return { boxes, width: x - GAP.x + MARGIN, height: inner + 2 * MARGIN };
}

/** The largest of some numbers (no spread: a graph may have more nodes than a call has room for arguments). */
function maxOf(xs: readonly number[]): number {
  return xs.reduce((m, x) => Math.max(m, x), -Infinity);
}

function measure(node: GraphNode, lines: readonly string[]): { width: number; height: number } {
  const text = lines.reduce((w, line) => Math.max(w, line.length * CHAR), 0);
  if (node.kind === 'op') return { width: text + OP_HEIGHT + 2 * PAD.x, height: OP_HEIGHT };
  return { width: Math.max(text + 2 * PAD.x, 40), height: Math.max(lines.length, 1) * LINE + 2 * PAD.y };
}

/** Longest-path layers (nodes come in topological order), then sources moved next to their first consumer. */
function assignLayers(preds: readonly number[][], succs: readonly number[][]): number[] {
  const layer = preds.map(() => 0);
  preds.forEach((ps, i) => {
    for (const p of ps) layer[i] = Math.max(layer[i]!, layer[p]! + 1);
  });
  preds.forEach((ps, i) => {
    if (ps.length === 0 && succs[i]!.length > 0) layer[i] = succs[i]!.reduce((m, s) => Math.min(m, layer[s]!), Infinity) - 1;
  });
  return layer;
}

/**
 * The nodes of each layer in drawing order: sweeps left to right (by the mean position of a node's
 * inputs), right to left (of its consumers), and left to right again; a node without neighbours on
 * the side a sweep looks at keeps its place. Positions are indices centred on the layer's middle.
 */
function orderRows(layer: readonly number[], preds: readonly number[][], succs: readonly number[][]): number[][] {
  const rows: number[][] = Array.from({ length: maxOf(layer) + 1 }, () => []);
  layer.forEach((l, i) => rows[l]!.push(i));
  const pos = new Array<number>(layer.length).fill(0);
  for (const row of rows) row.forEach((i, k) => (pos[i] = k - (row.length - 1) / 2));
  sweep(rows, preds, pos);
  sweep([...rows].reverse(), succs, pos);
  sweep(rows, preds, pos);
  return rows;
}

/** Reorders each row in turn (in place) by the barycenter of its nodes' neighbours' positions. */
function sweep(rows: number[][], neighbours: readonly number[][], pos: number[]): void {
  for (const row of rows) {
    const keyed = row.map((i, k) => {
      const ns = neighbours[i]!;
      return { i, k, key: ns.length === 0 ? pos[i]! : ns.reduce((s, n) => s + pos[n]!, 0) / ns.length };
    });
    keyed.sort((a, b) => a.key - b.key || a.k - b.k);
    keyed.forEach(({ i }, k) => {
      row[k] = i;
      pos[i] = k - (row.length - 1) / 2;
    });
  }
}

/**
 * Where each edge enters its target: [port, ports] for an op with `ports` inputs, its inputs taking
 * ports top to bottom in the order their sources are drawn (so they don't cross; the argument position
 * is the path's `data-input`); [0, 1] into a tensor.
 */
function inputPorts(graph: Graph, boxes: readonly Box[], index: ReadonlyMap<string, number>): [number, number][] {
  const byTarget = new Map<string, number[]>();
  graph.edges.forEach((e, k) => {
    if (e.input === undefined) return;
    const ks = byTarget.get(e.to);
    if (ks === undefined) byTarget.set(e.to, [k]);
    else ks.push(k);
  });
  const ports = graph.edges.map((): [number, number] => [0, 1]);
  const centre = (k: number): number => {
    const box = boxes[index.get(graph.edges[k]!.from)!]!;
    return box.y + box.height / 2;
  };
  for (const ks of byTarget.values()) {
    const sorted = [...ks].sort((p, q) => centre(p) - centre(q) || graph.edges[p]!.input! - graph.edges[q]!.input!);
    sorted.forEach((k, port) => (ports[k] = [port, ks.length]));
  }
  return ports;
}

/**
 * A curve from the right side of `from` to the left side of `to`. Into an op, each input arrives at
 * its own port (`port` of `ports`, top to bottom), on the ellipse's outline.
 */
function edgePath(from: Box, to: Box, intoOp: boolean, port: number, ports: number): string {
  const x1 = from.x + from.width;
  const y1 = from.y + from.height / 2;
  let x2 = to.x;
  let y2 = to.y + to.height / 2;
  if (intoOp) {
    const rx = to.width / 2;
    const ry = to.height / 2;
    const dy = ports > 1 ? (port / (ports - 1) - 0.5) * ry : 0;
    x2 = to.x + rx - rx * Math.sqrt(1 - (dy / ry) ** 2);
    y2 += dy;
  }
  const mx = (x1 + x2) / 2;
  return `M${round(x1)},${round(y1)} C${round(mx)},${round(y1)} ${round(mx)},${round(y2)} ${round(x2)},${round(y2)}`;
}

function drawNode(node: GraphNode, lines: readonly string[], box: Box, isRoot: boolean): string {
  const cx = box.x + box.width / 2;
  const title = element('title', {}, escapeXml(lines.join('\n')));
  if (node.kind === 'op') {
    const shape = element('ellipse', { cx, cy: box.y + box.height / 2, rx: box.width / 2, ry: box.height / 2, fill: '#fef3c7', stroke: '#92400e' });
    const label = element('text', { x: cx, y: box.y + box.height / 2 + 4, 'text-anchor': 'middle' }, escapeXml(node.label));
    return element('g', { class: 'node op', 'data-id': node.id }, title + shape + label);
  }
  const constant = node.requiresGrad === false;
  const fill = constant ? '#f3f4f6' : node.leaf === true && node.requiresGrad === true ? '#dbeafe' : 'white';
  const rect = element('rect', {
    x: box.x, y: box.y, width: box.width, height: box.height, rx: 4, fill, stroke: '#333',
    'stroke-width': isRoot ? 2 : 1, 'stroke-dasharray': constant ? '4 3' : undefined,
  });
  const named = node.label !== '';
  const texts = lines.map((line, k) => element('text', {
    x: cx, y: box.y + PAD.y + LINE * (k + 1) - 4, 'text-anchor': 'middle', 'font-weight': named && k === 0 ? 'bold' : undefined,
  }, escapeXml(line)));
  return element('g', { class: `node ${node.kind}`, 'data-id': node.id }, title + rect + texts.join(''));
}
