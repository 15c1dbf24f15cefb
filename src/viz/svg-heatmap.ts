/**
 * Heat maps and images as standalone SVG text: one coloured cell per matrix entry (row 0 at the
 * top, as matplotlib's imshow), row and column labels, values written in the cells, a colour bar.
 */
import { ArgumentError, ShapeError, check, fmt } from '../base/errors.js';
import { showShape } from '../base/shape.js';
import { Tensor } from '../core/tensor.js';
import { checkColormap, colormap, finiteRange, normalizeTo, textColorOn, type ColormapName } from './colormap.js';
import { element, round } from './svg.js';
import { checkId, checkInteger, checkText, svgDocument, svgText, toNumbers, type NumericData } from './svg-frame.js';
import { formatTick, niceTicks } from './ticks.js';

/** A matrix: row-major `data` with its size, an array of equally long rows, or a 2-d Tensor. */
export type MatrixInput = { data: NumericData; rows: number; cols: number } | readonly ArrayLike<number>[] | Tensor;

/** Options of `heatmap` and `imshow`. */
export interface HeatmapOptions {
  /** One label per row (left of the rows) and per column (under the columns). */
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Default 'viridis'. */
  colormap?: ColormapName;
  /** The values mapped to the ends of the colormap (default: the finite data's min and max); values beyond are clamped. */
  vmin?: number;
  vmax?: number;
  /** Write each value in its cell, in black or white, whichever reads better (default false). */
  annotate?: boolean;
  /** A colour bar with ticks on the right (default true for heatmap, false for imshow). */
  colorbar?: boolean;
  title?: string;
  /** Under the column labels, and rotated left of the row labels (e.g. 'predicted', 'true'). */
  xLabel?: string;
  yLabel?: string;
  /** Side of a cell in pixels (default: the matrix fits in about 480 px, between 2 and 48 px). */
  cellSize?: number;
  /** Prefix of the element ids (the colour bar's gradient) (default 'heatmap', or 'imshow'). */
  id?: string;
}

/** A checked matrix. */
interface Matrix {
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}

/**
 * An SVG heat map of a matrix, e.g. a confusion matrix with `annotate`, or attention weights: one
 * `<rect>` per cell (row-major, in a group of class 'cells'), coloured by `colormap` between `vmin`
 * and `vmax`. NaN cells are drawn magenta (a colour no colormap has) with class 'missing'.
 * @example
 * const svg = heatmap(confusion, { annotate: true, rowLabels: digits, colLabels: digits, xLabel: 'predicted', yLabel: 'true', title: 'MNIST' });
 * writeFileSync('confusion.svg', svg);
 */
export function heatmap(matrix: MatrixInput, options: HeatmapOptions = {}): string {
  return draw(matrix, options, 'heatmap', true);
}

/**
 * `heatmap` with matplotlib's imshow defaults: no colour bar (unless asked). Shows one 2-d array as
 * an image, row 0 at the top; for many images see `imageGrid`.
 * @example
 * const svg = imshow(image.reshape([28, 28]), { colormap: 'gray', cellSize: 4 });
 */
export function imshow(matrix: MatrixInput, options: HeatmapOptions = {}): string {
  return draw(matrix, options, 'imshow', false);
}

function draw(input: MatrixInput, options: HeatmapOptions, op: string, colorbarDefault: boolean): string {
  check(typeof options === 'object' && options !== null, ArgumentError, () => `[${op}] options must be an object, got ${fmt(options)}`);
  const m = toMatrix(input, op);
  const { colormap: cmap = 'viridis', annotate = false, colorbar = colorbarDefault, id = op } = options;
  checkColormap(cmap, op, 'colormap');
  checkId(id, op);
  for (const k of ['title', 'xLabel', 'yLabel'] as const) checkText(options[k], op, k);
  const rowLabels = checkLabels(options.rowLabels, m.rows, 'rowLabels', 'rows', op);
  const colLabels = checkLabels(options.colLabels, m.cols, 'colLabels', 'cols', op);
  const [vmin, vmax] = valueRange(m.data, options.vmin, options.vmax, op);
  const cell = options.cellSize === undefined ? Math.max(2, Math.min(48, Math.floor(480 / Math.max(m.rows, m.cols)))) : checkInteger(options.cellSize, 1, 1000, op, 'cellSize');
  const longestCol = Math.max(0, ...colLabels.map((l) => l.length));
  const rotate = longestCol * 7 > cell; // column labels that do not fit under their cell are written downwards
  const left = 12 + (options.yLabel === undefined ? 0 : 24) + (rowLabels.length === 0 ? 0 : 10 + 7 * Math.max(...rowLabels.map((l) => l.length)));
  const top = options.title === undefined ? 12 : 40;
  const [gridW, gridH] = [m.cols * cell, m.rows * cell];
  const below = (colLabels.length === 0 ? 6 : rotate ? 12 + 7 * longestCol : 22) + (options.xLabel === undefined ? 0 : 22);
  const width = Math.max(left + gridW + (colorbar ? 100 : 0) + 12, 8.5 * (options.title?.length ?? 0) + 24);
  const height = top + Math.max(gridH + below, colorbar ? 66 : 0) + 6;
  const [cells, values] = drawCells(m, left, top, cell, (v) => colormap(cmap, normalizeTo(v, vmin, vmax)), annotate);
  const body = [
    `<g class="cells" shape-rendering="crispEdges">${cells.join('')}</g>`,
    ...(annotate ? [`<g class="values">${values.join('')}</g>`] : []),
    ...rowLabels.map((l, r) => svgText(left - 6, top + r * cell + cell / 2 + 4, l, { 'text-anchor': 'end', class: 'row-label' })),
    ...colLabels.map((l, c) => colLabel(l, left + c * cell + cell / 2, top + gridH, rotate)),
    ...(options.title === undefined ? [] : [svgText(Math.max(left + gridW / 2, width / 2 - (colorbar ? 50 : 0)), 24, options.title, { 'text-anchor': 'middle', 'font-size': 15, 'font-weight': 'bold', class: 'title' })]),
    ...(options.xLabel === undefined ? [] : [svgText(left + gridW / 2, height - 10, options.xLabel, { 'text-anchor': 'middle', class: 'x-label' })]),
    ...(options.yLabel === undefined ? [] : [yLabel(options.yLabel, 20, top + gridH / 2)]),
    ...(colorbar ? [colorBar(cmap, vmin, vmax, left + gridW + 16, top, Math.max(gridH, 60), id)] : []),
  ];
  return svgDocument(width, height, options.title, body.join('\n'));
}

/** One rect per cell (row-major, from (left, top)) and, with `annotate`, the value written in each in a readable colour. */
function drawCells(m: Matrix, left: number, top: number, cell: number, color: (v: number) => string, annotate: boolean): [string[], string[]] {
  const cells: string[] = [];
  const values: string[] = [];
  for (let r = 0; r < m.rows; r++) {
    for (let c = 0; c < m.cols; c++) {
      const v = m.data[r * m.cols + c]!;
      const fill = color(v);
      const [x, y] = [left + c * cell, top + r * cell];
      cells.push(element('rect', { x, y, width: cell, height: cell, fill, class: Number.isNaN(v) ? 'missing' : undefined }));
      if (annotate) values.push(svgText(x + cell / 2, y + cell / 2 + 4, formatValue(v), { 'text-anchor': 'middle', 'font-size': Math.min(12, Math.max(6, cell * 0.35)), fill: textColorOn(fill), class: 'value' }));
    }
  }
  return [cells, values];
}

/** The matrix of any accepted form, checked: at least one row and column, data length rows × cols. */
function toMatrix(input: MatrixInput, op: string): Matrix {
  if (input instanceof Tensor) {
    check(input.ndim === 2, ShapeError, () => `[${op}] a Tensor matrix must be 2-d, got shape ${showShape(input.shape)} (reshape it first)`);
    return checkedSize({ data: toNumbers(input, op, 'matrix'), rows: input.shape[0]!, cols: input.shape[1]! }, op);
  }
  if (Array.isArray(input)) {
    const rows = input as readonly ArrayLike<number>[];
    check(rows.length > 0, ShapeError, () => `[${op}] matrix has no rows`);
    const data: number[] = [];
    rows.forEach((row, r) => {
      const values = toNumbers(row, op, `matrix[${r}]`);
      check(values.length === rows[0]!.length, ShapeError, () => `[${op}] matrix row ${r} has ${values.length} values but row 0 has ${rows[0]!.length}`);
      for (let c = 0; c < values.length; c++) data.push(values[c]!);
    });
    return checkedSize({ data, rows: rows.length, cols: rows[0]!.length }, op);
  }
  check(typeof input === 'object' && input !== null && 'data' in input, ArgumentError,
    () => `[${op}] matrix must be { data, rows, cols }, an array of rows or a 2-d Tensor, got ${fmt(input)}`);
  return checkedSize({ data: toNumbers(input.data, op, 'matrix.data'), rows: input.rows, cols: input.cols }, op);
}

function checkedSize(m: Matrix, op: string): Matrix {
  checkInteger(m.rows, 1, 100_000, op, 'rows');
  checkInteger(m.cols, 1, 100_000, op, 'cols');
  check(m.data.length === m.rows * m.cols, ShapeError,
    () => `[${op}] matrix.data has ${m.data.length} values, expected rows × cols = ${m.rows} × ${m.cols} = ${m.rows * m.cols}`);
  return m;
}

function checkLabels(labels: readonly string[] | undefined, n: number, arg: string, dim: string, op: string): readonly string[] {
  if (labels === undefined) return [];
  check(Array.isArray(labels) && labels.every((l) => typeof l === 'string'), ArgumentError, () => `[${op}] ${arg} must be an array of strings, got ${fmt(labels)}`);
  check(labels.length === n, ShapeError, () => `[${op}] ${arg} has ${labels.length} labels but the matrix has ${n} ${dim}`);
  return labels;
}

/** [vmin, vmax]: given, or the finite data's min and max ([0, 1] when there are none). */
function valueRange(data: ArrayLike<number>, vmin: number | undefined, vmax: number | undefined, op: string): [number, number] {
  for (const [name, v] of [['vmin', vmin], ['vmax', vmax]] as const) {
    check(v === undefined || Number.isFinite(v), ArgumentError, () => `[${op}] ${name} must be a finite number, got ${fmt(v)}`);
  }
  const [lo, hi] = finiteRange(data) ?? [0, 1];
  const range: [number, number] = [vmin ?? Math.min(lo, vmax ?? lo), vmax ?? Math.max(hi, vmin ?? hi)];
  check(range[0] <= range[1], ArgumentError, () => `[${op}] vmin must be <= vmax, got vmin=${range[0]} vmax=${range[1]}`);
  return range;
}

/** A value written in its cell: integers whole, others to 3 significant digits, NaN as 'NaN'. */
function formatValue(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));
}

function colLabel(label: string, x: number, y: number, rotate: boolean): string {
  if (!rotate) return svgText(x, y + 16, label, { 'text-anchor': 'middle', class: 'col-label' });
  return svgText(x + 4, y + 8, label, { 'text-anchor': 'start', transform: `rotate(90 ${round(x + 4)} ${round(y + 8)})`, class: 'col-label' });
}

function yLabel(label: string, x: number, y: number): string {
  return svgText(x, y, label, { 'text-anchor': 'middle', transform: `rotate(-90 ${round(x)} ${round(y)})`, class: 'y-label' });
}

/** A vertical gradient from vmin (bottom) to vmax (top), with nice ticks on its right. */
function colorBar(cmap: ColormapName, vmin: number, vmax: number, x: number, y: number, height: number, id: string): string {
  const stops = Array.from({ length: 21 }, (_, k) => element('stop', { offset: k / 20, 'stop-color': colormap(cmap, k / 20) }));
  const gradient = element('linearGradient', { id: `${id}-colorbar`, x1: 0, y1: 1, x2: 0, y2: 0 }, stops.join(''));
  const ticks = vmax > vmin ? niceTicks(vmin, vmax, Math.max(3, Math.round(height / 60)), false) : { values: [vmin], step: 1 };
  const at = (v: number): number => y + height - (vmax > vmin ? (v - vmin) / (vmax - vmin) : 0) * height;
  const marks = ticks.values.map((v) =>
    element('line', { x1: x + 16, y1: at(v), x2: x + 20, y2: at(v), stroke: '#333' }) + svgText(x + 23, at(v) + 4, formatTick(v, ticks.step), { class: 'tick' }));
  return [
    '<g class="colorbar">',
    `<defs>${gradient}</defs>`,
    element('rect', { x, y, width: 16, height, fill: `url(#${id}-colorbar)`, stroke: '#333', 'stroke-width': 0.5 }),
    ...marks,
    '</g>',
  ].join('');
}
